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
    /// in the order of their lowest addresses. A whole overlay (the common answer) is found without sorting anything:
    /// the parts are ordered only when there are two or more.
    /// </summary>
    static System.Collections.Generic.List<System.Collections.Generic.List<NodeId>> Components(SeedState s)
    {
        // Only committed peers that have reported take part; a link counts whichever end reported it.
        var adj = new System.Collections.Generic.Dictionary<NodeId, System.Collections.Generic.List<NodeId>>();
        foreach (var (n, _) in s.Reports)
            if (s.Peers.ContainsKey(n)) adj[n] = new System.Collections.Generic.List<NodeId>();
        foreach (var (n, report) in s.Reports)
        {
            if (!adj.TryGetValue(n, out var mine)) continue;
            foreach (var m in report.Neighbours)
                if (adj.TryGetValue(m, out var back)) { mine.Add(m); back.Add(n); }
        }
        var seen = new System.Collections.Generic.HashSet<NodeId>();
        var parts = new System.Collections.Generic.List<System.Collections.Generic.List<NodeId>>();
        foreach (var start in adj.Keys)
        {
            if (!seen.Add(start)) continue;
            var part = new System.Collections.Generic.List<NodeId> { start };
            for (var i = 0; i < part.Count; i++)
                foreach (var m in adj[part[i]])
                    if (seen.Add(m)) part.Add(m);
            parts.Add(part);
        }
        if (parts.Count < 2) return parts;
        foreach (var part in parts) part.Sort();
        parts.Sort((a, b) => a[0].CompareTo(b[0]));
        return parts;
    }
}
