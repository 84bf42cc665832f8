using System.Diagnostics;
using System.Globalization;
using GossipPure.Core;
using GossipPure.Shell.Hosting;
using System.Threading.Channels;
using GossipPure.Cli.Config;

namespace GossipPure.Cli.Bench;

/// <summary>
/// <c>gossip bench --processes</c>: every seed and peer is its own <c>gossip</c> process, started the way a user
/// starts one, and measured per process. A run is three phases on one set of seeds, each with a fresh set of peers
/// started together (the settings differ, and a node's settings are its command line):
/// <list type="number">
/// <item><b>idle</b> (<c>--gossip-count 0</c>): process start → <c>Registered</c> for all peers started together;
///   CPU per process over the window; one more peer joins the running network.</item>
/// <item><b>default gossip</b> (every peer gossips at the default 5 s, without end): CPU per process over the window;
///   memory (RSS, PSS) per process; crashes (SIGKILL, each followed by a new peer joining) and hangs (SIGSTOP).</item>
/// <item><b>fast gossip</b> (<c>--gossip-interval 500ms</c>, every peer): dissemination, made → the last live peer's
///   first-time line.</item>
/// </list>
/// Between phases the peers are stopped with Ctrl+C (SIGINT) and the seeds confirm each departure before the next
/// peers start. Latencies come from the nodes' own log timestamps, except process start (the bench's clock just
/// before it starts the process; the same machine clock).
/// </summary>
public sealed class ProcessBench(BenchOptions o)
{
    /// <summary>The figures of one run, in the order they are printed; also the JSON keys.</summary>
    static readonly (string Key, string Label, string Unit)[] Rows =
    {
        ("rss_mb_per_process", "memory per process, RSS (median)", "MiB"),
        ("rss_mb_per_process_max", "memory per process, RSS (largest)", "MiB"),
        ("pss_mb_per_process", "memory per process, PSS (median)", "MiB"),
        ("cpu_pct_idle", "CPU per process, no gossip (median)", "%"),
        ("cpu_pct_idle_all", "CPU of all processes, no gossip", "% of a core"),
        ("cpu_pct_gossip", "CPU per process, gossip every 5 s (median)", "%"),
        ("cpu_pct_gossip_all", "CPU of all processes, gossip every 5 s", "% of a core"),
        ("join_ms", "start → Registered, one peer joining (median)", "ms"),
        ("start_all_ms", "start → all Registered, peers started together", "ms"),
        ("start_ms_p50", "start → Registered, peers started together (median)", "ms"),
        ("dissemination_ms_p50", "dissemination at 500 ms gossip, p50", "ms"),
        ("dissemination_ms_p99", "dissemination at 500 ms gossip, p99", "ms"),
        ("msgs_per_delivery", "messages per delivery", ""),
        ("crash_purge_ms_p50", "kill -9 → DEAD_CONFIRMED at the last, p50", "ms"),
        ("crash_purge_ms_p99", "kill -9 → DEAD_CONFIRMED at the last, p99", "ms"),
        ("crash_purge_ms_first", "kill -9 → DEAD_CONFIRMED, first crash of the run", "ms"),
        ("hung_purge_ms_p50", "kill -STOP → DEAD_CONFIRMED at the last, p50", "ms"),
        ("false_removals", "live nodes removed", ""),
        ("departures_unconfirmed", "departures (Ctrl+C) a seed did not confirm in 15 s", ""),
        ("wall_s", "wall time of the run", "s"),
    };

