using System.CommandLine;
using GossipPure.Cli.Config;
using GossipPure.Cli.Live;
using GossipPure.Core;
using GossipPure.Core.Identity;
using GossipPure.Shell.Hosting;
using GossipPure.Shell.Security;

namespace GossipPure.Cli.Hosting;

/// <summary><c>gossip seed</c>, <c>gossip peer</c> and <c>gossip cluster</c>: settings in, nodes run under the host.</summary>
public static class NodeCommands
{
    public static IEnumerable<Command> Create(NodeOptions options)
    {
        var ip = new Argument<string>("ip") { Description = "The IP address this node listens on" };
        var port = new Argument<int>("port")
        {
            Description = "The TCP port this node listens on",
            CustomParser = r =>
            {
                var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                if (int.TryParse(text, out var p)) return p;
                r.AddError($"port: '{text}' is not a port number (1-65535)");
                return 0;
            },
        };

        var seed = new Command("seed", "Run a seed: admits peers by majority vote of the seeds in config.csv") { ip, port };
        options.AddTo(seed, NodeCommand.Seed);
        seed.SetAction((pr, _) => RunSingle(pr, options, Role.Seed, ip, port));
        yield return seed;

        var peer = new Command("peer", "Run a peer: registers with the seeds, joins the overlay and gossips") { ip, port };
        options.AddTo(peer, NodeCommand.Peer);
        peer.SetAction((pr, _) => RunSingle(pr, options, Role.Peer, ip, port));
        yield return peer;

        var cluster = new Command("cluster",
            "Start the seeds of config.csv and N peers on this machine, in this process; a live table when the output is a terminal");
        options.AddTo(cluster, NodeCommand.Cluster);
        cluster.SetAction((pr, _) => RunCluster(pr, options));
        yield return cluster;

        var keygenIp = new Argument<string>("ip") { Description = "The IP address the seed will listen on" };
        var keygenPort = new Argument<int>("port") { Description = "The TCP port the seed will listen on", CustomParser = port.CustomParser };
        var force = new Option<bool>("--force") { Description = "Replace an existing key file (the old public key stops being this node's)" };
        var keygen = new Command("keygen",
            "Make a node's Ed25519 key pair: the private key goes to <key-dir>/gossip_<ip>_<port>.key (mode 0600), the config.csv line IP,PORT,PUBLIC_KEY to stdout")
            { keygenIp, keygenPort, force };
        options.AddTo(keygen, NodeCommand.Keygen);
        keygen.SetAction(pr => Keygen(pr, options, keygenIp, keygenPort, force));
        yield return keygen;
    }

    /// <summary><c>gossip keygen IP PORT</c>: a new key file, and the node's config.csv line on stdout (so <c>&gt;&gt; config.csv</c> works).</summary>
    static int Keygen(ParseResult pr, NodeOptions o, Argument<string> ipArgument, Argument<int> portArgument, Option<bool> force)
    {
        var (settings, error) = o.Bind(pr, NodeCommand.Keygen);
        if (settings is null) return Fail(error!);
        if (pr.GetValue(o.PrintConfig)) return Print(settings);
        var ip = pr.GetValue(ipArgument)!;
        var port = pr.GetValue(portArgument);
        if (!NodeId.IsIp(ip)) return Fail($"'{ip}' is not an IP address");
        if (port is < 1 or > 65535) return Fail($"port {port} is out of range (1-65535)");
        var node = new NodeId(ip, port);
        if (NodeKeys.CheckLibrary() is { } library) return Fail(library);
        var path = NodeKeys.PathOf(settings.Get(o.KeyDir), node);
        var (signer, keyError) = NodeKeys.Create(path, pr.GetValue(force));
        if (signer is null) return Fail(keyError!);
        using (signer)
        {
            Console.Out.WriteLine($"{node.Ip},{node.Port},{signer.PublicKey}");
            Console.Error.WriteLine($"wrote the private key to {Path.GetFullPath(path)} (mode 0600); the line above is this node's line in config.csv");
        }
        return 0;
    }

