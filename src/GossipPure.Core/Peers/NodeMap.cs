using System.Collections;
using System.Collections.Generic;

namespace GossipPure.Core.Peers;

/// <summary>
/// An immutable map from address to <typeparamref name="V"/>, kept as two flat arrays sorted by the addresses' hash
/// codes: the keys (each address beside its hash code, so a lookup's binary search and its comparison read one array)
/// and the values. A peer's known peers with their degrees (<c>NodeMap&lt;int&gt;</c>)
/// and its watches of other peers' liveness (<c>NodeMap&lt;Watch&gt;</c>) are held in it.
/// </summary>
/// <remarks>
/// A persistent hash map held these before: ~100 bytes and a dozen objects an entry, and an update copied a trie node,
/// its entry array and the map's own object. Here an entry is two or three words and a table is four objects, which
/// every collection of a large simulation has to walk. Adding or removing an address copies the three arrays; a new
/// value for an address there already copies only the values (a watch, once a heartbeat per neighbour). The tables
/// hold a few entries to a few hundred and are read at every step. Like the hash map it replaces, it lists its entries
/// in an order that depends on the process's string hashing:
/// whatever draws from it sorts first (see <see cref="Overlay.PickPreferential"/>). Equality is by value, whatever the order.
/// </remarks>
public sealed class NodeMap<V> : IReadOnlyCollection<(NodeId Key, V Value)>, IEquatable<NodeMap<V>>
{
    /// <summary>An address and its hash code, side by side.</summary>
    readonly struct Slot(int hash, NodeId node)
    {
        public readonly int Hash = hash;
        public readonly NodeId Node = node;
    }

    readonly Slot[] slots;
    readonly V[] values;

    NodeMap(Slot[] slots, V[] values) => (this.slots, this.values) = (slots, values);

    public static readonly NodeMap<V> Empty = new([], []);

    /// <summary>A table of <paramref name="entries"/>; of entries with one address, the last stands.</summary>
    public static NodeMap<V> From(IEnumerable<(NodeId Key, V Value)> entries)
    {
        var table = new Dictionary<NodeId, V>();
        foreach (var (node, value) in entries) table[node] = value;
        return From(table);
    }

    /// <summary>A table of the entries of <paramref name="table"/>.</summary>
    public static NodeMap<V> From(IReadOnlyDictionary<NodeId, V> table)
    {
        if (table.Count == 0) return Empty;
        var hashes = new int[table.Count];
        var slots = new Slot[table.Count];
        var values = new V[table.Count];
        var i = 0;
        foreach (var (node, value) in table)
        {
            var h = node.GetHashCode();
            (hashes[i], slots[i], values[i]) = (h, new Slot(h, node), value);
            i++;
        }
        var order = new int[slots.Length];
        for (var k = 0; k < order.Length; k++) order[k] = k;
        System.Array.Sort(hashes, order);   // the hashes in place, and where each entry came from alongside
        return new NodeMap<V>(Permute(slots, order), Permute(values, order));
    }

    static T[] Permute<T>(T[] items, int[] order)
    {
        var result = new T[items.Length];
        for (var k = 0; k < order.Length; k++) result[k] = items[order[k]];
        return result;
    }

    public int Count => slots.Length;

    /// <summary>
    /// Reads the first element of each of the table's arrays and returns a number made of them: for a caller that wants
    /// them in the processor's cache before the lookups of many tables at once (the simulator's warm-up). Reads only.
    /// </summary>
    public int Touch() => slots.Length == 0 ? 0 : slots[0].Hash + EqualityComparer<V>.Default.GetHashCode(values[0]!);

    public bool IsEmpty => slots.Length == 0;

