namespace GossipPure.Shell.Tests;

public class ClockTests
{
    const long Second = 1_000_000;

    /// <summary>A wall clock that a test can set, and a monotonic counter (1 tick = 1 µs) that a test advances.</summary>
    sealed class Sources
    {
        public long WallUs = 1_750_000_000L * Second;
        public long Ticks = 123_456;
    }

    [Theory]
    [InlineData(3600)]      // an NTP step or a person setting the date forward by an hour
    [InlineData(-3600)]     // ... or back
    [InlineData(86400 * 365)]
    public void A_wall_clock_jump_moves_the_node_clock_by_nothing(long jumpSeconds)
    {
        var s = new Sources();
        var clock = new MonotonicClock(() => s.WallUs, () => s.Ticks, 1_000_000);
        var before = clock.NowUs();
        Assert.Equal(s.WallUs, before);   // wall-like: message timestamps and log lines stay dates

        s.WallUs += jumpSeconds * Second;
        s.Ticks += 250_000;   // a quarter of a second really passes
        var after = clock.NowUs();

        // The time between two inputs is the time that passed, whatever the wall clock did: a neighbour last
        // heard from at `before` has been silent 250 ms at `after`, not an hour (nor minus an hour).
        Assert.Equal(250_000, after - before);
    }

    [Fact]
    public void The_clock_counts_at_the_counter_frequency_without_overflow_over_years()
    {
        var s = new Sources();
        const long frequency = 1_000_000_000;   // a nanosecond counter, as Stopwatch is on Linux
        var clock = new MonotonicClock(() => s.WallUs, () => s.Ticks, frequency);
        var start = clock.NowUs();
        s.Ticks += 10L * 365 * 86400 * frequency + 1_500;   // ten years and 1.5 µs
        Assert.Equal(10L * 365 * 86400 * Second + 1, clock.NowUs() - start);
    }

    [Fact]
    public void The_process_clock_never_goes_back()
    {
        var last = Clock.NowUs();
        for (var i = 0; i < 100_000; i++)
        {
            var now = Clock.NowUs();
            Assert.True(now >= last);
            last = now;
        }
    }
}
