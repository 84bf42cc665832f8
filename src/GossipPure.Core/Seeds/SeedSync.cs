namespace GossipPure.Core.Seeds;

/// <summary>
/// Anti-entropy between seeds, by versions: no message grows with the network.
/// Rules of this file: each seed numbers the changes to its table (a commit entered, a tombstone laid or replaced, a
/// peer removed) with a version of its own run; every node carries the version of its last change, and an index
/// version → node lists "the changes after k" in order without a scan. A seed asks each other seed for the changes
/// after the last version of its run it applied (SEED_SYNC_REQUEST) and gets them in chunks bounded in entries and
/// bytes (SEED_SYNC), asking again at once while the answer says there is more. Safety does not rest on versions:
/// every entry applied is checked by its certificate, as a REGISTER_COMMIT or DEAD_CONFIRMED is; a seed that lies
/// about versions can only slow its own sync.
/// </summary>
public static partial class SeedReducer
{
    /// <summary>Marks a change to <paramref name="node"/>'s entry (its commit or tombstone): it gets the next version.</summary>
    static SeedState Touch(SeedState s, NodeId node)
    {
        var version = s.Version + 1;
        var changes = s.VersionOf.Find(node).Case is long old ? s.Changes.Remove(old) : s.Changes;
        return s with
        {
            Version = version,
            VersionOf = s.VersionOf.AddOrUpdate(node, version),
            Changes = changes.Add(version, node),
        };
    }

    static SeedState OnSeedUp(SeedState s, NodeId seed, EffectList fx)
    {
        fx.Add(new SeedConnected(seed));
        fx.Send(seed, RequestFor(s, seed));
        return s with { SeedsUp = s.SeedsUp.TryAdd(seed), SeedsDown = s.SeedsDown.Remove(seed) };
    }

    /// <summary>What to ask <paramref name="seed"/> for: the changes after the last version of its run applied here.</summary>
    static SeedSyncRequest RequestFor(SeedState s, NodeId seed)
    {
        var at = s.SyncedFrom.Find(seed).IfNone(SyncCursor.None);
        return new SeedSyncRequest(at.Run, at.Upto);
    }

    /// <summary>Anti-entropy: a commit or removal lost on the way (or missed while a link was down) still arrives; so does a lost answer.</summary>
    static SeedState OnSyncTimer(SeedState s, EffectList fx)
    {
        fx.Timer(SyncTimer, s.Config.Options.SeedSyncMs);
        // To every other seed, up or not as far as this one knows: a seed that is down just fails to connect.
        foreach (var seed in s.Config.OtherSeeds) fx.Send(seed, RequestFor(s, seed));
        return s;
    }

    static SeedState OnSyncRequest(SeedState s, NodeId from, SeedSyncRequest r, EffectList fx)
    {
        // A run that is not this one (the asker knows none, or an earlier run of this seed): everything, from the start.
        fx.Send(from, ChunkAfter(s, r.Run == s.Run ? Math.Max(0, r.Since) : 0));
        return s;
    }

    /// <summary>
    /// The changes after version <paramref name="since"/>, in version order, as many as fit in a chunk: each changed
    /// node's tombstone and commit as this seed holds them now. At least one node goes in (a single entry is far
    /// below the frame limit: its fields are bounded by the codec).
    /// </summary>
    static SeedSync ChunkAfter(SeedState s, long since)
    {
        var o = s.Config.Options;
        var commits = new System.Collections.Generic.List<RegisterCommit>();
        var removals = new System.Collections.Generic.List<DeadConfirmed>();
        var upto = since;
        var more = false;
        var nodes = 0;
        long bytes = 0;
        if (since < s.Version)
            foreach (var (version, node) in s.Changes.FindRangePairs(since + 1, s.Version))
            {
                var tomb = s.Removed.Find(node);
                var commit = s.Peers.Find(node).Map(r => s.CertificateOf(node, r));
                var size = tomb.Map(t => FrameSize.OfItem(t, MessageTable.RemovalShape)).IfNone(0)
                           + commit.Map(c => FrameSize.OfItem(c, MessageTable.CommitShape)).IfNone(0);
                if (nodes > 0 && (nodes >= o.SeedSyncChunkEntries || bytes + size > o.SeedSyncChunkBytes))
                {
                    more = true;
                    break;
                }
                foreach (var t in tomb) removals.Add(t);
                foreach (var c in commit) commits.Add(c);
                bytes += size;
                nodes++;
                upto = version;
            }
        return new SeedSync(s.Run, since, upto, more, toSeq(commits.ToArray()), toSeq(removals.ToArray()));
    }

