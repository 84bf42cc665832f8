using System.Text.Json;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary><c>--log-format json</c>: the console speaks CLEF, a .clef file joins the output file, and the output file stays text.</summary>
public sealed class LogFormatTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);   // only to catch hangs

    [Fact]
    public async Task With_json_the_console_is_one_CLEF_object_a_line_and_the_output_file_stays_text()
    {
        using var lab = new Lab(seedCount: 1);
        var (ip, seedPort) = lab.Seeds[0];
        var peerPort = FreePorts.Take(1).Single();
        using var seed = new GossipProcess(lab.Dir, "seed", ip, seedPort.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir, "--log-format", "json");
        using var peer = new GossipProcess(lab.Dir, "peer", "127.0.0.1", peerPort.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir, "--log-format", "JSON");
        await seed.WaitForLine(l => l.Contains($"REGISTER_COMMIT 127.0.0.1:{peerPort} with 1/1 votes"), Bound, "the commit");
        await peer.WaitForLine(l => l.Contains("Registered;"), Bound, "registration");
        seed.Interrupt();
        peer.Interrupt();
        Assert.Equal(0, await seed.WaitForExit(Bound));
        Assert.Equal(0, await peer.WaitForExit(Bound));

        foreach (var (process, role, port) in new[] { (seed, "seed", seedPort), (peer, "peer", peerPort) })
        {
            var events = process.Output.Select(Parse).ToList();
            Assert.NotEmpty(events);
            foreach (var e in events)
            {
                Assert.True(DateTimeOffset.TryParse(e.GetProperty("@t").GetString(), out _), $"@t of {e}");
                Assert.False(string.IsNullOrEmpty(e.GetProperty("@m").GetString()), $"@m of {e}");
                Assert.Equal($"127.0.0.1:{port}", e.GetProperty("node").GetString());
                Assert.Equal(role, e.GetProperty("role").GetString());
            }
            Assert.Equal("Shutting down.", events[^1].GetProperty("@m").GetString());

            // The output file is the usual text; the .clef file holds the same lines (file-only ones included).
            var text = lab.LogLines(role, port);
            Assert.All(text, l => Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} \S", l));
            Assert.EndsWith(" Shutting down.", text[^1]);
            var clef = File.ReadAllLines(Path.Combine(lab.Dir, $"outputfile_{role}_{port}.clef")).Select(Parse).ToList();
            Assert.Equal(text.Length, clef.Count);
            for (var i = 0; i < text.Length; i++)
                Assert.EndsWith(" " + Mark(clef[i]) + clef[i].GetProperty("@m").GetString(), text[i]);
        }
        Assert.Contains(seed.Output.Select(Parse), e => e.GetProperty("@m").GetString()!.StartsWith($"REGISTER_COMMIT 127.0.0.1:{peerPort} with 1/1 votes"));
    }

    [Fact]
    public async Task Text_stays_the_default_and_writes_no_clef_file()
    {
        using var lab = new Lab(seedCount: 1);
        var (ip, port) = lab.Seeds[0];
        using var seed = new GossipProcess(lab.Dir, "seed", ip, port.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir);
        await seed.WaitForLine(l => l.Contains("started"), Bound, "the start line");
        seed.Interrupt();
        Assert.Equal(0, await seed.WaitForExit(Bound));
        Assert.All(seed.Output, l => Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{6} \S", l));
        Assert.False(File.Exists(Path.Combine(lab.Dir, $"outputfile_seed_{port}.clef")));
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("peer")]
    [InlineData("cluster")]
    public async Task A_wrong_log_format_is_one_error_line_and_exit_code_2(string command)
    {
        using var lab = new Lab(seedCount: 1);
        var port = command == "seed" ? lab.Seeds[0].Port : FreePorts.Take(1).Single();
        var args = command == "cluster"
            ? new[] { "cluster", "--config", lab.ConfigPath, "--log-dir", lab.Dir }
            : new[] { command, "127.0.0.1", port.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir };

        // On the command line it is a wrong argument like any other: the one error line, then the usage (CommandLineTests).
        var typed = await CliRun.Of(lab.Dir, null, Bound, [.. args, "--log-format", "xml"]);
        Assert.True(typed.ExitCode == 2, typed.ToString());
        Assert.Empty(typed.Out);
        Assert.True(typed.Err.Count == 3, typed.ToString());
        Assert.StartsWith("gossip: --log-format: 'xml'", typed.Err[0]);
        Assert.StartsWith($"Usage: gossip {command} ", typed.Err[1]);

        // From the environment (as from gossip.json) it is that one line alone, naming its source.
        var set = await CliRun.Of(lab.Dir, new Dictionary<string, string> { ["GOSSIP_LOG_FORMAT"] = "xml" }, Bound, args);
        Assert.True(set.ExitCode == 2, set.ToString());
        Assert.Empty(set.Out);
        var line = Assert.Single(set.Err);
        Assert.StartsWith("gossip: environment variable GOSSIP_LOG_FORMAT: 'xml'", line);

        Assert.DoesNotContain(typed.Err.Concat(set.Err), l => l.Contains("   at ") || l.Contains("Exception"));
        Assert.Empty(Directory.GetFiles(lab.Dir, "outputfile_*"));
    }

    static JsonElement Parse(string line)
    {
        try { return JsonDocument.Parse(line).RootElement.Clone(); }
        catch (JsonException e) { throw new Xunit.Sdk.XunitException($"not one JSON object: {line} ({e.Message})"); }
    }

    static string Mark(JsonElement e) =>
        e.TryGetProperty("@l", out var level) ? level.GetString() switch { "Warning" => "WARNING: ", "Error" => "ERROR: ", _ => "" } : "";
}
