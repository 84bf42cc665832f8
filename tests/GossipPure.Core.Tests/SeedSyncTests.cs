using GossipPure.Core.Tests.Support;

namespace GossipPure.Core.Tests;

/// <summary>
/// Anti-entropy by versions (Seeds/SeedSync.cs): a seed answers "the changes after version k of my run" in chunks
/// bounded in entries and bytes, a request from another run gets everything, a lost answer is asked for again on the
/// next round, nothing whose certificate fails is applied, and every change to a node's entry moves it to a new version.
/// </summary>
public sealed class SeedSyncTests
{
    static readonly NodeId A = World.SeedId(0), B = World.SeedId(1), C = World.SeedId(2);
    static NodeId Peer(int i) => World.PeerId(i);

    /// <summary>Seeds A (and B, when <paramref name="both"/>) in a world of three; C stays outside.</summary>
    static World Seeds(bool both, ProtocolOptions? options = null)
    {
        var w = new World(3, options);
        w.StartSeed(A);
        if (both) w.StartSeed(B);
        return w;
    }

    /// <summary><paramref name="at"/> learns <paramref name="count"/> commits (peers 0..count-1) from C, with a quorum certificate.</summary>
    static void Commit(World w, NodeId at, int count, long incarnation = 1)
    {
        for (var i = 0; i < count; i++)
            w.Inject(C, at, new RegisterCommit(Peer(i), toSeq([at, C]), incarnation));
    }

    static SeedSync Answer(LanguageExt.Seq<Effect> fx, NodeId to) =>
        Assert.Single(fx.OfType<Send>().Where(s => s.To == to).Select(s => s.Message).OfType<SeedSync>());

    [Fact]
    public void A_request_gets_the_changes_after_its_version_in_order_and_a_request_from_another_run_gets_all()
    {
        var w = Seeds(both: false);
        Commit(w, A, 5);
        var run = w.Seeds[A].Run;
        Assert.Equal(5, w.Seeds[A].Version);

        var all = Answer(w.Inject(B, A, new SeedSyncRequest(run, 0)), B);
        Assert.Equal([Peer(0), Peer(1), Peer(2), Peer(3), Peer(4)], all.Commits.Map(c => c.Peer).ToArray());
        Assert.Equal((run, 0L, 5L, false), (all.Run, all.Since, all.Upto, all.More));

        var delta = Answer(w.Inject(B, A, new SeedSyncRequest(run, 3)), B);
        Assert.Equal([Peer(3), Peer(4)], delta.Commits.Map(c => c.Peer).ToArray());
        Assert.Equal((3L, 5L), (delta.Since, delta.Upto));

        var none = Answer(w.Inject(B, A, new SeedSyncRequest(run, 5)), B);
        Assert.True(none.Commits.IsEmpty && none.Removals.IsEmpty && !none.More);
        Assert.Equal(5, none.Upto);

        // The asker knew an earlier run of A (A restarted since): the versions it holds mean nothing now.
        var restarted = Answer(w.Inject(B, A, new SeedSyncRequest(run - 1, 3)), B);
        Assert.Equal(5, restarted.Commits.Count);
        Assert.Equal((0L, 5L), (restarted.Since, restarted.Upto));
    }

    [Fact]
    public void An_answer_is_a_chunk_bounded_in_entries_and_in_bytes_and_says_there_is_more()
    {
        var w = Seeds(both: false, ProtocolOptions.Default with { SeedSyncChunkEntries = 2 });
        Commit(w, A, 5);
        var run = w.Seeds[A].Run;
        var first = Answer(w.Inject(B, A, new SeedSyncRequest(run, 0)), B);
        Assert.Equal((2, 2L, true), (first.Commits.Count, first.Upto, first.More));
        var last = Answer(w.Inject(B, A, new SeedSyncRequest(run, 4)), B);
        Assert.Equal((1, 5L, false), (last.Commits.Count, last.Upto, last.More));

        // Bytes: a bound of one entry's worth lets one entry through (never none), and says there is more.
        var one = (int)FrameSize.OfItem(w.Seeds[A].CertificateOf(Peer(0), w.Seeds[A].Peers[Peer(0)]), MessageTable.CommitShape);
        var narrow = Seeds(both: false, ProtocolOptions.Default with { SeedSyncChunkBytes = one + 1 });
        Commit(narrow, A, 3);
        var chunk = Answer(narrow.Inject(B, A, new SeedSyncRequest(narrow.Seeds[A].Run, 0)), B);
        Assert.Equal((1, 1L, true), (chunk.Commits.Count, chunk.Upto, chunk.More));
        var tiny = Seeds(both: false, ProtocolOptions.Default with { SeedSyncChunkBytes = 1 });
        Commit(tiny, A, 3);
        Assert.Single(Answer(tiny.Inject(B, A, new SeedSyncRequest(tiny.Seeds[A].Run, 0)), B).Commits);
    }

