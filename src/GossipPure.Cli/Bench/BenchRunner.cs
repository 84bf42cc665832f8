using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GossipPure.Core;
using System.Threading.Channels;

namespace GossipPure.Cli.Bench;

public sealed record BenchOptions(int Seeds, int Peers, int Trials, int HungTrials, string? JsonPath, bool KeepLogs, TimeSpan Bound, bool Processes)
{
    /// <summary>--processes: the gossip program to start (null: dist/gossip if present, else this one; see <see cref="GossipBinary"/>).</summary>
    public string? Binary { get; init; }
    /// <summary>--processes: how long CPU is measured in each phase.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>--processes: the wait between every peer registered and the start of a CPU window.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.Zero;
    /// <summary>--processes: how many times the whole measurement runs (medians over the runs are reported).</summary>
    public int Runs { get; init; } = 1;
    /// <summary>--signed: signed membership (Ed25519 keys for every node, seeds' keys known to all), to measure what signing costs.</summary>
    public bool Signed { get; init; }
}

/// <summary>
/// How the bench loads the network: which peers make gossip, how often, and how fast peers are started.
/// A message floods about N × (average degree) frames, so the network-wide message rate falls with N to keep the
/// frame rate within what two cores carry (<see cref="FrameBudgetPerS"/>). Peers start one every
/// <see cref="StartSpacingMs"/>; the gossipers are spread evenly through the start order and each makes a message
/// every <see cref="GossipIntervalMs"/> (the whole start window), so messages come one at a time, 1 / rate apart,
/// instead of in a burst from every peer that registered in the same moment.
/// </summary>
public sealed record BenchLoad(int Peers, int Gossipers, double StartSpacingMs, long GossipIntervalMs)
{
    /// <summary>Gossip frames a second the bench aims at, network-wide (each costs tens of µs of CPU in a node).</summary>
    public const double FrameBudgetPerS = 3000;
    /// <summary>Frames one message floods per peer: the average degree, about 6 in these overlays.</summary>
    public const double FramesPerPeerPerMessage = 6;
    /// <summary>Peers are started at least this far apart, so the seeds are never swamped by a thousand HELLOs at once.</summary>
    public const double MinStartSpacingMs = 4;

    public double MessagesPerS => Gossipers * 1000.0 / GossipIntervalMs;
    public double StartWindowMs => StartSpacingMs * Peers;

    public static BenchLoad For(int peers)
    {
        var rate = Math.Clamp(FrameBudgetPerS / (Math.Max(1, peers) * FramesPerPeerPerMessage), 0.5, 10);
        var gossipers = Math.Min(peers, Math.Max(3, (int)Math.Round(rate * peers * MinStartSpacingMs / 1000)));
        var window = Math.Max(peers * MinStartSpacingMs, gossipers / rate * 1000);
        return new BenchLoad(peers, gossipers, window / Math.Max(1, peers), (long)Math.Round(window));
    }

    /// <summary>Whether the peer started <paramref name="index"/>-th (from 0) makes gossip.</summary>
    public bool IsGossiper(int index) => Gossipers > 0 && index % Math.Max(1, Peers / Gossipers) == 0 && index / Math.Max(1, Peers / Gossipers) < Gossipers;
}

/// <summary>
/// Starts a local network on loopback and measures it from the nodes' own log timestamps: registration,
/// dissemination, crash and hang detection, memory and CPU. Nodes are hosted in this process (each with its own
/// listener, state and files; a crash resets all its connections, a hang stops its loop with its sockets open),
/// peers in worker processes above <see cref="PeersPerProcess"/>. With --processes, <see cref="ProcessBench"/>
/// runs instead (each node its own <c>gossip</c> process).
/// </summary>
public sealed class BenchRunner
{

    readonly BenchOptions o;
    readonly BenchLoad load;
    readonly TimeSpan bound;
    string dir = "";
    string config = "";
    readonly List<IBenchNode> seeds = new();
    readonly List<IBenchNode> peers = new();
    readonly List<IBenchNode> gone = new();
    readonly HashSet<IBenchNode> gossipers = new();
    readonly List<WorkerHost> workers = new();
    int nextWorker;
    readonly Channel<(IBenchNode Origin, DateTime At, string Body)> made = Channel.CreateUnbounded<(IBenchNode, DateTime, string)>();
    LanguageExt.Seq<Core.NodeId> seedIds;
    BenchKeys? keys;
    readonly Dictionary<string, List<double>> samples = new();
    readonly Random random = new(1);

