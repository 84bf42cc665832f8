using System.Diagnostics;

namespace GossipPure.Shell;

/// <summary>
/// The shell's only clock, stamped on every input: Unix microseconds that never jump. It reads the wall clock once,
/// when the process starts, and adds the monotonic time elapsed since (<see cref="Stopwatch"/>). So the times stay
/// wall-like (message timestamps, log lines and event logs read as dates), replay stays exact (the inputs carry
/// the time), and a wall-clock step (an NTP correction, a person setting the date) cannot make a neighbour look
/// silent or fire a suspicion early: the core only ever sees time go forward at the rate it really passes.
/// </summary>
public static class Clock
{
    static MonotonicClock current = MonotonicClock.System();

    public static long NowUs() => current.NowUs();

    /// <summary>The monotonic reading (Stopwatch ticks) that <see cref="NowUs"/> is built on; for timers and ages.</summary>
    public static long Ticks() => current.Ticks();
}

/// <summary>
/// Wall time read once, plus monotonic time elapsed since then. Both sources can be given (tests); the process
/// clock uses <see cref="DateTime.UtcNow"/> and <see cref="Stopwatch.GetTimestamp"/>.
/// </summary>
public sealed class MonotonicClock
{
    readonly Func<long> ticks;
    readonly long ticksPerSecond;
    readonly long originUs;
    readonly long originTicks;

    /// <param name="wallUs">The wall clock in Unix microseconds; read once, here.</param>
    /// <param name="ticks">A monotonic counter of <paramref name="ticksPerSecond"/> per second.</param>
    public MonotonicClock(Func<long> wallUs, Func<long> ticks, long ticksPerSecond)
    {
        this.ticks = ticks;
        this.ticksPerSecond = ticksPerSecond;
        originTicks = ticks();
        originUs = wallUs();
    }

    public static MonotonicClock System() =>
        new(() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10, Stopwatch.GetTimestamp, Stopwatch.Frequency);

    public long Ticks() => ticks();

    public long NowUs()
    {
        var elapsed = ticks() - originTicks;
        // Split so that a long uptime cannot overflow elapsed * 1e6.
        var seconds = elapsed / ticksPerSecond;
        var rest = elapsed % ticksPerSecond;
        return originUs + seconds * 1_000_000 + rest * 1_000_000 / ticksPerSecond;
    }
}
