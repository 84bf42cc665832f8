using System.Globalization;
using System.Text;

namespace GossipPure.Cli.Topology;

/// <summary>How a peer is drawn, shared by the SVG and the DOT file: radius and colour by degree, grey when dead.</summary>
public static class NodeStyle
{
    public const string DeadFill = "#e0e0e0";
    public const string DeadStroke = "#707070";
    public const string Stroke = "#1f3b63";
    public const string LinkColour = "#55606e";
    public const string StaleLinkColour = "#a0a0a0";

    /// <summary>Radius in pixels (points in DOT): area grows with the degree.</summary>
    public static double Radius(int degree) => 2.5 + 1.5 * Math.Sqrt(Math.Max(0, degree));

    /// <summary>Light blue for the smallest degree to dark blue for the largest (by the square root of the rank in between).</summary>
    public static string Fill(int degree, int minDegree, int maxDegree)
    {
        var t = maxDegree <= minDegree ? 0.5 : Math.Sqrt((double)(Math.Clamp(degree, minDegree, maxDegree) - minDegree) / (maxDegree - minDegree));
        int Mix(int a, int b) => (int)Math.Round(a + (b - a) * t);
        return $"#{Mix(0xc6, 0x08):x2}{Mix(0xdb, 0x45):x2}{Mix(0xef, 0x94):x2}";
    }

    public static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    public static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
    public static string N2(double v) => double.IsNaN(v) ? "NaN" : v.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");

    /// <summary>The shortest name that tells the peers apart: the port when no two share one, else IP:port.</summary>
    public static Func<OverlayNode, string> ShortName(OverlayGraph g) =>
        g.Nodes.Select(n => n.Id.Port).Distinct().Count() == g.Nodes.Count ? n => n.Id.Port.ToString(CultureInfo.InvariantCulture) : n => n.Id.ToString();
}

/// <summary>
/// The overlay as an SVG picture drawn by this program (no Graphviz needed): the <see cref="ForceLayout"/> positions,
/// one circle per peer (class <c>peer</c>, plus <c>dead</c> for a dead one), its radius by degree, one line per link.
/// </summary>
public static class OverlaySvg
{
    const double Header = 92;
    const double Footer = 44;
    const double Pad = 16;

    /// <summary>The side of the square the overlay is drawn in: larger for more peers, so 200 stay readable.</summary>
    public static double Side(int peers) => Math.Clamp(64 * Math.Sqrt(Math.Max(1, peers)), 560, 2400);

    /// <summary>The picture's width: the square and its padding, wide enough for the header and the legend.</summary>
    public static double CanvasWidth(int peers) => Math.Max(Side(peers) + 2 * Pad, 760);

    /// <summary>Where each node goes, in the picture's coordinates (the same the DOT file records as pos).</summary>
    public static Point[] Place(OverlayGraph g, ulong seed)
    {
        var layout = ForceLayout.Compute(g.Nodes.Count, g.Edges.Select(e => (e.A, e.B)), seed);
        var side = Side(g.Nodes.Count);
        var radii = g.Nodes.Select(n => NodeStyle.Radius(n.Degree)).ToArray();
        var fitted = ForceLayout.Fit(layout, (CanvasWidth(g.Nodes.Count) - side) / 2, Header, side, side, margin: radii.DefaultIfEmpty(0).Max() + 4);
        return ForceLayout.Separate(fitted, radii, gap: 1.5);
    }

