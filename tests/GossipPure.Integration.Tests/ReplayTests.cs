using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// One recorded run shared by the replay tests: 1 seed and 2 peers that each make 3 messages, then Ctrl+C for all.
/// The event files stay in the lab folder until the tests end.
/// </summary>
public sealed class RecordedRun : IAsyncLifetime
{
    public Network Net { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Net = new Network(seeds: 1, peers: 2, "--gossip-interval", "200ms", "--gossip-count", "3");
        await Net.WaitUntilGossiping();
        await Task.WhenAll(Net.Peers.Values.Select(p => p.WaitForCount(new Regex("GOSSIP made: '"), 3, Network.Bound, "3 messages made")));
        foreach (var p in Net.Peers.Values) p.Interrupt();
        foreach (var p in Net.Peers.Values) Assert.Equal(0, await p.WaitForExit(Network.Bound));
        var seed = Net.Seeds.Values.Single();
        seed.Interrupt();
        Assert.Equal(0, await seed.WaitForExit(Network.Bound));
    }

    public Task DisposeAsync()
    {
        Net.Dispose();
        return Task.CompletedTask;
    }

    public string Dir => Net.Lab.Dir;
    public string EventsOf(string role, int port) => Path.Combine(Dir, $"events_{role}_{port}.jsonl");
    public string SeedEvents => EventsOf("seed", Net.Seeds.Keys.Single());
    public string PeerEvents => EventsOf("peer", Net.PeerPorts[0]);
    public IEnumerable<string> AllEvents => Net.PeerPorts.Select(p => EventsOf("peer", p)).Append(SeedEvents);
}

/// <summary><c>gossip replay</c> on the event logs of real processes.</summary>
public sealed class ReplayTests(RecordedRun run) : IClassFixture<RecordedRun>
{
    static async Task<(int Code, IReadOnlyList<string> Output)> Replay(string dir, params string[] args)
    {
        using var p = new GossipProcess(dir, ["replay", .. args]);
        var code = await p.WaitForExit(Network.Bound);
        return (code, p.Output);
    }

    static string Tail(IReadOnlyList<string> output) => string.Join('\n', output.TakeLast(30));

    static long StepOf(string line)
    {
        using var doc = JsonDocument.Parse(line);
        return doc.RootElement.GetProperty("step").GetInt64();
    }

    /// <summary>A copy of <paramref name="path"/> beside it, to damage.</summary>
    string CopyOf(string path, string name, Func<string[], string> change)
    {
        var copy = Path.Combine(run.Dir, name);
        File.WriteAllText(copy, change(File.ReadAllLines(path)), new UTF8Encoding(false));
        return copy;
    }

    [Fact]
    public async Task Every_node_of_a_run_replays_with_all_effects_matching()
    {
        foreach (var file in run.AllEvents)
        {
            var lines = File.ReadAllLines(file);
            Assert.StartsWith("""{"format":4,""", lines[0]);
            Assert.Contains("\"input\":\"shutdown\"", lines[^1]);

            var (code, output) = await Replay(run.Dir, file);
            Assert.True(code == 0, $"{file}: exit code {code}\n{Tail(output)}");
            Assert.Equal($"replayed {lines.Length - 1} steps: all effects match", output[^1]);
            Assert.StartsWith("#1 ", output[0]);
            Assert.Contains(" started (random seed ", output[0]);
            Assert.Contains(output, l => l.StartsWith($"#{lines.Length - 1} ") && l.Contains("shutdown requested") && l.Contains("stop (exit code 0)"));
            Assert.Contains(output, l => l == "    Shutting down.");
        }
    }

    [Fact]
    public async Task A_peer_replay_shows_each_step_with_its_log_lines_and_a_state_summary()
    {
        var (code, output) = await Replay(run.Dir, run.PeerEvents);
        Assert.Equal(0, code);
        var gossipMade = output.Select((l, i) => (l, i)).First(x => x.l.Contains(" timer gossip → ") && x.l.Contains("send"));
        // 1 event, or 2 when the timer fired late enough to move the node's health score (a line of its own).
        Assert.Matches(@"^#\d+ \d\d:\d\d:\d\d\.\d{6} timer gossip → (1 event|2 events), .*\| registered, degree \d+, known \d+, seen \d+", gossipMade.l);
        Assert.Contains(output.Skip(gossipMade.i + 1).TakeWhile(l => l.StartsWith("    ")), l => l.StartsWith("    GOSSIP made: '"));
        Assert.Contains(output, l => Regex.IsMatch(l, @"^#\d+ \S+ GOSSIP from 127\.0\.0\.1:\d+: '.*' origin 127\.0\.0\.1:\d+ → "));
    }

