using System.Globalization;
using System.Text;
using GossipPure.Simulation;

namespace GossipPure.Cli.Topology;

/// <summary>
/// The degree histogram on log-log axes: one point per degree k (how many peers have it), the fitted power law
/// (<see cref="DegreeStats.Alpha"/>, from k_min on) as a line, and α printed on the plot.
/// </summary>
public static class DegreeSvg
{
    const double Width = 680, Height = 460;
    const double Left = 74, Right = 24, Top = 56, Bottom = 58;

    /// <summary>
    /// The fitted line's expected count of peers with degree <paramref name="k"/>: the tail's size times the density of
    /// the power law the fit assumes, (α−1)/(k_min−½) · (k/(k_min−½))^−α.
    /// </summary>
    public static double Expected(DegreeStats d, double k)
    {
        var x0 = d.KMin - 0.5;
        return d.Tail * (d.Alpha - 1) / x0 * Math.Pow(k / x0, -d.Alpha);
    }

    public static string Write(DegreeStats d, string title)
    {
        var points = d.Histogram.Where(kv => kv.Key > 0 && kv.Value > 0).Select(kv => (K: (double)kv.Key, Count: (double)kv.Value)).ToArray();
        var zeros = d.Histogram.GetValueOrDefault(0);
        var fitted = !double.IsNaN(d.Alpha) && d.Tail > 0;
        var kLo = points.Length == 0 ? 1 : points.Min(p => p.K);
        var kHi = points.Length == 0 ? 10 : points.Max(p => p.K);
        var xLo = Decade(kLo, down: true);
        var xHi = Math.Max(Decade(kHi, down: false), xLo * 10);
        var cHi = points.Length == 0 ? 10 : points.Max(p => p.Count);
        var cLo = points.Length == 0 ? 1 : points.Min(p => p.Count);
        if (fitted) cLo = Math.Min(cLo, Math.Max(Expected(d, kHi), 0.01));
        var yLo = Decade(Math.Min(1, cLo), down: true);
        var yHi = Math.Max(Decade(cHi * 1.0001, down: false), yLo * 10);

        // The axes' ends sit a little inside the frame, so a point on them is not cut by it.
        const double inset = 10;
        double X(double k) => Left + inset + (Math.Log10(k) - Math.Log10(xLo)) / (Math.Log10(xHi) - Math.Log10(xLo)) * (Width - Left - Right - 2 * inset);
        double Y(double c) => Height - Bottom - inset - (Math.Log10(c) - Math.Log10(yLo)) / (Math.Log10(yHi) - Math.Log10(yLo)) * (Height - Top - Bottom - 2 * inset);

        var sb = new StringBuilder();
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"Helvetica, Arial, sans-serif\">\n");
        sb.Append($"  <title>{NodeStyle.Xml(title)}</title>\n");
        sb.Append("  <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.Append($"  <defs><clipPath id=\"plot\"><rect x=\"{N(Left)}\" y=\"{N(Top)}\" width=\"{N(Width - Left - Right)}\" height=\"{N(Height - Top - Bottom)}\"/></clipPath></defs>\n");
        sb.Append($"  <text x=\"{N(Left)}\" y=\"24\" font-size=\"16\" font-weight=\"bold\" fill=\"#222\">{NodeStyle.Xml(title)}</text>\n");
        sb.Append($"  <text x=\"{N(Left)}\" y=\"42\" font-size=\"12\" fill=\"#555\">{d.Count} peers, degree min {d.Min}, mean {d.Mean.ToString("0.00", CultureInfo.InvariantCulture)}, max {d.Max}{(zeros > 0 ? $"; {zeros} with degree 0 not shown" : "")}</text>\n");

