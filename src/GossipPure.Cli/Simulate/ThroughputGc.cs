using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;
using GossipPure.Cli.Bench;

namespace GossipPure.Cli.Simulate;

/// <summary>
/// A large <c>gossip simulate</c> runs in a child process of its own, with a throughput GC. A node is one small process
/// and keeps the lean GC its project file sets (workstation, not concurrent); the simulator holds every node's state
/// at once and replaces one of them at every step. With the workstation GC's ~130 MB allocation budget a 100,000-peer run
/// promotes most states before they die, and a quarter of its time was GC pauses. The server GC (one heap per core, no
/// dynamic adaptation) with a 1 GiB gen0 budget lets them die young: at 40,000 peers 337 → 245 s of wall time, GC
/// pauses 92 → 22 s, the same trace hash (specs/performance.md). A heap cap keeps the larger budget from growing the
/// peak (see <see cref="Limit"/>); a run that does not fit says so in one line. GC settings are read once, when a
/// process starts, so the command starts itself again with them; <c>GOSSIP_SIM_GC=0</c> keeps the run in this process.
/// </summary>
static class ThroughputGc
{
    /// <summary>
    /// Below this many peers a second process does not pay: 2,000 peers (30 s, 1 ms apart) took 9.2 s in it, 8.5 s here;
    /// 5,000: 19.4 against 21.8 s; 10,000: 37.8 against 45.6 s.
    /// </summary>
    public const int FromPeers = 5_000;

    const string Marker = "GOSSIP_SIM_GC";

    /// <summary>
    /// The child's heap cap. With a 1 GiB gen0 budget per heap the 100,000-peer run peaked at 9.1 GB (the workstation GC:
    /// 7.0 GB), mostly garbage waiting for a full GC; the cap makes the GC collect before it gets there. It grows with the
    /// run (~72 KiB a peer, 7 GiB at least) and stays below three quarters of the machine's memory.
    /// </summary>
    static long Limit(int peers)
    {
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var limit = Math.Max(7L << 30, peers * (72L << 10));
        return available > 0 ? Math.Min(limit, available / 4 * 3) : limit;
    }

    /// <summary>Settings of the child (hex, as the runtime reads them).</summary>
    static (string Name, string Value)[] Settings(long limit) =>
    [
        ("DOTNET_gcServer", "1"),
        ("DOTNET_GCDynamicAdaptationMode", "0"),
        ("DOTNET_GCgen0size", "0x40000000"),
        ("DOTNET_GCHeapHardLimit", $"0x{limit:X}"),
    ];

    /// <summary>
    /// The huge-page settings for the child when the system has enough of them free and the runtime starts with them
    /// (see <see cref="HugePages"/>); else none, and for a large run one line on how to reserve them.
    /// </summary>
    static (string Name, string Value)[] HugePageSettings(int peers, long limit, GossipBinary self, (string, string)[] gc)
    {
        if (Environment.GetEnvironmentVariable(HugePages.OptOut) is "0") return [];
        if (HugePages.OfThisSystem() is not { } pool) return [];   // no hugetlbfs here: nothing to ask for
        var need = pool.PagesFor(limit);
        var settings = HugePages.Settings(limit);
        if (pool.Free >= need)
        {
            if (HugePages.Starts(self, [.. gc, .. settings])) return settings;
            Console.Error.WriteLine($"gossip simulate: {pool.Free} huge pages are free but the runtime could not start on {need} of them: this run's heap stays on ordinary pages");
            return [];
        }
        if (peers >= HugePages.HintFromPeers)
            Console.Error.WriteLine($"gossip simulate: {pool.Free} of the {need} huge pages ({pool.PageBytes >> 20} MiB) this run's heap can use are free; "
                + $"reserved (as root: sysctl vm.nr_hugepages={pool.Total - pool.Free + need}, the pages others hold and these), "
                + "they make a run this large faster (specs/performance.md, \"Huge pages\")");
        return [];
    }

    /// <summary>Which GC this process runs with, for the wall-time line.</summary>
    public static string Describe() =>
        (GCSettings.IsServerGC ? $"server GC ×{Environment.ProcessorCount}" : "workstation GC") + (HugePages.InUse ? " on huge pages" : "");

    /// <summary>
    /// Runs this same command line in a child with the throughput GC and returns its exit code; null when the run stays
    /// here (small, already the child, opted out, one core, a native build, or the child could not start: then a line
    /// says why).
    /// </summary>
    public static int? Relaunch(int peers)
    {
        if (peers < FromPeers || GCSettings.IsServerGC || Environment.ProcessorCount < 2) return null;
        if (Environment.GetEnvironmentVariable(Marker) is "0") return null;
        var self = GossipBinary.Self();
        // A native build links the one GC it was published with (the nodes' workstation GC): its child would run as this.
        if (self.IsNative) return null;
        var psi = new ProcessStartInfo(self.FileName) { UseShellExecute = false };
        foreach (var a in self.Prefix) psi.ArgumentList.Add(a);
        foreach (var a in Environment.GetCommandLineArgs().Skip(1)) psi.ArgumentList.Add(a);
        var limit = Limit(peers);
        var gc = Settings(limit);
        foreach (var (name, value) in gc.Concat(HugePageSettings(peers, limit, self, gc))) psi.Environment[name] = value;
        psi.Environment[Marker] = "0";
        Process child;
        try { child = Process.Start(psi) ?? throw new InvalidOperationException("no process"); }
        catch (Exception e)
        {
            Console.Error.WriteLine($"gossip simulate: runs in this process with the {Describe()} (could not start it again with the server GC: {e.Message})");
            return null;
        }
        using (child)
        {
            // Ctrl+C reaches the child too (one process group); a signal sent to this process alone ends the child with it.
            void Stop(PosixSignalContext ctx)
            {
                ctx.Cancel = true;
                try { child.Kill(); } catch (InvalidOperationException) { }
            }
            using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            child.WaitForExit();
            return child.ExitCode;
        }
    }
}