    [Fact]
    public void A_seed_that_comes_back_catches_up_in_bounded_chunks_with_one_line_at_the_end()
    {
        var w = Seeds(both: true, ProtocolOptions.Default with { SeedSyncChunkEntries = 2 });
        Commit(w, B, 5);
        w.Connected(A, B);
        w.Drain();
        Assert.Equal(w.Seeds[B].Peers.Keys.ToArray(), w.Seeds[A].Peers.Keys.ToArray());
        var asked = w.SendsBy(n => n == A).Select(s => s.Send.Message).OfType<SeedSyncRequest>().Select(r => r.Since).ToArray();
        Assert.Equal([0L, 2, 4], asked);
        var caughtUp = Assert.Single(w.Trace.SelectMany(r => r.Effects).OfType<CaughtUpWithSeed>());
        Assert.Equal(new CaughtUpWithSeed(B, w.Seeds[B].Run, 5, 3, 5, 0), caughtUp);
        Assert.DoesNotContain(w.Trace.SelectMany(r => r.Effects), e => e is SyncedFromSeed);
        Assert.Equal(new SyncCursor(w.Seeds[B].Run, 5), w.Seeds[A].SyncedFrom[B]);

        // The next round asks only for what is new, and one new commit comes alone.
        Commit(w, B, 7);
        w.Fire(A, SeedReducer.SyncTimer);
        w.Drain();
        Assert.Contains(Peer(6), w.Seeds[A].Peers.Keys);
        Assert.Equal(7, w.Seeds[A].SyncedFrom[B].Upto);
        Assert.Contains(w.Trace.SelectMany(r => r.Effects), e => e is SyncedFromSeed s && s.Learned.ToArray().SequenceEqual([Peer(5), Peer(6)]));
    }

    [Fact]
    public void A_lost_answer_is_asked_for_again_on_the_next_round()
    {
        var w = Seeds(both: true);
        Commit(w, B, 3);
        w.Connected(A, B);
        w.Deliver(w.InFlight.Single());                      // A's request reaches B...
        w.Drop(Assert.Single(w.InFlight, e => e.Message is SeedSync));   // ...its answer is lost
        Assert.Empty(w.Seeds[A].Peers);
        w.Fire(A, SeedReducer.SyncTimer);
        w.Drain();
        Assert.Equal(3, w.Seeds[A].Peers.Count);
    }

    [Fact]
    public void A_chunk_that_does_not_continue_what_was_applied_is_ignored_whole()
    {
        var w = Seeds(both: false);
        var run = 1_700_000_000_000_000L;
        w.Inject(B, A, new SeedSync(run, 0, 5, false, toSeq([new RegisterCommit(Peer(0), toSeq([B, C]), 1)]), Seq<DeadConfirmed>()));
        Assert.Equal(new SyncCursor(run, 5), w.Seeds[A].SyncedFrom[B]);
        var before = w.Seeds[A];

        // It starts after version 7: versions 6 and 7 would be skipped.
        var fx = w.Inject(B, A, new SeedSync(run, 7, 9, false, toSeq([new RegisterCommit(Peer(1), toSeq([B, C]), 1)]), Seq<DeadConfirmed>()));
        Assert.Contains(new SyncChunkIgnored(B, run, 7, run, 5), fx);
        // Mid-way in a run this seed never heard of.
        fx = w.Inject(B, A, new SeedSync(run + 1, 3, 9, false, toSeq([new RegisterCommit(Peer(1), toSeq([B, C]), 1)]), Seq<DeadConfirmed>()));
        Assert.Contains(new SyncChunkIgnored(B, run + 1, 3, run, 5), fx);
        Assert.Equal(before.Peers, w.Seeds[A].Peers);
        Assert.Equal(before.SyncedFrom, w.Seeds[A].SyncedFrom);
        Assert.DoesNotContain(fx, e => e is Send);
    }

    [Fact]
    public void Entries_whose_certificate_fails_are_not_applied_and_the_rest_are()
    {
        var w = Seeds(both: false);
        var fx = w.Inject(B, A, new SeedSync(7, 0, 3, false,
            toSeq([new RegisterCommit(Peer(0), toSeq([B]), 1), new RegisterCommit(Peer(1), toSeq([B, C]), 1)]),
            toSeq([new DeadConfirmed(Peer(2), toSeq([C]), "crashed", None, 1)])));
        Assert.Equal([Peer(1)], w.Seeds[A].Peers.Keys.ToArray());
        Assert.False(w.Seeds[A].Removed.ContainsKey(Peer(2)));
        Assert.Contains(new SyncedFromSeed(B, toSeq([Peer(1)]), 0), fx);
    }

    [Fact]
    public void Every_change_to_a_node_moves_it_to_a_new_version_and_the_index_keeps_one_item_per_node()
    {
        var w = Seeds(both: false);
        Commit(w, A, 2);
        var s = w.Seeds[A];
        Assert.Equal(1, s.VersionOf[Peer(0)]);

        w.Inject(C, A, new RegisterCommit(Peer(0), toSeq([A, C]), 2));   // replaced by a newer incarnation
        var replaced = w.Seeds[A].VersionOf[Peer(0)];
        Assert.True(replaced > s.Version);

        w.Inject(C, A, new DeadConfirmed(Peer(0), toSeq([A, C]), "crashed", None, 2));   // removed
        var removed = w.Seeds[A];
        Assert.True(removed.VersionOf[Peer(0)] > replaced);
        Assert.Equal(removed.VersionOf.Count, removed.Changes.Count);
        Assert.All(removed.VersionOf, kv => Assert.Equal(kv.Key, removed.Changes[kv.Value]));

        // Asked for what changed after the replacement: the tombstone, and no commit of the removed peer.
        var delta = Answer(w.Inject(B, A, new SeedSyncRequest(removed.Run, replaced)), B);
        Assert.Empty(delta.Commits);
        Assert.Equal(Peer(0), Assert.Single(delta.Removals).Node);
    }

    [Fact]
    public void A_request_from_a_peer_is_not_answered()
    {
        var w = Seeds(both: false);
        Commit(w, A, 1);
        var fx = w.Inject(Peer(9), A, new SeedSyncRequest(0, 0));
        Assert.DoesNotContain(fx, e => e is Send);
        Assert.Contains(fx, e => e is MessageIgnored { Why: IgnoredBecause.SenderNotASeed });
    }
}
