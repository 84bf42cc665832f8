using System.CommandLine;
using GossipPure.Cli;
using GossipPure.Cli.Config;
using GossipPure.Cli.Hosting;

// gossip: run seeds and peers of a GossipPure network, and the tools around it.
var root = new RootCommand("GossipPure: a gossip peer-to-peer network with quorum membership and a pure, replayable core.");

// seed, peer, cluster: their settings (and where each comes from) are all in Config/NodeOptions.cs.
var nodeOptions = new NodeOptions();
foreach (var command in NodeCommands.Create(nodeOptions)) root.Subcommands.Add(command);

var benchSeedsOption = new Option<int>("--seeds") { Description = "Seeds to start", DefaultValueFactory = _ => 3 };
var benchPeersOption = new Option<int>("--peers") { Description = "Peers to start", DefaultValueFactory = _ => 20 };
var trialsOption = new Option<int>("--trials") { Description = "Crash trials (each kills a peer and starts a new one)", DefaultValueFactory = _ => 5 };
var hungTrialsOption = new Option<int>("--hung-trials") { Description = "Hang trials (SIGSTOP a peer)", DefaultValueFactory = _ => 2 };
var jsonOption = new Option<string?>("--json") { Description = "Also write the figures to this JSON file" };
var keepLogsOption = new Option<bool>("--keep-logs") { Description = "Keep the nodes' log folder" };
var processesOption = new Option<bool>("--processes") { Description = "Run each node as its own process (default: host them all in this one)" };
var bench = new Command("bench", "Measure a local network of real node processes: registration, dissemination, crash and hang detection, memory")
    { benchSeedsOption, benchPeersOption, trialsOption, hungTrialsOption, jsonOption, keepLogsOption, processesOption };
bench.SetAction((pr, ct) => new GossipPure.Cli.Bench.BenchRunner(new GossipPure.Cli.Bench.BenchOptions(
    pr.GetValue(benchSeedsOption), pr.GetValue(benchPeersOption), pr.GetValue(trialsOption), pr.GetValue(hungTrialsOption),
    pr.GetValue(jsonOption), pr.GetValue(keepLogsOption), TimeSpan.FromSeconds(60), pr.GetValue(processesOption))).RunAsync(ct));
root.Subcommands.Add(bench);

var outOption = new Option<string>("--out") { Description = "Folder for the .dot files", DefaultValueFactory = _ => "specs" };
var diagrams = new Command("diagrams", "Write the registration and suspicion state machines as Graphviz DOT (the machines' own export)") { outOption };
diagrams.SetAction(pr =>
{
    var dir = pr.GetValue(outOption)!;
    Directory.CreateDirectory(dir);
    File.WriteAllText(Path.Combine(dir, "registration.dot"), GossipPure.Core.Seeds.Registration.ToDot());
    File.WriteAllText(Path.Combine(dir, "suspicion.dot"), GossipPure.Core.Peers.Suspicion.ToDot());
    Console.WriteLine($"wrote {Path.Combine(dir, "registration.dot")} and {Path.Combine(dir, "suspicion.dot")}");
    return 0;
});
root.Subcommands.Add(diagrams);
root.Subcommands.Add(GossipPure.Cli.Replay.ReplayCommand.Create());

root.Subcommands.Add(GossipPure.Cli.Simulate.SimulateCommand.Create());
root.Subcommands.Add(GossipPure.Cli.Topology.TopologyCommand.Create());

// Help shows durations as they are typed (5s, not 00:00:05) and lists every command's options at the top level;
// a wrong argument is one line, the usage, and exit code 2.
Usage.Customize(root, nodeOptions);
var parsed = root.Parse(args);
if (Usage.Failed(parsed)) return Usage.Reject(parsed);
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
