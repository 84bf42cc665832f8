using System.Runtime.InteropServices;

namespace GossipPure.Cli.Bench;

/// <summary>
/// The open-file limit of this process. Nodes hosted in one process share it: each has its output file, its events
/// file, and both ends of every link between two hosted nodes (its neighbours' and the seeds'), about
/// <see cref="PerHostedNode"/> descriptors a peer in a network of 1,000 (measured: 20,000 at 800 peers).
/// </summary>
static class FileLimit
{
    public const int PerHostedNode = 32;
    const int RlimitNofile = 7;

    [StructLayout(LayoutKind.Sequential)]
    struct RLimit { public ulong Cur; public ulong Max; }

    [DllImport("libc", SetLastError = true)]
    static extern int getrlimit(int resource, out RLimit limit);

    [DllImport("libc", SetLastError = true)]
    static extern int setrlimit(int resource, ref RLimit limit);

    /// <summary>Raises the limit to <paramref name="needed"/> if it is lower (as far as the system allows); null when it is enough, else why not.</summary>
    public static string? Ensure(int needed)
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            if (getrlimit(RlimitNofile, out var l) != 0 || l.Cur >= (ulong)needed) return null;
            var want = new RLimit { Cur = (ulong)needed, Max = Math.Max(l.Max, (ulong)needed) };
            // Raising the hard limit needs privilege; without it the hard limit is the ceiling.
            if (setrlimit(RlimitNofile, ref want) == 0) return null;
            return $"hosting these nodes in one process needs about {needed} open files; the limit is {l.Max} (ulimit -n): use fewer peers, or --processes";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }
}