    public BenchRunner(BenchOptions options)
    {
        o = options;
        load = BenchLoad.For(o.Peers);
        // Every wait is bounded; a large network takes longer to start and to stop.
        bound = TimeSpan.FromMilliseconds(Math.Max(o.Bound.TotalMilliseconds, 30_000 + o.Peers * 60.0 + load.StartWindowMs));
    }

    IBenchNode Start(Core.Role role, int port, bool gossiper = false)
    {
        var count = gossiper ? 1_000_000 : 0;
        IBenchNode node;
        if (workers.Count > 0 && role == Core.Role.Peer)
            node = workers[nextWorker++ % workers.Count].Start(role, port, load.GossipIntervalMs, count);
        else
        {
            var options = Core.ProtocolOptions.Default with { GossipIntervalMs = load.GossipIntervalMs, GossipCount = count };
            node = new InProcNode(role, BenchKeys.Secure(keys, new Core.NodeConfig(new Core.NodeId("127.0.0.1", port), seedIds, options)), dir);
        }
        if (gossiper)
        {
            gossipers.Add(node);
            node.Log.Made = (at, body) => made.Writer.TryWrite((node, at, body));
        }
        return node;
    }

    void Say(string line) => Console.WriteLine($"  {DateTime.Now:HH:mm:ss} {line}");

    List<double> Sample(string key) => samples.TryGetValue(key, out var l) ? l : samples[key] = new List<double>();

