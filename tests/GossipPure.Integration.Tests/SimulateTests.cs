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

    /// <summary>A meminfo file standing in for the system's (see HugePages.MeminfoOverride).</summary>
    static string Meminfo(Lab lab, long freePages, long heldByOthers = 0)
    {
        var path = Path.Combine(lab.Dir, "meminfo");
        File.WriteAllText(path, $"MemTotal:       24000000 kB\nHugePages_Total:    {freePages + heldByOthers}\nHugePages_Free:     {freePages}\nHugepagesize:       2048 kB\n");
        return path;
    }

    /// <summary>The pages of the system's own pool that are free, and the size of one in KiB (0, 0 without hugetlbfs).</summary>
    static (long Free, long Kib) SystemPool()
    {
        long free = 0, kib = 0;
        foreach (var line in File.ReadAllLines("/proc/meminfo"))
        {
            var m = Regex.Match(line, @"^(HugePages_Free|Hugepagesize):\s+(\d+)");
            if (!m.Success) continue;
            if (m.Groups[1].Value == "HugePages_Free") free = long.Parse(m.Groups[2].Value);
            else kib = long.Parse(m.Groups[2].Value);
        }
        return (free, kib);
    }

    [Fact]
    public async Task A_large_run_without_free_huge_pages_says_in_one_line_how_to_reserve_them()
    {
        using var lab = new Lab(seedCount: 1);
        // 100 pages are free, and 300 others are held by other programs: the pool to ask for counts those too.
        using var p = new GossipProcess(lab.Dir, ["env", $"GOSSIP_SIM_MEMINFO={Meminfo(lab, 100, heldByOthers: 300)}"],
            ["simulate", "--peers", "20000", "--seed", "3", "--seconds", "0.2"]);
        Assert.Equal(0, await p.WaitForExit(Bound));
        var errors = p.Output.Where(l => l.StartsWith("stderr: ")).ToList();
        var hint = Assert.Single(errors);
        var m = Regex.Match(hint, @"^stderr: gossip simulate: 100 of the (\d+) huge pages \(2 MiB\) this run's heap can use are free; reserved \(as root: sysctl vm\.nr_hugepages=(\d+), the pages others hold and these\), they make a run this large faster \(specs/performance\.md, ""Huge pages""\)$");
        Assert.True(m.Success, hint);
        Assert.Equal(long.Parse(m.Groups[1].Value) + 300, long.Parse(m.Groups[2].Value));
        Assert.True(long.Parse(m.Groups[1].Value) * 2 >= 1024, "the heap cap is 1 GiB at least");
        var wall = p.Output.Single(l => l.StartsWith("wall time: "));
        Assert.Contains("server GC", wall);
        Assert.DoesNotContain("huge pages", wall);
        Assert.Matches(@"^memory: peak resident [0-9.]+ GiB$", p.Output.Single(l => l.StartsWith("memory: ")));
        // Opted out, or below the size where the hint pays: no line.
        using var quiet = new GossipProcess(lab.Dir, ["env", $"GOSSIP_SIM_MEMINFO={Meminfo(lab, 0)}", "GOSSIP_SIM_HUGE_PAGES=0"],
            ["simulate", "--peers", "20000", "--seed", "3", "--seconds", "0.2"]);
        Assert.Equal(0, await quiet.WaitForExit(Bound));
        Assert.DoesNotContain(quiet.Output, l => l.StartsWith("stderr: "));
    }

    [Fact]
    public async Task A_large_run_takes_free_huge_pages_when_the_runtime_starts_on_them_and_says_so_when_it_cannot()
    {
        // The stand-in says thousands of pages are free. Where the system really has them, the child's heap is on them;
        // where it has not, the runtime cannot start on them, and the run goes on ordinary pages after one line.
        var (free, kib) = SystemPool();
        using var lab = new Lab(seedCount: 1);
        using var p = new GossipProcess(lab.Dir, ["env", $"GOSSIP_SIM_MEMINFO={Meminfo(lab, 1_000_000)}"],
            ["simulate", "--peers", "5000", "--seed", "3", "--seconds", "2"]);
        Assert.Equal(0, await p.WaitForExit(Bound));
        var hash = p.Output.Single(l => l.StartsWith("trace hash: "));
        var wall = p.Output.Single(l => l.StartsWith("wall time: "));
        var memory = p.Output.Single(l => l.StartsWith("memory: "));
        var errors = p.Output.Where(l => l.StartsWith("stderr: ")).ToList();
        var cap = Regex.Match(string.Join("\n", errors), @"could not start on (\d+) of them");
        // The child's heap cap, as the command sets it: 7 GiB, or three quarters of this machine's memory if less.
        var limit = Math.Min(7L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4 * 3);
        var enough = kib > 0 && free >= (limit + kib * 1024 - 1) / (kib * 1024);
        // With enough free the child must take them; without, it may still (a pool that may grow: nr_overcommit_hugepages).
        if (enough || errors.Count == 0)
        {
            Assert.Empty(errors);
            Assert.Contains("server GC ×2 on huge pages gen0/1/2", wall.Replace($"×{Environment.ProcessorCount}", "×2"));
            Assert.Matches(@"^memory: peak resident [0-9.]+ GiB, and [0-9.]+ GiB of huge pages in use at the end \(not counted as resident\)$", memory);
        }
        else
        {
            Assert.Equal(["stderr: gossip simulate: 1000000 huge pages are free but the runtime could not start on " + cap.Groups[1].Value
                + " of them: this run's heap stays on ordinary pages"], errors);
            Assert.DoesNotContain("huge pages", wall);
            Assert.Matches(@"^memory: peak resident [0-9.]+ GiB$", memory);
        }
        // The same run as in this process: the pages change nothing but the time.
        using var here = new GossipProcess(lab.Dir, ["env", "GOSSIP_SIM_GC=0"], ["simulate", "--peers", "5000", "--seed", "3", "--seconds", "2"]);
        Assert.Equal(0, await here.WaitForExit(Bound));
        Assert.Equal(here.Output.Single(l => l.StartsWith("trace hash: ")), hash);
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