        // Grid and ticks: every decade labelled, 2 and 5 between when there are few decades.
        sb.Append("  <g class=\"axes\" font-size=\"11\" fill=\"#444\" stroke-width=\"1\">\n");
        foreach (var (v, major) in Ticks(xLo, xHi))
        {
            var x = X(v);
            sb.Append($"    <line x1=\"{N(x)}\" y1=\"{N(Top)}\" x2=\"{N(x)}\" y2=\"{N(Height - Bottom)}\" stroke=\"{(major ? "#d0d0d0" : "#ececec")}\"/>\n");
            sb.Append($"    <text x=\"{N(x)}\" y=\"{N(Height - Bottom + 16)}\" text-anchor=\"middle\">{Label(v)}</text>\n");
        }
        foreach (var (v, major) in Ticks(yLo, yHi))
        {
            var y = Y(v);
            sb.Append($"    <line x1=\"{N(Left)}\" y1=\"{N(y)}\" x2=\"{N(Width - Right)}\" y2=\"{N(y)}\" stroke=\"{(major ? "#d0d0d0" : "#ececec")}\"/>\n");
            sb.Append($"    <text x=\"{N(Left - 6)}\" y=\"{N(y + 4)}\" text-anchor=\"end\">{Label(v)}</text>\n");
        }
        sb.Append($"    <rect x=\"{N(Left)}\" y=\"{N(Top)}\" width=\"{N(Width - Left - Right)}\" height=\"{N(Height - Top - Bottom)}\" fill=\"none\" stroke=\"#888\"/>\n");
        sb.Append($"    <text x=\"{N((Left + Width - Right) / 2)}\" y=\"{N(Height - 14)}\" text-anchor=\"middle\" font-size=\"13\">degree k (log scale)</text>\n");
        sb.Append($"    <text transform=\"translate(18 {N((Top + Height - Bottom) / 2)}) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">peers with degree k (log scale)</text>\n");
        sb.Append("  </g>\n");

        if (fitted)
        {
            var kMin = Math.Max(d.KMin, xLo);
            var (x1, y1, x2, y2) = (X(kMin), Y(Expected(d, kMin)), X(xHi), Y(Expected(d, xHi)));
            sb.Append("  <g class=\"fit\" clip-path=\"url(#plot)\">\n");
            sb.Append($"    <line x1=\"{N(X(d.KMin))}\" y1=\"{N(Top)}\" x2=\"{N(X(d.KMin))}\" y2=\"{N(Height - Bottom)}\" stroke=\"#c0392b\" stroke-opacity=\"0.5\" stroke-dasharray=\"3 3\"/>\n");
            sb.Append($"    <line class=\"power-law\" x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"#c0392b\" stroke-width=\"2\"/>\n");
            sb.Append("  </g>\n");
            sb.Append($"  <text x=\"{N(Width - Right - 10)}\" y=\"{N(Top + 24)}\" text-anchor=\"end\" font-size=\"18\" fill=\"#c0392b\">α = {NodeStyle.N2(d.Alpha)}</text>\n");
            sb.Append($"  <text x=\"{N(Width - Right - 10)}\" y=\"{N(Top + 42)}\" text-anchor=\"end\" font-size=\"12\" fill=\"#c0392b\">power law fitted to k ≥ {d.KMin} (n = {d.Tail}, maximum likelihood)</text>\n");
        }
        else
            sb.Append($"  <text x=\"{N(Width - Right - 10)}\" y=\"{N(Top + 24)}\" text-anchor=\"end\" font-size=\"14\" fill=\"#c0392b\">no power law fitted: no degree ≥ {d.KMin}</text>\n");

        sb.Append("  <g class=\"points\" fill=\"#08458f\" stroke=\"white\" stroke-width=\"1\">\n");
        foreach (var (k, c) in points)
            sb.Append($"    <circle class=\"degree\" cx=\"{N(X(k))}\" cy=\"{N(Y(c))}\" r=\"4.5\"><title>degree {k}: {c} peers</title></circle>\n");
        sb.Append("  </g>\n");
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>The power of ten at or below (or at or above) <paramref name="v"/>.</summary>
    static double Decade(double v, bool down)
    {
        var e = Math.Log10(Math.Max(v, 1e-9));
        var r = Math.Round(e);
        if (Math.Abs(e - r) < 1e-9) e = r;
        return Math.Pow(10, down ? Math.Floor(e) : Math.Ceiling(e));
    }

    static IEnumerable<(double Value, bool Major)> Ticks(double lo, double hi)
    {
        var decades = (int)Math.Round(Math.Log10(hi / lo));
        for (var e = (int)Math.Round(Math.Log10(lo)); e <= (int)Math.Round(Math.Log10(hi)); e++)
        {
            var p = Math.Pow(10, e);
            yield return (p, true);
            if (decades <= 3 && e < (int)Math.Round(Math.Log10(hi)))
            {
                yield return (2 * p, false);
                yield return (5 * p, false);
            }
        }
    }

    static string Label(double v) => v.ToString(v >= 1 ? "0" : "0.##", CultureInfo.InvariantCulture);
    static string N(double v) => NodeStyle.N(v);
}
