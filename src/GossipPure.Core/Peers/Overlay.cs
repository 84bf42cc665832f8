namespace GossipPure.Core.Peers;

/// <summary>
/// How a newcomer picks its neighbours: a Pareto-distributed count, then preferential attachment — each
/// known peer is picked with probability proportional to its degree + 1, without replacement.
/// </summary>
public static class Overlay
{
    /// <summary>Draws how many neighbours a newcomer wants: ⌊min · U^(−1/α)⌋ clamped to [min, max].</summary>
    public static (int Count, Rng Next) DrawNeighbourCount(ProtocolOptions o, Rng rng)
    {
        var (u, next) = rng.NextDouble();
        var x = o.MinNeighbours * Math.Pow(1.0 - u, -1.0 / o.ParetoAlpha);   // 1 − u ∈ (0, 1]
        var k = double.IsFinite(x) ? (int)Math.Min(Math.Floor(x), o.MaxNeighbours) : o.MaxNeighbours;
        return (Math.Max(o.MinNeighbours, k), next);
    }

    /// <summary>Picks up to <paramref name="count"/> distinct peers, each draw weighted by degree + 1.</summary>
    public static (Seq<NodeId> Picked, Rng Next) PickPreferential(Seq<PeerEntry> known, int count, Rng rng)
    {
        // Sort for a draw that depends only on the set, not on the order a map happened to list it in.
        var pool = known.OrderBy(e => e.Node).Select(e => (e.Node, Weight: (long)Math.Max(0, e.Degree) + 1)).ToList();
        var picked = new System.Collections.Generic.List<NodeId>();
        while (picked.Count < count && pool.Count > 0)
        {
            var total = pool.Sum(p => p.Weight);
            (var r, rng) = rng.NextUInt64();
            var target = (long)(r % (ulong)total);
            var i = 0;
            for (; i < pool.Count - 1 && target >= pool[i].Weight; i++) target -= pool[i].Weight;
            picked.Add(pool[i].Node);
            pool.RemoveAt(i);
        }
        return (toSeq(picked.ToArray()), rng);
    }

    /// <summary>A newcomer's whole choice: a Pareto count, then preferential picks among <paramref name="known"/>.</summary>
    public static (Seq<NodeId> Picked, Rng Next) ChooseNeighbours(ProtocolOptions o, Seq<PeerEntry> known, Rng rng)
    {
        var (k, r1) = DrawNeighbourCount(o, rng);
        return PickPreferential(known, k, r1);
    }

    /// <summary>
    /// Grows an overlay of <paramref name="peers"/> nodes one at a time by the same rule a live peer uses, with
    /// exact degrees. Used by tests and the simulator to look at the degree distribution the rule produces.
    /// </summary>
    public static HashMap<int, HashSet<int>> Grow(int peers, ProtocolOptions o, Rng rng)
    {
        var adj = HashMap<int, HashSet<int>>();
        for (var n = 0; n < peers; n++)
        {
            var known = toSeq(adj.Map((id, set) => new PeerEntry(new NodeId("10.0.0.0", id + 1), set.Count)).Values);
            (var picked, rng) = ChooseNeighbours(o, known, rng);
            adj = adj.AddOrUpdate(n, HashSet<int>());
            foreach (var p in picked)
            {
                var other = p.Port - 1;
                adj = adj.SetItem(n, adj[n].TryAdd(other)).SetItem(other, adj[other].TryAdd(n));
            }
        }
        return adj;
    }
}