    public static string Write(OverlayGraph g, IReadOnlyList<Point> at)
    {
        var nodes = g.Nodes;
        var radii = nodes.Select(n => NodeStyle.Radius(n.Degree)).ToArray();
        var side = Side(nodes.Count);
        var width = CanvasWidth(nodes.Count);
        // Separation may push a node past the square: grow the canvas to hold every circle.
        var right = at.Select((p, i) => p.X + radii[i]).DefaultIfEmpty(0).Max();
        var bottom = at.Select((p, i) => p.Y + radii[i]).DefaultIfEmpty(0).Max();
        width = Math.Max(width, right + Pad);
        var height = Math.Max(Header + side, bottom + Pad) + Footer;
        var live = nodes.Where(n => !n.Dead).Select(n => n.Degree).DefaultIfEmpty(0).ToArray();
        int minDeg = live.Min(), maxDeg = live.Max();
        var d = g.Degrees;
        var name = NodeStyle.ShortName(g);
        var labels = nodes.Count <= 40;

        var sb = new StringBuilder();
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(width)}\" height=\"{N(height)}\" viewBox=\"0 0 {N(width)} {N(height)}\" font-family=\"Helvetica, Arial, sans-serif\">\n");
        sb.Append($"  <title>GossipPure overlay: {NodeStyle.Count(nodes.Count, "peer")}, {NodeStyle.Count(g.LiveEdges, "link")}</title>\n");
        sb.Append("  <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.Append($"  <text x=\"{N(Pad)}\" y=\"26\" font-size=\"18\" font-weight=\"bold\" fill=\"#222\">GossipPure overlay: {NodeStyle.Count(nodes.Count, "peer")}, {NodeStyle.Count(g.LiveEdges, "link")}{(g.Dead > 0 ? $", {g.Dead} dead" : "")}</text>\n");
        sb.Append($"  <text x=\"{N(Pad)}\" y=\"47\" font-size=\"13\" fill=\"#333\">degree min {d.Min} · mean {d.Mean.ToString("0.00", CultureInfo.InvariantCulture)} · max {d.Max} · power-law α = {NodeStyle.N2(d.Alpha)} (k ≥ {d.KMin}, n = {d.Tail})</text>\n");
        sb.Append($"  <text x=\"{N(Pad)}\" y=\"65\" font-size=\"11\" fill=\"#777\">{g.Seeds} seeds: not part of the overlay, not drawn</text>\n");
        sb.Append($"  <text x=\"{N(Pad)}\" y=\"80\" font-size=\"11\" fill=\"#777\">{Xml(g.Source)}</text>\n");

        sb.Append($"  <g class=\"links\" stroke=\"{NodeStyle.LinkColour}\" stroke-opacity=\"0.4\" stroke-width=\"0.8\">\n");
        foreach (var e in g.Edges.Where(e => !e.Stale))
            sb.Append($"    <line x1=\"{N(at[e.A].X)}\" y1=\"{N(at[e.A].Y)}\" x2=\"{N(at[e.B].X)}\" y2=\"{N(at[e.B].Y)}\"/>\n");
        sb.Append("  </g>\n");
        if (g.Edges.Any(e => e.Stale))
        {
            sb.Append($"  <g class=\"stale-links\" stroke=\"{NodeStyle.StaleLinkColour}\" stroke-width=\"0.9\" stroke-dasharray=\"4 3\">\n");
            foreach (var e in g.Edges.Where(e => e.Stale))
                sb.Append($"    <line x1=\"{N(at[e.A].X)}\" y1=\"{N(at[e.A].Y)}\" x2=\"{N(at[e.B].X)}\" y2=\"{N(at[e.B].Y)}\"/>\n");
            sb.Append("  </g>\n");
        }

        // Small nodes first, so the hubs are drawn on top; ties in address order.
        sb.Append($"  <g class=\"peers\" stroke=\"{NodeStyle.Stroke}\" stroke-width=\"0.8\">\n");
        foreach (var i in Enumerable.Range(0, nodes.Count).OrderBy(i => nodes[i].Degree).ThenBy(i => i))
        {
            var n = nodes[i];
            var title = $"{n.Id} · degree {n.Degree}{(n.Dead ? " · dead" : "")}{(n.Reported ? "" : " · no record of its own")}";
            var look = n.Dead
                ? $"class=\"peer dead\" fill=\"{NodeStyle.DeadFill}\" stroke=\"{NodeStyle.DeadStroke}\" stroke-dasharray=\"2.5 2\""
                : $"class=\"peer\" fill=\"{NodeStyle.Fill(n.Degree, minDeg, maxDeg)}\"";
            sb.Append($"    <circle {look} cx=\"{N(at[i].X)}\" cy=\"{N(at[i].Y)}\" r=\"{N(radii[i])}\"><title>{Xml(title)}</title></circle>\n");
        }
        sb.Append("  </g>\n");
        if (g.Dead > 0)
        {
            // A cross on each dead peer, so it shows even where its circle is small.
            sb.Append($"  <g class=\"dead-marks\" stroke=\"#404040\" stroke-width=\"1.4\">\n");
            for (var i = 0; i < nodes.Count; i++)
                if (nodes[i].Dead) sb.Append($"    {Cross(at[i].X, at[i].Y, radii[i])}\n");
            sb.Append("  </g>\n");
        }
        if (labels)
        {
            sb.Append("  <g class=\"labels\" font-size=\"10\" fill=\"#333\">\n");
            for (var i = 0; i < nodes.Count; i++)
                sb.Append($"    <text x=\"{N(at[i].X + radii[i] + 2)}\" y=\"{N(at[i].Y + 3.5)}\">{Xml(name(nodes[i]))}</text>\n");
            sb.Append("  </g>\n");
        }

        // Legend: a few sizes, and the dead marks when there are any.
        var y = height - Footer / 2;
        var x = Pad + 6;
        sb.Append("  <g class=\"legend\" font-size=\"12\" fill=\"#333\">\n");
        foreach (var k in new[] { minDeg, (int)Math.Round(Math.Sqrt(Math.Max(1, minDeg) * (double)Math.Max(1, maxDeg))), maxDeg }.Distinct())
        {
            var r = NodeStyle.Radius(k);
            sb.Append($"    <circle class=\"legend\" cx=\"{N(x + r)}\" cy=\"{N(y)}\" r=\"{N(r)}\" fill=\"{NodeStyle.Fill(k, minDeg, maxDeg)}\" stroke=\"{NodeStyle.Stroke}\" stroke-width=\"0.8\"/>\n");
            sb.Append($"    <text x=\"{N(x + 2 * r + 5)}\" y=\"{N(y + 4)}\">degree {k}</text>\n");
            x += 2 * r + 80;
        }
        if (g.Dead > 0 || g.Edges.Any(e => e.Stale))
        {
            var r = NodeStyle.Radius(minDeg);
            sb.Append($"    <circle class=\"legend\" cx=\"{N(x + r)}\" cy=\"{N(y)}\" r=\"{N(r)}\" fill=\"{NodeStyle.DeadFill}\" stroke=\"{NodeStyle.DeadStroke}\" stroke-dasharray=\"2.5 2\"/>\n");
            sb.Append($"    <g stroke=\"#404040\" stroke-width=\"1.4\">{Cross(x + r, y, r)}</g>\n");
            sb.Append($"    <text x=\"{N(x + 2 * r + 5)}\" y=\"{N(y + 4)}\">dead (confirmed)</text>\n");
            x += 2 * r + 130;
            sb.Append($"    <line x1=\"{N(x)}\" y1=\"{N(y)}\" x2=\"{N(x + 28)}\" y2=\"{N(y)}\" stroke=\"{NodeStyle.StaleLinkColour}\" stroke-width=\"0.9\" stroke-dasharray=\"4 3\"/>\n");
            sb.Append($"    <text x=\"{N(x + 34)}\" y=\"{N(y + 4)}\">a dead peer's last links</text>\n");
        }
        sb.Append("  </g>\n");
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    static string Cross(double x, double y, double r)
    {
        var a = r * 0.7;
        return $"<path d=\"M{N(x - a)},{N(y - a)} L{N(x + a)},{N(y + a)} M{N(x - a)},{N(y + a)} L{N(x + a)},{N(y - a)}\"/>";
    }

    static string N(double v) => NodeStyle.N(v);
    static string Xml(string s) => NodeStyle.Xml(s);
}