    public async Task<int> RunAsync(CancellationToken ct)
    {
        if (o.Peers < 2 || o.Seeds < 1 || o.Trials < 0 || o.HungTrials < 0 || o.Runs < 1 || o.Window <= TimeSpan.Zero)
        {
            Console.Error.WriteLine("gossip bench: needs at least 1 seed and 2 peers (one makes gossip, another receives it), no negative trials, at least 1 run and a window longer than 0");
            return 2;
        }
        var (binary, error) = GossipBinary.Choose(o.Binary);
        if (binary is null)
        {
            Console.Error.WriteLine($"gossip bench: {error}");
            return 2;
        }
        var window = Setting.ShowDuration(o.Window);
        Console.WriteLine($"gossip bench: {o.Seeds} seeds + {o.Peers} peers, one process each, on 127.0.0.1; {o.Trials} crash trials, {o.HungTrials} hang trials; " +
            $"CPU windows of {window}{(o.Settle > TimeSpan.Zero ? $", each {Setting.ShowDuration(o.Settle)} after every peer registered" : "")}; {o.Runs} run{(o.Runs == 1 ? "" : "s")}");
        Console.WriteLine($"  binary: {binary}");
        Console.WriteLine("  phases: idle (--gossip-count 0) → default gossip (5 s) → fast gossip (500 ms), new peers each, the same seeds");
        var began = Stopwatch.StartNew();
        var runs = new List<List<KeyValuePair<string, double>>>();
        for (var r = 1; r <= o.Runs; r++)
        {
            if (o.Runs > 1) Console.WriteLine($"run {r} of {o.Runs}");
            using var run = new ProcessRun(o, binary, r);
            try { runs.Add(await run.RunAsync(ct)); }
            catch (TimeoutException e)
            {
                run.KeepLogs();
                Console.Error.WriteLine($"gossip bench: {e.Message}; logs kept in {run.Dir}");
                return 1;
            }
        }

        // Over several runs each figure is the median of the runs' figures; counts of removals and departures are added up.
        var combined = Rows.Select(row => new KeyValuePair<string, double>(row.Key, row.Key is "false_removals" or "departures_unconfirmed"
            ? runs.Sum(f => Value(f, row.Key))
            : Stats.Quantile(runs.Select(f => Value(f, row.Key)).Where(double.IsFinite).ToList(), 0.5))).ToList();
        Console.WriteLine();
        Console.WriteLine($"{"figure",-52} {(o.Runs > 1 ? "median of runs" : "value"),14}  {"unit",-12}{(o.Runs > 1 ? "  runs" : "")}");
        static string Show(double x) => double.IsFinite(x) ? x.ToString("0.###", CultureInfo.InvariantCulture) : "–";
        foreach (var (key, label, unit) in Rows)
            Console.WriteLine($"{label,-52} {Show(Value(combined, key)),14}  {unit,-12}" + (o.Runs > 1 ? "  " + string.Join(" ", runs.Select(f => Show(Value(f, key)))) : ""));
        Console.WriteLine($"  binary: {binary}");
        Console.WriteLine($"  {began.Elapsed.TotalSeconds:0} s in all; load average {ProcessRun.Load()}");
        if (o.JsonPath is not null)
        {
            var figures = combined.Select(f => new KeyValuePair<string, object>(f.Key, f.Value)).Concat(new KeyValuePair<string, object>[]
            {
                // The keys of earlier --processes runs, kept for scripts that read them.
                new("rss_mb_per_node", Value(combined, "rss_mb_per_process")),
                new("pss_mb_per_node", Value(combined, "pss_mb_per_process")),
                new("binary", binary.ToString()),
                new("binary_kind", binary.Kind),
                new("hosting", "processes"),
                new("seeds", o.Seeds),
                new("peers", o.Peers),
                new("trials", o.Trials),
                new("hung_trials", o.HungTrials),
                new("window_s", o.Window.TotalSeconds),
                new("settle_s", o.Settle.TotalSeconds),
                new("runs", o.Runs),
                new("per_run", runs.Select(f => f.Select(x => new KeyValuePair<string, object>(x.Key, x.Value))).ToList()),
            });
            FiguresJson.Write(o.JsonPath, figures);
            Console.WriteLine($"figures written to {o.JsonPath}");
        }
        return 0;
    }

    static double Value(List<KeyValuePair<string, double>> figures, string key) =>
        figures.FirstOrDefault(f => f.Key == key) is { Key: not null } f ? f.Value : double.NaN;
}

/// <summary>One run of <see cref="ProcessBench"/>: a network of processes through the three phases, and its figures.</summary>
sealed class ProcessRun : IDisposable
{

    readonly BenchOptions o;
    readonly GossipBinary binary;
    readonly TimeSpan bound;
    readonly string config;
    readonly List<NodeProcess> seeds = new();
    readonly List<NodeProcess> peers = new();
    readonly List<NodeProcess> all = new();
    readonly HashSet<int> ports = new();
    readonly Dictionary<NodeProcess, string> phases = new();
    string phase = "seed start";
    readonly Dictionary<string, List<double>> samples = new();
    readonly Channel<(NodeProcess Origin, DateTime At, string Body)> made = Channel.CreateUnbounded<(NodeProcess, DateTime, string)>();
    readonly Random random;
    readonly TaskCompletionSource<string> died = new(TaskCreationOptions.RunContinuationsAsynchronously);
    bool keep;

