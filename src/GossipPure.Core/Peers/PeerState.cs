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
    NodeMap<int> Known,
    HashSet<NodeId> Neighbours,
    int Made,
    SeenSet Seen,
    Que<Gossip> Backlog,
    long FirstTime,
    long Duplicates)
{
    public static PeerState Initial(NodeConfig config) =>
        new(config, PeerPhase.Idle, new Rng(0), Round.First, NodeMap<int>.Empty, HashSet<NodeId>(),
            0, SeenSet.Empty, Que<Gossip>.Empty, 0, 0);

    // What a heartbeat or a repeated gossip changes (the time, the dedup set, the last-heard times, the repeats) is this
    // record's own; what changes with registration, links and membership lives in `cold`, shared by the copies a step
    // makes. A step copies this record two or three times; it was 208 bytes a copy and the simulator's largest garbage
    // (72 now).
    // The split is invisible: each property below reads and sets the cold part, and equality compares it by value.
    PeerCold cold = new(Config, Phase, Rng, Round, Known, Neighbours) { Made = Made, Backlog = Backlog, FirstTime = FirstTime };

    public NodeConfig Config { get => cold.Config; init => cold = cold with { Config = value }; }

    /// <summary>The options of <see cref="Config"/>, read every step: kept in the cold part, so a step need not read the config.</summary>
    public ProtocolOptions Options => cold.Options;
    public PeerPhase Phase { get => cold.Phase; init => cold = cold with { Phase = value }; }
    public Rng Rng { get => cold.Rng; init => cold = cold with { Rng = value }; }
    public Round Round { get => cold.Round; init => cold = cold with { Round = value }; }
    public NodeMap<int> Known { get => cold.Known; init => cold = cold with { Known = value }; }
    public HashSet<NodeId> Neighbours { get => cold.Neighbours; init => cold = cold with { Neighbours = value }; }

    // Changed only when a message is made or first received (a few per peer a second at most, against dozens of
    // heartbeats and repeats): cold too, so the copies every step makes are smaller.
    public int Made { get => cold.Made; init => cold = cold with { Made = value }; }
    public Que<Gossip> Backlog { get => cold.Backlog; init => cold = cold with { Backlog = value }; }
    public long FirstTime { get => cold.FirstTime; init => cold = cold with { FirstTime = value }; }

    /// <summary>Senders not on this peer's list, being looked up with the seeds (see PeerMembership.cs).</summary>
    public HashMap<NodeId, PendingMember> Pending { get => cold.Pending; init => cold = cold with { Pending = value }; }

    /// <summary>Application messages this peer made (<c>gossip publish</c>): the <c>n</c> of the next id's <c>a&lt;n&gt;</c> is one more.</summary>
    public long AppMade { get => cold.AppMade; init => cold = cold with { AppMade = value }; }

    /// <summary>Gossip dropped unseen: made outside the horizon, or with a body that is not <c>&lt;timestamp&gt;:&lt;IP&gt;:&lt;MsgNo&gt;</c>.</summary>
    public long Stale { get => cold.Stale; init => cold = cold with { Stale = value }; }

    /// <summary>This run of the peer: the time it started (or re-registered after the seeds removed it).</summary>
    public long Incarnation { get => cold.Incarnation; init => cold = cold with { Incarnation = value }; }

    /// <summary>
    /// The gossip seen (see <see cref="SeenSet"/>). Its rotation time is kept beside the reference too, so that a step
    /// with no gossip in it (a heartbeat, a timer) learns that no rotation is due without reading the set.
    /// </summary>
    public SeenSet Seen
    {
        get => seen;
        init { if (!ReferenceEquals(value, seen)) (seen, seenRotatedUs) = (value, value.RotatedUs); }   // `with` keeps the set: nothing to read
    }
    SeenSet seen = Seen;
    long seenRotatedUs = Seen.RotatedUs;

    /// <summary>When <see cref="Seen"/> last rotated (<see cref="SeenSet.RotatedUs"/>), read without reading the set.</summary>
    public long SeenRotatedUs => seenRotatedUs;

    /// <summary>The time of the input being handled (the last input's time): the reducer's only notion of now.</summary>
    public long NowUs { get; init; }

    /// <summary>How late this peer itself is (see <see cref="Core.Health"/>).</summary>
    public Health Health { get; init; } = Health.Zero;

    /// <summary>
    /// Suspicion rounds, probes run for others, and the peers confirmed dead: read at every frame, changed only when a
    /// suspicion, a probe or a membership moves (a frame's sign of life goes to <see cref="Heard"/>), so in the cold part.
    /// </summary>
    public Detection Det
    {
        get => cold.Det;
        init { cold = cold with { Det = value }; probing = !value.Probes.IsEmpty; }
    }

    // Whether Det has a probe pending, kept beside it: every frame asks whether it answers a probe of its sender, and
    // nearly always none is pending, which this says without reading Det and its table.
    bool probing;

    /// <summary>Whether a probe this peer runs is pending (<see cref="Detection.Probes"/> is not empty).</summary>
    public bool Probing => probing;

    /// <summary>
    /// Per watched node (the same addresses as <see cref="Detection.Watches"/>), when it was last heard from and whether
    /// it is under suspicion. Kept here, not in the watches: any frame received may move a time, and then only this
    /// table's array of times and this record are copied, not a watch, its table and <see cref="Det"/> too.
    /// </summary>
    public NodeMap<LastHeard> Heard { get; init; } = NodeMap<LastHeard>.Empty;

    /// <summary>When <paramref name="n"/> was last heard from (now when it is not watched, as a new watch would say).</summary>
    public long LastHeardUs(NodeId n) => Heard.Find(n).Map(h => h.Us).IfNone(NowUs);

    /// <summary>Signed membership: this peer's own registration certificate (the first valid one for its current run), or null.</summary>
    public RegisterCommit? Certificate { get => cold.Certificate; init => cold = cold with { Certificate = value }; }

    /// <summary>Signed membership: the key and newest run of each peer met in a verified registration certificate.</summary>
    public HashMap<NodeId, PeerKey> Keys { get => cold.Keys; init => cold = cold with { Keys = value }; }

    /// <summary>
    /// Signed membership: per neighbour, the certificates this peer already sent it with gossip since the link began.
    /// Gossip to that neighbour then goes without them (see PeerSigning.cs, <c>SendGossip</c>).
    /// </summary>
    public HashMap<NodeId, HashSet<CertSent>> CertsSent { get => cold.CertsSent; init => cold = cold with { CertsSent = value }; }

    /// <summary>Neighbours not under suspicion, in address order: the ones that count toward the minimum degree and serve as witnesses.</summary>
    public Seq<NodeId> ActiveNeighbours => toSeq(ActiveNeighbourArray());

    /// <summary><see cref="ActiveNeighbours"/> as a fresh array: the gossip path's form (a plain loop, no LINQ).</summary>
    public NodeId[] ActiveNeighbourArray()
    {
        var all = NeighbourOrder;
        var active = new NodeId[all.Length];
        var count = 0;
        var heard = Heard;
        foreach (var n in all)
            if (!(heard.Find(n).Map(h => h.Suspected).IfNone(false))) active[count++] = n;
        if (count < active.Length) System.Array.Resize(ref active, count);
        return active;
    }

    /// <summary>
    /// Every neighbour, suspected or not, in address order: where gossip and heartbeats go (a suspicion is a question,
    /// not a verdict; a first-time message is cheap, a lost one is not). Shared until the neighbours change: read only.
    /// </summary>
    internal NodeId[] NeighbourOrder => cold.NeighbourIndex.InOrder;

    /// <summary>Whether <paramref name="node"/> is a neighbour (every frame received asks it of its sender).</summary>
    public bool IsNeighbour(NodeId node) => cold.NeighbourIndex.Contains(node);

    /// <summary>
    /// This state with <paramref name="node"/> among the neighbours (<see cref="Neighbours"/> with it added, and nothing
    /// else): the neighbours' sorted index follows by one insertion instead of being sorted again from the set.
    /// </summary>
    public PeerState WithNeighbour(NodeId node) => this with { cold = cold.WithNeighbour(node) };

    /// <summary>This state without <paramref name="node"/> among the neighbours (and nothing else changed).</summary>
    public PeerState WithoutNeighbour(NodeId node) => this with { cold = cold.WithoutNeighbour(node) };

    /// <summary>The known peers as entries, in the table's order.</summary>
    public Seq<PeerEntry> KnownEntries => toSeq(Known.ToEntries());
}

