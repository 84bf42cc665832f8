namespace GossipPure.Core;

/// <summary>What a node knows before it starts: itself, the seeds of config.csv, and its timing options.</summary>
public sealed record NodeConfig(NodeId Self, Seq<NodeId> Seeds, ProtocolOptions Options)
{
    public int Quorum => Core.Quorum.Of(Seeds.Count);
    public bool IsSeed(NodeId n)
    {
        // Every message asks: by index, for a Seq's enumerator is an object (and a closure would be another).
        var seeds = Seeds;
        for (var i = 0; i < seeds.Count; i++) if (seeds[i] == n) return true;
        return false;
    }
    public Seq<NodeId> OtherSeeds => Seeds.Filter(s => s != Self);
    /// <summary>The seeds' keys, the signature scheme and this node's signer (<see cref="Identity.Security.None"/>: unauthenticated).</summary>
    public Identity.Security Security { get; init; } = Identity.Security.None;
}

/// <summary>Timing and shape defaults (the command line sets the gossip, heartbeat, ping and probe ones).</summary>
public sealed record ProtocolOptions
{
    public static readonly ProtocolOptions Default = new();

    /// <summary>Time between two gossip messages a peer makes.</summary>
    public long GossipIntervalMs { get; init; } = 5000;
    /// <summary>How many gossip messages a peer makes in all.</summary>
    public int GossipCount { get; init; } = 10;
    /// <summary>First wait before a peer retries a registration round; doubles up to <see cref="RegisterRetryMaxMs"/>.</summary>
    public long RegisterRetryMs { get; init; } = 250;
    public long RegisterRetryMaxMs { get; init; } = 4000;
    /// <summary>A seed's proposal that has not reached a quorum by then times out.</summary>
    public long ProposalTimeoutMs { get; init; } = 2000;
    /// <summary>Wait between a seed's attempts to reach another seed.</summary>
    public long SeedReconnectMs { get; init; } = 250;
    /// <summary>Pareto shape and scale of the number of neighbours a newcomer picks.</summary>
    public double ParetoAlpha { get; init; } = 1.5;
    public int MinNeighbours { get; init; } = 2;
    public int MaxNeighbours { get; init; } = 16;
    /// <summary>
    /// A peer takes gossip made (by the timestamp in its body) at most this long ago; older gossip is dropped as stale.
    /// Dedup digests are kept for this plus <see cref="GossipFutureMs"/>, so memory is bounded by the gossip rate.
    /// </summary>
    public long GossipHorizonMs { get; init; } = 120_000;
    /// <summary>...and at most this far in the future (the clocks of two hosts may differ by this much).</summary>
    public long GossipFutureMs { get; init; } = 30_000;
    /// <summary>A seed's PEER_LIST names at most this many peers (a uniform sample beyond it).</summary>
    public int PeerListMax { get; init; } = 128;
    /// <summary>How many recent gossip messages a peer hands to a new neighbour.</summary>
    public int BacklogSize { get; init; } = 256;
    /// <summary>How often the lead seed checks that the overlay is one connected graph.</summary>
    public long OverlayCheckMs { get; init; } = 500;
    /// <summary>A peer repeats its DEGREE_UPDATE this often, so a seed that missed one (or restarted) catches up.</summary>
    public long DegreeReportMs { get; init; } = 10_000;
    /// <summary>A DEGREE_UPDATE names at most this many neighbours (a hub's degree is still sent whole, as a number).</summary>
    public int DegreeReportMax { get; init; } = 256;

    /// <summary>A peer sends HEARTBEAT to each neighbour this often...</summary>
    public long HeartbeatIntervalMs { get; init; } = 1000;
    /// <summary>...and suspects a neighbour it has heard nothing from for this many intervals.</summary>
    public int HeartbeatMisses { get; init; } = 3;
    /// <summary>ICMP echo to each neighbour's host this often; suspect after <see cref="PingFailures"/> failures in a row.</summary>
    public long PingIntervalMs { get; init; } = 13000;
    public int PingFailures { get; init; } = 3;
    /// <summary>A PROBE not answered within this is evidence of death.</summary>
    public long ProbeTimeoutMs { get; init; } = 300;
    /// <summary>
    /// Seeds, whose votes decide, send up to this many PROBEs (one every <see cref="ProbeTimeoutMs"/> / attempts) before
    /// they take silence as death, so one lost frame cannot make a live peer look dead.
    /// </summary>
    public int SeedProbeAttempts { get; init; } = 3;
    /// <summary>Each seed asks every other seed for the changes to its table since the last it applied this often (anti-entropy).</summary>
    public long SeedSyncMs { get; init; } = 5000;
    /// <summary>A SEED_SYNC answer carries the changes of at most this many nodes...</summary>
    public int SeedSyncChunkEntries { get; init; } = 1024;
    /// <summary>...and at most this many bytes of entries as the wire encodes them (a bound, far below the frame limit).</summary>
    public int SeedSyncChunkBytes { get; init; } = 256 * 1024;
    /// <summary>How many other peers a suspecting peer asks to confirm.</summary>
    public int Witnesses { get; init; } = 3;
    /// <summary>How long the suspecting peer waits for its witnesses before it leaves the verdict to the seeds.</summary>
    public long WitnessTimeoutMs { get; init; } = 1000;
    /// <summary>A DEAD_REPORT not yet confirmed is sent again after this, then after twice as long each time...</summary>
    public long ReportRetryMs { get; init; } = 2000;
    /// <summary>...up to this.</summary>
    public long ReportRetryMaxMs { get; init; } = 16_000;

    /// <summary>A timer firing later than due by more than this makes the node late (see <see cref="Health"/>); one score step per this much.</summary>
    public long HealthLateMs { get; init; } = 250;
    /// <summary>The highest health score: windows stretch at most ×(1 + this).</summary>
    public int HealthMax { get; init; } = 8;
    /// <summary>A late node's score falls by one per this much time on time.</summary>
    public long HealthDecayMs { get; init; } = 1000;
    /// <summary>After a quorum of seeds found a suspect alive, more reports about it start no new vote for this long (they are merged).</summary>
    public long DeadHoldoffMs { get; init; } = 4000;
}