    public ProcessRun(BenchOptions options, GossipBinary binary, int number)
    {
        o = options;
        this.binary = binary;
        // Every wait is bounded; a JIT-compiled peer may take seconds to start when twenty start at once.
        bound = TimeSpan.FromMilliseconds(Math.Max(o.Bound.TotalMilliseconds, 30_000 + o.Peers * 1_000.0));
        Dir = Directory.CreateTempSubdirectory("gossip-bench-").FullName;
        config = Path.Combine(Dir, "config.csv");
        keep = o.KeepLogs;
        random = new Random(number);
    }

    public string Dir { get; }

    /// <summary>A failed run keeps its logs: they are what explains the failure.</summary>
    public void KeepLogs() => keep = true;

    List<double> Sample(string key) => samples.TryGetValue(key, out var l) ? l : samples[key] = new List<double>();

    static void Say(string line) => Console.WriteLine($"  {DateTime.Now:HH:mm:ss} {line}");

    public static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    static string Ms(IReadOnlyCollection<double> xs) => $"median {Stats.Quantile(xs, 0.5):0} ms, max {xs.DefaultIfEmpty(double.NaN).Max():0} ms";

    List<int> NewPorts(int n)
    {
        var found = BenchRunner.FreePorts(n, ports);
        ports.UnionWith(found);
        return found;
    }

    /// <summary>With <c>--signed</c>: a seed's key file in the run's folder (as <c>gossip keygen</c> writes it), its public key.</summary>
    string SeedKey(int port)
    {
        var (signer, error) = Shell.Security.NodeKeys.Create(Shell.Security.NodeKeys.PathOf(Dir, new Core.NodeId("127.0.0.1", port)));
        using var made = signer ?? throw new InvalidOperationException(error);
        return made.PublicKey;
    }

    NodeProcess Start(string role, int port, IEnumerable<string> extra)
    {
        // Signed: every node takes its key from the run's folder (the seeds' were made above; a peer makes its own).
        if (o.Signed) extra = extra.Concat(["--key-dir", Dir]);
        var node = new NodeProcess(binary, role, port, Dir, config, extra, n =>
        {
            // A node that exits on its own (a bad binary, a crash) ends the run at once, with what it said last.
            if (n.EndedAt is not null) return;
            var last = n.Log.Events(_ => true).Select(l => EventText.Render(l.Event).Line).LastOrDefault();
            died.TrySetResult($"{n.Role} {n.Port} exited on its own with code {n.ExitCode} ({(last is null ? "no output" : $"last line: '{last}'")})");
        });
        all.Add(node);
        phases[node] = phase;
        (role == "seed" ? seeds : peers).Add(node);
        return node;
    }

