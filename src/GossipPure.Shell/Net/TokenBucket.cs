using System.Diagnostics;

namespace GossipPure.Shell.Net;

/// <summary>
/// A token bucket: <see cref="Burst"/> tokens at most, refilled at <see cref="RatePerSecond"/>; each event takes one.
/// Time is passed in (<see cref="Stopwatch.GetTimestamp"/> ticks) so tests can drive it. Not thread-safe: each
/// bucket belongs to one loop, or is used under a lock.
/// </summary>
public sealed class TokenBucket
{
    readonly double ratePerSecond;
    readonly double burst;
    double tokens;
    long lastTicks;

    public TokenBucket(double ratePerSecond, double burst, long nowTicks)
    {
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        tokens = burst;
        lastTicks = nowTicks;
    }

    public double RatePerSecond => ratePerSecond;
    public double Burst => burst;

    /// <summary>Takes a token if there is one.</summary>
    public bool TryTake(long nowTicks)
    {
        Refill(nowTicks);
        if (tokens < 1) return false;
        tokens -= 1;
        return true;
    }

    /// <summary>True when the bucket has been full for a while: nothing to remember about its owner.</summary>
    public bool IsFull(long nowTicks)
    {
        Refill(nowTicks);
        return tokens >= burst;
    }

    void Refill(long nowTicks)
    {
        if (nowTicks <= lastTicks) return;
        tokens = Math.Min(burst, tokens + (nowTicks - lastTicks) * ratePerSecond / Stopwatch.Frequency);
        lastTicks = nowTicks;
    }
}
