namespace GossipPure.Simulation;

/// <summary>
/// Everything a simulated run depends on. Two runs of equal scenarios are the same run, step for step: the
/// <see cref="Seed"/> drives every latency, loss, duplication and node random seed. Times are virtual microseconds
/// since the start of the run (the inputs the reducers see carry <see cref="EpochUs"/> plus that).
/// </summary>
public sealed record Scenario
{
    /// <summary>How many seeds (n of config.csv); they are <see cref="Addresses.Seed"/>(0..n−1) and all start at time 0.</summary>
    public int Seeds { get; init; } = 3;
    /// <summary>How many peers; they are <see cref="Addresses.Peer"/>(0..P−1).</summary>
    public int Peers { get; init; } = 5;
    /// <summary>The one random seed of the run.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>One-way latency of a message, drawn uniformly from [min, max] per message (so messages reorder).</summary>
    public long LatencyMinUs { get; init; } = 1_000;
    public long LatencyMaxUs { get; init; } = 20_000;
    /// <summary>Chance that a message (or an ICMP echo) is lost, in percent.</summary>
    public double LossPercent { get; init; }
    /// <summary>Chance that a delivered message is delivered twice (the copy with its own latency), in percent.</summary>
    public double DuplicatePercent { get; init; }
    /// <summary>When true, messages on one connection arrive in the order they were sent (as TCP would have it).</summary>
    public bool FifoLinks { get; init; }

    /// <summary>Start time of each peer by index; a missing entry means <see cref="PeerStaggerUs"/> × index.</summary>
    public Seq<long> PeerStartsUs { get; init; } = Seq<long>();
    /// <summary>Gap between two peers' starts when <see cref="PeerStartsUs"/> does not say (0: all at once).</summary>
    public long PeerStaggerUs { get; init; }

    /// <summary>Crashes, hangs, resumes, restarts, shutdowns and partitions, in any order.</summary>
    public Seq<Fault> Faults { get; init; } = Seq<Fault>();
    /// <summary>Messages forged from outside the protocol: delivered as they are, with the sender they name.</summary>
    public Seq<Injection> Injections { get; init; } = Seq<Injection>();
    /// <summary>
    /// Byzantine behaviour: every message a node sends passes through this (sender, receiver, message) → message
    /// function first; null drops it. It must be pure (the same answer for the same arguments) to keep runs repeatable.
    /// </summary>
    public Func<NodeId, NodeId, Message, Message?>? Tamper { get; init; }

    /// <summary>
    /// Signed membership (issue 14): every node gets <see cref="NodeConfig.Security"/> with one shared
    /// <see cref="ModelSignatures"/> scheme, its own signer (the key pair named by its address) and the seeds' public
    /// keys. Off (the default): unauthenticated, every trace exactly as before.
    /// </summary>
    public bool Signed { get; init; }
    /// <summary>The nodes the <see cref="Adversary"/> controls (seeds or peers of the scenario).</summary>
    public Seq<NodeId> Byzantine { get; init; } = Seq<NodeId>();
    /// <summary>
    /// Makes the run's Byzantine adversary (a fresh one per run, from the signers of <see cref="Byzantine"/> only);
    /// null: nobody is Byzantine. Requires <see cref="Signed"/>.
    /// </summary>
    public Func<AdversaryKit, Adversary>? Adversary { get; init; }

    /// <summary>The run stops at this virtual time (events due later are not processed).</summary>
    public long RunUntilUs { get; init; } = 30_000_000;
    public ProtocolOptions Options { get; init; } = ProtocolOptions.Default;
    /// <summary>
    /// How many peers make gossip (the others only forward): spread evenly over the peers by index; null, or a
    /// number ≥ <see cref="Peers"/>, means all of them. Large networks flood every message to every peer, so this
    /// keeps a 1,000-peer run to seconds while the spread of each message is measured the same way.
    /// </summary>
    public int? Gossipers { get; init; }

    /// <summary>True when peer <paramref name="index"/> makes gossip under <see cref="Gossipers"/>.</summary>
    public bool Gossips(int index) =>
        Gossipers is not { } k || k >= Peers || (k > 0 && (long)index * k / Peers != (long)(index + 1) * k / Peers);

    /// <summary>A dial across a partition fails with "connection timed out" after this long.</summary>
    public long ConnectTimeoutUs { get; init; } = 2_000_000;
    /// <summary>An ICMP echo with no answer is reported (NoReply) after this long.</summary>
    public long PingTimeoutUs { get; init; } = 1_000_000;
    /// <summary>The Unix time (µs) of virtual time 0, as the reducers see it.</summary>
    public long EpochUs { get; init; } = 1_700_000_000_000_000;