    /// <summary>The first position whose hash code is not below <paramref name="h"/> (the length when none is).</summary>
    int LowerBound(int h)
    {
        int lo = 0, hi = slots.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (slots[mid].Hash < h) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>Where <paramref name="node"/> is, or −1.</summary>
    int IndexOf(NodeId node)
    {
        var h = node.GetHashCode();
        for (var i = LowerBound(h); i < slots.Length && slots[i].Hash == h; i++)
            if (slots[i].Node.Equals(node)) return i;
        return -1;
    }

    public bool ContainsKey(NodeId node) => IndexOf(node) >= 0;

    public Option<V> Find(NodeId node)
    {
        var i = IndexOf(node);
        return i < 0 ? None : Some(values[i]);
    }

    public V this[NodeId node]
    {
        get
        {
            var i = IndexOf(node);
            return i < 0 ? throw new KeyNotFoundException($"{node} is not in the table") : values[i];
        }
    }

    /// <summary>The addresses, in the table's order.</summary>
    public IEnumerable<NodeId> Keys => slots.Select(k => k.Node);

    /// <summary>This table with <paramref name="node"/> at <paramref name="value"/> (this one when it already is).</summary>
    public NodeMap<V> AddOrUpdate(NodeId node, V value)
    {
        var i = IndexOf(node);
        if (i >= 0)
        {
            if (EqualityComparer<V>.Default.Equals(values[i], value)) return this;
            var changed = (V[])values.Clone();
            changed[i] = value;
            return new NodeMap<V>(slots, changed);
        }
        var h = node.GetHashCode();
        var at = LowerBound(h);
        return new NodeMap<V>(SortedArray.Inserted(slots, at, new Slot(h, node)), SortedArray.Inserted(values, at, value));
    }

    /// <summary>This table with each of <paramref name="entries"/> added or updated in turn (one copy for all).</summary>
    public NodeMap<V> SetItems(IEnumerable<(NodeId Key, V Value)> entries)
    {
        Dictionary<NodeId, V>? table = null;
        foreach (var (node, value) in entries)
        {
            if (table is null)
            {
                var i = IndexOf(node);
                if (i >= 0 && EqualityComparer<V>.Default.Equals(values[i], value)) continue;   // nothing changes yet: no copy
                table = new Dictionary<NodeId, V>(slots.Length + 16);
                for (var k = 0; k < slots.Length; k++) table[slots[k].Node] = values[k];
            }
            table[node] = value;
        }
        return table is null ? this : From(table);
    }

    /// <summary>This table without <paramref name="node"/> (this one when it is not there).</summary>
    public NodeMap<V> Remove(NodeId node)
    {
        var i = IndexOf(node);
        if (i < 0) return this;
        if (slots.Length == 1) return Empty;
        return new NodeMap<V>(SortedArray.Removed(slots, i), SortedArray.Removed(values, i));
    }

    /// <summary>This table with only the entries whose value passes <paramref name="keep"/> (this one when all do).</summary>
    public NodeMap<V> Filter(Func<V, bool> keep)
    {
        var kept = new List<int>(slots.Length);
        for (var k = 0; k < slots.Length; k++) if (keep(values[k])) kept.Add(k);
        if (kept.Count == slots.Length) return this;
        if (kept.Count == 0) return Empty;
        return new NodeMap<V>([.. kept.Select(k => slots[k])], [.. kept.Select(k => values[k])]);
    }

    /// <summary>The values, in the table's order.</summary>
    public IEnumerable<V> Values => values;

    public IEnumerator<(NodeId Key, V Value)> GetEnumerator()
    {
        for (var k = 0; k < slots.Length; k++) yield return (slots[k].Node, values[k]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(NodeMap<V>? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other.Count != Count) return false;
        for (var k = 0; k < slots.Length; k++)
        {
            var j = other.IndexOf(slots[k].Node);
            if (j < 0 || !EqualityComparer<V>.Default.Equals(other.values[j], values[k])) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as NodeMap<V>);

    /// <summary>The same for equal tables, whatever their order (a sum over the entries).</summary>
    public override int GetHashCode()
    {
        var sum = 0;
        for (var k = 0; k < slots.Length; k++) sum += HashCode.Combine(slots[k].Hash, values[k]);
        return HashCode.Combine(sum, slots.Length);
    }

    public override string ToString() =>
        $"[{string.Join(", ", this.OrderBy(e => e.Key).Select(e => $"({e.Key}, {e.Value})"))}]";
}

/// <summary>What only a table of known peers and their degrees does.</summary>
public static class KnownPeerEntries
{
    /// <summary>The entries as <see cref="PeerEntry"/> values, in the table's order.</summary>
    public static PeerEntry[] ToEntries(this NodeMap<int> known)
    {
        var entries = new PeerEntry[known.Count];
        var k = 0;
        foreach (var (node, degree) in known) entries[k++] = new PeerEntry(node, degree);
        return entries;
    }
}
