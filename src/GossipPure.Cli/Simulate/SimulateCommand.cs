using System.CommandLine;
using GossipPure.Core;
using GossipPure.Simulation;
using static LanguageExt.Prelude;

namespace GossipPure.Cli.Simulate;

/// <summary>
/// <c>gossip simulate</c>: the real reducers on a virtual network with virtual time, every random choice drawn from
/// one seed. The same seed gives the same run, shown by the trace hash.
/// </summary>
public static class SimulateCommand
{
    /// <summary>Every message floods every peer: beyond this many makers a large run only repeats the same measurement.</summary>
    public const int DefaultGossipers = 100;

    public static Command Create()
    {
        var seeds = new Option<int>("--seeds") { Description = "Seeds", DefaultValueFactory = _ => 3 };
        var peers = new Option<int>("--peers") { Description = "Peers", DefaultValueFactory = _ => 20 };
        var seed = new Option<ulong>("--seed") { Description = "The random seed of the whole run", DefaultValueFactory = _ => 1 };
        var seconds = new Option<double>("--seconds") { Description = "Virtual seconds to run", DefaultValueFactory = _ => 60 };
        var loss = new Option<double>("--loss") { Description = "Per-message loss, percent", DefaultValueFactory = _ => 0 };
        var dup = new Option<double>("--dup") { Description = "Per-message duplication, percent", DefaultValueFactory = _ => 0 };
        var latMin = new Option<double>("--latency-min-ms") { Description = "Smallest one-way latency", DefaultValueFactory = _ => 0.05 };
        var latMax = new Option<double>("--latency-max-ms") { Description = "Largest one-way latency (random in between, so messages reorder)", DefaultValueFactory = _ => 1 };
        var crashes = new Option<int>("--crash") { Description = "Peers to crash (kill -9) at random times in the middle of the run", DefaultValueFactory = _ => 1 };
        var hangs = new Option<int>("--hang") { Description = "Peers to hang (kill -STOP) at random times in the middle of the run", DefaultValueFactory = _ => 0 };
        var interval = new Option<double>("--gossip-interval-s") { Description = "Seconds between a peer's gossip messages", DefaultValueFactory = _ => 5 };
        var count = new Option<int>("--gossip-count") { Description = "Gossip messages per peer", DefaultValueFactory = _ => 10 };
        var gossipers = new Option<int>("--gossipers")
        {
            Description = $"How many peers make gossip, spread evenly over the peers (the others forward); default: all, up to {DefaultGossipers}",
            DefaultValueFactory = _ => -1,
        };
        var stagger = new Option<double>("--stagger-ms") { Description = "Peers start this far apart", DefaultValueFactory = _ => 10 };
        var profile = new Option<bool>("--profile") { Description = "Time each kind of step (wall clock) and print where the run's time went; the run is the same" };
        var signed = new Option<bool>("--signed") { Description = "Signed membership: every node signs with its own key (a cheap model of Ed25519), every certificate is checked" };
        var cmd = new Command("simulate", "Run seeds and peers as the pure reducers on a virtual network (deterministic: same --seed, same run)")
            { seeds, peers, seed, seconds, loss, dup, latMin, latMax, crashes, hangs, interval, count, gossipers, stagger, signed, profile };
        cmd.SetAction(pr =>
        {
            var s = pr.GetValue(seeds);
            var p = pr.GetValue(peers);
            if (s < 1 || p < 1) { Console.Error.WriteLine("gossip: --seeds and --peers must be at least 1"); return 2; }
            if (ThroughputGc.Relaunch(p) is { } exit) return exit;
            var runUs = (long)(pr.GetValue(seconds) * 1e6);
            var makers = pr.GetValue(gossipers) < 0 ? Math.Min(p, DefaultGossipers) : Math.Min(p, pr.GetValue(gossipers));
            var rng = new Rng(pr.GetValue(seed) ^ 0x5EED_F00DUL);
            // Faults fall in the middle third of the run, on distinct peers, drawn from the run's own seed.
            var victims = Enumerable.Range(0, p).ToArray();
            (var order, rng) = rng.Sample(toSeq(victims), Math.Min(p, pr.GetValue(crashes) + pr.GetValue(hangs)));
            var faults = new List<Fault>();
            var i = 0;
            foreach (var v in order)
            {
                (var at, rng) = rng.NextInt((int)Math.Max(1, runUs / 3 / 1000));
                var atUs = runUs / 3 + at * 1000L;
                faults.Add(i++ < pr.GetValue(crashes) ? new Crash(Addresses.Peer(v), atUs) : new Hang(Addresses.Peer(v), atUs));
            }
            var scenario = new Scenario
            {
                Seeds = s, Peers = p, Seed = pr.GetValue(seed),
                LatencyMinUs = (long)(pr.GetValue(latMin) * 1000), LatencyMaxUs = (long)(pr.GetValue(latMax) * 1000),
                LossPercent = pr.GetValue(loss), DuplicatePercent = pr.GetValue(dup),
                PeerStaggerUs = (long)(pr.GetValue(stagger) * 1000),
                Faults = toSeq(faults.ToArray()),
                RunUntilUs = runUs,
                Gossipers = makers,
                Signed = pr.GetValue(signed),
                ProfileSteps = pr.GetValue(profile),
                KeepTrace = false, KeepLogs = false,
                MaxSteps = long.MaxValue,   // a command-line run is as long as asked (the cap guards tests against runaway loops)
                Options = ProtocolOptions.Default with
                {
                    GossipIntervalMs = (long)(pr.GetValue(interval) * 1000), GossipCount = pr.GetValue(count),
                },
            };
            Console.WriteLine($"workload: {makers} of {p} peers make {pr.GetValue(count)} gossip messages each, one every {pr.GetValue(interval)}s"
                + (makers < p ? " (--gossipers to change)" : ""));
            // A batch job: no concurrent GC (the simulator allocates fast and keeps every node's state live).
            System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.Batch;
            var started = System.Diagnostics.Stopwatch.StartNew();
            SimResult result;
            try { result = Simulator.Run(scenario); }
            catch (MachineRefusedException e)
            {
                Console.Error.WriteLine($"gossip simulate: BUG {e.Message}; re-run with --seed {pr.GetValue(seed)} to reproduce");
                return 1;
            }
            catch (Exception e) when (e is OutOfMemoryException || e.InnerException is OutOfMemoryException)   // (the trace hash's thread wraps it)
            {
                var gib = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (double)(1L << 30);
                Console.Error.WriteLine($"gossip simulate: out of memory: {p} peers need more than the {gib:0.0} GiB this run's heap may use (GOSSIP_SIM_GC=0 runs it without the cap)");
                return 1;
            }
            foreach (var line in result.Metrics().ToLines()) Console.WriteLine(line);
            Console.WriteLine($"log N: log2({p}) = {Math.Log2(p):0.0} (max hops above is the rounds to reach the last peer)");
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            Console.WriteLine($"wall time: {started.Elapsed.TotalSeconds:0.0}s ({result.Steps / Math.Max(0.001, started.Elapsed.TotalSeconds) / 1e6:0.00} M steps/s; "
                + $"CPU {cpu.TotalSeconds:0.0}s, {GC.GetTotalAllocatedBytes() / 1e9:0.00} GB allocated, {ThroughputGc.Describe()} gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, paused {GC.GetTotalPauseDuration().TotalSeconds:0.0}s)");
            if (HugePages.Describe() is { } memory) Console.WriteLine(memory);
            Console.WriteLine($"trace hash: {result.TraceHash}");
            if (result.Profile is { } steps) foreach (var line in steps.ToLines()) Console.WriteLine(line);
            var failed = false;
            if (result.FalseRemovals().Count > 0)
            {
                Console.Error.WriteLine($"gossip simulate: {result.FalseRemovals().Count} live peers were removed; re-run with --seed {pr.GetValue(seed)} to reproduce");
                failed = true;
            }
            if (result.Network.OverLimit > 0)
            {
                Console.Error.WriteLine($"gossip simulate: {result.Network.OverLimit} messages were over the {FrameSize.MaxPayloadBytes}-byte frame limit (a real network would have refused to send them), the first: {result.Network.FirstOverLimit}");
                failed = true;
            }
            if (failed) return 1;
            return 0;
        });
        return cmd;
    }
}
