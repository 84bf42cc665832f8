using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using GossipPure.Cli;
using GossipPure.Core;
using GossipPure.Shell.Hosting;
using GossipPure.Shell.Net;
using GossipPure.Shell.Security;



// gossip: run seeds and peers of a GossipPure network.
var configOption = new Option<string>("--config") { Description = "The seed list: one IP,Port a line", DefaultValueFactory = _ => "config.csv" };
var logDirOption = new Option<string>("--log-dir") { Description = "Where output and event files go", DefaultValueFactory = _ => "." };
var gossipIntervalOption = DurationOption("--gossip-interval", "Time between two gossip messages a peer makes", TimeSpan.FromSeconds(5));
var gossipCountOption = new Option<int>("--gossip-count") { Description = "How many gossip messages each peer makes", DefaultValueFactory = _ => 10 };
var heartbeatOption = DurationOption("--heartbeat-interval", "A peer heartbeats its neighbours this often and suspects one silent for 3 intervals", TimeSpan.FromSeconds(1));
var pingOption = DurationOption("--ping-interval", "ICMP echo to each neighbour's host this often; 3 failures make a suspect", TimeSpan.FromSeconds(13));
var probeTimeoutOption = DurationOption("--probe-timeout", "A PROBE unanswered this long is evidence of death", TimeSpan.FromMilliseconds(300));
var clusterKeyOption = new Option<string?>("--cluster-key-file") { Description = "Authenticate and encrypt every connection with the keys in this file (one base64 32-byte key a line; the first is used to dial, all are accepted; re-read when it changes)" };
var handshakeTimeoutOption = DurationOption("--handshake-timeout", "An accepted connection must send its HELLO (and finish the cluster-key handshake) within this", TransportLimits.Default.HelloTimeout);
var frameTimeoutOption = DurationOption("--frame-timeout", "A frame must arrive whole within this of its first byte", TransportLimits.Default.FrameTimeout);
var ipArgument = new Argument<string>("ip") { Description = "The IP address this node listens on" };
var portArgument = new Argument<int>("port") { Description = "The TCP port this node listens on" };

var root = new RootCommand("GossipPure: a gossip peer-to-peer network with quorum membership and a pure, replayable core.");

var seed = new Command("seed", "Run a seed: admits peers by majority vote of the seeds in config.csv")
    { ipArgument, portArgument, configOption, logDirOption, probeTimeoutOption, clusterKeyOption, handshakeTimeoutOption, frameTimeoutOption };
seed.SetAction((pr, ct) => RunSingle(pr, Role.Seed, ct));
root.Subcommands.Add(seed);

var peer = new Command("peer", "Run a peer: registers with the seeds, joins the overlay and gossips")
    { ipArgument, portArgument, configOption, logDirOption, gossipIntervalOption, gossipCountOption, heartbeatOption, pingOption, probeTimeoutOption, clusterKeyOption, handshakeTimeoutOption, frameTimeoutOption };
peer.SetAction((pr, ct) => RunSingle(pr, Role.Peer, ct));
root.Subcommands.Add(peer);

var peersOption = new Option<int>("--peers") { Description = "How many peers to start", DefaultValueFactory = _ => 4 };
var basePortOption = new Option<int>("--peer-base-port") { Description = "Port of the first peer; the others follow", DefaultValueFactory = _ => 6001 };
var peerIpOption = new Option<string>("--peer-ip") { Description = "Address the peers listen on", DefaultValueFactory = _ => "127.0.0.1" };
var runForOption = DurationOption("--run-for", "Stop by itself after this long (0: run until Ctrl+C)", TimeSpan.Zero);
var cluster = new Command("cluster", "Start the seeds of config.csv and N peers on this machine, in this process")
    { configOption, logDirOption, peersOption, basePortOption, peerIpOption, gossipIntervalOption, gossipCountOption, heartbeatOption, pingOption, probeTimeoutOption, runForOption, clusterKeyOption, handshakeTimeoutOption, frameTimeoutOption };
cluster.SetAction(RunCluster);
root.Subcommands.Add(cluster);

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

var parsed = root.Parse(args);
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

Option<TimeSpan> DurationOption(string name, string description, TimeSpan fallback) => new(name)
{
    Description = $"{description} (e.g. 200ms, 5s)",
    DefaultValueFactory = _ => fallback,
    CustomParser = r =>
    {
        var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
        if (Durations.TryParse(text, out var v)) return v;
        r.AddError($"{name}: '{text}' is not a duration (e.g. 200ms, 5s, 1m)");
        return fallback;
    },
};

ProtocolOptions Options(ParseResult pr)
{
    var d = ProtocolOptions.Default;
    var command = pr.CommandResult.Command;
    // An option the command does not have keeps the protocol default.
    long Ms(Option<TimeSpan> o, long fallback) =>
        command.Options.Contains(o) ? Math.Max(1, (long)pr.GetValue(o).TotalMilliseconds) : fallback;
    return d with
    {
        GossipIntervalMs = Ms(gossipIntervalOption, d.GossipIntervalMs),
        GossipCount = command.Options.Contains(gossipCountOption) ? pr.GetValue(gossipCountOption) : d.GossipCount,
        HeartbeatIntervalMs = Ms(heartbeatOption, d.HeartbeatIntervalMs),
        PingIntervalMs = Ms(pingOption, d.PingIntervalMs),
        ProbeTimeoutMs = Ms(probeTimeoutOption, d.ProbeTimeoutMs),
    };
}

