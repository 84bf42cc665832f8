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
/// peak (see <see cref="Settings"/>); a run that does not fit says so in one line. GC settings are read once, when a
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
    /// Settings of the child (hex, as the runtime reads them). The heap is capped: with a 1 GiB gen0 budget per heap
    /// the 100,000-peer run peaked at 9.1 GB (the workstation GC: 7.0 GB), mostly garbage waiting for a full GC; the cap
    /// makes the GC collect before it gets there. It grows with the run (~72 KiB a peer, 7 GiB at least) and stays
    /// below three quarters of the machine's memory.
    /// </summary>
    static (string Name, string Value)[] Settings(int peers)
    {
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        var limit = Math.Max(7L << 30, peers * (72L << 10));
        if (available > 0) limit = Math.Min(limit, available / 4 * 3);
        return
        [
            ("DOTNET_gcServer", "1"),
            ("DOTNET_GCDynamicAdaptationMode", "0"),
            ("DOTNET_GCgen0size", "0x40000000"),
            ("DOTNET_GCHeapHardLimit", $"0x{limit:X}"),
        ];
    }

    /// <summary>Which GC this process runs with, for the wall-time line.</summary>
    public static string Describe() => GCSettings.IsServerGC ? $"server GC ×{Environment.ProcessorCount}" : "workstation GC";

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
        foreach (var (name, value) in Settings(peers)) psi.Environment[name] = value;
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
