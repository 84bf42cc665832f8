namespace GossipPure.Core.Peers;

public enum PeerPhase { Idle, Registering, Registered, Stopped }

/// <summary>One registration round: the seeds asked, those that failed, and the lists that came back.</summary>
public sealed record Round(int Attempt, HashSet<NodeId> Asked, HashSet<NodeId> Failed, HashMap<NodeId, Seq<PeerEntry>> Lists)
{
    public static Round First => new(0, HashSet<NodeId>(), HashSet<NodeId>(), HashMap<NodeId, Seq<PeerEntry>>());
    public bool AllAnswered => Asked.ForAll(s => Failed.Contains(s) || Lists.ContainsKey(s)) && !Lists.IsEmpty;
}

/// <summary>
/// Signed membership: a peer's key and the run it was admitted as, from a registration certificate a seed quorum
/// signed — kept whole (<paramref name="Cert"/>), so this peer can hand it on with that peer's gossip.
/// </summary>
public readonly record struct PeerKey(string Key, long Incarnation, RegisterCommit Cert);

/// <summary>A registration certificate sent on a link: whose, and of which run.</summary>
public readonly record struct CertSent(NodeId Origin, long Incarnation);

public sealed record PeerState(
    NodeConfig Config,
    PeerPhase Phase,
    Rng Rng,
    Round Round,
    HashMap<NodeId, int> Known,
    HashSet<NodeId> Neighbours,
    int Made,
    SeenSet Seen,
    Que<Gossip> Backlog,
    long FirstTime,
    long Duplicates)
{
    public static PeerState Initial(NodeConfig config) =>
        new(config, PeerPhase.Idle, new Rng(0), Round.First, HashMap<NodeId, int>(), HashSet<NodeId>(),
            0, SeenSet.Empty, Que<Gossip>.Empty, 0, 0);

    /// <summary>Senders not on this peer's list, being looked up with the seeds (see PeerMembership.cs).</summary>
    public HashMap<NodeId, PendingMember> Pending { get; init; } = HashMap<NodeId, PendingMember>();

    /// <summary>Application messages this peer made (<c>gossip publish</c>): the <c>n</c> of the next id's <c>a&lt;n&gt;</c> is one more.</summary>
    public long AppMade { get; init; }

    /// <summary>Gossip dropped unseen: made outside the horizon, or with a body that is not <c>&lt;timestamp&gt;:&lt;IP&gt;:&lt;MsgNo&gt;</c>.</summary>
    public long Stale { get; init; }

    /// <summary>This run of the peer: the time it started (or re-registered after the seeds removed it).</summary>
    public long Incarnation { get; init; }

    /// <summary>The time of the input being handled (the last input's time): the reducer's only notion of now.</summary>
    public long NowUs { get; init; }

    /// <summary>How late this peer itself is (see <see cref="Core.Health"/>).</summary>
    public Health Health { get; init; } = Health.Zero;

    /// <summary>Liveness of neighbours, probes run for others, and the peers confirmed dead.</summary>
    public Detection Det { get; init; } = Detection.Empty;

    /// <summary>Signed membership: this peer's own registration certificate (the first valid one for its current run), or null.</summary>
    public RegisterCommit? Certificate { get; init; }

    /// <summary>Signed membership: the key and newest run of each peer met in a verified registration certificate.</summary>
    public HashMap<NodeId, PeerKey> Keys { get; init; } = HashMap<NodeId, PeerKey>();

    /// <summary>
    /// Signed membership: per neighbour, the certificates this peer already sent it with gossip since the link began.
    /// Gossip to that neighbour then goes without them (see PeerSigning.cs, <c>SendGossip</c>).
    /// </summary>
    public HashMap<NodeId, HashSet<CertSent>> CertsSent { get; init; } = HashMap<NodeId, HashSet<CertSent>>();

    /// <summary>Neighbours not under suspicion, in address order: the ones that count toward the minimum degree and serve as witnesses.</summary>
    public Seq<NodeId> ActiveNeighbours => toSeq(ActiveNeighbourArray());

    /// <summary><see cref="ActiveNeighbours"/> as a fresh array: the gossip path's form (a plain loop, no LINQ).</summary>
    public NodeId[] ActiveNeighbourArray()
    {
        var active = Neighbours.ToArray();
        var count = 0;
        var watches = Det.Watches;
        foreach (var n in active)
            if (!(watches.Find(n).Map(w => w.IsSuspected).IfNone(false))) active[count++] = n;
        if (count < active.Length) System.Array.Resize(ref active, count);
        System.Array.Sort(active);
        return active;
    }

    /// <summary>
    /// Every neighbour, suspected or not, as a fresh sorted array: where gossip and heartbeats go (a suspicion is a
    /// question, not a verdict; a first-time message is cheap, a lost one is not).
    /// </summary>
    public NodeId[] NeighbourArray()
    {
        var all = Neighbours.ToArray();
        System.Array.Sort(all);
        return all;
    }

    public Seq<PeerEntry> KnownEntries => toSeq(Known.Map((n, d) => new PeerEntry(n, d)).Values);
}
