using System.Diagnostics;
using System.Threading.Channels;
using GossipPure.Core;

namespace GossipPure.Shell.Hosting;

/// <summary>
/// Measures how late this node itself is and hands it to the core as a <see cref="HealthSample"/> (the core decides
/// what it means; see Core/Health.cs). Two measures: how late a timer's tick was handled, as the node loop measures it
/// against the timer's due time on the monotonic clock (<see cref="TimerLate"/>; immune to wall-clock steps), and how
/// long an input waited in the inbox between its stamp and being taken. The core also derives timer lateness from its own due times; this adds the inbox age and a
/// clock that cannot jump.
/// <para>
/// Reporting, not judging: lateness under <see cref="FloorMs"/> is not reported (a quiet node sends no samples, so its
/// event log does not grow), and at most one sample goes out per <see cref="PeriodMs"/>, carrying the worst values seen
/// since the last one. The sample goes into the inbox like any input, so it is recorded and replayed.
/// </para>
/// </summary>
public sealed class HealthMeter(Func<long>? monotonicMs = null, Func<long>? wallUs = null)
{
    /// <summary>Lateness below this is noise: not reported.</summary>
    public const long FloorMs = 50;
    /// <summary>At most one sample per this.</summary>
    public const long PeriodMs = 250;

    readonly Func<long> monoMs = monotonicMs ?? (() => Stopwatch.GetTimestamp() * 1000 / Stopwatch.Frequency);
    readonly Func<long> nowUs = wallUs ?? Clock.NowUs;
    long worstTimerLateMs, worstInboxAgeMs, lastSentMs = long.MinValue / 2;

    /// <summary>The loop is handling a timer <paramref name="lateMs"/> after it was due (the loop's own measure).</summary>
    public void TimerLate(long lateMs) => worstTimerLateMs = Math.Max(worstTimerLateMs, lateMs);

    /// <summary>
    /// The loop took <paramref name="input"/> from the inbox and is about to step it. Returns the sample to step next,
    /// when one is due (the caller writes it to the inbox), or null.
    /// </summary>
    public HealthSample? Taken(Input input)
    {
        switch (input)
        {
            case HealthSample:
                return null;   // a sample's own wait is not news
            case TimerFired:
                break;   // its lateness came with TimerLate
            default:
                worstInboxAgeMs = Math.Max(worstInboxAgeMs, (nowUs() - input.NowUs) / 1000);
                break;
        }
        var now = monoMs();
        if (Math.Max(worstTimerLateMs, worstInboxAgeMs) < FloorMs || now - lastSentMs < PeriodMs) return null;
        var sample = new HealthSample(nowUs(), Math.Max(0, worstTimerLateMs), Math.Max(0, worstInboxAgeMs));
        (worstTimerLateMs, worstInboxAgeMs, lastSentMs) = (0, 0, now);
        return sample;
    }

    /// <summary>The hook's one call: measures <paramref name="input"/> and queues a sample when one is due.</summary>
    public void Taken(Input input, ChannelWriter<object> inbox)
    {
        if (Taken(input) is { } sample) inbox.TryWrite(sample);
    }
}
