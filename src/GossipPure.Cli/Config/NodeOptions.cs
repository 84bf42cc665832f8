using System.CommandLine;
using GossipPure.Core;
using GossipPure.Shell.Net;
using GossipPure.Shell.Security;

namespace GossipPure.Cli.Config;

/// <summary>Which node command a list of settings is for.</summary>
public enum NodeCommand { Seed, Peer, Cluster, Keygen }

/// <summary>
/// The settings of the node commands (<c>seed</c>, <c>peer</c>, <c>cluster</c>), in one place. To add one: declare
/// it below with <see cref="Setting"/>'s helpers, put it in the list of the commands that take it (<see cref="Common"/>
/// for all three), and read it with <c>settings.Get(options.X)</c> where the node is built. The option, its
/// gossip.json key, its <c>GOSSIP_…</c> variable, the help text with its default and <c>--print-config</c> follow.
/// </summary>
public sealed class NodeOptions
{
    // Every node: seed, peer and cluster.
    public readonly Setting<string> Config = Setting.Text("--config", "The seed list: one IP,Port a line", "config.csv");
    public readonly Setting<string> LogDir = Setting.Text("--log-dir", "Where output and event files go", ".");
    public readonly Setting<int> RetainMb = Setting.Int("--retain-mb",
        "What a node keeps on disk at most, in MiB (output file, JSON log, event log): its files roll into numbered segments and the oldest go first",
        Shell.Hosting.DiskBudget.DefaultRetainMb, min: 1, max: 1024 * 1024);
    public readonly Setting<TimeSpan> ProbeTimeout = Setting.Duration("--probe-timeout",
        "A PROBE unanswered this long is evidence of death", TimeSpan.FromMilliseconds(ProtocolOptions.Default.ProbeTimeoutMs));
    public readonly Setting<string> LogFormat = Setting.Choice("--log-format",
        "Console output: text lines, or with json CLEF, one JSON object a line, also written to outputfile_<role>_<port>.clef beside the text file",
        "text", "text", "json");
    public readonly Setting<string> ClusterKeyFile = Setting.OptionalFile("--cluster-key-file",
        "Authenticate and encrypt every connection with the keys in this file (one base64 32-byte key a line; the first is used to dial, all are accepted; re-read when it changes)");
    public readonly Setting<TimeSpan> HandshakeTimeout = Setting.Duration("--handshake-timeout",
        "An accepted connection must send its HELLO (and finish the cluster-key handshake) within this", TransportLimits.Default.HelloTimeout, positive: true);
    public readonly Setting<TimeSpan> FrameTimeout = Setting.Duration("--frame-timeout",
        "A frame must arrive whole within this of its first byte", TransportLimits.Default.FrameTimeout, positive: true);
    public readonly Setting<string> KeyDir = Setting.Text("--key-dir",
        "Folder of the node's key file gossip_<ip>_<port>.key, used when config.csv gives the seeds' keys: a seed's is made by `gossip keygen`, a peer makes its own (cluster: the seeds' and peers' keys; by default in the --log-dir)",
        ".");

    // Peers: peer and cluster.
    public readonly Setting<TimeSpan> GossipInterval = Setting.Duration("--gossip-interval",
        "Time between two gossip messages a peer makes", TimeSpan.FromMilliseconds(ProtocolOptions.Default.GossipIntervalMs));
    public readonly Setting<int> GossipCount = Setting.Int("--gossip-count",
        "How many gossip messages each peer makes", ProtocolOptions.Default.GossipCount, min: 0);
    public readonly Setting<TimeSpan> HeartbeatInterval = Setting.Duration("--heartbeat-interval",
        "A peer heartbeats its neighbours this often and suspects one silent for 3 intervals", TimeSpan.FromMilliseconds(ProtocolOptions.Default.HeartbeatIntervalMs));
    public readonly Setting<TimeSpan> PingInterval = Setting.Duration("--ping-interval",
        "ICMP echo to each neighbour's host this often; 3 failures make a suspect", TimeSpan.FromMilliseconds(ProtocolOptions.Default.PingIntervalMs));

    // cluster only.
    public readonly Setting<int> Peers = Setting.Int("--peers", "How many peers to start", 4, min: 0);
    public readonly Setting<int> PeerBasePort = Setting.Int("--peer-base-port", "Port of the first peer; the others follow", 6001, min: 1, max: 65535);
    public readonly Setting<string> PeerIp = Setting.Text("--peer-ip", "Address the peers listen on", "127.0.0.1");
    public readonly Setting<TimeSpan> RunFor = Setting.Duration("--run-for", "Stop by itself after this long (0: run until Ctrl+C)", TimeSpan.Zero);
    public readonly Setting<bool> Plain = Setting.Flag("--plain",
        "Print the nodes' log lines instead of the live table (the default when the output is not a terminal)");

