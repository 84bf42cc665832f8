using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace GossipPure.Cli.Bench;

public sealed record BenchOptions(int Seeds, int Peers, int Trials, int HungTrials, string? JsonPath, bool KeepLogs, TimeSpan Bound, bool Processes);

/// <summary>
/// Starts a local network on loopback and measures it from the nodes' own log timestamps: registration,
/// dissemination, crash and hang detection, memory and CPU. Nodes are hosted in this process (each with its own
/// listener, state and files; a crash resets all its connections, a hang stops its loop with its sockets open),
/// or with --processes each is its own <c>gossip</c> process (killed with SIGKILL, hung with SIGSTOP).
/// </summary>
public sealed class BenchRunner
{
    static readonly Regex Made = new(@"GOSSIP made: '(?<body>[^']*)'");
    static readonly Regex Stats_ = new(@"Gossip made (?<made>\d+), received first-time (?<first>\d+), duplicates dropped (?<dup>\d+)");

    readonly BenchOptions o;
    readonly string dir;
    readonly string config;
    readonly List<IBenchNode> seeds = new();
    readonly List<IBenchNode> peers = new();
    readonly List<IBenchNode> gone = new();
    LanguageExt.Seq<Core.NodeId> seedIds;
    readonly Dictionary<string, List<double>> samples = new();
    readonly Random random = new(1);

    public BenchRunner(BenchOptions options)
    {
        o = options;
        dir = Directory.CreateTempSubdirectory("gossip-bench-").FullName;
        config = Path.Combine(dir, "config.csv");
    }

    /// <summary>
    /// Each peer gossips every max(1 s, peers × 50 ms): about 20 new messages a second network-wide, whatever the
    /// size, so a large network is measured at the same load per message rather than drowned.
    /// </summary>
    long GossipIntervalMs => Math.Max(1000, o.Peers * 50L);

    string[] PeerArgs => new[] { "--gossip-interval", $"{GossipIntervalMs}ms", "--gossip-count", "1000000" };

    IBenchNode Start(Core.Role role, int port)
    {
        if (o.Processes)
            return new NodeProcess(role == Core.Role.Seed ? "seed" : "peer", port, dir, config, role == Core.Role.Seed ? Array.Empty<string>() : PeerArgs);
        var options = Core.ProtocolOptions.Default with { GossipIntervalMs = GossipIntervalMs, GossipCount = 1_000_000 };
        return new InProcNode(role, new Core.NodeConfig(new Core.NodeId("127.0.0.1", port), seedIds, options), dir);
    }

    void Say(string line) => Console.WriteLine($"  {DateTime.Now:HH:mm:ss} {line}");