    static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>Peers hosted in one process at most: each holds about <see cref="FileLimit.PerHostedNode"/> open files.</summary>
    public const int PeersPerProcess = 400;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        if (Environment.GetEnvironmentVariable(WorkerHost.EnvVar) is { Length: > 0 } spec) return await WorkerHost.RunChildAsync(spec, ct);
        if (o.Peers < 2 || o.Seeds < 1 || o.Trials < 0 || o.HungTrials < 0)
        {
            Console.Error.WriteLine("gossip bench: needs at least 1 seed and 2 peers (one makes gossip, another receives it), and no negative trials");
            return 2;
        }
        dir = Directory.CreateTempSubdirectory("gossip-bench-").FullName;
        config = Path.Combine(dir, "config.csv");
        var succeeded = false;
        var began = DateTime.Now;
        var hostedPeers = o.Peers + o.Trials + o.HungTrials;
        var workerCount = hostedPeers <= PeersPerProcess ? 0 : (hostedPeers + PeersPerProcess - 1) / PeersPerProcess;
        var hosting = workerCount == 0 ? "hosted in this process"
            : $"seeds hosted in this process, peers in {workerCount} worker processes of up to {PeersPerProcess} each";
        Console.WriteLine($"gossip bench: {o.Seeds} seeds + {o.Peers} peers, {hosting}, on 127.0.0.1; {o.Trials} crash trials, {o.HungTrials} hang trials");
        Console.WriteLine($"  load: {load.Gossipers} peers make gossip, one message every {load.GossipIntervalMs} ms each: {load.MessagesPerS:0.##} messages/s network-wide " +
            $"(≈ {load.MessagesPerS * o.Peers * BenchLoad.FramesPerPeerPerMessage:0} gossip frames/s); peers started {load.StartSpacingMs:0.#} ms apart; every wait bounded at {bound.TotalSeconds:0} s");
        Console.WriteLine($"  logs in {dir}; load average {Load()}");
        try
        {
            var files = workerCount > 0 ? o.Seeds * FileLimit.PerHostedNode + hostedPeers * 4 + 256 : (o.Seeds + hostedPeers) * FileLimit.PerHostedNode + 256;
            if (FileLimit.Ensure(files) is { } why)
            {
                Console.Error.WriteLine($"gossip bench: {why}");
                return 1;
            }
            var ports = FreePorts(o.Seeds + o.Peers + o.Trials + o.HungTrials);
            File.WriteAllLines(config, ports.Take(o.Seeds).Select(p => $"127.0.0.1,{p}"));
            seedIds = LanguageExt.Prelude.toSeq(ports.Take(o.Seeds).Select(p => new Core.NodeId("127.0.0.1", p)).ToArray());
            if (o.Signed) keys = BenchKeys.Make(seedIds);
            foreach (var p in ports.Take(o.Seeds)) seeds.Add(Start(Core.Role.Seed, p));
            for (var w = 0; w < workerCount; w++) workers.Add(new WorkerHost(dir, seedIds, keys));
            var spare = new Queue<int>(ports.Skip(o.Seeds + o.Peers));
            // Peers start once the seeds are one mesh (measured registration is then the protocol's, not the seeds' start-up).
            await Bounded(Task.WhenAll(seeds.SelectMany(s => seeds.Where(t => t != s).Select(t =>
                s.Log.WaitFor(e => e is SeedConnected c && c.Seed.Port == t.Port)))), "seed mesh", ct);

            Say($"starting {o.Peers} peers, one every {load.StartSpacingMs:0.#} ms");
            var firstStart = DateTime.Now;
            var index = 0;
            foreach (var p in ports.Skip(o.Seeds).Take(o.Peers))
            {
                var due = firstStart + TimeSpan.FromMilliseconds(index * load.StartSpacingMs);
                if (due > DateTime.Now) await Task.Delay(due - DateTime.Now, ct);
                peers.Add(Start(Core.Role.Peer, p, load.IsGossiper(index)));
                index++;
            }
            var registered = await Bounded(Task.WhenAll(peers.Select(p => p.Log.WaitFor(e => e is Registered))), "registration", ct);
            var all = (registered.Max() - firstStart).TotalMilliseconds;
            Sample("registration_all_ms").Add(all);
            foreach (var p in peers) await RecordRegistration(p, fromLine: 0);
            Say($"all {o.Peers} peers registered {all:0} ms after the first started (registration median {Stats.Quantile(Sample("registration_ms"), 0.5):0.0} ms each)");

            // The overlay settles as the last peers link up: the first message made after that is not measured.
            var warm = await Disseminate(1, ct);
            Say($"warm-up: a message made after every peer registered reached all {peers.Count - 1} other peers in {warm[0]:0.0} ms");

            await MeasureDissemination(Math.Max(10, o.Trials * 4), ct);

            for (var i = 0; i < o.Trials; i++)
            {
                var ms = await Fail(freeze: false, ct);
                Say($"crash {i + 1}/{o.Trials}: purged everywhere in {ms:0.0} ms");
                await Join(spare.Dequeue(), ct);
            }
            for (var i = 0; i < o.HungTrials; i++)
            {
                var ms = await Fail(freeze: true, ct);
                Say($"hang {i + 1}/{o.HungTrials}: purged everywhere in {ms:0.0} ms");
                await Join(spare.Dequeue(), ct);
            }
            await MeasureDissemination(10, ct);

            var live = seeds.Concat(peers).Where(p => p.Alive).ToList();
            {
                // One runtime for all nodes (or one per worker): its cost shared out per node.
                using var me = System.Diagnostics.Process.GetCurrentProcess();
                var usage = workers.Select(w => w.Usage()).Append((me.WorkingSet64 / 1048576.0, me.TotalProcessorTime)).ToList();
                Sample("rss_mb_per_node").Add(usage.Sum(u => u.Item1) / live.Count);
                Sample("cpu_s_per_node").Add(usage.Sum(u => u.Item2.TotalSeconds) / (seeds.Count + peers.Count + gone.Count));
            }

            Say("stopping every node (Ctrl+C) and reading their counters");
            foreach (var p in live) p.Interrupt();
            await Bounded(Task.WhenAll(live.Select(p => p.Log.WaitFor(e => e is ShuttingDown))), "shutdown", ct);
            var stats = peers.SelectMany(p => p.Log.Events(e => e is GossipTotals)).Select(l => (GossipTotals)l.Event).ToList();
            var first = stats.Sum(t => t.FirstTime);
            var dup = stats.Sum(t => t.Duplicates);
            if (first > 0) Sample("msgs_per_delivery").Add((first + dup) / (double)first);

            Print();
            Console.WriteLine($"  {(DateTime.Now - began).TotalSeconds:0} s in all; load average {Load()}");
            if (o.JsonPath is not null) WriteJson(o.JsonPath);
            succeeded = true;
            return 0;
        }
        catch (TimeoutException e)
        {
            Console.Error.WriteLine($"gossip bench: {e.Message}; logs kept in {dir}");
            return 1;
        }
        finally
        {
            foreach (var p in seeds.Concat(peers).Concat(gone)) p.Dispose();
            foreach (var w in workers) w.Dispose();
            // A failed run keeps its logs: they are what explains the failure.
            if (succeeded && !o.KeepLogs) try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    async Task<T> Bounded<T>(Task<T> t, string what, CancellationToken ct)
    {
        try { return await t.WaitAsync(bound, ct); }
        catch (TimeoutException) { throw new TimeoutException($"no {what} within {bound.TotalSeconds:0}s"); }
    }

    async Task Bounded(Task t, string what, CancellationToken ct)
    {
        try { await t.WaitAsync(bound, ct); }
        catch (TimeoutException) { throw new TimeoutException($"no {what} within {bound.TotalSeconds:0}s"); }
    }

    /// <summary>Registration latency: the peer's start to its registration (peer list received).</summary>
    async Task RecordRegistration(IBenchNode p, int fromLine)
    {
        var start = await p.Log.WaitFor(e => e is NodeStarted, fromLine);
        var done = await p.Log.WaitFor(e => e is Registered, fromLine);
        Sample("registration_ms").Add((done - start).TotalMilliseconds);
    }

    /// <summary>Dissemination latency of the next messages made: made at the origin → first receipt at the last live peer.</summary>
    async Task MeasureDissemination(int count, CancellationToken ct)
    {
        var ms = await Disseminate(count, ct);
        Sample("dissemination_ms").AddRange(ms);
        Say($"dissemination: {count} messages, median {Stats.Quantile(ms, 0.5):0.000} ms to the last of {peers.Count(p => p.Alive) - 1} peers");
    }

    /// <summary>Made → last receipt of the next <paramref name="count"/> messages, in ms (<see cref="Dissemination"/>).</summary>
    Task<List<double>> Disseminate(int count, CancellationToken ct) =>
        Dissemination.Measure(peers, made.Reader, count, bound, Bounded, ct);

    /// <summary>Kills (or freezes) a random peer; returns ms from the signal to DEAD_CONFIRMED at the last live node.</summary>
    async Task<double> Fail(bool freeze, CancellationToken ct)
    {
        var live = peers.Where(p => p.Alive).ToList();
        // Keep the gossip rate: a gossiper is killed only when every peer is one.
        var quiet = live.Where(p => !gossipers.Contains(p)).ToList();
        var pool = quiet.Count > 0 ? quiet : live;
        var victim = pool[random.Next(pool.Count)];
        var (ms, marks) = await Failure.Measure(victim, freeze, seeds, peers, Bounded, Say, ct);
        Sample(freeze ? "hung_purge_ms" : "crash_purge_ms").Add(ms);
        // A removal of anyone else (not a departure, not a node the bench already took down) is a false one.
        var falseRemovals = marks.SelectMany(w => w.Key.Log.Events(e => EventFeed.Removal(e) is { } r && r.Node.Port != victim.Port && !DeathReasons.IsDeparture(r.Reason), w.Value)
                .Select(l => (Remover: w.Key.Port, EventFeed.Removal(l.Event)!.Value.Node)))
            .Where(r => !gone.Any(g => g.Port == r.Node.Port)).Distinct().Count();
        Sample("false_removals").Add(falseRemovals);
        if (freeze) victim.Kill();
        peers.Remove(victim);
        gone.Add(victim);
        return ms;
    }

    /// <summary>A new peer joins the running network: registration latency, then wait until gossip reaches it.</summary>
    async Task Join(int port, CancellationToken ct)
    {
        var p = Start(Core.Role.Peer, port);
        peers.Add(p);
        await Bounded(p.Log.WaitFor(e => e is Registered), "registration of a joining peer", ct);
        await RecordRegistration(p, 0);
        await Bounded(p.Log.FirstReceipt, "gossip at the joining peer", ct);
    }

    static readonly (string Key, string Label, string Unit)[] Rows =
    {
        ("registration_ms", "registration (start → peer list)", "ms"),
        ("registration_all_ms", "registration of all (first start → last)", "ms"),
        ("dissemination_ms", "dissemination (made → last peer)", "ms"),
        ("msgs_per_delivery", "messages per delivery", ""),
        ("crash_purge_ms", "crash → DEAD_CONFIRMED everywhere", "ms"),
        ("hung_purge_ms", "hang → DEAD_CONFIRMED everywhere", "ms"),
        ("false_removals", "live peers removed", ""),
        ("rss_mb_per_node", "memory per node (RSS)", "MiB"),
        ("cpu_s_per_node", "CPU time per node", "s"),
    };

    void Print()
    {
        Console.WriteLine();
        Console.WriteLine($"{"figure",-42} {"n",4} {"median",10} {"p99",10} {"min",10} {"max",10}  unit");
        foreach (var (key, label, unit) in Rows)
        {
            var xs = Sample(key);
            if (xs.Count == 0) continue;
            Console.WriteLine($"{label,-42} {xs.Count,4} {Stats.Quantile(xs, 0.5),10:0.000} {Stats.Quantile(xs, 0.99),10:0.000} {xs.Min(),10:0.000} {xs.Max(),10:0.000}  {unit}");
        }
    }

    void WriteJson(string path)
    {
        double P(string key, double q) => Stats.Quantile(Sample(key), q);
        var figures = new List<KeyValuePair<string, object>>
        {
            new("registration_ms_p50", P("registration_ms", 0.5)),
            new("registration_ms_p99", P("registration_ms", 0.99)),
            new("registration_all_ms", P("registration_all_ms", 0.5)),
            new("dissemination_ms_p50", P("dissemination_ms", 0.5)),
            new("dissemination_ms_p99", P("dissemination_ms", 0.99)),
            new("msgs_per_delivery", P("msgs_per_delivery", 0.5)),
            new("crash_purge_ms_p50", P("crash_purge_ms", 0.5)),
            new("crash_purge_ms_p99", P("crash_purge_ms", 0.99)),
            new("hung_purge_ms_p50", P("hung_purge_ms", 0.5)),
            new("rss_mb_per_node", P("rss_mb_per_node", 0.5)),
            new("cpu_s_per_node", P("cpu_s_per_node", 0.5)),
            new("false_removals", Sample("false_removals").Sum()),
            new("seeds", o.Seeds),
            new("peers", o.Peers),
            new("trials", o.Trials),
            new("hosting", workers.Count > 0 ? $"in-process, {workers.Count} workers" : "in-process"),
            new("gossipers", load.Gossipers),
            new("messages_per_s", Math.Round(load.MessagesPerS, 3)),
            new("start_spacing_ms", Math.Round(load.StartSpacingMs, 3)),
        };
        FiguresJson.Write(path, figures);
        Console.WriteLine($"figures written to {path}");
    }

    /// <summary>
    /// Ports for the nodes, below the kernel's ephemeral range (32768 and up on Linux): a port taken from that range
    /// could be handed to an outgoing connection of an early node before the later node that owns it starts.
    /// Each is checked free by binding it; the search starts at a random place in 24000–32000 (above the ranges
    /// people pick by hand for a few nodes) so parallel benches rarely collide. <paramref name="taken"/> are skipped.
    /// </summary>
    internal static List<int> FreePorts(int n, IReadOnlySet<int>? taken = null)
    {
        const int low = 24000, high = 32000;
        var ports = new List<int>(n);
        var port = low + Random.Shared.Next(0, high - low);
        for (var tried = 0; ports.Count < n && tried < high - low; tried++, port = port >= high ? low : port + 1)
        {
            if (taken?.Contains(port) != true && Shell.Net.LoopbackPorts.IsFree(port)) ports.Add(port);
        }
        if (ports.Count < n) throw new TimeoutException($"only {ports.Count} of {n} free ports in {low}–{high}");
        return ports;
    }
}
