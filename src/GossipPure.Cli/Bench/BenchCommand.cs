using System.CommandLine;

namespace GossipPure.Cli.Bench;

/// <summary><c>gossip bench</c>: its options, and which runner they start (in-process, or one process per node).</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var seeds = new Option<int>("--seeds") { Description = "Seeds to start", DefaultValueFactory = _ => 3 };
        var peers = new Option<int>("--peers") { Description = "Peers to start", DefaultValueFactory = _ => 20 };
        var trials = new Option<int>("--trials") { Description = "Crash trials (each kills a peer and starts a new one)", DefaultValueFactory = _ => 5 };
        var hungTrials = new Option<int>("--hung-trials") { Description = "Hang trials (SIGSTOP a peer)", DefaultValueFactory = _ => 2 };
        var json = new Option<string?>("--json") { Description = "Also write the figures to this JSON file" };
        var keepLogs = new Option<bool>("--keep-logs") { Description = "Keep the nodes' log folder" };
        var processes = new Option<bool>("--processes") { Description = "Run each node as its own process (default: host them all in this one)" };
        var binary = new Option<string?>("--binary")
        {
            Description = "With --processes: the gossip to run (an executable, or a gossip.dll run with dotnet); default dist/gossip if present, else this program",
        };
        var window = DurationOption("--window", TimeSpan.FromSeconds(30),
            "With --processes: how long CPU is measured in each phase (idle, default gossip)");
        var settle = DurationOption("--settle", TimeSpan.Zero,
            "With --processes: how long to wait after every peer registered before each CPU window starts (e.g. 1m: past JIT tiering)");
        var runs = new Option<int>("--runs") { Description = "With --processes: repeat the whole measurement, each on a new network, and report medians over the runs", DefaultValueFactory = _ => 1 };
        var signed = new Option<bool>("--signed") { Description = "Signed membership: every node gets an Ed25519 key, votes, certificates and gossip are signed and checked" };
        var bench = new Command("bench", "Measure a local network of real node processes: registration, dissemination, crash and hang detection, memory")
            { seeds, peers, trials, hungTrials, json, keepLogs, processes, binary, window, settle, runs, signed };
        bench.SetAction((pr, ct) =>
        {
            var options = new BenchOptions(pr.GetValue(seeds), pr.GetValue(peers), pr.GetValue(trials), pr.GetValue(hungTrials),
                pr.GetValue(json), pr.GetValue(keepLogs), TimeSpan.FromSeconds(60), pr.GetValue(processes))
            {
                Binary = pr.GetValue(binary), Window = pr.GetValue(window), Settle = pr.GetValue(settle), Runs = pr.GetValue(runs),
                Signed = pr.GetValue(signed),
            };
            return options.Processes && Environment.GetEnvironmentVariable(WorkerHost.EnvVar) is not { Length: > 0 }
                ? new ProcessBench(options).RunAsync(ct)
                : new BenchRunner(options).RunAsync(ct);
        });
        return bench;
    }

    /// <summary>A duration written as people write them (<c>500ms</c>, <c>30s</c>, <c>1m</c>), shown that way in the help.</summary>
    static Option<TimeSpan> DurationOption(string name, TimeSpan fallback, string description) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => fallback,
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (Durations.TryParse(text, out var t)) return t;
            r.AddError($"{name}: '{text}' is not a duration (e.g. 500ms, 30s, 1m)");
            return fallback;
        },
    };
}