    static async Task<int> RunSingle(ParseResult pr, NodeOptions o, Role role, Argument<string> ipArgument, Argument<int> portArgument)
    {
        if (Prepare(pr, o, role == Role.Seed ? NodeCommand.Seed : NodeCommand.Peer, out var exit) is not var (settings, seedList, seedKeys, configPath))
            return exit;
        var ip = pr.GetValue(ipArgument)!;
        var port = pr.GetValue(portArgument);
        if (!NodeId.IsIp(ip)) return Fail($"'{ip}' is not an IP address");
        if (port is < 1 or > 65535) return Fail($"port {port} is out of range (1-65535)");
        var self = new NodeId(ip, port);
        var isListed = seedList.Exists(s => s == self);
        if (role == Role.Seed && !isListed)
            return Fail($"seed {self} is not listed in {configPath}; a seed must be one of its lines");
        if (role == Role.Peer && isListed)
            return Fail($"{self} is a seed address in {configPath}; a peer needs an address of its own");
        var notes = new List<(LogLevel, string)>();
        var (security, keyError) = seedKeys.IsEmpty
            ? (Security.None, null)
            : NodeKeys.Identity(role, self, seedKeys, settings.Get(o.KeyDir), Path.GetFileName(configPath), notes);
        if (security is null) return Fail(keyError!);
        if (seedKeys.IsEmpty) notes.Add((LogLevel.Warning, Unauthenticated(Path.GetFileName(configPath))));
        var (node, nodeError) = Node(o, settings, role, self, seedList, security, consolePrefix: null, console: true, notes);
        if (node is null) return Fail(nodeError!);
        return await NodeHost.RunAsync([node], TimeSpan.Zero);
    }

    static async Task<int> RunCluster(ParseResult pr, NodeOptions o)
    {
        if (Prepare(pr, o, NodeCommand.Cluster, out var exit) is not var (settings, seedList, seedKeys, configPath))
            return exit;
        var count = settings.Get(o.Peers);
        var basePort = settings.Get(o.PeerBasePort);
        var peerIp = settings.Get(o.PeerIp);
        if (!NodeId.IsIp(peerIp)) return Fail($"--peer-ip: '{peerIp}' is not an IP address");
        if (basePort + count - 1 > 65535) return Fail($"--peers {count} from port {basePort} runs past port 65535");
        var logDir = settings.Get(o.LogDir);
        var peerIds = Enumerable.Range(basePort, count).Select(p => new NodeId(peerIp, p)).ToList();
        var clash = peerIds.FirstOrDefault(p => seedList.Exists(s => s == p));
        if (clash != default) return Fail($"peer address {clash} is also a seed in {configPath}; choose another --peer-base-port");

        // The live table when a person watches a terminal; the log lines otherwise (or with --plain, or with
        // --log-format json, whose reader wants one JSON object a line).
        var json = o.Format(settings) == LogFormat.Json;
        var live = !settings.Get(o.Plain) && !json && LiveView.CanRun();
        // The cluster always runs signed: it holds every seed, so it knows (or makes) their keys.
        var keyDir = settings.SourceOf(o.KeyDir) == "default" ? logDir : settings.Get(o.KeyDir);
        if (NodeKeys.CheckLibrary() is { } library) return Fail(library);
        var (keys, keysError) = ClusterKeys(seedList, seedKeys, peerIds, keyDir, Path.GetFileName(configPath));
        if (keys is null) return Fail(keysError!);
        var nodes = new List<HostedNode>();
        // Plain LINQ, not Seq.Concat: a LanguageExt concatenation of a value-type element (here a tuple) makes the
        // NativeAOT compiler's IL scanner stop (specs/aot.md).
        foreach (var (role, id) in seedList.AsEnumerable().Select(s => (Role.Seed, s)).Concat(peerIds.Select(p => (Role.Peer, p))))
        {
            var security = new Security(keys.SeedKeys, Ed25519Scheme.Instance, keys.Signers[id]);
            var (node, nodeError) = Node(o, settings, role, id, seedList, security, $"[{(role == Role.Seed ? "seed" : "peer")} {id.Port}] ", console: !live);
            if (node is null) return Fail(nodeError!);
            nodes.Add(node);
        }
        var runFor = settings.Get(o.RunFor);
        if (!live)
        {
            // With JSON on stdout, this line goes to stderr so that stdout stays one JSON object a line.
            (json ? Console.Error : Console.Out).WriteLine($"Starting {seedList.Count} seeds and {count} peers; logs in {Path.GetFullPath(logDir)}; {keys.Summary}. Ctrl+C stops them all.");
            return await NodeHost.RunAsync(nodes, runFor);
        }
        var view = new LiveView(configPath, Path.GetFullPath(logDir));
        var code = await NodeHost.RunAsync(nodes, runFor, view.RunAsync);
        view.PrintSummary(nodes);
        return code;
    }

    /// <summary>
    /// Builds one node from the settings: the one place where settings become a node's config, files and transport
    /// options (a setting that changes how a node runs or logs is read here). A cluster key file that cannot be read
    /// or parsed is the error, and no node.
    /// </summary>
    static (HostedNode? Node, string? Error) Node(NodeOptions o, EffectiveSettings settings, Role role, NodeId self, LanguageExt.Seq<NodeId> seeds,
        Security security, string? consolePrefix, bool console, IReadOnlyList<(LogLevel, string)>? notes = null)
    {
        var config = new NodeConfig(self, seeds, o.Protocol(settings)) { Security = security };
        var files = new NodeFiles(settings.Get(o.LogDir), consolePrefix, console, Format: o.Format(settings)) { RetainMb = settings.Get(o.RetainMb) };
        var (network, error) = o.Network(settings);
        if (network is null) return (null, error);
        return (role == Role.Seed ? HostedNode.Seed(config, files, network, notes) : HostedNode.Peer(config, files, network, notes), null);
    }