    /// <summary>Not settings themselves: where settings come from, and showing them.</summary>
    public readonly Option<string?> SettingsFile = new("--settings")
    {
        Description = $"Read settings from this JSON file instead of ./{SettingSources.DefaultFileName} (keys like \"GossipInterval\": \"2s\"; GOSSIP_… environment variables and the command line win over it)",
    };
    public readonly Option<bool> PrintConfig = new("--print-config")
    {
        Description = "Print each setting's value and where it came from (default, gossip.json, environment, command line), then exit",
    };

    public IReadOnlyList<Setting> Common => [Config, LogDir, ProbeTimeout, LogFormat, ClusterKeyFile, HandshakeTimeout, FrameTimeout, KeyDir, RetainMb];
    public IReadOnlyList<Setting> PeerSettings => [GossipInterval, GossipCount, HeartbeatInterval, PingInterval];
    public IReadOnlyList<Setting> ClusterSettings => [Peers, PeerBasePort, PeerIp, RunFor, Plain];

    /// <summary>Every setting any node command knows: the keys gossip.json may hold.</summary>
    public IReadOnlyList<Setting> All => [.. Common, .. PeerSettings, .. ClusterSettings];

    public IReadOnlyList<Setting> For(NodeCommand command) => command switch
    {
        NodeCommand.Seed => Common,
        NodeCommand.Peer => [.. Common, .. PeerSettings],
        NodeCommand.Keygen => [KeyDir],
        _ => All,
    };

    /// <summary>Adds the command's settings, <c>--settings</c> and <c>--print-config</c> to <paramref name="command"/>.</summary>
    public void AddTo(Command command, NodeCommand which)
    {
        foreach (var s in For(which)) command.Options.Add(s.Option);
        command.Options.Add(SettingsFile);
        command.Options.Add(PrintConfig);
    }

    /// <summary>Defaults ← gossip.json ← GOSSIP_… environment ← command line, for the settings of <paramref name="which"/>.</summary>
    public (EffectiveSettings? Settings, string? Error) Bind(ParseResult pr, NodeCommand which)
    {
        var (sources, error) = SettingSources.Load(pr.GetValue(SettingsFile), Directory.GetCurrentDirectory());
        return sources is null ? (null, error) : sources.Bind(pr, For(which), All);
    }

    /// <summary>How the nodes' consoles speak (text or CLEF); the setting's parser has already refused other words.</summary>
    public Shell.Hosting.LogFormat Format(EffectiveSettings s) =>
        Shell.Hosting.LogFormats.Parse(s.Get(LogFormat)) ?? Shell.Hosting.LogFormat.Text;

    /// <summary>
    /// A node's transport options: its deadlines and, with <c>--cluster-key-file</c>, a keyring of its own (each node
    /// re-reads the file and logs its own reload line). A key file that cannot be read or parsed is the error.
    /// </summary>
    public (TransportOptions? Network, string? Error) Network(EffectiveSettings s)
    {
        var limits = TransportLimits.Default with { HelloTimeout = s.Get(HandshakeTimeout), FrameTimeout = s.Get(FrameTimeout) };
        var keyFile = s.Get(ClusterKeyFile);
        if (keyFile.Length == 0) return (new TransportOptions(limits, null), null);
        if (!FrameCipher.IsSupported) return (null, $"{ClusterKeyFile.Name}: AES-GCM is not available on this machine");
        return ClusterKeyring.TryLoad(keyFile, out var keys, out var error)
            ? (new TransportOptions(limits, keys), null)
            : (null, $"{ClusterKeyFile.Name}: {error}");
    }

    /// <summary>The protocol's timing options as set; a setting the command does not take keeps the protocol default.</summary>
    public ProtocolOptions Protocol(EffectiveSettings s)
    {
        static long Ms(TimeSpan t) => Math.Max(1, (long)t.TotalMilliseconds);
        return ProtocolOptions.Default with
        {
            GossipIntervalMs = Ms(s.Get(GossipInterval)),
            GossipCount = s.Get(GossipCount),
            HeartbeatIntervalMs = Ms(s.Get(HeartbeatInterval)),
            PingIntervalMs = Ms(s.Get(PingInterval)),
            ProbeTimeoutMs = Ms(s.Get(ProbeTimeout)),
        };
    }
}
