namespace GossipPure.Core;

/// <summary>
/// A SplitMix64 generator as a value: every draw returns the value and the next generator.
/// The shell hands in the starting seed, so a run is reproduced by replaying its inputs.
/// </summary>
public readonly record struct Rng(ulong State)
{
    const ulong Gamma = 0x9E3779B97F4A7C15UL;

    public (ulong Value, Rng Next) NextUInt64()
    {
        var s = State + Gamma;
        var z = s;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (z ^ (z >> 31), new Rng(s));
    }

    /// <summary>A double in [0, 1).</summary>
    public (double Value, Rng Next) NextDouble()
    {
        var (v, next) = NextUInt64();
        return ((v >> 11) * (1.0 / (1UL << 53)), next);
    }

    /// <summary>An integer in [0, maxExclusive).</summary>
    public (int Value, Rng Next) NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        var (v, next) = NextUInt64();
        return ((int)(v % (ulong)maxExclusive), next);
    }

    /// <summary>A uniformly random subset of <paramref name="count"/> items (all of them when fewer), in draw order.</summary>
    public (Seq<T> Picked, Rng Next) Sample<T>(Seq<T> items, int count)
    {
        var pool = items.ToArray();
        var rng = this;
        var take = Math.Min(count, pool.Length);
        for (var i = 0; i < take; i++)
        {
            (var j, rng) = rng.NextInt(pool.Length - i);
            (pool[i], pool[i + j]) = (pool[i + j], pool[i]);
        }
        return (toSeq(pool.Take(take).ToArray()), rng);
    }
}