    [Fact]
    public async Task A_tampered_effect_is_caught_at_its_step()
    {
        var original = File.ReadAllLines(run.PeerEvents);
        var index = Array.FindIndex(original, l => l.Contains("\"kind\":\"GossipMade\""));
        Assert.True(index > 0);
        var step = StepOf(original[index]);
        var copy = CopyOf(run.PeerEvents, "tampered.jsonl", lines =>
        {
            lines[index] = Regex.Replace(lines[index], "\"sent_to\":\\d+", "\"sent_to\":99");
            return string.Concat(lines.Select(l => l + "\n"));
        });

        var (code, output) = await Replay(run.Dir, copy, "--quiet");
        Assert.True(code == 1, $"exit code {code}\n{Tail(output)}");
        Assert.Contains(output, l => l.StartsWith($"step {step} differs:"));
        Assert.Contains(output, l => l.Contains("\"kind\":\"GossipMade\"") && l.Contains("\"sent_to\":99"));   // the recorded list
        Assert.Contains(output, l => l.Contains("\"kind\":\"GossipMade\"") && !l.Contains("\"sent_to\":99"));   // the replayed one
        Assert.DoesNotContain(output, l => l.Contains("all effects match"));
    }

    [Fact]
    public async Task A_file_cut_mid_line_reports_the_torn_line_and_replays_the_rest()
    {
        var lines = File.ReadAllLines(run.PeerEvents);
        var cut = lines.Length / 2;   // lines[cut] is line cut+1, step cut
        var copy = CopyOf(run.PeerEvents, "torn.jsonl", all =>
            string.Concat(all.Take(cut).Select(l => l + "\n")) + all[cut][..(all[cut].Length / 2)]);

        var (code, output) = await Replay(run.Dir, copy, "--quiet");
        Assert.True(code == 0, $"exit code {code}\n{Tail(output)}");
        Assert.Contains(output, l => l.StartsWith($"note: line {cut + 1} is torn (no line break at its end"));
        Assert.Equal($"replayed {cut - 1} steps: all effects match (torn line {cut + 1} skipped)", output[^1]);
    }

    [Fact]
    public async Task At_N_prints_that_step_and_the_peers_full_state()
    {
        var lines = File.ReadAllLines(run.PeerEvents);
        var step = StepOf(lines.First(l => l.Contains("\"kind\":\"GossipReceived\"")));
        var (code, output) = await Replay(run.Dir, run.PeerEvents, "--at", step.ToString());
        Assert.True(code == 0, $"exit code {code}\n{Tail(output)}");
        Assert.StartsWith($"#{step} ", output[0]);
        Assert.DoesNotContain(output, l => Regex.IsMatch(l, @"^#\d+ ") && !l.StartsWith($"#{step} "));
        Assert.Contains(output, l => l.StartsWith($"peer 127.0.0.1:{run.Net.PeerPorts[0]} at ") && l.EndsWith(": registered"));
        foreach (var part in new[] { "  incarnation ", "  neighbours (1):", "  known peers (1):", "  watches (1):", "  dead (0):", "  probes (0):" })
            Assert.Contains(output, l => l.StartsWith(part));
        Assert.Contains(output, l => Regex.IsMatch(l, @"^    127\.0\.0\.1:\d+  alive, last heard \d\d:\d\d:\d\d\.\d{6} \("));
        Assert.Equal($"replayed {step} of {lines.Length - 1} steps: all effects match", output[^1]);
    }

    [Fact]
    public async Task At_the_last_step_prints_the_seeds_full_state()
    {
        var steps = File.ReadAllLines(run.SeedEvents).Length - 1;
        var (code, output) = await Replay(run.Dir, run.SeedEvents, "--at", steps.ToString());
        Assert.True(code == 0, $"exit code {code}\n{Tail(output)}");
        Assert.Contains(output, l => l.StartsWith($"seed 127.0.0.1:{run.Net.Seeds.Keys.Single()} at ") && l.EndsWith(": stopped"));
        foreach (var part in new[] { "  peers (", "  registrations (", "  removal votes (", "  tombstones (", "  neighbour reports (" })
            Assert.Contains(output, l => l.StartsWith(part));
        Assert.Equal($"replayed {steps} steps: all effects match", output[^1]);
    }

    [Fact]
    public async Task Until_N_stops_after_step_N()
    {
        var steps = File.ReadAllLines(run.PeerEvents).Length - 1;
        var (code, output) = await Replay(run.Dir, run.PeerEvents, "--until", "5");
        Assert.Equal(0, code);
        Assert.Equal(5, output.Count(l => Regex.IsMatch(l, @"^#\d+ ")));
        Assert.StartsWith("#5 ", output.Last(l => l.StartsWith('#')));
        Assert.Equal($"replayed 5 of {steps} steps: all effects match", output[^1]);
    }

    [Fact]
    public async Task A_file_that_cannot_be_read_is_one_line_and_exit_code_2()
    {
        var (code, output) = await Replay(run.Dir, Path.Combine(run.Dir, "no_such_events.jsonl"));
        Assert.Equal(2, code);
        Assert.Equal($"stderr: gossip replay: {Path.Combine(run.Dir, "no_such_events.jsonl")}: no such file", Assert.Single(output));

        var damaged = CopyOf(run.PeerEvents, "damaged.jsonl", lines =>
        {
            lines[3] = "{\"step\":3,";
            return string.Concat(lines.Select(l => l + "\n"));
        });
        (code, output) = await Replay(run.Dir, damaged);
        Assert.Equal(2, code);
        Assert.StartsWith($"stderr: gossip replay: {damaged} line 4: malformed JSON", Assert.Single(output));
    }
}