    public async Task<List<KeyValuePair<string, double>>> RunAsync(CancellationToken ct)
    {
        var began = Stopwatch.StartNew();
        Say($"logs in {Dir}; load average {Load()}");
        var seedPorts = NewPorts(o.Seeds);
        File.WriteAllLines(config, seedPorts.Select(p => o.Signed ? $"127.0.0.1,{p},{SeedKey(p)}" : $"127.0.0.1,{p}"));
        foreach (var p in seedPorts) Start("seed", p, Array.Empty<string>());
        // Peers start once the seeds are one mesh (measured registration is then the protocol's, not the seeds' start-up).
        await Bounded(Task.WhenAll(seeds.Select(s => s.Log.WaitFor(e => e is NodeStarted)).Concat(seeds.SelectMany(s => seeds.Where(t => t != s).Select(t =>
            s.Log.WaitFor(e => e is SeedConnected c && c.Seed.Port == t.Port))))), "seed mesh", ct);
        Say($"{o.Seeds} seeds up and connected");

        // 1. Idle: no gossip at all, heartbeats only.
        string[] idle = ["--gossip-count", "0"];
        var (allMs, each) = await StartTogether("idle", idle, ct);
        Sample("start_all_ms").Add(allMs);
        Sample("start_ms").AddRange(each);
        await Window("cpu_pct_idle", "no gossip", ct);
        await Join(idle, ct);
        await StopPeers(ct);

        // 2. Default gossip: every peer makes a message every 5 s (the default interval), without end.
        string[] gossip = ["--gossip-count", "1000000"];
        await StartTogether("default gossip", gossip, ct);
        await Window("cpu_pct_gossip", "gossip every 5 s", ct);
        var live = seeds.Concat(peers).Where(n => n.Alive).ToList();
        Sample("rss_mb").AddRange(live.Select(n => n.RssMiB()).OfType<double>());
        Sample("pss_mb").AddRange(live.Select(n => n.PssMiB()).OfType<double>());
        Say($"memory per process: RSS {Stats.Quantile(Sample("rss_mb"), 0.5):0.0} MiB (largest {Sample("rss_mb").DefaultIfEmpty(double.NaN).Max():0.0}), " +
            $"PSS {Stats.Quantile(Sample("pss_mb"), 0.5):0.0} MiB (median of {live.Count})");
        for (var i = 0; i < o.Trials; i++)
        {
            var ms = await Fail(freeze: false, ct);
            Say($"crash {i + 1}/{o.Trials}: purged at every live node in {ms:0.0} ms");
            await Join(gossip, ct);
        }
        for (var i = 0; i < o.HungTrials; i++)
        {
            var ms = await Fail(freeze: true, ct);
            Say($"hang {i + 1}/{o.HungTrials}: purged at every live node in {ms:0.0} ms");
            await Join(gossip, ct);
        }
        await StopPeers(ct);

        // 3. Fast gossip: dissemination, every peer making a message every 500 ms.
        string[] fast = ["--gossip-interval", "500ms", "--gossip-count", "1000000"];
        await StartTogether("fast gossip", fast, ct, hookMade: true);
        var measured = peers.ToList();
        var warm = await Disseminate(1, ct);
        Say($"warm-up: a message made after every peer registered reached the {measured.Count - 1} others in {warm[0]:0.0} ms");
        var count = Math.Max(20, 2 * o.Peers);
        var ms3 = await Disseminate(count, ct);
        Sample("dissemination_ms").AddRange(ms3);
        Say($"dissemination: {count} messages, median {Stats.Quantile(ms3, 0.5):0.0} ms, p99 {Stats.Quantile(ms3, 0.99):0.0} ms to the last of {measured.Count - 1} peers");
        await StopPeers(ct);
        var counters = measured.SelectMany(p => p.Log.Events(e => e is GossipTotals)).Select(l => (GossipTotals)l.Event).ToList();
        var first = counters.Sum(t => t.FirstTime);
        var dup = counters.Sum(t => t.Duplicates);
        await Interrupt(seeds, ct);

        var removed = FalseRemovals();
        if (removed.Count > 0)
        {
            // A live node removed is a finding: its logs are what explains it.
            keep = true;
            Say($"logs kept in {Dir}");
        }
        var crashes = Sample("crash_purge_ms");
        return new List<KeyValuePair<string, double>>
        {
            new("rss_mb_per_process", Stats.Quantile(Sample("rss_mb"), 0.5)),
            new("rss_mb_per_process_max", Sample("rss_mb").DefaultIfEmpty(double.NaN).Max()),
            new("pss_mb_per_process", Stats.Quantile(Sample("pss_mb"), 0.5)),
            new("cpu_pct_idle", Stats.Quantile(Sample("cpu_pct_idle"), 0.5)),
            new("cpu_pct_idle_all", Sample("cpu_pct_idle").Sum()),
            new("cpu_pct_gossip", Stats.Quantile(Sample("cpu_pct_gossip"), 0.5)),
            new("cpu_pct_gossip_all", Sample("cpu_pct_gossip").Sum()),
            new("join_ms", Stats.Quantile(Sample("join_ms"), 0.5)),
            new("start_all_ms", Stats.Quantile(Sample("start_all_ms"), 0.5)),
            new("start_ms_p50", Stats.Quantile(Sample("start_ms"), 0.5)),
            new("dissemination_ms_p50", Stats.Quantile(Sample("dissemination_ms"), 0.5)),
            new("dissemination_ms_p99", Stats.Quantile(Sample("dissemination_ms"), 0.99)),
            new("msgs_per_delivery", first > 0 ? (first + dup) / (double)first : double.NaN),
            new("crash_purge_ms_p50", Stats.Quantile(crashes, 0.5)),
            new("crash_purge_ms_p99", Stats.Quantile(crashes, 0.99)),
            new("crash_purge_ms_first", crashes.Count > 0 ? crashes[0] : double.NaN),
            new("hung_purge_ms_p50", Stats.Quantile(Sample("hung_purge_ms"), 0.5)),
            new("false_removals", removed.Count),
            new("departures_unconfirmed", Sample("departures_unconfirmed").Sum()),
            new("wall_s", began.Elapsed.TotalSeconds),
        };
    }