    /// <summary>The line a node of an unauthenticated network writes once at start.</summary>
    static string Unauthenticated(string configName) =>
        $"Membership is unauthenticated: {configName} gives no seed keys, so any process that can connect may speak as a seed or a peer. " +
        $"To sign it, run `gossip keygen IP PORT` for each seed on its host and put the printed IP,PORT,KEY lines in {configName}.";

    /// <summary>The keys a cluster runs with: every seed's and peer's signer, and the seeds' public keys.</summary>
    sealed record ClusterKeySet(LanguageExt.HashMap<NodeId, string> SeedKeys, Dictionary<NodeId, Ed25519Signer> Signers, string Summary);

    /// <summary>
    /// A cluster's keys, from (or made in) <paramref name="keyDir"/>. With a two-column config.csv the seeds' keys are
    /// made there at first run and reused after, and the keyed seed list is built in memory; with a keyed config.csv
    /// each seed's key file must be there and match it. Peers make theirs at first run.
    /// </summary>
    static (ClusterKeySet? Keys, string? Error) ClusterKeys(LanguageExt.Seq<NodeId> seeds, LanguageExt.HashMap<NodeId, string> seedKeys, List<NodeId> peers, string keyDir,
        string configName)
    {
        var signers = new Dictionary<NodeId, Ed25519Signer>();
        var keys = seedKeys;
        var made = 0;
        foreach (var seed in seeds)
        {
            if (seedKeys.IsEmpty)
            {
                var (signer, error) = NodeKeys.LoadOrCreate(NodeKeys.PathOf(keyDir, seed), out var isNew);
                if (signer is null) return (null, error);
                if (isNew) made++;
                signers[seed] = signer;
                keys = keys.Add(seed, signer.PublicKey);
            }
            else
            {
                var (security, error) = NodeKeys.Identity(Role.Seed, seed, seedKeys, keyDir, configName, []);
                if (security is null) return (null, error);
                signers[seed] = (Ed25519Signer)security.Signer!;
            }
        }
        foreach (var peer in peers)
        {
            var (signer, error) = NodeKeys.LoadOrCreate(NodeKeys.PathOf(keyDir, peer), out var isNew);
            if (signer is null) return (null, error);
            if (isNew) made++;
            signers[peer] = signer;
        }
        var summary = $"signed membership, keys in {Path.GetFullPath(keyDir)} ({(made == 0 ? "all reused" : $"{made} made")})";
        return (new ClusterKeySet(keys, signers, summary), null);
    }

    /// <summary>
    /// What every node command does first: bind the settings, answer --print-config, load the seed list. Null (with
    /// the exit code in <paramref name="exit"/>) when the command ends there.
    /// </summary>
    static (EffectiveSettings Settings, LanguageExt.Seq<NodeId> Seeds, LanguageExt.HashMap<NodeId, string> SeedKeys, string ConfigPath)? Prepare(ParseResult pr, NodeOptions o, NodeCommand command, out int exit)
    {
        exit = 0;
        var (settings, error) = o.Bind(pr, command);
        if (settings is null) { exit = Fail(error!); return null; }
        if (pr.GetValue(o.PrintConfig)) { exit = Print(settings); return null; }
        var configPath = settings.Get(o.Config);
        var seeds = LoadSeeds(configPath);
        if (seeds.IsLeft) { exit = Fail(seeds.LeftToSeq().Head); return null; }
        var (seedList, seedKeys) = seeds.RightToSeq().Head;
        return (settings, seedList, seedKeys, configPath);
    }

    static int Print(EffectiveSettings settings)
    {
        foreach (var line in settings.Lines()) Console.WriteLine(line);
        return 0;
    }

    static LanguageExt.Either<string, (LanguageExt.Seq<NodeId> Seeds, LanguageExt.HashMap<NodeId, string> Keys)> LoadSeeds(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (FileNotFoundException) { return $"config file '{path}' not found"; }
        catch (DirectoryNotFoundException) { return $"config file '{path}' not found"; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return $"cannot read config file '{path}': {e.Message}"; }
        try
        {
            return SeedList.ParseKeyed(text, Ed25519Scheme.IsPublicKey, Path.GetFileName(path));
        }
        catch (Exception e) when (NodeKeys.IsLibraryFailure(e))
        {
            return NodeKeys.LibraryError;
        }
    }

    static int Fail(string message)
    {
        Console.Error.WriteLine($"gossip: {message}");
        return 2;
    }
}
