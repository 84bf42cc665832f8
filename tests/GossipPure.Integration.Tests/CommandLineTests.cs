using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// The command line: help, wrong arguments (one line, the usage, exit code 2), settings and where they come from
/// (defaults ← gossip.json ← GOSSIP_… environment ← command line); bad configuration and bad input get a one-line
/// error, not a stack trace.
/// </summary>
public sealed class CommandLineTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_seed_not_listed_in_config_refuses_to_start_with_exit_code_2()
    {
        using var lab = new Lab(seedCount: 3);
        var port = FreePorts.Take(1).Single();
        using var p = new GossipProcess(lab.Dir, "seed", "127.0.0.1", port.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir);
        Assert.Equal(2, await p.WaitForExit(Bound));
        var output = p.Output;
        Assert.Single(output);
        Assert.Contains("not listed in", output[0]);
        Assert.DoesNotContain(output, l => l.Contains("   at "));
    }

    [Fact]
    public async Task SIGTERM_stops_a_node_cleanly_like_Ctrl_C()
    {
        using var lab = new Lab(seedCount: 1);
        var (ip, port) = lab.Seeds[0];
        using var seed = new GossipProcess(lab.Dir, "seed", ip, port.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir);
        await seed.WaitForLine(l => l.Contains("started"), Bound, "the start line");
        seed.Signal(15);
        Assert.Equal(0, await seed.WaitForExit(Bound));
        Assert.EndsWith("Shutting down.", lab.LogLines("seed", port)[^1]);
        Assert.DoesNotContain(seed.Output, l => l.Contains("   at ") || l.Contains("Exception"));
    }

    [Fact]
    public async Task A_malformed_config_line_is_named()
    {
        using var lab = new Lab(seedCount: 2);
        File.AppendAllText(lab.ConfigPath, "127.0.0.1;5099\n");
        using var p = new GossipProcess(lab.Dir, "peer", "127.0.0.1", "6999", "--config", lab.ConfigPath, "--log-dir", lab.Dir);
        Assert.Equal(2, await p.WaitForExit(Bound));
        Assert.Single(p.Output);
        Assert.Contains("line 3", p.Output[0]);
    }

    [Fact]
    public async Task A_port_in_use_is_a_one_line_error()
    {
        using var lab = new Lab(seedCount: 1);
        var taken = new TcpListener(IPAddress.Loopback, lab.Seeds[0].Port);
        taken.Start();
        try
        {
            using var p = new GossipProcess(lab.Dir, "seed", "127.0.0.1", lab.Seeds[0].Port.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir);
            Assert.Equal(1, await p.WaitForExit(Bound));
            var output = p.Output;
            Assert.Single(output);
            Assert.Contains("already in use", output[0]);
        }
        finally { taken.Stop(); }
    }

    [Fact]
    public async Task A_seed_drops_a_bad_frame_and_keeps_registering_peers()
    {
        using var lab = new Lab(seedCount: 1);
        var (ip, port) = lab.Seeds[0];
        using var seed = new GossipProcess(lab.Dir, "seed", ip, port.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir);
        await seed.WaitForLine(l => l.Contains("started"), Bound, "the start line");

        // An oversized length prefix, then garbage JSON on a second connection.
        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(IPAddress.Loopback, port);
            await raw.GetStream().WriteAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3 });
            await seed.WaitForLine(l => l.Contains("Bad frame") && l.Contains("exceeds"), Bound, "the oversized-frame line");
        }
        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(IPAddress.Loopback, port);
            var junk = "{not json"u8.ToArray();
            await raw.GetStream().WriteAsync(new byte[] { 0, 0, 0, (byte)junk.Length });
            await raw.GetStream().WriteAsync(junk);
            await seed.WaitForLine(l => l.Contains("Bad frame") && !l.Contains("exceeds"), Bound, "the malformed-JSON line");
        }

        var peerPort = FreePorts.Take(1).Single();
        using var peer = new GossipProcess(lab.Dir, "peer", "127.0.0.1", peerPort.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir);
        await seed.WaitForLine(l => l.Contains($"REGISTER_COMMIT 127.0.0.1:{peerPort} with 1/1 votes"), Bound, "the commit after the bad frames");
        await peer.WaitForLine(l => l.Contains("Registered;"), Bound, "registration");
        seed.Interrupt();
        peer.Interrupt();
        Assert.Equal(0, await seed.WaitForExit(Bound));
        Assert.Equal(0, await peer.WaitForExit(Bound));
        Assert.Equal(2, seed.Output.Count(l => l.Contains("Bad frame")));
    }

    static readonly string[] Commands = ["seed", "peer", "cluster", "bench", "diagrams", "replay", "simulate", "topology"];

    [Fact]
    public async Task Help_lists_every_command_and_each_commands_options_with_their_defaults()
    {
        using var lab = new Lab(seedCount: 1);
        var run = await CliRun.Of(lab.Dir, null, Bound, "--help");
        Assert.True(run.ExitCode == 0, run.ToString());
        var commandsAt = run.Out.ToList().IndexOf("Commands:");
        Assert.True(commandsAt > 0, run.ToString());
        foreach (var c in Commands)
            Assert.Contains(run.Out.Skip(commandsAt), l => l.StartsWith($"  {c} ") || l == $"  {c}");
        // Under the commands, each command's usage and options, durations as they are typed.
        foreach (var c in new[] { "seed <ip> <port>", "peer <ip> <port>", "cluster", "bench", "simulate" })
            Assert.Contains($"  gossip {c} [options]", run.Out);
        Assert.Matches(OptionWithDefault("--gossip-interval", "5s"), Joined(run));
        Assert.Matches(OptionWithDefault("--heartbeat-interval", "1s"), Joined(run));
        Assert.Matches(OptionWithDefault("--probe-timeout", "300ms"), Joined(run));
        Assert.Matches(OptionWithDefault("--peers", "4"), Joined(run));
        Assert.Matches(OptionWithDefault("--log-format", "text"), Joined(run));
        Assert.Matches(OptionWithDefault("--frame-timeout", "10s"), Joined(run));
        Assert.Matches(OptionWithDefault("--cluster-key-file", "none"), Joined(run));
        Assert.Contains(run.Out, l => l.Contains("--settings <settings>"));
        Assert.DoesNotContain(run.Out, l => l.Contains("00:00:"));
        Assert.Empty(run.Err);

        var peer = await CliRun.Of(lab.Dir, null, Bound, "peer", "--help");
        Assert.Equal(0, peer.ExitCode);
        Assert.Contains("  gossip peer <ip> <port> [options]", peer.Out);
        Assert.Matches(OptionWithDefault("--ping-interval", "13s"), Joined(peer));
    }

    /// <summary>The help as one line (descriptions wrap at the terminal's width).</summary>
    static string Joined(CliRun run) => System.Text.RegularExpressions.Regex.Replace(string.Join(' ', run.Out), @"\s+", " ");

    /// <summary>An option's help row: its name and value, a description, its default.</summary>
    static string OptionWithDefault(string option, string fallback) =>
        $@"{System.Text.RegularExpressions.Regex.Escape(option)} <{option.TrimStart('-')}> [^\[]*\[default: {System.Text.RegularExpressions.Regex.Escape(fallback)}\]";

    [Theory]
    [InlineData("--gossip-interval", "peer", "127.0.0.1", "6001", "--gossip-interval", "banana")]
    [InlineData("--bogus", "cluster", "--bogus")]
    [InlineData("'x' is not a port", "seed", "127.0.0.1", "x")]
    [InlineData("did you mean 'cluster'", "clustr")]
    [InlineData("--peers", "cluster", "--peers", "-3")]
    [InlineData("Required command", new string[0])]
    public async Task A_wrong_argument_is_one_line_the_usage_and_exit_code_2(string named, params string[] args)
    {
        using var lab = new Lab(seedCount: 1);
        var run = await CliRun.Of(lab.Dir, null, Bound, args);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Empty(run.Out);
        Assert.Equal(3, run.Err.Count);
        Assert.StartsWith("gossip: ", run.Err[0]);
        Assert.Contains(named, run.Err[0]);
        Assert.StartsWith("Usage: gossip", run.Err[1]);
        Assert.Contains("--help", run.Err[2]);
        Assert.DoesNotContain(run.Err, l => l.Contains("   at ") || l.Contains("Exception"));
    }

    /// <summary>What --print-config says: setting → (value, source).</summary>
    static Dictionary<string, (string Value, string Source)> Printed(CliRun run) =>
        run.Out.Select(l => l.Split("  ", 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToDictionary(p => p[0], p =>
            {
                var rest = p[1];
                var open = rest.LastIndexOf(" (", StringComparison.Ordinal);
                return (rest[..open].Trim(), rest[(open + 2)..^1]);
            });

    [Fact]
    public async Task Settings_come_from_defaults_then_gossip_json_then_the_environment_then_the_command_line()
    {
        using var lab = new Lab(seedCount: 1);
        File.WriteAllText(Path.Combine(lab.Dir, "gossip.json"),
            """{ "GossipInterval": "2s", "GossipCount": 7, "HeartbeatInterval": "700ms", "PingInterval": "9s" }""");
        var env = new Dictionary<string, string> { ["GOSSIP_HEARTBEAT_INTERVAL"] = "600ms", ["GOSSIP_PING_INTERVAL"] = "8s" };
        var run = await CliRun.Of(lab.Dir, env, Bound, "peer", "127.0.0.1", "6001", "--ping-interval", "4s", "--print-config");
        Assert.True(run.ExitCode == 0, run.ToString());
        var s = Printed(run);
        Assert.Equal(("300ms", "default"), s["--probe-timeout"]);
        Assert.Equal(("2s", "gossip.json: \"GossipInterval\""), s["--gossip-interval"]);
        Assert.Equal(("7", "gossip.json: \"GossipCount\""), s["--gossip-count"]);
        Assert.Equal(("600ms", "environment variable GOSSIP_HEARTBEAT_INTERVAL"), s["--heartbeat-interval"]);
        Assert.Equal(("4s", "command line"), s["--ping-interval"]);

        // --settings names another file; the environment still wins over it.
        File.WriteAllText(Path.Combine(lab.Dir, "other.json"), """{ "gossip-count": 3, "PING_INTERVAL": "1m" }""");
        var other = await CliRun.Of(lab.Dir, env, Bound, "peer", "127.0.0.1", "6001", "--settings", "other.json", "--print-config");
        Assert.True(other.ExitCode == 0, other.ToString());
        var o = Printed(other);
        Assert.Equal(("5s", "default"), o["--gossip-interval"]);
        Assert.Equal(("3", "other.json: \"gossip-count\""), o["--gossip-count"]);
        Assert.Equal(("8s", "environment variable GOSSIP_PING_INTERVAL"), o["--ping-interval"]);
    }

    [Theory]
    [InlineData("""{ "GossipInterval": "soon" }""", null, "gossip.json: \"GossipInterval\": 'soon' is not a duration")]
    [InlineData("""{ "GossipIntervall": "2s" }""", null, "gossip.json: unknown setting \"GossipIntervall\"")]
    [InlineData("""{ "GossipInterval": "2s", """, null, "gossip.json: cannot read it as JSON settings")]
    [InlineData(null, "GOSSIP_GOSSIP_COUNT=many", "environment variable GOSSIP_GOSSIP_COUNT: 'many' is not a whole number")]
    [InlineData(null, "GOSSIP_PEERS=-2", "environment variable GOSSIP_PEERS: -2 is below 0")]
    [InlineData(null, "GOSSIP_FRAME_TIMEOUT=0", "environment variable GOSSIP_FRAME_TIMEOUT: '0' is not more than 0")]
    [InlineData("""{ "ClusterKeyFile": "nope.txt" }""", null, "--cluster-key-file: 'nope.txt' not found")]
    public async Task A_bad_setting_is_one_line_naming_its_key_and_source_and_exit_code_2(string? json, string? env, string expected)
    {
        using var lab = new Lab(seedCount: 1);
        if (json is not null) File.WriteAllText(Path.Combine(lab.Dir, "gossip.json"), json);
        var vars = env is null ? null : new Dictionary<string, string> { [env.Split('=')[0]] = env.Split('=')[1] };
        var run = await CliRun.Of(lab.Dir, vars, Bound, "cluster", "--config", lab.ConfigPath, "--peers", "1", "--run-for", "1s");
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.True(run.Err.Count == 1, run.ToString());
        Assert.StartsWith("gossip: " + expected, run.Err[0]);
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task Settings_from_every_layer_reach_the_running_nodes()
    {
        // A real run: the event log's header records the options each node ran with.
        using var lab = new Lab(seedCount: 1);
        var peerPort = FreePorts.Take(1).Single();
        File.WriteAllText(Path.Combine(lab.Dir, "gossip.json"), """{ "ProbeTimeout": "450ms", "GossipCount": 3, "HeartbeatInterval": "800ms" }""");
        var env = new Dictionary<string, string> { ["GOSSIP_GOSSIP_COUNT"] = "2", ["GOSSIP_LOG_DIR"] = "logs" };
        var run = await CliRun.Of(lab.Dir, env, Bound, "cluster", "--config", lab.ConfigPath, "--peers", "1",
            "--peer-base-port", peerPort.ToString(), "--gossip-interval", "200ms", "--run-for", "3s");
        Assert.True(run.ExitCode == 0, run.ToString());
        // Output redirected: the plain log lines, not the live table.
        Assert.Contains(run.Out, l => l.StartsWith($"[peer {peerPort}] ") && l.Contains("Registered;"));
        Assert.Contains(run.Out, l => l.StartsWith($"[peer {peerPort}] ") && l.EndsWith("Shutting down."));
        var header = File.ReadLines(Path.Combine(lab.Dir, "logs", $"events_peer_{peerPort}.jsonl")).First();
        var options = JsonDocument.Parse(header).RootElement.GetProperty("options");
        Assert.Equal(450, options.GetProperty("probe_timeout_ms").GetInt64());          // gossip.json
        Assert.Equal(800, options.GetProperty("heartbeat_interval_ms").GetInt64());     // gossip.json
        Assert.Equal(2, options.GetProperty("gossip_count").GetInt32());                // environment over gossip.json
        Assert.Equal(200, options.GetProperty("gossip_interval_ms").GetInt64());        // command line
        Assert.Equal(13000, options.GetProperty("ping_interval_ms").GetInt64());        // default
        Assert.True(File.Exists(Path.Combine(lab.Dir, "logs", $"outputfile_seed_{lab.Seeds[0].Port}.txt")));
    }
}
