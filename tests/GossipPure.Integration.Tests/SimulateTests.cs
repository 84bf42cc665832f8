using System.Text.RegularExpressions;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>`gossip simulate` is deterministic: one seed, one run, one trace hash.</summary>
public sealed class SimulateTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    static async Task<(int Code, string Hash, IReadOnlyList<string> Output)> Simulate(ulong seed)
    {
        using var lab = new Lab(seedCount: 1);
        using var p = new GossipProcess(lab.Dir, "simulate", "--peers", "12", "--seed", seed.ToString(), "--seconds", "20", "--crash", "1");
        var code = await p.WaitForExit(Bound);
        var line = p.Output.Single(l => l.StartsWith("trace hash: "));
        return (code, line["trace hash: ".Length..], p.Output);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_trace_hash_and_another_seed_another()
    {
        var a = await Simulate(7);
        var b = await Simulate(7);
        var c = await Simulate(8);
        Assert.Equal(0, a.Code);
        Assert.Matches("^[0-9a-f]{64}$", a.Hash);
        Assert.Equal(a.Hash, b.Hash);
        Assert.NotEqual(a.Hash, c.Hash);
        Assert.Contains(a.Output, l => Regex.IsMatch(l, @"^registration: 12/12 peers registered"));
        Assert.Contains(a.Output, l => l == "false removals: 0");
        Assert.Contains(a.Output, l => l.StartsWith("detection: crash of ") && !l.Contains("never learned"));
        // The wire as the real codec sizes it, and each seed's load.
        Assert.Contains(a.Output, l => Regex.IsMatch(l, @"^frames over the limit: 0 \(largest frame [0-9.]+ (B|KiB), [A-Z_]+; the limit is 1\.0 MiB\)$"));
        Assert.Equal(3, a.Output.Count(l => l.StartsWith("seed load: ")));   // one line per seed (three by default)
        var load = a.Output.First(l => l.StartsWith("seed load: "));
        Assert.Matches(@"^seed load: 10\.0\.0\.1:5011 in [0-9.]+ msg/s [0-9.]+ (B|KiB)/s, out [0-9.]+ msg/s [0-9.]+ (B|KiB)/s; largest frame [0-9.]+ (B|KiB) \([A-Z_]+\); peak table 12 peers$", load);
    }

    static async Task<(int Code, string Hash, string Wall)> Large(params string[] launcher)
    {
        using var lab = new Lab(seedCount: 1);
        using var p = new GossipProcess(lab.Dir, launcher, ["simulate", "--peers", "5000", "--seed", "3", "--seconds", "2"]);
        var code = await p.WaitForExit(Bound);
        return (code, p.Output.Single(l => l.StartsWith("trace hash: "))["trace hash: ".Length..], p.Output.Single(l => l.StartsWith("wall time: ")));
    }

    [Fact]
    public async Task A_large_run_runs_in_a_child_with_the_server_GC_and_gives_the_same_trace()
    {
        var child = await Large();
        var here = await Large("env", "GOSSIP_SIM_GC=0");
        Assert.Equal(0, child.Code);
        Assert.Equal(0, here.Code);
        Assert.Contains("server GC", child.Wall);
        Assert.Contains("workstation GC", here.Wall);
        Assert.Equal(here.Hash, child.Hash);
    }

    [Fact]
    public async Task A_run_that_does_not_fit_its_heap_says_so_in_one_line()
    {
        using var lab = new Lab(seedCount: 1);
        using var p = new GossipProcess(lab.Dir, ["env", "GOSSIP_SIM_GC=0", "DOTNET_GCHeapHardLimit=0x8000000"],
            ["simulate", "--peers", "10000", "--stagger-ms", "1", "--seconds", "30"]);
        var code = await p.WaitForExit(Bound);
        Assert.Equal(1, code);
        var errors = p.Output.Where(l => l.StartsWith("stderr: ")).ToList();
        Assert.Equal(["stderr: gossip simulate: out of memory: 10000 peers need more than the 0.1 GiB this run's heap may use (GOSSIP_SIM_GC=0 runs it without the cap)"], errors);
        Assert.DoesNotContain(p.Output, l => l.StartsWith("trace hash: "));
    }

    [Theory]
    [InlineData(15)]   // SIGTERM
    [InlineData(2)]    // SIGINT sent to the command alone (a terminal's Ctrl+C reaches the whole group)
    public async Task A_signal_to_the_command_ends_its_child_run_too(int signal)
    {
        using var lab = new Lab(seedCount: 1);
        using var p = new GossipProcess(lab.Dir, "simulate", "--peers", "100000", "--seconds", "150");
        await p.WaitForLine(l => l.StartsWith("workload: "), Bound, "the child's workload line");
        var children = p.Children();
        Assert.Single(children);
        try
        {
            p.Signal(signal);
            var code = await p.WaitForExit(TimeSpan.FromSeconds(30));
            Assert.NotEqual(0, code);
            Assert.False(Directory.Exists($"/proc/{children[0]}"), $"the child {children[0]} outlived the command");
        }
        finally
        {
            try { System.Diagnostics.Process.GetProcessById(children[0]).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
        }
    }
}
