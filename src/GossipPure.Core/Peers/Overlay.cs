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
        var entries = known.ToArray();
        var order = InAddressOrder(entries);
        var n = entries.Length;
        var nodes = new NodeId[n];
        var weights = new long[n];
        long total = 0;
        for (var i = 0; i < n; i++)
        {
            var e = entries[order[i]];
            nodes[i] = e.Node;
            weights[i] = (long)Math.Max(0, e.Degree) + 1;
            total += weights[i];
        }
        var picked = new System.Collections.Generic.List<NodeId>(Math.Min(Math.Max(count, 0), n));
        var live = n;
        while (picked.Count < count && live > 0)
        {
            (var r, rng) = rng.NextUInt64();
            var target = (long)(r % (ulong)total);
            var i = 0;
            for (; i < live - 1 && target >= weights[i]; i++) target -= weights[i];
            picked.Add(nodes[i]);
            // Out of the pool, which stays in order: the total left is the sum of what is left.
            total -= weights[i];
            live--;
            System.Array.Copy(nodes, i + 1, nodes, i, live - i);
            System.Array.Copy(weights, i + 1, weights, i, live - i);
        }
        return (toSeq(picked.ToArray()), rng);
    }

    /// <summary>
    /// The positions of <paramref name="entries"/> in address order (<see cref="NodeId.CompareTo"/>), an address given
    /// twice in the order given (a stable sort). When every IP packs (<see cref="NodeId.PackedIp"/>: every IPv4 text)
    /// the sort runs over keys of plain words side by side, not over the addresses: a newcomer sorts a few hundred
    /// entries, and reading each address's object at each comparison was most of its step.
    /// </summary>
    static int[] InAddressOrder(PeerEntry[] entries)
    {
        var keys = new AddressKey[entries.Length];
        var packed = true;
        for (var i = 0; i < entries.Length && packed; i++)
        {
            var node = entries[i].Node;
            packed = node.Packed.IsPacked;
            keys[i] = new AddressKey(node.Packed.High, node.Packed.Low, node.Port, i);
        }
        var order = new int[entries.Length];
        if (packed)
        {
            System.Array.Sort(keys);
            for (var i = 0; i < keys.Length; i++) order[i] = keys[i].Index;
            return order;
        }
        for (var i = 0; i < order.Length; i++) order[i] = i;
        System.Array.Sort(order, (a, b) => entries[a].Node.CompareTo(entries[b].Node) is var c && c != 0 ? c : a.CompareTo(b));
        return order;
    }

    /// <summary>An address as a sort key: its packed IP, then the port, then its position (for a stable sort).</summary>
    readonly record struct AddressKey(ulong High, ulong Low, int Port, int Index) : IComparable<AddressKey>
    {
        public int CompareTo(AddressKey other) =>
            High != other.High ? High.CompareTo(other.High)
            : Low != other.Low ? Low.CompareTo(other.Low)
            : Port != other.Port ? Port.CompareTo(other.Port)
            : Index.CompareTo(other.Index);
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