/// <summary>A run with a crash: the killed peer's log ends where it died, and the survivors' suspicion replays.</summary>
public sealed class CrashReplayTests
{
    [Fact]
    public async Task A_run_with_a_killed_peer_replays_including_the_suspicion_and_the_dead_peers_own_log()
    {
        using var net = new Network(seeds: 1, peers: 3, "--gossip-interval", "200ms", "--gossip-count", "1000");
        await net.WaitUntilGossiping();
        var victim = net.PeerPorts[0];
        net.Peers[victim].Signal(9);
        await net.WaitForDeadConfirmedEverywhere(victim, Network.Bound, except: victim);
        foreach (var (port, p) in net.Peers.Where(kv => kv.Key != victim)) p.Interrupt();
        foreach (var (port, p) in net.Peers.Where(kv => kv.Key != victim)) Assert.Equal(0, await p.WaitForExit(Network.Bound));
        net.Seeds.Values.Single().Interrupt();
        Assert.Equal(0, await net.Seeds.Values.Single().WaitForExit(Network.Bound));

        var files = net.PeerPorts.Select(p => ("peer", p)).Append(("seed", net.Seeds.Keys.Single()))
            .Select(n => Path.Combine(net.Lab.Dir, $"events_{n.Item1}_{n.Item2}.jsonl"));
        var suspected = false;
        foreach (var file in files)
        {
            using var p = new GossipProcess(net.Lab.Dir, "replay", file);
            var code = await p.WaitForExit(Network.Bound);
            Assert.True(code == 0, $"{file}: exit code {code}\n" + string.Join('\n', p.Output.TakeLast(30)));
            Assert.Matches(@"^replayed \d+ steps: all effects match", p.Output[^1]);
            suspected |= p.Output.Any(l => l.Contains($"WARNING: SUSPECT {Network.Id(victim)}:"));
        }
        Assert.True(suspected, "no survivor's replay shows the suspicion of the killed peer");

        // --why: the chain at a survivor that suspected it, at the seed, and nothing about a live peer.
        async Task<IReadOnlyList<string>> Why(string role, int port, int about)
        {
            using var p = new GossipProcess(net.Lab.Dir, "replay", Path.Combine(net.Lab.Dir, $"events_{role}_{port}.jsonl"), "--why", Network.Id(about));
            var code = await p.WaitForExit(Network.Bound);
            Assert.True(code == 0, $"--why {about} at {role} {port}: exit code {code}\n" + string.Join('\n', p.Output.TakeLast(30)));
            return p.Output;
        }
        var watcher = net.PeerPorts.First(p => p != victim && File.ReadAllText(Path.Combine(net.Lab.Dir, $"outputfile_peer_{p}.txt")).Contains($"SUSPECT {Network.Id(victim)}:"));
        var chain = await Why("peer", watcher, victim);
        Assert.Equal($"why {Network.Id(victim)} at peer {Network.Id(watcher)}:", chain[0]);
        int At(string what) => chain.ToList().FindIndex(l => Regex.IsMatch(l, @"^  #\d+ \d\d:\d\d:\d\d\.\d{6}  " + what));
        var suspect = At("suspected it on (strong|weak) evidence: ");
        var report = At($"reported it dead to 1 seeds: Dead Node:127\\.0\\.0\\.1:{victim}:");
        var purge = At($@"confirmed dead by 1/1 seeds \(voters {Regex.Escape(Network.Id(net.Seeds.Keys.Single()))}; reason crashed; incarnation \d+; told by .*\); purged here");
        Assert.True(suspect > 0 && report > suspect && purge > report, "the chain is evidence → report → confirmation → purge:\n" + string.Join('\n', chain));
        Assert.Equal($"so: {Network.Id(victim)} was suspected, reported, confirmed dead and purged at peer {Network.Id(watcher)}.", chain[^1]);

        var atSeed = await Why("seed", net.Seeds.Keys.Single(), victim);
        Assert.Contains(atSeed, l => l.Contains("reported it dead: Dead Node:"));
        Assert.Contains(atSeed, l => l.Contains("this seed proposed its removal: proposal "));
        Assert.Contains(atSeed, l => Regex.IsMatch(l, @"voted yes on \S+ \(.+\): 1/1 yes, quorum 1"));
        Assert.Contains(atSeed, l => l.Contains("confirmed dead (crashed, incarnation ") && l.Contains("by this seed's vote: 1/1 yes"));

        var live = net.PeerPorts.First(p => p != victim && p != watcher);
        var never = await Why("peer", watcher, live);
        Assert.StartsWith($"{Network.Id(live)} was never suspected, reported, confirmed dead or purged at peer {Network.Id(watcher)} (", never[0]);
    }
}
