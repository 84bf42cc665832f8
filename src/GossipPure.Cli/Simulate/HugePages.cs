using System.Diagnostics;
using System.Globalization;

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

    /// <summary>The pool as <c>/proc/meminfo</c>'s text gives it (<c>HugePages_Total</c>, <c>HugePages_Free</c>, <c>Hugepagesize</c>); null when it names none.</summary>
    public static Pool? Parse(string meminfo)
    {
        long? total = null, free = null, kib = null;
        foreach (var line in meminfo.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) continue;
            var parts = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var v)) continue;
            switch (line[..colon])
            {
                case "HugePages_Total": total = v; break;
                case "HugePages_Free": free = v; break;
                case "Hugepagesize": kib = v; break;
            }
        }
        return free is { } f && kib is { } k && k > 0 ? new Pool(total ?? f, f, k * 1024) : null;
    }

    /// <summary>This system's pool, or null (not Linux, no hugetlbfs, unreadable).</summary>
    public static Pool? OfThisSystem()
    {
        try { return Parse(File.ReadAllText(Environment.GetEnvironmentVariable(MeminfoOverride) ?? "/proc/meminfo")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>The GC settings that put a heap capped at <paramref name="limitBytes"/> on huge pages (hex, as the runtime reads them).</summary>
    public static (string Name, string Value)[] Settings(long limitBytes) =>
        [("DOTNET_GCLargePages", "1"), ("DOTNET_GCRegionRange", $"0x{limitBytes:X}")];

    /// <summary>
    /// Whether this process holds huge pages: the kernel's count, not the setting (a <c>DOTNET_GCLargePages</c> that the
    /// runtime ignored, with no hard limit beside it, would otherwise be named on the wall-time line).
    /// </summary>
    public static bool InUse => StatusKib("HugetlbPages") > 0;

    /// <summary>
    /// Whether the runtime starts with <paramref name="settings"/>: a child that prints the version, its output thrown
    /// away. The GC reserves all its pages when it starts and the runtime refuses to start without them (in three lines
    /// of its own on stderr, which this keeps out of the run's output).
    /// </summary>
    public static bool Starts(Bench.GossipBinary self, IEnumerable<(string Name, string Value)> settings)
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
        var peak = StatusKib("VmHWM");
        if (peak < 0) return null;
        var huge = StatusKib("HugetlbPages");
        var text = string.Create(CultureInfo.InvariantCulture, $"memory: peak resident {peak / 1048576.0:0.00} GiB");
        return huge > 0
            ? text + string.Create(CultureInfo.InvariantCulture, $", and {huge / 1048576.0:0.00} GiB of huge pages in use at the end (not counted as resident)")
            : text;
    }

    /// <summary>A field of <c>/proc/self/status</c> in KiB, or -1 where it does not say.</summary>
    static long StatusKib(string field)
    {
        string[] lines;
        try { lines = File.ReadAllLines("/proc/self/status"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return -1; }
        foreach (var line in lines)
            if (line.StartsWith(field + ":", StringComparison.Ordinal)
                && long.TryParse(line[(field.Length + 1)..].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                return v;
        return -1;
    }
}
