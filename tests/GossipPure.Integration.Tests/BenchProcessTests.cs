using System.Text.Json;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// <c>gossip bench --processes</c> end to end, small: every node its own process, each phase run, every per-process
/// figure in the JSON. No speed is asserted (CI is a busy machine); only that each figure was measured.
/// </summary>
public class BenchProcessTests
{
    /// <summary>A small run takes ~30–50 s on a busy 2-core machine (JIT-compiled nodes starting together).</summary>
    static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    static readonly string[] Keys =
    [
        "rss_mb_per_process", "pss_mb_per_process", "cpu_pct_idle", "cpu_pct_gossip", "join_ms", "start_all_ms",
        "dissemination_ms_p50", "dissemination_ms_p99", "crash_purge_ms_p50", "crash_purge_ms_first", "hung_purge_ms_p50", "false_removals",
    ];

    [Fact]
    public async Task Bench_processes_measures_every_per_process_figure_and_says_which_binary_it_ran()
    {
        using var lab = new Lab(seedCount: 1);
        var json = Path.Combine(lab.Dir, "bench.json");
        var run = await CliRun.Of(lab.Dir, null, Bound, "bench", "--processes", "--seeds", "1", "--peers", "3", "--trials", "1", "--hung-trials", "1",
            "--window", "1s", "--binary", GossipProgram.Dll, "--json", json);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(run.Out, l => l.Contains($"binary: jit: dotnet {GossipProgram.Dll}"));

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var figures = doc.RootElement;
        double Figure(string key)
        {
            Assert.True(figures.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number, $"'{key}' missing or not a number in\n{figures}\n{run}");
            return v.GetDouble();
        }
        foreach (var key in Keys) Figure(key);
        Assert.InRange(Figure("rss_mb_per_process"), 1, 4096);
        Assert.InRange(Figure("pss_mb_per_process"), 0.1, 4096);
        // % of one core; a process can use at most both cores of the machine (more on a larger one, but not 100 of them).
        Assert.InRange(Figure("cpu_pct_idle"), 0, 100 * Environment.ProcessorCount);
        Assert.InRange(Figure("cpu_pct_gossip"), 0, 100 * Environment.ProcessorCount);
        Assert.True(Figure("join_ms") > 0, run.ToString());
        Assert.True(Figure("start_all_ms") > 0, run.ToString());
        Assert.True(Figure("dissemination_ms_p50") >= 0, run.ToString());
        Assert.True(Figure("dissemination_ms_p99") >= Figure("dissemination_ms_p50"), run.ToString());
        Assert.True(Figure("crash_purge_ms_p50") > 0, run.ToString());
        Assert.Equal(Figure("crash_purge_ms_p50"), Figure("crash_purge_ms_first"));   // one crash: it is the first
        Assert.True(Figure("hung_purge_ms_p50") > 0, run.ToString());
        Assert.Equal(0, Figure("false_removals"));
        Assert.Equal("jit", figures.GetProperty("binary_kind").GetString());
        Assert.Contains(GossipProgram.Dll, figures.GetProperty("binary").GetString());
        Assert.Equal("processes", figures.GetProperty("hosting").GetString());
    }

    [Fact]
    public async Task Bench_processes_with_a_binary_that_is_not_there_says_so_in_one_line()
    {
        using var lab = new Lab(seedCount: 1);
        var missing = Path.Combine(lab.Dir, "no-such-gossip");
        var run = await CliRun.Of(lab.Dir, null, TimeSpan.FromSeconds(60), "bench", "--processes", "--binary", missing);
        Assert.Equal(2, run.ExitCode);
        Assert.Equal([$"gossip bench: --binary: no file at {missing}"], run.Err);
    }
}