/// <summary>The part of a <see cref="PeerState"/> that a heartbeat or a gossip received leaves alone (see its properties).</summary>
internal sealed record PeerCold(NodeConfig Config, PeerPhase Phase, Rng Rng, Round Round, NodeMap<int> Known, HashSet<NodeId> Neighbours)
{
    readonly HashSet<NodeId> neighbours = Neighbours;
    Memo<NeighbourIndex> neighbourIndex;
    readonly NodeConfig config = Config;
    readonly ProtocolOptions options = Config.Options;

    public NodeConfig Config
    {
        get => config;
        init { config = value; options = value.Options; }
    }

    /// <summary><see cref="Config"/>'s options, one read nearer.</summary>
    public ProtocolOptions Options => options;

    public HashSet<NodeId> Neighbours
    {
        get => neighbours;
        init { neighbours = value; neighbourIndex = default; }   // a copy made by `with` drops the old set's index
    }

    /// <summary>The neighbours sorted two ways, made when a step first needs them and kept until they change.</summary>
    internal NeighbourIndex NeighbourIndex => neighbourIndex.Value ??= new NeighbourIndex(neighbours);

    /// <summary>With <paramref name="node"/> a neighbour; an index already made follows by one insertion (see <see cref="NeighbourIndex.With"/>).</summary>
    internal PeerCold WithNeighbour(NodeId node) =>
        neighbours.Contains(node) ? this : Following(neighbours.Add(node), index => index.With(node));

    /// <summary>Without <paramref name="node"/> among the neighbours; an index already made follows by one removal.</summary>
    internal PeerCold WithoutNeighbour(NodeId node) =>
        neighbours.Contains(node) ? Following(neighbours.Remove(node), index => index.Without(node)) : this;

    /// <summary>With <paramref name="next"/> as the neighbours, one address from the set now; an index already made is moved by <paramref name="step"/>, not built again.</summary>
    PeerCold Following(HashSet<NodeId> next, Func<NeighbourIndex, NeighbourIndex> step)
    {
        var copy = this with { Neighbours = next };
        if (neighbourIndex.Value is { } index) copy.neighbourIndex.Value = step(index);
        return copy;
    }

    public HashMap<NodeId, PendingMember> Pending { get; init; } = HashMap<NodeId, PendingMember>();
    public Detection Det { get; init; } = Detection.Empty;
    public int Made { get; init; }
    public Que<Gossip> Backlog { get; init; } = Que<Gossip>.Empty;
    public long FirstTime { get; init; }
    public long AppMade { get; init; }
    public long Stale { get; init; }
    public long Incarnation { get; init; }
    public RegisterCommit? Certificate { get; init; }
    public HashMap<NodeId, PeerKey> Keys { get; init; } = HashMap<NodeId, PeerKey>();
    public HashMap<NodeId, HashSet<CertSent>> CertsSent { get; init; } = HashMap<NodeId, HashSet<CertSent>>();
}
