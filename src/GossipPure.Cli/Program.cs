using System.CommandLine;
using GossipPure.Cli;
using GossipPure.Cli.Config;
using GossipPure.Cli.Hosting;

// gossip: run seeds and peers of a GossipPure network, and the tools around it.
var root = new RootCommand("GossipPure: a gossip peer-to-peer network with quorum membership and a pure, replayable core.");

// seed, peer, cluster: their settings (and where each comes from) are all in Config/NodeOptions.cs.
var nodeOptions = new NodeOptions();
foreach (var command in NodeCommands.Create(nodeOptions)) root.Subcommands.Add(command);

root.Subcommands.Add(GossipPure.Cli.Bench.BenchCommand.Create());

var outOption = new Option<string>("--out") { Description = "Folder for the .dot files", DefaultValueFactory = _ => "specs" };
var diagrams = new Command("diagrams", "Write the registration, death-vote and suspicion state machines as Graphviz DOT (the machines' own export)") { outOption };
diagrams.SetAction(pr =>
{
    var dir = pr.GetValue(outOption)!;
    Directory.CreateDirectory(dir);
    File.WriteAllText(Path.Combine(dir, "registration.dot"), GossipPure.Core.Seeds.Registration.ToDot());
    File.WriteAllText(Path.Combine(dir, "suspicion.dot"), GossipPure.Core.Peers.Suspicion.ToDot());
    File.WriteAllText(Path.Combine(dir, "death-vote.dot"), GossipPure.Core.Seeds.DeathVote.ToDot());
    Console.WriteLine($"wrote {Path.Combine(dir, "registration.dot")}, {Path.Combine(dir, "suspicion.dot")} and {Path.Combine(dir, "death-vote.dot")}");
    return 0;
});
root.Subcommands.Add(diagrams);
root.Subcommands.Add(GossipPure.Cli.Replay.ReplayCommand.Create());

root.Subcommands.Add(GossipPure.Cli.Simulate.SimulateCommand.Create());
root.Subcommands.Add(GossipPure.Cli.Topology.TopologyCommand.Create());
foreach (var command in GossipPure.Cli.Control.ControlCommands.Create()) root.Subcommands.Add(command);

// Help shows durations as they are typed (5s, not 00:00:05) and lists every command's options at the top level;
// a wrong argument is one line, the usage, and exit code 2.
Usage.Customize(root, nodeOptions);
var parsed = root.Parse(args);
if (Usage.Failed(parsed)) return Usage.Reject(parsed);
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
