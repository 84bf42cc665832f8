namespace GossipPure.Cli.Bench;

static class Stats
{
    /// <summary>The q-quantile by nearest rank (q = 0.5 is the median); NaN for no samples.</summary>
    public static double Quantile(IReadOnlyCollection<double> xs, double q)
    {
        if (xs.Count == 0) return double.NaN;
        var sorted = xs.OrderBy(x => x).ToArray();
        var rank = (int)Math.Ceiling(q * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