    List<double> Sample(string key) => samples.TryGetValue(key, out var l) ? l : samples[key] = new List<double>();

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var succeeded = false;
        Console.WriteLine($"gossip bench: {o.Seeds} seeds + {o.Peers} peers, {(o.Processes ? "one process each" : "hosted in this process")}, on 127.0.0.1; {o.Trials} crash trials, {o.HungTrials} hang trials");
        Console.WriteLine($"  logs in {dir}");
        try
        {
            var ports = FreePorts(o.Seeds + o.Peers + o.Trials + o.HungTrials);
            File.WriteAllLines(config, ports.Take(o.Seeds).Select(p => $"127.0.0.1,{p}"));
            seedIds = LanguageExt.Prelude.toSeq(ports.Take(o.Seeds).Select(p => new Core.NodeId("127.0.0.1", p)).ToArray());
            foreach (var p in ports.Take(o.Seeds)) seeds.Add(Start(Core.Role.Seed, p));
            var spare = new Queue<int>(ports.Skip(o.Seeds + o.Peers));
            foreach (var p in ports.Skip(o.Seeds).Take(o.Peers)) peers.Add(Start(Core.Role.Peer, p));

            Say("waiting for every peer to register and hear from every other peer");
            await Bounded(Task.WhenAll(peers.Select(p => p.Log.WaitFor(l => l.Contains("Registered;")))), "registration", ct);
            foreach (var p in peers) await RecordRegistration(p, fromLine: 0);
            await Bounded(Task.WhenAll(peers.Select(p => Task.WhenAll(peers.Where(q => q != p).Select(q =>
                p.Log.WaitFor(l => l.EndsWith($"origin 127.0.0.1:{q.Port}")))))), "first gossip everywhere", ct);

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
            if (o.Processes)
            {
                var usage = live.OfType<NodeProcess>().Select(p => p.Usage()).ToList();
                Sample("rss_mb_per_node").AddRange(usage.Select(u => u.RssMiB));
                Sample("cpu_s_per_node").AddRange(usage.Select(u => u.Cpu.TotalSeconds));
            }
            else
            {
                // One runtime for all nodes: its cost shared out per node.
                using var me = System.Diagnostics.Process.GetCurrentProcess();
                Sample("rss_mb_per_node").Add(me.WorkingSet64 / 1048576.0 / live.Count);
                Sample("cpu_s_per_node").Add(me.TotalProcessorTime.TotalSeconds / (seeds.Count + peers.Count + gone.Count));
            }

            Say("stopping every node (Ctrl+C) and reading their counters");
            foreach (var p in live) p.Interrupt();
            foreach (var p in live)
                await Bounded(p.Log.WaitFor(l => l.Contains("Shutting down.")), "shutdown", ct);
            var stats = peers.SelectMany(p => p.Log.Lines(l => l.Contains("Gossip made "))).Select(l => Stats_.Match(l.Text)).Where(m => m.Success).ToList();
            var first = stats.Sum(m => long.Parse(m.Groups["first"].Value, CultureInfo.InvariantCulture));
            var dup = stats.Sum(m => long.Parse(m.Groups["dup"].Value, CultureInfo.InvariantCulture));
            if (first > 0) Sample("msgs_per_delivery").Add((first + dup) / (double)first);

            Print();
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
            // A failed run keeps its logs: they are what explains the failure.
            if (succeeded && !o.KeepLogs) try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    async Task<T> Bounded<T>(Task<T> t, string what, CancellationToken ct)
    {
        try { return await t.WaitAsync(o.Bound, ct); }
        catch (TimeoutException) { throw new TimeoutException($"no {what} within {o.Bound.TotalSeconds:0}s"); }
    }

    async Task Bounded(Task t, string what, CancellationToken ct)
    {
        try { await t.WaitAsync(o.Bound, ct); }
        catch (TimeoutException) { throw new TimeoutException($"no {what} within {o.Bound.TotalSeconds:0}s"); }
    }

    /// <summary>Registration latency: the peer's start line to its "Registered;" line (peer list received).</summary>
    async Task RecordRegistration(IBenchNode p, int fromLine)
    {
        var start = await p.Log.WaitFor(l => l.Contains(" started;"), fromLine);
        var done = await p.Log.WaitFor(l => l.Contains("Registered;"), fromLine);
        Sample("registration_ms").Add((done - start).TotalMilliseconds);
    }

    /// <summary>For messages made from now on: made at the origin → first receipt at the last live peer.</summary>
    async Task MeasureDissemination(int count, CancellationToken ct)
    {
        var live = peers.Where(p => p.Alive).ToList();
        var marks = live.ToDictionary(p => p, p => p.Log.Count);
        var measured = 0;
        while (measured < count)
        {
            var origin = live[measured % live.Count];
            var madeAt = await Bounded(origin.Log.WaitFor(l => l.Contains("GOSSIP made: '"), marks[origin]), "gossip made", ct);
            var line = origin.Log.Lines(l => l.Contains("GOSSIP made: '")).First(l => l.At == madeAt).Text;
            var body = Made.Match(line).Groups["body"].Value;
            marks[origin] = origin.Log.Count;
            var receipts = await Bounded(Task.WhenAll(live.Where(p => p != origin).Select(p =>
                p.Log.WaitFor(l => l.Contains($"(first time): '{body}'")))), $"delivery of '{body}'", ct);
            Sample("dissemination_ms").Add((receipts.Max() - madeAt).TotalMilliseconds);
            measured++;
        }
        Say($"dissemination: {count} messages, median {Stats.Quantile(Sample("dissemination_ms"), 0.5):0.000} ms to the last peer");
    }

    /// <summary>Kills (or freezes) a random peer; returns ms from the signal to DEAD_CONFIRMED at the last live node.</summary>
    async Task<double> Fail(bool freeze, CancellationToken ct)
    {
        var live = peers.Where(p => p.Alive).ToList();
        var victim = live[random.Next(live.Count)];
        var watchers = seeds.Concat(peers).Where(p => p.Alive && p != victim).ToList();
        var marks = watchers.ToDictionary(p => p, p => p.Log.Count);
        var id = $"DEAD_CONFIRMED 127.0.0.1:{victim.Port} ";
        var at = DateTime.Now;
        if (freeze) victim.Freeze(); else victim.Kill();
        var confirmed = await Bounded(Task.WhenAll(watchers.Select(w => w.Log.WaitFor(l => l.Contains(id), marks[w]))), $"DEAD_CONFIRMED for {victim.Port}", ct);
        var ms = (confirmed.Max() - at).TotalMilliseconds;
        Sample(freeze ? "hung_purge_ms" : "crash_purge_ms").Add(ms);
        // Where the time went: the first suspicion, the first report, the first seed's confirmation.
        double First(IEnumerable<IBenchNode> nodes, string text) =>
            nodes.SelectMany(n => n.Log.Lines(l => l.Contains(text))).Where(l => l.At >= at).Select(l => (l.At - at).TotalMilliseconds).DefaultIfEmpty(double.NaN).Min();
        var vid = $"127.0.0.1:{victim.Port}";
        Say($"  {(freeze ? "hang" : "crash")} of {vid}: first SUSPECT +{First(watchers, $"SUSPECT {vid}:"):0.0} ms, first DEAD_REPORT +{First(watchers, $"Dead Node:127.0.0.1:{victim.Port}:"):0.0} ms, " +
            $"first seed DEAD_CONFIRMED +{First(seeds, id):0.0} ms, last node +{ms:0.0} ms");
        var falseRemovals = watchers.SelectMany(w => w.Log.Lines(l => l.Contains("DEAD_CONFIRMED") && !l.Contains(id) && !l.Contains("(left)")))
            .Select(l => l.Text).Where(t => !gone.Any(g => t.Contains($"127.0.0.1:{g.Port} "))).Distinct().Count();
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
        await Bounded(p.Log.WaitFor(l => l.Contains("Registered;")), "registration of a joining peer", ct);
        await RecordRegistration(p, 0);
        await Bounded(p.Log.WaitFor(l => l.Contains("(first time)")), "gossip at the joining peer", ct);
    }

    static readonly (string Key, string Label, string Unit)[] Rows =
    {
        ("registration_ms", "registration (start → peer list)", "ms"),
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
        Console.WriteLine($"{"figure",-38} {"n",4} {"median",10} {"p99",10} {"min",10} {"max",10}  unit");
        foreach (var (key, label, unit) in Rows)
        {
            var xs = Sample(key);
            if (xs.Count == 0) continue;
            Console.WriteLine($"{label,-38} {xs.Count,4} {Stats.Quantile(xs, 0.5),10:0.000} {Stats.Quantile(xs, 0.99),10:0.000} {xs.Min(),10:0.000} {xs.Max(),10:0.000}  {unit}");
        }
    }

    void WriteJson(string path)
    {
        double P(string key, double q) => Math.Round(Stats.Quantile(Sample(key), q), 3);
        var figures = new Dictionary<string, object>
        {
            ["registration_ms_p50"] = P("registration_ms", 0.5),
            ["dissemination_ms_p50"] = P("dissemination_ms", 0.5),
            ["dissemination_ms_p99"] = P("dissemination_ms", 0.99),
            ["msgs_per_delivery"] = P("msgs_per_delivery", 0.5),
            ["crash_purge_ms_p50"] = P("crash_purge_ms", 0.5),
            ["crash_purge_ms_p99"] = P("crash_purge_ms", 0.99),
            ["hung_purge_ms_p50"] = P("hung_purge_ms", 0.5),
            ["rss_mb_per_node"] = P("rss_mb_per_node", 0.5),
            ["false_removals"] = Sample("false_removals").Sum(),
            ["seeds"] = o.Seeds,
            ["peers"] = o.Peers,
            ["trials"] = o.Trials,
        };
        File.WriteAllText(path, JsonSerializer.Serialize(figures, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"figures written to {path}");
    }

    static List<int> FreePorts(int n)
    {
        var ls = Enumerable.Range(0, n).Select(_ => { var l = new TcpListener(IPAddress.Loopback, 0); l.Start(); return l; }).ToList();
        var ports = ls.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
        foreach (var l in ls) l.Stop();
        return ports;
    }
}
