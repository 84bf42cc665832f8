namespace GossipPure.Shell.Net;

/// <summary>
/// Keeps the log from becoming the flood: transport warnings about one remote address pass one by one up to a burst,
/// then at a slow rate; the ones held back are counted and summed up in one line a second
/// (<see cref="TakeSuppressed"/>). A bound for all addresses together holds against many addresses. Thread-safe.
/// </summary>
public sealed class NoticeLimiter(TransportLimits limits)
{
    /// <summary>Addresses remembered at once; beyond it, only the global bound applies to new ones.</summary>
    public const int MaxAddresses = 10_000;

    readonly object gate = new();
    readonly Dictionary<string, Entry> byAddress = new();
    TokenBucket? global;
    long globalSuppressed;

    sealed class Entry(TokenBucket bucket)
    {
        public TokenBucket Bucket { get; } = bucket;
        public long Suppressed;
    }

    /// <summary>True when a warning about <paramref name="address"/> may be logged now; false counts it as held back.</summary>
    public bool Allow(string address, long nowTicks)
    {
        lock (gate)
        {
            global ??= new TokenBucket(limits.NoticesPerSecond, limits.NoticeBurst, nowTicks);
            if (!byAddress.TryGetValue(address, out var e) && byAddress.Count < MaxAddresses)
                byAddress[address] = e = new Entry(new TokenBucket(limits.NoticesPerSecondPerAddress, limits.NoticeBurstPerAddress, nowTicks));
            if (e is not null && !e.Bucket.TryTake(nowTicks)) { e.Suppressed++; return false; }
            if (!global.TryTake(nowTicks))
            {
                if (e is not null) e.Suppressed++; else globalSuppressed++;
                return false;
            }
            return true;
        }
    }

    /// <summary>The counts held back since the last call, per address (and "" for addresses not remembered); forgets quiet addresses.</summary>
    public IReadOnlyList<(string Address, long Count)> TakeSuppressed(long nowTicks)
    {
        lock (gate)
        {
            var result = new List<(string, long)>();
            foreach (var (address, e) in byAddress.ToList())
            {
                if (e.Suppressed > 0) { result.Add((address, e.Suppressed)); e.Suppressed = 0; }
                else if (e.Bucket.IsFull(nowTicks)) byAddress.Remove(address);
            }
            if (globalSuppressed > 0) { result.Add(("", globalSuppressed)); globalSuppressed = 0; }
            return result;
        }
    }
}
