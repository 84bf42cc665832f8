namespace GossipPure.Simulation;

/// <summary>A peer's first receipt of a gossip message: when, and over how many hops from its origin.</summary>
public sealed record Receipt(NodeId Peer, long TimeUs, int Hops);

/// <summary>One gossip message: when its origin made it (−1 if no peer of the run did) and every first receipt.</summary>
public sealed record GossipSpread(Gossip Message, long MadeUs, IReadOnlyList<Receipt> Receipts);

/// <summary>
/// The outcome of a run: final states, logs, the trace and its hash, and what the metrics are computed from.
/// Dictionaries are sorted by address.
/// </summary>
public sealed class SimResult
{
    internal SimResult(
        Scenario scenario,
        IReadOnlyDictionary<NodeId, SeedState> seeds,
        IReadOnlyDictionary<NodeId, PeerState> peers,
        IReadOnlyDictionary<NodeId, NodeStatus> status,
        IReadOnlyDictionary<NodeId, IReadOnlyList<LogLine>> logs,
        IReadOnlyList<TraceStep> trace,
        string traceHash,
        long steps,
        long endUs,
        NetworkStats network,
        IReadOnlyList<Confirmation> confirmations,
        IReadOnlyDictionary<NodeId, long> impairedSinceUs,
        IReadOnlyDictionary<NodeId, long> registeredUs,
        IReadOnlyList<GossipSpread> gossip)
    {
        Scenario = scenario;
        Seeds = seeds;
        Peers = peers;
        Status = status;
        Logs = logs;
        Trace = trace;
        TraceHash = traceHash;
        Steps = steps;
        EndUs = endUs;
        Network = network;
        Confirmations = confirmations;
        ImpairedSinceUs = impairedSinceUs;
        RegisteredUs = registeredUs;
        Gossip = gossip;
    }

    public Scenario Scenario { get; }
    /// <summary>Every seed's state at the end (a crashed seed's as it was when it crashed).</summary>
    public IReadOnlyDictionary<NodeId, SeedState> Seeds { get; }
    public IReadOnlyDictionary<NodeId, PeerState> Peers { get; }
    public IReadOnlyDictionary<NodeId, NodeStatus> Status { get; }
    /// <summary>Each node's log effects with their virtual times (as kept: see <see cref="Scenario.KeepLogs"/>).</summary>
    public IReadOnlyDictionary<NodeId, IReadOnlyList<LogLine>> Logs { get; }
    /// <summary>Every step, in order (empty unless <see cref="Scenario.KeepTrace"/>).</summary>
    public IReadOnlyList<TraceStep> Trace { get; }
    /// <summary>Hex SHA-256 over the canonical text (<see cref="TraceText"/>) of every step.</summary>
    public string TraceHash { get; }
    /// <summary>Wall-clock time by kind of step, when <see cref="Scenario.ProfileSteps"/> asked for it; null otherwise.</summary>
    public StepProfile? Profile { get; init; }
    public long Steps { get; }
    public long EndUs { get; }
    public NetworkStats Network { get; }
    /// <summary>Every removal (seed) or purge (peer) of a node, in the order they happened.</summary>
    public IReadOnlyList<Confirmation> Confirmations { get; }
    /// <summary>
    /// For each node a fault touched (crash, hang, shutdown, its own Stop, or a partition that put it on a side without
    /// a quorum of the seeds): when that first happened. A node not listed was never impaired.
    /// </summary>
    public IReadOnlyDictionary<NodeId, long> ImpairedSinceUs { get; }
    /// <summary>When each peer first reached the Registered phase.</summary>
    public IReadOnlyDictionary<NodeId, long> RegisteredUs { get; }
    public IReadOnlyList<GossipSpread> Gossip { get; }
    /// <summary>With <see cref="Scenario.Signed"/>: every registration statement a seed signed in the run; null otherwise.</summary>
    public SignatureLedger? Signatures { get; internal init; }
    /// <summary>What each seed carried (messages, bytes, largest frame, peak table size).</summary>
    public IReadOnlyDictionary<NodeId, SeedLoad> SeedLoads { get; internal init; } = new Dictionary<NodeId, SeedLoad>();

    public bool IsUp(NodeId n) => Status.TryGetValue(n, out var s) && s == NodeStatus.Up;
    public bool WasImpaired(NodeId n) => ImpairedSinceUs.ContainsKey(n);

