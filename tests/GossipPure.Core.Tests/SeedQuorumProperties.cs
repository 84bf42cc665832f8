using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Core.Tests.Support;

namespace GossipPure.Core.Tests;

/// <summary>
/// Registration safety and liveness, driven through the real seed reducers by <see cref="SeedRun"/>, for every n from
/// 1 to 7. Safety is checked after every step: a peer in any seed's peer list holds a certificate of ⌊n/2⌋+1 distinct
/// seeds, each of which was seen (from the outside) to vote yes for that peer or to propose it.
/// </summary>
public sealed class SeedQuorumProperties
{
    [Property(MaxTest = 300)]
    public Property No_peer_enters_a_peer_list_without_a_quorum_of_real_yes_votes() =>
        Prop.ForAll(SeedScripts.Lossy, c => Shape(new SeedRun(c).Play()));

    [Property(MaxTest = 200)]
    public Property Without_loss_every_requested_peer_is_committed_at_every_seed() =>
        Prop.ForAll(SeedScripts.Lossless, c =>
        {
            var run = new SeedRun(c).Play();
            run.AssertAllCommittedEverywhere();
            return Shape(run);
        });

    [Property(MaxTest = 300)]
    public Property A_minority_of_colluding_seeds_cannot_force_a_commit() =>
        Prop.ForAll(SeedScripts.Colluding, c => Shape(new SeedRun(c).Play()));

    [Property(MaxTest = 200)]
    public Property Forgeries_by_a_minority_do_not_stop_honest_seeds_committing_real_peers() =>
        Prop.ForAll(SeedScripts.ColludingLossless, c =>
        {
            var run = new SeedRun(c);
            Assert.True(run.Honest >= Quorum.Of(c.SeedCount), $"the generator made {c.Colluders} colluders of {c.SeedCount}: the honest seeds are no quorum");
            run.Play().AssertAllCommittedEverywhere();
            return Shape(run);
        });

    /// <summary>What the cases covered, printed with the result: seed counts, restarts, later incarnations, commits.</summary>
    static Property Shape(SeedRun run)
    {
        var c = run.Case;
        var committed = run.World.Seeds.Values.Any(s => !s.Peers.IsEmpty);
        return true.ToProperty()
            .Collect($"{c.SeedCount} seeds")
            .Classify(c.Ops.Any(o => o is RestartOp), "a seed restarted")
            .Classify(c.Ops.Any(o => o is RequestOp { Incarnation: > 1 }), "a later incarnation asked")
            .Classify(run.World.Seeds.Values.Any(s => s.Peers.Values.Any(r => r.Incarnation > 1)), "a later incarnation committed")
            .Classify(c.Ops.Any(o => o is ForgeOp), "a forgery")
            .Classify(!committed, "nothing committed");
    }

    /// <summary>The forged-commit check itself must bite: an honest seed shown a colluders-only certificate keeps its list.</summary>
    [Theory]
    [InlineData(3, 1)]
    [InlineData(5, 2)]
    [InlineData(7, 3)]
    public void Colluders_only_certificate_with_repeated_names_is_refused(int n, int colluders)
    {
        var w = new World(n);
        var honest = World.SeedId(0);
        w.StartSeed(honest);
        var forgers = Enumerable.Range(n - colluders, colluders).Select(World.SeedId).ToArray();
        // Each colluder named many times, plus strangers: still fewer than a quorum of distinct seeds.
        var voters = toSeq(forgers.Concat(forgers).Concat(forgers).Append(SeedScripts.Stranger(1)).Append(SeedScripts.Stranger(2)).ToArray());
        var fx1 = w.Inject(forgers[0], honest, new RegisterCommit(SeedScripts.ForgedPeer, voters, 1));
        var fx2 = w.Inject(forgers[0], honest, new SeedSync(1, 0, 1, false, toSeq([new RegisterCommit(SeedScripts.ForgedPeer, voters, 1)]), Seq<DeadConfirmed>()));
        Assert.False(w.Seeds[honest].Peers.ContainsKey(SeedScripts.ForgedPeer));
        Assert.Contains(fx1, e => e is CommitIgnored c && c.Peer == SeedScripts.ForgedPeer);
        Assert.DoesNotContain(fx2, e => e is Send);
    }

    /// <summary>A certificate is counted by distinct seeds, so one seed named a quorum of times does not commit.</summary>
    [Fact]
    public void Quorum_counts_distinct_members_only()
    {
        var seeds = toSeq(Enumerable.Range(0, 5).Select(World.SeedId).ToArray());
        Assert.False(Quorum.IsReachedBy(seeds, toSeq([World.SeedId(0), World.SeedId(0), World.SeedId(0)])));
        Assert.False(Quorum.IsReachedBy(seeds, toSeq([World.SeedId(0), World.SeedId(1), SeedScripts.Stranger(1)])));
        Assert.True(Quorum.IsReachedBy(seeds, toSeq([World.SeedId(0), World.SeedId(1), World.SeedId(4)])));
        Assert.Equal([1, 2, 2, 3, 3, 4, 4], Enumerable.Range(1, 7).Select(Quorum.Of));
    }

    /// <summary>The driver does commit: one peer asks one seed of three and every seed ends with it.</summary>
    [Fact]
    public void Driver_commits_a_peer_at_every_seed()
    {
        var run = new SeedRun(new SeedCase(3, 1, 0, [new RequestOp(0, 1)])).Play();
        run.AssertAllCommittedEverywhere();
        var record = run.World.Seeds[World.SeedId(0)].Peers[World.PeerId(0)];
        Assert.True(record.Voters.Count >= 2);
        // The asking peer got its peer list from the seed it asked, and from no other.
        Assert.Equal([World.SeedId(1)], run.World.Outbox.Where(e => e.Message is PeerList).Select(e => e.From));
    }
}
