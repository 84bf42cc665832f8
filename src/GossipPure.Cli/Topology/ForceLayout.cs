using GossipPure.Core;

namespace GossipPure.Cli.Topology;

public readonly record struct Point(double X, double Y);

/// <summary>
/// A Fruchterman–Reingold force-directed layout with a weak pull to the centre (so a node without links stays in
/// the picture). Deterministic: the start positions come from <see cref="Rng"/> seeded with the caller's seed and the
/// arithmetic is +, −, ×, ÷ and √ only, in a fixed order, so one seed gives one picture.
/// </summary>
public static class ForceLayout
{
    /// <summary>Pull towards the centre, relative to the spring constant; an isolated node settles about 0.5 from it.</summary>
    const double Gravity = 4.0;

    /// <summary>
    /// Positions of <paramref name="count"/> nodes in the unit square's neighbourhood (centre 0.5, 0.5), linked by
    /// <paramref name="links"/> (index pairs; duplicates and self-links are ignored).
    /// </summary>
    public static Point[] Compute(int count, IEnumerable<(int A, int B)> links, ulong seed, int? iterations = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var xs = new double[count];
        var ys = new double[count];
        var rng = new Rng(seed ^ 0x1A70_F00DUL);
        for (var i = 0; i < count; i++)
        {
            (xs[i], rng) = rng.NextDouble();
            (ys[i], rng) = rng.NextDouble();
        }
        if (count < 2) return count == 1 ? [new Point(0.5, 0.5)] : [];

        var pairs = links.Where(l => l.A != l.B && l.A >= 0 && l.B >= 0 && l.A < count && l.B < count)
            .Select(l => l.A < l.B ? l : (l.B, l.A)).Distinct().Order().ToArray();
        var k = Math.Sqrt(1.0 / count);
        var k2 = k * k;
        // O(n²) a round: many rounds for small graphs, fewer for large ones, at least 60.
        var rounds = iterations ?? (int)Math.Clamp(60_000_000L / ((long)count * count), 60, 500);
        var dx = new double[count];
        var dy = new double[count];
        for (var round = 0; round < rounds; round++)
        {
            var temperature = 0.1 * (1.0 - (double)round / rounds) + 0.002;
            Array.Clear(dx);
            Array.Clear(dy);
            for (var i = 0; i < count; i++)
                for (var j = i + 1; j < count; j++)
                {
                    var ex = xs[i] - xs[j];
                    var ey = ys[i] - ys[j];
                    var d2 = ex * ex + ey * ey;
                    if (d2 < 1e-18)
                    {
                        // Two nodes on one spot: part them along a direction fixed by their indices.
                        ex = 1e-6 * ((i + j) % 3 - 1 + 0.5);
                        ey = 1e-6 * ((i * 7 + j) % 5 - 2 + 0.5);
                        d2 = ex * ex + ey * ey;
                    }
                    // Repulsion k²/d along the unit vector e/d: e × k²/d².
                    var f = k2 / d2;
                    dx[i] += ex * f; dy[i] += ey * f;
                    dx[j] -= ex * f; dy[j] -= ey * f;
                }
            foreach (var (a, b) in pairs)
            {
                var ex = xs[a] - xs[b];
                var ey = ys[a] - ys[b];
                // Attraction d²/k along e/d: e × d/k.
                var f = Math.Sqrt(ex * ex + ey * ey) / k;
                dx[a] -= ex * f; dy[a] -= ey * f;
                dx[b] += ex * f; dy[b] += ey * f;
            }
            for (var i = 0; i < count; i++)
            {
                dx[i] -= (xs[i] - 0.5) * Gravity;
                dy[i] -= (ys[i] - 0.5) * Gravity;
                var length = Math.Sqrt(dx[i] * dx[i] + dy[i] * dy[i]);
                if (length <= 0) continue;
                var step = Math.Min(length, temperature) / length;
                xs[i] += dx[i] * step;
                ys[i] += dy[i] * step;
            }
        }
        var points = new Point[count];
        for (var i = 0; i < count; i++) points[i] = new Point(xs[i], ys[i]);
        return points;
    }

    /// <summary>
    /// Scales <paramref name="points"/> to fill the box (keeping the aspect ratio), leaving room for each node's radius
    /// at the edges.
    /// </summary>
    public static Point[] Fit(IReadOnlyList<Point> points, double left, double top, double width, double height, double margin)
    {
        if (points.Count == 0) return [];
        double minX = points.Min(p => p.X), maxX = points.Max(p => p.X), minY = points.Min(p => p.Y), maxY = points.Max(p => p.Y);
        var spanX = Math.Max(maxX - minX, 1e-9);
        var spanY = Math.Max(maxY - minY, 1e-9);
        var scale = Math.Min((width - 2 * margin) / spanX, (height - 2 * margin) / spanY);
        if (points.Count == 1) scale = 0;
        var offX = left + width / 2 - (minX + maxX) / 2 * scale;
        var offY = top + height / 2 - (minY + maxY) / 2 * scale;
        return points.Select(p => new Point(p.X * scale + offX, p.Y * scale + offY)).ToArray();
    }

    /// <summary>
    /// Pushes apart circles that overlap (centres closer than the sum of their radii plus <paramref name="gap"/>), a few
    /// rounds at most, each pair moved half the overlap each way. Keeps the positions' order of evaluation fixed.
    /// </summary>
    public static Point[] Separate(IReadOnlyList<Point> points, IReadOnlyList<double> radii, double gap, int rounds = 30)
    {
        var xs = points.Select(p => p.X).ToArray();
        var ys = points.Select(p => p.Y).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            var moved = false;
            for (var i = 0; i < xs.Length; i++)
                for (var j = i + 1; j < xs.Length; j++)
                {
                    var want = radii[i] + radii[j] + gap;
                    var ex = xs[i] - xs[j];
                    var ey = ys[i] - ys[j];
                    var d2 = ex * ex + ey * ey;
                    if (d2 >= want * want) continue;
                    var d = Math.Sqrt(d2);
                    var unit = d;
                    if (d < 1e-9) { ex = (i + j) % 2 == 0 ? 1 : -1; ey = 0; unit = 1; d = 0; }
                    var push = (want - d) / 2 / unit;
                    xs[i] += ex * push; ys[i] += ey * push;
                    xs[j] -= ex * push; ys[j] -= ey * push;
                    moved = true;
                }
            if (!moved) break;
        }
        return xs.Select((x, i) => new Point(x, ys[i])).ToArray();
    }
}