    /// <summary>Waits for <paramref name="t"/> at most the bound, and no longer than until a node exits on its own.</summary>
    async Task<T> Bounded<T>(Task<T> t, string what, CancellationToken ct)
    {
        await Bounded((Task)t, what, ct);
        return await t;
    }

    async Task Bounded(Task t, string what, CancellationToken ct)
    {
        Task first;
        try { first = await Task.WhenAny(t, died.Task).WaitAsync(bound, ct); }
        catch (TimeoutException) { throw new TimeoutException($"no {what} within {bound.TotalSeconds:0}s"); }
        if (first != t) throw new TimeoutException($"no {what}: {died.Task.Result}");
        await t;
    }

    /// <summary>
    /// Starts <see cref="BenchOptions.Peers"/> peers at once (as fast as processes can be spawned) and waits until
    /// every one has logged <c>Registered;</c>. Returns the first start → the last registration, and each peer's
    /// start → its registration, in ms.
    /// </summary>
    async Task<(double AllMs, List<double> Each)> StartTogether(string phase, string[] extra, CancellationToken ct, bool hookMade = false)
    {
        this.phase = phase;
        var started = NewPorts(o.Peers).Select(p => Start("peer", p, extra)).ToList();
        if (hookMade)
            foreach (var n in started) n.Log.Made = (at, body) => made.Writer.TryWrite((n, at, body));
        var registered = await Bounded(Task.WhenAll(started.Select(p => p.Log.WaitFor(e => e is Registered))), $"registration of the {phase} peers", ct);
        var allMs = (registered.Max() - started.Min(p => p.StartedAt)).TotalMilliseconds;
        var each = started.Zip(registered, (p, r) => (r - p.StartedAt).TotalMilliseconds).ToList();
        Say($"{phase}: {started.Count} peers ({string.Join(' ', extra)}) started together: all registered {allMs:0} ms after the first start (each {Ms(each)})");
        return (allMs, each);
    }

    /// <summary>
    /// CPU of every live process over the window (after --settle), from its user + system ticks, as % of one core.
    /// </summary>
    async Task Window(string key, string what, CancellationToken ct)
    {
        if (o.Settle > TimeSpan.Zero) await Task.Delay(o.Settle, ct);
        var nodes = seeds.Concat(peers).Where(n => n.Alive).ToList();
        var before = nodes.Select(n => (Ticks: n.CpuTicks(), At: Stopwatch.GetTimestamp())).ToList();
        await Task.Delay(o.Window, ct);
        var pct = new List<(NodeProcess Node, double Pct)>();
        for (var i = 0; i < nodes.Count; i++)
        {
            var ticks = nodes[i].CpuTicks();
            var seconds = Stopwatch.GetElapsedTime(before[i].At).TotalSeconds;
            if (ticks is null || before[i].Ticks is null || !nodes[i].Alive) continue;
            pct.Add((nodes[i], (ticks.Value - before[i].Ticks!.Value) / NodeProcess.TicksPerSecond / seconds * 100));
        }
        Sample(key).AddRange(pct.Select(p => p.Pct));
        string Of(string role) => Stats.Quantile(pct.Where(p => p.Node.Role == role).Select(p => p.Pct).ToList(), 0.5).ToString("0.00", CultureInfo.InvariantCulture);
        Say($"CPU, {what}, over {Setting.ShowDuration(o.Window)}: median {Stats.Quantile(pct.Select(p => p.Pct).ToList(), 0.5):0.00} % per process " +
            $"(seeds {Of("seed")} %, peers {Of("peer")} %, largest {pct.Select(p => p.Pct).DefaultIfEmpty(double.NaN).Max():0.00} %); " +
            $"all {pct.Count} together {pct.Sum(p => p.Pct):0.0} % of one core; load average {Load()}");
    }

    /// <summary>A new peer joins the running network: its process start → its <c>Registered;</c> line.</summary>
    async Task Join(string[] extra, CancellationToken ct)
    {
        var p = Start("peer", NewPorts(1)[0], extra);
        var at = await Bounded(p.Log.WaitFor(e => e is Registered), "registration of a joining peer", ct);
        var ms = (at - p.StartedAt).TotalMilliseconds;
        Sample("join_ms").Add(ms);
        Say($"join: a new peer registered {ms:0} ms after its process started");
    }

