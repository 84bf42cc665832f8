namespace GossipPure.Shell;

/// <summary>The shell's only clock: wall time in Unix microseconds, stamped on every input.</summary>
public static class Clock
{
    public static long NowUs() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
}