    /// <summary>Peers up at the end, in the Registered phase, and never touched by a fault.</summary>
    public IEnumerable<NodeId> LivePeers =>
        Peers.Where(kv => IsUp(kv.Key) && !WasImpaired(kv.Key) && kv.Value.Phase == PeerPhase.Registered).Select(kv => kv.Key);

    public IEnumerable<NodeId> LiveSeeds => Seeds.Keys.Where(IsUp);

    public IEnumerable<LogLine> LogOf(NodeId n) => Logs.TryGetValue(n, out var l) ? l : System.Array.Empty<LogLine>();

    // ---- Metrics ------------------------------------------------------------------------------------------

    /// <summary>Peers in the peer list of every seed that is up at the end.</summary>
    public IReadOnlyList<NodeId> CommittedEverywhere()
    {
        var live = LiveSeeds.Select(s => Seeds[s]).ToArray();
        return Peers.Keys.Where(p => live.Length > 0 && live.All(s => s.Peers.ContainsKey(p))).ToArray();
    }

    /// <summary>Peers in the peer list of at least one seed at the end.</summary>
    public IReadOnlyList<NodeId> CommittedAnywhere() =>
        Peers.Keys.Where(p => Seeds.Values.Any(s => s.Peers.ContainsKey(p))).ToArray();

    /// <summary>
    /// For each gossip message made in the run: how many of its targets received it, and the time from its making to
    /// the last target's first receipt when all did. The targets are the <see cref="LivePeers"/> but its origin that
    /// had registered when it was made (a later peer gets only the last <see cref="ProtocolOptions.BacklogSize"/>
    /// messages its new neighbours hold), or all of them with <paramref name="includeLateJoiners"/>. Messages made less
    /// than <paramref name="settleUs"/> before the end are left out: they may still be in flight.
    /// </summary>
    public IReadOnlyList<Dissemination> Dissemination(bool includeLateJoiners = false, long settleUs = 5_000_000)
    {
        var targets = LivePeers.ToArray();
        var list = new List<Dissemination>();
        foreach (var g in Gossip.Where(g => g.MadeUs >= 0 && g.MadeUs <= EndUs - settleUs))
        {
            var firsts = g.Receipts.ToDictionary(r => r.Peer);
            var wanted = targets.Where(t => t != g.Message.Origin && (includeLateJoiners || RegisteredUs[t] <= g.MadeUs)).ToArray();
            var got = wanted.Where(firsts.ContainsKey).ToArray();
            var lastUs = got.Length == 0 ? g.MadeUs : got.Max(t => firsts[t].TimeUs);
            var maxHops = g.Receipts.Count == 0 ? 0 : g.Receipts.Max(r => r.Hops);
            list.Add(new Dissemination(g.Message, g.MadeUs, wanted.Length, got.Length,
                got.Length == wanted.Length ? lastUs - g.MadeUs : null, maxHops,
                wanted.Where(t => !firsts.ContainsKey(t)).ToArray()));
        }
        return list;
    }

    /// <summary>Repeats dropped per first-time receipt, over every peer (from PeerState.Duplicates / FirstTime).</summary>
    public double DuplicatesPerDelivered()
    {
        var first = Peers.Values.Sum(p => p.FirstTime);
        return first == 0 ? 0 : (double)Peers.Values.Sum(p => p.Duplicates) / first;
    }

    /// <summary>
    /// For each peer crashed or hung by the scenario: the time from the fault to its removal at the last node that had to
    /// learn it — every node up at the end (seeds, and peers registered before the fault), the faulty one excepted.
    /// </summary>
    public IReadOnlyList<DetectionTime> Detections()
    {
        var list = new List<DetectionTime>();
        foreach (var f in Scenario.Faults)
        {
            var (x, kind) = f switch { Crash c => (c.Node, "crash"), Hang h => (h.Node, "hang"), _ => ((NodeId?)null, "") };
            if (x is null || !Peers.ContainsKey(x)) continue;
            var atUs = f.AtUs;
            var observers = Status.Keys.Where(n => n != x && IsUp(n)
                && (Seeds.ContainsKey(n) || RegisteredUs.TryGetValue(n, out var r) && r <= atUs)).ToArray();
            var firsts = new Dictionary<NodeId, long>();
            foreach (var c in Confirmations)
                if (c.Dead == x && c.TimeUs >= atUs) firsts.TryAdd(c.At, c.TimeUs);
            var missing = observers.Where(o => !firsts.ContainsKey(o)).ToArray();
            var seedFirst = firsts.Where(kv => Seeds.ContainsKey(kv.Key)).Select(kv => (long?)kv.Value).Min();
            list.Add(new DetectionTime(x, kind, atUs,
                seedFirst - atUs,
                missing.Length == 0 && observers.Length > 0 ? observers.Max(o => firsts[o]) - atUs : null,
                missing));
        }
        return list;
    }