    /// <summary>
    /// Stops every live peer with Ctrl+C and waits for the processes to exit and for every seed to remove each
    /// registered one (a departure), so the next phase's peers are not offered links to them. A departure a seed
    /// has not confirmed within <see cref="StopGrace"/> is named and counted (<c>departures_unconfirmed</c>), and the
    /// run goes on.
    /// </summary>
    async Task StopPeers(CancellationToken ct)
    {
        var live = peers.Where(p => p.Alive).ToList();
        var registered = live.Where(p => p.Log.Events(e => e is Registered).Count > 0).ToList();
        await Interrupt(live, ct);
        var departures = seeds.SelectMany(s => registered.Select(p => (Seed: s, Peer: p, Removed: s.Log.WaitFor(l => Failure.Removes(l, p.Port))))).ToList();
        try { await Task.WhenAll(departures.Select(d => d.Removed)).WaitAsync(StopGrace, ct); }
        catch (TimeoutException)
        {
            var missing = departures.Where(d => !d.Removed.IsCompleted).ToList();
            Sample("departures_unconfirmed").Add(missing.Count);
            Say($"{missing.Count} departures not confirmed {StopGrace.TotalSeconds:0} s after Ctrl+C: " +
                string.Join(", ", missing.Take(10).Select(d => $"seed {d.Seed.Port} still lists peer {d.Peer.Port}")));
        }
        peers.Clear();
    }

    static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Ctrl+C to each node, then waits for them to exit. One that does not within <see cref="StopGrace"/> is named and
    /// killed, not waited for: the figures measured so far stand and the next phase still runs.
    /// </summary>
    static async Task Interrupt(List<NodeProcess> nodes, CancellationToken ct)
    {
        foreach (var n in nodes) n.Interrupt();
        try { await Task.WhenAll(nodes.Select(n => n.Exited(ct))).WaitAsync(StopGrace, ct); }
        catch (TimeoutException)
        {
            var stuck = nodes.Where(n => !n.HasExited).ToList();
            Say($"{stuck.Count} nodes still running {StopGrace.TotalSeconds:0} s after Ctrl+C ({string.Join(", ", stuck.Select(n => $"{n.Role} {n.Port}"))}): killed");
            foreach (var n in stuck) n.Kill();
        }
    }

    /// <summary>Made → last receipt of the next <paramref name="count"/> messages, in ms (<see cref="Dissemination"/>).</summary>
    Task<List<double>> Disseminate(int count, CancellationToken ct) =>
        Dissemination.Measure(peers, made.Reader, count, bound, Bounded, ct);

    /// <summary>Kills (SIGKILL) or freezes (SIGSTOP) a random peer; returns ms from the signal to DEAD_CONFIRMED at the last live node.</summary>
    async Task<double> Fail(bool freeze, CancellationToken ct)
    {
        var live = peers.Where(p => p.Alive).ToList();
        var victim = live[random.Next(live.Count)];
        var (ms, _) = await Failure.Measure(victim, freeze, seeds, peers, Bounded, Say, ct);
        Sample(freeze ? "hung_purge_ms" : "crash_purge_ms").Add(ms);
        if (freeze) victim.Kill();
        peers.Remove(victim);
        return ms;
    }

    /// <summary>
    /// The nodes some node removed (DEAD_CONFIRMED) while they were alive: before the bench killed, froze or stopped
    /// them, by the remover's own clock.
    /// </summary>
    List<int> FalseRemovals()
    {
        var byPort = all.ToDictionary(n => n.Port);
        var found = new SortedDictionary<int, List<string>>();
        foreach (var n in all)
            foreach (var (at, e) in n.Log.Events(e => EventFeed.Removal(e) is not null))
            {
                if (byPort.TryGetValue(EventFeed.Removal(e)!.Value.Node.Port, out var x) && (x.EndedAt is null || at < x.EndedAt))
                    (found.TryGetValue(x.Port, out var by) ? by : found[x.Port] = new List<string>()).Add($"{n.Role} {n.Port} at {at:HH:mm:ss.fff}");
            }
        // Who removed whom and when: a starved machine (heartbeats missed) and a bench bug look different here.
        foreach (var (port, by) in found)
            Say($"live node removed: {byPort[port].Role} {port} ({phases.GetValueOrDefault(byPort[port], "?")} phase; " +
                $"{(byPort[port].EndedAt is { } e ? $"stopped by the bench at {e:HH:mm:ss.fff}" : "never stopped")}) by {string.Join(", ", by.Take(5))}{(by.Count > 5 ? $" and {by.Count - 5} more" : "")}");
        return found.Keys.ToList();
    }

    public void Dispose()
    {
        foreach (var n in all) n.Dispose();
        if (!keep) try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
