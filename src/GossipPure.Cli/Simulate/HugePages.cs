using System.Diagnostics;
using System.Globalization;
using GossipPure.Cli.Bench;

namespace GossipPure.Cli.Simulate;

/// <summary>
/// Huge pages for a large simulation's heap (Linux hugetlbfs, 2 MiB a page here). A large run is bound by its memory's
/// latency, not by arithmetic: a step reads a dozen objects of its node's state scattered over a heap of gigabytes, and
/// with 4 KiB pages nearly every one of those reads also misses the processor's table of page translations. The GC puts
/// its whole heap on huge pages when asked (<c>DOTNET_GCLargePages</c>, with a hard limit and a range of the same size),
/// but only from pages the system has reserved beforehand (<c>sysctl vm.nr_hugepages</c>, as root), and it takes them
/// all when it starts. So the child of <see cref="ThroughputGc"/> asks for them only when enough are free, and a
/// start-up that cannot have them is tried first, in a second child that only prints the version
/// (<see cref="Starts"/>). Otherwise the run goes on 4 KiB pages, and a large one says once how to reserve them.
/// </summary>
static class HugePages
{
    /// <summary><c>GOSSIP_SIM_HUGE_PAGES=0</c>: never ask for them (and print no hint).</summary>
    public const string OptOut = "GOSSIP_SIM_HUGE_PAGES";

    /// <summary>Read instead of <c>/proc/meminfo</c>: lets a test stand in for a system with (or without) free huge pages.</summary>
    public const string MeminfoOverride = "GOSSIP_SIM_MEMINFO";

    /// <summary>From this many peers a run without huge pages says how to reserve them (below, the heap is small and the gain too).</summary>
    public const int HintFromPeers = 20_000;

    /// <summary>The system's pool: pages reserved in all, pages free, and the size of one, in bytes.</summary>
    public readonly record struct Pool(long Total, long Free, long PageBytes)
    {
        /// <summary>Pages needed to hold <paramref name="bytes"/>.</summary>
        public long PagesFor(long bytes) => PageBytes <= 0 ? long.MaxValue : (bytes + PageBytes - 1) / PageBytes;
    }

    /// <summary>
    /// This system's pool (<c>HugePages_Total</c>, <c>HugePages_Free</c>, <c>Hugepagesize</c> of <c>/proc/meminfo</c>),
    /// or null (not Linux, no hugetlbfs, unreadable).
    /// </summary>
    public static Pool? OfThisSystem()
    {
        var path = Environment.GetEnvironmentVariable(MeminfoOverride) ?? "/proc/meminfo";
        return NodeProcess.KiB(path, "HugePages_Free:") is { } free && NodeProcess.KiB(path, "Hugepagesize:") is { } kib and > 0
            ? new Pool(NodeProcess.KiB(path, "HugePages_Total:") ?? free, free, kib * 1024)
            : null;
    }

    /// <summary>The GC settings that put a heap capped at <paramref name="limitBytes"/> on huge pages (hex, as the runtime reads them).</summary>
    public static (string Name, string Value)[] Settings(long limitBytes) =>
        [("DOTNET_GCLargePages", "1"), ("DOTNET_GCRegionRange", $"0x{limitBytes:X}")];

    /// <summary>
    /// Whether this process holds huge pages: the kernel's count, not the setting (a <c>DOTNET_GCLargePages</c> that the
    /// runtime ignored, with no hard limit beside it, would otherwise be named on the wall-time line).
    /// </summary>
    public static bool InUse => NodeProcess.KiB("/proc/self/status", "HugetlbPages:") > 0;

    /// <summary>
    /// Whether the runtime starts with <paramref name="settings"/>: a child that prints the version, its output thrown
    /// away. The GC reserves all its pages when it starts and the runtime refuses to start without them (in three lines
    /// of its own on stderr, which this keeps out of the run's output).
    /// </summary>
    public static bool Starts(GossipBinary self, IEnumerable<(string Name, string Value)> settings)
    {
        var psi = new ProcessStartInfo(self.FileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in self.Prefix) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--version");
        foreach (var (name, value) in settings) psi.Environment[name] = value;
        try
        {
            using var p = Process.Start(psi);
            if (p is null) return false;
            var output = Task.WhenAll(p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync());
            if (!p.WaitForExit(30_000)) { p.Kill(); return false; }
            output.Wait(5_000);
            return p.ExitCode == 0;
        }
        catch (Exception e) when (e is global::System.ComponentModel.Win32Exception or InvalidOperationException or IOException) { return false; }
    }

    /// <summary>
    /// This process's memory at the end of a run, for the <c>memory:</c> line: its peak resident set, and what its heap
    /// holds on huge pages (they are not part of the resident set the kernel counts). Null where <c>/proc</c> does not say.
    /// </summary>
    public static string? Describe()
    {
        if (NodeProcess.KiB("/proc/self/status", "VmHWM:") is not { } peak) return null;
        var huge = NodeProcess.KiB("/proc/self/status", "HugetlbPages:") ?? 0;
        var text = string.Create(CultureInfo.InvariantCulture, $"memory: peak resident {peak / 1048576.0:0.00} GiB");
        return huge > 0
            ? text + string.Create(CultureInfo.InvariantCulture, $", and {huge / 1048576.0:0.00} GiB of huge pages in use at the end (not counted as resident)")
            : text;
    }
}