async Task<int> RunSingle(ParseResult pr, Role role, CancellationToken ct)
{
    var seeds = LoadSeeds(pr.GetValue(configOption)!);
    if (seeds.IsLeft) return Fail(seeds.LeftToSeq().Head);
    var seedList = seeds.RightToSeq().Head;
    var ip = pr.GetValue(ipArgument)!;
    var port = pr.GetValue(portArgument);
    if (!System.Net.IPAddress.TryParse(ip, out _)) return Fail($"'{ip}' is not an IP address");
    if (port is < 1 or > 65535) return Fail($"port {port} is out of range (1-65535)");
    var self = new NodeId(ip, port);
    var isListed = seedList.Exists(s => s == self);
    if (role == Role.Seed && !isListed)
        return Fail($"seed {self} is not listed in {pr.GetValue(configOption)}; a seed must be one of its lines");
    if (role == Role.Peer && isListed)
        return Fail($"{self} is a seed address in {pr.GetValue(configOption)}; a peer needs an address of its own");
    var config = new NodeConfig(self, seedList, Options(pr));
    var files = new NodeFiles(pr.GetValue(logDirOption)!, ConsolePrefix: null);
    if (!TryNetwork(pr, out var network, out var networkError)) return Fail(networkError!);
    using var stop = Signals.OnInterrupt();
    return role == Role.Seed
        ? await Nodes.Seed(config, files, network).RunAsync(stop.Token)
        : await Nodes.Peer(config, files, network).RunAsync(stop.Token);
}

async Task<int> RunCluster(ParseResult pr, CancellationToken ct)
{
    var configPath = pr.GetValue(configOption)!;
    var seeds = LoadSeeds(configPath);
    if (seeds.IsLeft) return Fail(seeds.LeftToSeq().Head);
    var seedList = seeds.RightToSeq().Head;
    var count = pr.GetValue(peersOption);
    var basePort = pr.GetValue(basePortOption);
    var peerIp = pr.GetValue(peerIpOption)!;
    if (count < 0) return Fail("--peers must be 0 or more");
    var options = Options(pr);
    var logDir = pr.GetValue(logDirOption)!;
    var peerIds = Enumerable.Range(basePort, count).Select(p => new NodeId(peerIp, p)).ToList();
    var clash = peerIds.FirstOrDefault(p => seedList.Exists(s => s == p));
    if (clash != default) return Fail($"peer address {clash} is also a seed in {configPath}; choose another --peer-base-port");
    if (!TryNetwork(pr, out _, out var networkError)) return Fail(networkError!);
    // Each node has its own keyring: each re-reads the key file and logs its own reload line.
    TransportOptions Network() { TryNetwork(pr, out var n, out _); return n!; }

    Console.WriteLine($"Starting {seedList.Count} seeds and {count} peers; logs in {Path.GetFullPath(logDir)}. Ctrl+C stops them all.");
    using var stop = Signals.OnInterrupt();
    var runFor = pr.GetValue(runForOption);
    if (runFor > TimeSpan.Zero) stop.CancelAfter(runFor);
    var runs = new List<Task<int>>();
    foreach (var s in seedList)
        runs.Add(Nodes.Seed(new NodeConfig(s, seedList, options), new NodeFiles(logDir, $"[seed {s.Port}] "), Network()).RunAsync(stop.Token));
    foreach (var p in peerIds)
        runs.Add(Nodes.Peer(new NodeConfig(p, seedList, options), new NodeFiles(logDir, $"[peer {p.Port}] "), Network()).RunAsync(stop.Token));
    var codes = await Task.WhenAll(runs);
    return codes.FirstOrDefault(c => c != 0);
}

/// <summary>The transport's options from the command line: its timeouts and, with --cluster-key-file, its keys.</summary>
bool TryNetwork(ParseResult pr, out TransportOptions? network, out string? error)
{
    network = null;
    var limits = TransportLimits.Default with
    {
        HelloTimeout = pr.GetValue(handshakeTimeoutOption) is { Ticks: > 0 } h ? h : TransportLimits.Default.HelloTimeout,
        FrameTimeout = pr.GetValue(frameTimeoutOption) is { Ticks: > 0 } f ? f : TransportLimits.Default.FrameTimeout,
    };
    ClusterKeyring? keys = null;
    if (pr.GetValue(clusterKeyOption) is { } keyFile)
    {
        if (!GossipPure.Shell.Security.FrameCipher.IsSupported) { error = "--cluster-key-file: AES-GCM is not available on this machine"; return false; }
        if (!ClusterKeyring.TryLoad(keyFile, out keys, out var e)) { error = $"--cluster-key-file: {e}"; return false; }
    }
    network = new TransportOptions(limits, keys);
    error = null;
    return true;
}

static LanguageExt.Either<string, LanguageExt.Seq<NodeId>> LoadSeeds(string path)
{
    string text;
    try { text = File.ReadAllText(path); }
    catch (FileNotFoundException) { return $"config file '{path}' not found"; }
    catch (DirectoryNotFoundException) { return $"config file '{path}' not found"; }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"cannot read config file '{path}': {e.Message}"; }
    return SeedList.Parse(text, Path.GetFileName(path));
}

static int Fail(string message)
{
    Console.Error.WriteLine($"gossip: {message}");
    return 2;
}

/// <summary>Ctrl+C and SIGTERM cancel the returned source instead of killing the process.</summary>
static class Signals
{
    public static CancellationTokenSource OnInterrupt()
    {
        var cts = new CancellationTokenSource();
        void Handler(PosixSignalContext ctx)
        {
            ctx.Cancel = true;
            try { cts.Cancel(); } catch (ObjectDisposedException) { }
        }
        var registrations = new[]
        {
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handler),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handler),
        };
        cts.Token.Register(() => { });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { foreach (var r in registrations) r.Dispose(); };
        return cts;
    }
}
