using System.Globalization;
using System.Text;

namespace GossipPure.Cli.Topology;

/// <summary>
/// The overlay as a Graphviz DOT undirected graph: one node per peer (its address; <c>width</c> by degree, <c>degree</c>
/// and <c>pos</c> recorded as attributes), one <c>--</c> edge per link. Dead peers are grey and dashed, as are the links
/// only a dead peer still listed. <c>sfdp -Tsvg</c> lays it out afresh; <c>neato -n2 -Tsvg</c> keeps this program's layout.
/// </summary>
public static class OverlayDot
{
    public static string Write(OverlayGraph g, IReadOnlyList<Point>? at = null)
    {
        var nodes = g.Nodes;
        var live = nodes.Where(n => !n.Dead).Select(n => n.Degree).DefaultIfEmpty(0).ToArray();
        int minDeg = live.Min(), maxDeg = live.Max();
        var d = g.Degrees;
        var name = NodeStyle.ShortName(g);
        var labels = nodes.Count <= 40;
        // DOT's y axis points up; the picture's points down.
        var top = at is null || at.Count == 0 ? 0 : at.Max(p => p.Y);

        var sb = new StringBuilder();
        sb.Append($"// GossipPure overlay ({Comment(g.Source)})\n");
        sb.Append($"// {nodes.Count} peers ({g.Dead} dead), {g.LiveEdges} links ({g.Edges.Count - g.LiveEdges} held only by dead peers); {g.Seeds} seeds are not part of the overlay and not drawn\n");
        sb.Append($"// power-law exponent: α={NodeStyle.N2(d.Alpha)} (k_min={d.KMin}, n={d.Tail})\n");
        sb.Append("// Render: sfdp -Tsvg overlay.dot -o overlay.svg (fresh layout) or neato -n2 -Tsvg (the layout in pos)\n");
        sb.Append("graph overlay {\n");
        sb.Append($"  graph [label=\"GossipPure overlay: {nodes.Count} peers, {g.LiveEdges} links, α={NodeStyle.N2(d.Alpha)}\", labelloc=t, fontname=\"Helvetica\", outputorder=edgesfirst, overlap=false, splines=false, bgcolor=white];\n");
        sb.Append($"  node [shape=circle, style=filled, fixedsize=true, fontname=\"Helvetica\", fontsize=7, color=\"{NodeStyle.Stroke}\", penwidth=0.8];\n");
        sb.Append($"  edge [color=\"{NodeStyle.LinkColour}80\", penwidth=0.7];\n");
        for (var i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            var attrs = new List<string>
            {
                $"label=\"{(labels ? name(n) : "")}\"",
                $"width={(2 * NodeStyle.Radius(n.Degree) / 72).ToString("0.###", CultureInfo.InvariantCulture)}",
                $"degree={n.Degree}",
                n.Dead ? $"fillcolor=\"{NodeStyle.DeadFill}\", color=\"{NodeStyle.DeadStroke}\", style=\"filled,dashed\", dead=true"
                       : $"fillcolor=\"{NodeStyle.Fill(n.Degree, minDeg, maxDeg)}\"",
                $"tooltip=\"{n.Id} degree {n.Degree}{(n.Dead ? " dead" : "")}\"",
            };
            if (!n.Reported) attrs.Add("reported=false");
            if (at is not null && i < at.Count) attrs.Add($"pos=\"{NodeStyle.N(at[i].X)},{NodeStyle.N(top - at[i].Y)}\"");
            sb.Append($"  {Id(n)} [{string.Join(", ", attrs)}];\n");
        }
        foreach (var e in g.Edges)
            sb.Append($"  {Id(nodes[e.A])} -- {Id(nodes[e.B])}{(e.Stale ? $" [style=dashed, color=\"{NodeStyle.StaleLinkColour}\"]" : "")};\n");
        sb.Append("}\n");
        return sb.ToString();
    }

    static string Id(OverlayNode n) => $"\"{n.Id.ToString().Replace("\\", "\\\\").Replace("\"", "\\\"")}\"";

    static string Comment(string text) => text.ReplaceLineEndings(" ");
}