    /// <summary>Removals of a node no fault had touched by then. Must be empty.</summary>
    public IReadOnlyList<Confirmation> FalseRemovals() =>
        Confirmations.Where(c => !ImpairedSinceUs.TryGetValue(c.Dead, out var since) || since > c.TimeUs).ToArray();

    /// <summary>The overlay's degrees (PeerState.Neighbours) over the <see cref="LivePeers"/>, with a fitted power-law exponent.</summary>
    public DegreeStats Degrees(int? kMin = null) =>
        DegreeStats.Of(LivePeers.Select(p => Peers[p].Neighbours.Count), kMin ?? Math.Max(1, Scenario.Options.MinNeighbours));

    public SimMetrics Metrics()
    {
        var diss = Dissemination();
        var done = diss.Where(d => d.DisseminationUs is not null).Select(d => d.DisseminationUs!.Value).OrderBy(v => v).ToArray();
        return new SimMetrics(
            Scenario.Seeds, Scenario.Peers, Steps, EndUs,
            RegisteredUs.Count, CommittedEverywhere().Count,
            RegisteredUs.Count == Scenario.Peers && Scenario.Peers > 0 ? RegisteredUs.Values.Max() : null,
            diss.Count, done.Length,
            done.Length == 0 ? null : Quantile(done, 0.5), done.Length == 0 ? null : done[^1],
            diss.Count == 0 ? 0 : diss.Max(d => d.MaxHops),
            DuplicatesPerDelivered(),
            Detections(), FalseRemovals().Count, Degrees(), Network)
        {
            DisseminationP99Us = done.Length == 0 ? null : Quantile(done, 0.99),
            SeedLoads = SeedLoads,
        };
    }

    static long Quantile(long[] sorted, double q) => sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(q * sorted.Length))];
}

/// <summary>One gossip message's spread; <see cref="DisseminationUs"/> is null while some target never got it.</summary>
public sealed record Dissemination(Gossip Message, long MadeUs, int Targets, int Reached, long? DisseminationUs, int MaxHops, IReadOnlyList<NodeId> Missing);

/// <summary>
/// Detection of one faulty peer: <see cref="FirstSeedUs"/> from the fault to the first seed's removal,
/// <see cref="AllUs"/> to the last live node's (null while <see cref="Missing"/> is not empty).
/// </summary>
public sealed record DetectionTime(NodeId Node, string Kind, long FaultUs, long? FirstSeedUs, long? AllUs, IReadOnlyList<NodeId> Missing);

public sealed record DegreeStats(int Count, int Min, int Max, double Mean, IReadOnlyDictionary<int, int> Histogram, int KMin, int Tail, double Alpha)
{
    /// <summary>
    /// The degrees' histogram and the discrete power-law exponent by maximum likelihood (Clauset, Shalizi and Newman's
    /// approximation): α = 1 + n / Σ ln(kᵢ / (k_min − ½)) over the n degrees kᵢ ≥ k_min. NaN when no degree is in the tail.
    /// </summary>
    public static DegreeStats Of(IEnumerable<int> degrees, int kMin)
    {
        var ks = degrees.ToArray();
        var histogram = new SortedDictionary<int, int>();
        foreach (var k in ks) histogram[k] = histogram.GetValueOrDefault(k) + 1;
        return new DegreeStats(ks.Length, ks.Length == 0 ? 0 : ks.Min(), ks.Length == 0 ? 0 : ks.Max(),
            ks.Length == 0 ? 0 : ks.Average(), histogram, kMin, ks.Count(k => k >= kMin), PowerLawAlpha(ks, kMin));
    }