    static SeedState OnSync(SeedState s, NodeId from, SeedSync sync, EffectList fx)
    {
        var at = s.SyncedFrom.Find(from).IfNone(SyncCursor.None);
        // A chunk continues what was applied when it starts at or before it, in the same run; a new run starts from 0.
        var sameRun = sync.Run == at.Run;
        if (sameRun ? sync.Since > at.Upto : sync.Since != 0)
            return Reject(s, fx, new SyncChunkIgnored(from, sync.Run, sync.Since, at.Run, at.Upto));
        if (!sameRun) at = SyncCursor.None with { Run = sync.Run };
        (s, var learned, var removed) = Apply(s, from, sync, fx);
        if (sync.Upto <= at.Upto)
        {
            // Nothing after what was applied (no changes, or a repeated answer): the cursor stays, the catch-up goes on.
            if (learned.Count + removed > 0) fx.Add(new SyncedFromSeed(from, toSeq(learned.ToArray()), removed));
            return s with { SyncedFrom = s.SyncedFrom.AddOrUpdate(from, at) };
        }
        at = at with
        {
            Upto = sync.Upto,
            Chunks = at.Chunks + 1,
            Learned = at.Learned + learned.Count,
            Removed = at.Removed + removed,
        };
        if (sync.More)
        {
            // More to come: ask at once for the next chunk; one line when the catch-up ends, not one per chunk.
            fx.Send(from, new SeedSyncRequest(at.Run, at.Upto));
            return s with { SyncedFrom = s.SyncedFrom.AddOrUpdate(from, at) };
        }
        if (at.Chunks > 1) fx.Add(new CaughtUpWithSeed(from, at.Run, at.Upto, at.Chunks, at.Learned, at.Removed));
        else if (learned.Count + removed > 0) fx.Add(new SyncedFromSeed(from, toSeq(learned.ToArray()), removed));
        return s with { SyncedFrom = s.SyncedFrom.AddOrUpdate(from, at with { Chunks = 0, Learned = 0, Removed = 0 }) };
    }

    /// <summary>Applies a chunk: removals first (a commit is then checked against every tombstone it carries), each entry by its certificate.</summary>
    static (SeedState, System.Collections.Generic.List<NodeId> Learned, int Removed) Apply(SeedState s, NodeId from, SeedSync sync, EffectList fx)
    {
        var removed = 0;
        var learned = new System.Collections.Generic.List<NodeId>();
        foreach (var sent in sync.Removals)
        {
            if (s.Removed.Find(sent.Node).Map(t => t.Incarnation >= sent.Incarnation).IfNone(false)) continue;   // known already
            var check = Identity.Certificates.Removal(s.Config, sent);
            if (!check.Ok)
            {
                if (s.Config.Security.On) fx.Add(new CertificateRefused("SEED_SYNC", sent.Node, from, check.Valid, check.Needed, check.Fault, check.BadSigner));
                continue;
            }
            var dc = CleanRemoval(s, sent, check);
            var present = s.Peers.Find(dc.Node).Map(r => r.Incarnation <= dc.Incarnation).IfNone(false);
            s = Tombstone(s, dc);
            if (present) { s = Remove(s, dc, RemovedBy.Sync, null, from, fx); removed++; }
        }
        foreach (var commit in sync.Commits)
        {
            // Only what is new here is checked (a chunk may repeat what an earlier one or a REGISTER_COMMIT brought).
            if (!IsNew(s, commit)) continue;
            var check = Identity.Certificates.Commit(s.Config, commit);
            if (!check.Ok)
            {
                if (s.Config.Security.On) fx.Add(new CertificateRefused("SEED_SYNC", commit.Peer, from, check.Valid, check.Needed, check.Fault, check.BadSigner));
                continue;
            }
            s = LearnCommit(s, commit, check, fx);
            learned.Add(commit.Peer);
        }
        return (s, learned, removed);
    }
}

/// <summary>
/// How far this seed has applied another seed's changes: up to version <paramref name="Upto"/> of its run
/// <paramref name="Run"/> (0, 0: nothing known yet). While a catch-up runs over several chunks, it counts them and
/// what they taught, for the one line that ends it.
/// </summary>
public sealed record SyncCursor(long Run, long Upto)
{
    public static readonly SyncCursor None = new(0, 0);

    public int Chunks { get; init; }
    public int Learned { get; init; }
    public int Removed { get; init; }
}
