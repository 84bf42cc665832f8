using GossipPure.Shell.Hosting;

namespace GossipPure.Shell.Tests;

/// <summary>The shell's health meter reports what it measured and nothing on a quiet node (clocks driven by hand).</summary>
public sealed class HealthMeterTests
{
    long mono = 1_000;
    long wall = 1_700_000_000_000_000;

    HealthMeter Meter() => new(() => mono, () => wall);

    [Fact]
    public void A_quiet_node_sends_no_samples()
    {
        var m = Meter();
        mono += 1010;
        wall += 1_010_000;
        m.TimerLate(10);   // the loop handles the tick 10 ms after it was due
        Assert.Null(m.Taken(new TimerFired(wall, TimerKey.Parse("heartbeat"))));
        Assert.Null(m.Taken(new Received(wall - 5_000, new NodeId("127.0.0.1", 1), new Heartbeat())));   // waited 5 ms
    }

    [Fact]
    public void A_late_timer_and_an_old_input_are_reported_once_per_period_with_the_worst_values()
    {
        var m = Meter();
        mono += 1700;
        wall += 1_700_000;
        m.TimerLate(700);   // the loop handles the tick 700 ms after its due time
        var s = Assert.IsType<HealthSample>(m.Taken(new TimerFired(wall, TimerKey.Parse("heartbeat"))));
        Assert.Equal(700, s.TimerLateMs);
        Assert.Equal(0, s.InboxAgeMs);
        Assert.Equal(wall, s.NowUs);

        // Within the period: measured, kept, not sent.
        mono += 10;
        Assert.Null(m.Taken(new Received(wall - 400_000, new NodeId("127.0.0.1", 1), new Heartbeat())));
        Assert.Null(m.Taken(new Received(wall - 90_000, new NodeId("127.0.0.1", 1), new Heartbeat())));
        mono += HealthMeter.PeriodMs;
        s = Assert.IsType<HealthSample>(m.Taken(new Received(wall, new NodeId("127.0.0.1", 1), new Heartbeat())));
        Assert.Equal(0, s.TimerLateMs);
        Assert.Equal(400, s.InboxAgeMs);

        // A sample's own wait is not news.
        mono += HealthMeter.PeriodMs;
        Assert.Null(m.Taken(new HealthSample(wall - 900_000, 0, 0)));
    }
}
