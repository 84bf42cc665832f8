namespace GossipPure.Core.Seeds;

/// <summary>
/// The overlay's connectivity, kept by the seeds. Peers report their neighbours (DEGREE_UPDATE); the lead seed —
/// the lowest-addressed seed it can reach — checks now and then that the reported overlay is one connected graph,
/// and tells the lowest-addressed peer of every other part to link to the best-connected peer of the largest part.
/// Peers that register at the same moment can otherwise pick only each other and form a separate island.
/// </summary>
public static partial class SeedReducer
{
    public static readonly TimerKey OverlayTimer = new TimerKey.OverlayCheck();

    static SeedState OnOverlayTimer(SeedState s, EffectList fx)
    {
        var o = s.Config.Options;
        fx.Timer(OverlayTimer, o.OverlayCheckMs);
        var lead = s.SeedsUp.Add(s.Config.Self).OrderBy(n => n).First();
        if (lead != s.Config.Self) return s;

        // The check walks every reported link: at 100,000 peers that is most of a second's work twice a second. When
        // neither the table nor any report changed since it found the overlay whole, it is whole still.
        var mark = new OverlayMark(s.Version, s.ReportsChanged);
        if (s.OverlayWhole == mark) return s;
        var parts = Components(s);
        if (parts.Count < 2) return s with { OverlayWhole = mark };
        var main = parts.OrderByDescending(p => p.Count).ThenBy(p => p[0]).First();
        var target = main.OrderByDescending(s.DegreeOf).ThenBy(n => n).First();
        foreach (var part in parts.Where(p => p != main))
        {
            var head = part[0];
            // A link takes a moment to show up in the reports: give each bridge two checks to take effect.
            if (s.BridgedUs.Find(head).Map(at => s.NowUs - at < 2 * o.OverlayCheckMs * 1000).IfNone(false)) continue;
            fx.Add(new OverlayBridged(parts.Count, part.Count, head, target, s.DegreeOf(target)));
            fx.Send(head, new Bridge(target));
            s = s with { BridgedUs = s.BridgedUs.AddOrUpdate(head, s.NowUs) };
        }
        return s;
    }

    /// <summary>
    /// The parts of the overlay as the peers reported it; each part is sorted, lowest address first, and the parts come
    /// in the order of their lowest addresses. The committed peers are numbered in address order (the table's order,
    /// read from its flat copy) and joined along every reported link by union-find: no list per peer and no walk of
    /// the graph, so a whole overlay (the common answer) costs one lookup per peer and one per link. Only when there
    /// are two or more parts are they gathered, already sorted, from the numbering.
    /// </summary>
    static System.Collections.Generic.List<System.Collections.Generic.List<NodeId>> Components(SeedState s)
    {
        // Only committed peers that have reported take part; a link counts whichever end reported it.
        var number = new System.Collections.Generic.Dictionary<NodeId, int>(Math.Min(s.Reports.Count, s.Peers.Count));
        var nodes = new System.Collections.Generic.List<NodeId>(number.Capacity);
        var reports = new System.Collections.Generic.List<NeighbourReport>(number.Capacity);
        foreach (var n in s.Order.Keys)
            if (s.Reports.Find(n).Case is NeighbourReport r)
            {
                number[n] = nodes.Count;
                nodes.Add(n);
                reports.Add(r);
            }
        var parent = new int[nodes.Count];
        for (var i = 0; i < parent.Length; i++) parent[i] = i;
        var count = nodes.Count;
        for (var a = 0; a < reports.Count; a++)
            foreach (var m in reports[a].Neighbours)
                if (number.TryGetValue(m, out var b) && Join(parent, a, b)) count--;
        var parts = new System.Collections.Generic.List<System.Collections.Generic.List<NodeId>>();
        if (count < 2)
        {
            if (count == 1) parts.Add(nodes);
            return parts;
        }
        // In address order: each part fills up sorted, and the parts appear in the order of their lowest addresses.
        var partOf = new int[nodes.Count];
        System.Array.Fill(partOf, -1);
        for (var i = 0; i < nodes.Count; i++)
        {
            var root = Root(parent, i);
            if (partOf[root] < 0)
            {
                partOf[root] = parts.Count;
                parts.Add([]);
            }
            parts[partOf[root]].Add(nodes[i]);
        }
        return parts;
    }

    /// <summary>The representative of <paramref name="i"/>'s part (the path to it halved on the way).</summary>
    static int Root(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    /// <summary>Puts the parts of <paramref name="a"/> and <paramref name="b"/> together; false when they were one already.</summary>
    static bool Join(int[] parent, int a, int b)
    {
        var (ra, rb) = (Root(parent, a), Root(parent, b));
        if (ra == rb) return false;
        if (ra < rb) parent[rb] = ra; else parent[ra] = rb;
        return true;
    }
}