    /// <summary>Keep every step in <see cref="SimResult.Trace"/> (the hash is computed either way).</summary>
    public bool KeepTrace { get; init; } = true;
    /// <summary>Only the events this keeps are kept in <see cref="SimResult.Logs"/> (all when null; all count in the hash).</summary>
    public Func<NodeEvent, bool>? KeepEvents { get; init; }
    /// <summary>Keep no log lines at all (large runs); metrics do not need them.</summary>
    public bool KeepLogs { get; init; } = true;
    /// <summary>A run that takes more steps than this stops with an exception (a livelock, or a far too large scenario).</summary>
    public long MaxSteps { get; init; } = 200_000_000;

    /// <summary>Time each step by kind (<see cref="SimResult.Profile"/>); the run is the same with it or without it.</summary>
    public bool ProfileSteps { get; init; }

    /// <summary>Turns off the simulator's cache warm-up (it only reads, so the run is the same: a test holds that).</summary>
    internal bool NoWarmUp { get; init; }

    public long PeerStartUs(int index) =>
        index < PeerStartsUs.Count ? PeerStartsUs[index] : PeerStaggerUs * index;

    public Seq<NodeId> SeedIds => toSeq(Enumerable.Range(0, Seeds).Select(Addresses.Seed).ToArray());
    public Seq<NodeId> PeerIds => toSeq(Enumerable.Range(0, Peers).Select(Addresses.Peer).ToArray());
}

/// <summary>
/// Something done to the world from outside. Crash: kill -9 (connections reset, the host stops answering ICMP).
/// Hang: SIGSTOP (the kernel still accepts connections, buffers messages and answers ICMP; the node processes
/// nothing, its timers do not fire). Resume: SIGCONT (everything held is handled at once, late).
/// Restart: a crashed or stopped node starts again as a new process (fresh state, new incarnation).
/// Shutdown: Ctrl+C (<see cref="ShutdownRequested"/>). Partition: messages between the two sides are lost.
/// </summary>
public abstract record Fault(long AtUs);

public sealed record Crash(NodeId Node, long AtUs) : Fault(AtUs);
public sealed record Hang(NodeId Node, long AtUs) : Fault(AtUs);
public sealed record Resume(NodeId Node, long AtUs) : Fault(AtUs);
public sealed record Restart(NodeId Node, long AtUs) : Fault(AtUs);
public sealed record Shutdown(NodeId Node, long AtUs) : Fault(AtUs);

/// <summary>
/// CPU starvation for <paramref name="ForUs"/>: the node processes nothing and its timers do not fire, as in a
/// <see cref="Hang"/>, but it is alive — it resumes by itself, so removing it is a false removal (a stall does not
/// impair). At the resume its timers that fell due fire first, then the inputs that waited, in arrival order: a starved
/// process finds its clock far ahead before it has read its sockets, the order that tempts a failure detector most.
/// </summary>
public sealed record Stall(NodeId Node, long AtUs, long ForUs) : Fault(AtUs);

/// <summary>The end of a <see cref="Stall"/> (scheduled by the simulator).</summary>
internal sealed record StallEnd(NodeId Node, long AtUs) : Fault(AtUs);

/// <summary>
/// From <paramref name="FromUs"/> until <paramref name="ToUs"/>, every message between a node of
/// <paramref name="SideA"/> and a node of <paramref name="SideB"/> is lost (either way), ICMP between them goes
/// unanswered, and a new dial across fails after <see cref="Scenario.ConnectTimeoutUs"/>. Connections that
/// exist are not reported broken: TCP would retransmit for minutes before it gave up. Nodes on neither side are not
/// affected. The nodes of a side without a quorum of the seeds count as cut off (their removal is no false removal).
/// </summary>
public sealed record Partition(Seq<NodeId> SideA, Seq<NodeId> SideB, long FromUs, long ToUs) : Fault(FromUs);

/// <summary>A forged message: at <paramref name="AtUs"/>, <paramref name="To"/> receives <paramref name="Message"/> "from" <paramref name="From"/>.</summary>
public sealed record Injection(long AtUs, NodeId From, NodeId To, Message Message);

/// <summary>The labels of the simulated nodes; nothing touches a network.</summary>
public static class Addresses
{
    /// <summary>Seed i: 10.0.0.(i+1):(5011+i).</summary>
    public static NodeId Seed(int i) => new($"10.0.0.{i + 1}", 5011 + i);

    /// <summary>
    /// Peer i, one host per peer so ICMP names one node: in blocks of 50,000, peer i is
    /// 10.(i/50,000).(1 + j/250).(1 + j%250):(6001 + j) with j = i mod 50,000, so every octet stays below 256 and every
    /// port below 65,536 however many peers run (the first 50,000 keep the labels they always had).
    /// </summary>
    public static NodeId Peer(int i)
    {
        var (block, j) = (i / PeersPerBlock, i % PeersPerBlock);
        return new($"10.{block}.{1 + j / 250}.{1 + j % 250}", 6001 + j);
    }

    const int PeersPerBlock = 50_000;
}