    public static double PowerLawAlpha(IEnumerable<int> degrees, int kMin)
    {
        if (kMin < 1) throw new ArgumentOutOfRangeException(nameof(kMin), "k_min must be at least 1");
        var tail = degrees.Where(k => k >= kMin).ToArray();
        var sum = tail.Sum(k => Math.Log(k / (kMin - 0.5)));
        return tail.Length == 0 || sum <= 0 ? double.NaN : 1 + tail.Length / sum;
    }
}

/// <summary>The figures <c>gossip simulate</c> prints. Times are virtual microseconds.</summary>
public sealed record SimMetrics(
    int Seeds,
    int Peers,
    long Steps,
    long EndUs,
    int PeersRegistered,
    int CommittedEverywhere,
    long? AllRegisteredUs,
    int GossipMade,
    int GossipFullySpread,
    long? DisseminationMedianUs,
    long? DisseminationMaxUs,
    int MaxHops,
    double DuplicatesPerDelivered,
    IReadOnlyList<DetectionTime> Detections,
    int FalseRemovals,
    DegreeStats Degrees,
    NetworkStats Network)
{
    public long? DisseminationP99Us { get; init; }
    public IReadOnlyDictionary<NodeId, SeedLoad> SeedLoads { get; init; } = new Dictionary<NodeId, SeedLoad>();

    public IEnumerable<string> ToLines()
    {
        static string Ms(long? us) => us is null ? "-" : $"{us.Value / 1000.0:0.0}ms";
        static string Bytes(double b) => b >= 1 << 20 ? $"{b / (1 << 20):0.0} MiB" : b >= 1 << 10 ? $"{b / 1024:0.0} KiB" : $"{b:0} B";
        var seconds = Math.Max(1e-6, EndUs / 1e6);
        yield return $"run: {Seeds} seeds, {Peers} peers, {EndUs / 1e6:0.###}s virtual, {Steps} steps";
        yield return $"registration: {PeersRegistered}/{Peers} peers registered (last at {Ms(AllRegisteredUs)}), {CommittedEverywhere} in every live seed's peer list";
        yield return $"gossip: {GossipMade} made (5 s or more before the end), {GossipFullySpread} reached every live peer registered by then; dissemination median {Ms(DisseminationMedianUs)}, p99 {Ms(DisseminationP99Us)}, max {Ms(DisseminationMaxUs)}; max hops {MaxHops}; {DuplicatesPerDelivered:0.00} duplicates per delivered message";
        foreach (var d in Detections)
            yield return $"detection: {d.Kind} of {d.Node} at {Ms(d.FaultUs)}: first seed after {Ms(d.FirstSeedUs)}, every live node after {Ms(d.AllUs)}{(d.Missing.Count > 0 ? $" ({d.Missing.Count} never learned it)" : "")}";
        yield return $"false removals: {FalseRemovals}";
        yield return $"overlay: degree min {Degrees.Min}, mean {Degrees.Mean:0.00}, max {Degrees.Max}; power-law alpha {Degrees.Alpha:0.00} (k >= {Degrees.KMin}, {Degrees.Tail} peers); histogram {string.Join(" ", Degrees.Histogram.Select(kv => $"{kv.Key}:{kv.Value}"))}";
        yield return $"network: {Network.Sent} sent, {Network.Delivered} delivered, {Network.Lost} lost, {Network.Duplicated} duplicated, {Network.Cut} cut by partitions, {Network.Dropped} dropped with a connection or at a down node, {Network.ConnectFailures} failed dials; {Bytes(Network.Bytes)} of payload";
        yield return $"frames over the limit: {Network.OverLimit}{(Network.FirstOverLimit is { } first ? $", the first: {first}" : "")} (largest frame {Bytes(Network.Largest.Bytes)}, {Network.Largest.Type}; the limit is {Bytes(FrameSize.MaxPayloadBytes)})";
        foreach (var (seed, load) in SeedLoads.OrderBy(kv => kv.Key))
            yield return $"seed load: {seed} in {load.MessagesIn / seconds:0.0} msg/s {Bytes(load.BytesIn / seconds)}/s, out {load.MessagesOut / seconds:0.0} msg/s {Bytes(load.BytesOut / seconds)}/s; largest frame {Bytes(load.Largest.Bytes)} ({load.Largest.Type}); peak table {load.PeakPeers} peers";
    }
}
