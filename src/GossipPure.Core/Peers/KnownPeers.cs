using System.Collections;
using System.Collections.Generic;

namespace GossipPure.Core.Peers;

/// <summary>
/// The peers a peer knows of, each with the degree it was last told: an immutable map from address to degree, kept
/// as three flat arrays sorted by the addresses' hash codes (a lookup is a binary search of an <c>int[]</c>).
/// </summary>
/// <remarks>
/// A persistent hash map held this before: ~100 bytes and a dozen objects an entry, for a table of a few hundred
/// entries that changes only when links or membership change. Here an entry is 16 bytes and a table is four objects,
/// which every collection of a large simulation has to walk. A change copies the arrays (a degree change copies only
/// the degrees): changes are rare, lookups are every step. Like the hash map it replaces, it lists its entries in an
/// order that depends on the process's string hashing: whatever draws from it sorts first (see
/// <see cref="Overlay.PickPreferential"/>). Equality is by value, whatever the order.
/// </remarks>
public sealed class KnownPeers : IReadOnlyCollection<(NodeId Key, int Value)>, IEquatable<KnownPeers>
{
    readonly int[] hashes;
    readonly NodeId[] nodes;
    readonly int[] degrees;

    KnownPeers(int[] hashes, NodeId[] nodes, int[] degrees) => (this.hashes, this.nodes, this.degrees) = (hashes, nodes, degrees);

    public static readonly KnownPeers Empty = new([], [], []);

    /// <summary>A table of <paramref name="entries"/>; of entries with one address, the last stands.</summary>
    public static KnownPeers From(IEnumerable<(NodeId Key, int Value)> entries)
    {
        var table = new Dictionary<NodeId, int>();
        foreach (var (node, degree) in entries) table[node] = degree;
        return From(table);
    }

    /// <summary>A table of the entries of <paramref name="table"/>.</summary>
    public static KnownPeers From(IReadOnlyDictionary<NodeId, int> table)
    {
        if (table.Count == 0) return Empty;
        var hashes = new int[table.Count];
        var nodes = new NodeId[table.Count];
        var degrees = new int[table.Count];
        var i = 0;
        foreach (var (node, degree) in table)
        {
            (hashes[i], nodes[i], degrees[i]) = (node.GetHashCode(), node, degree);
            i++;
        }
        var order = new int[nodes.Length];
        for (var k = 0; k < order.Length; k++) order[k] = k;
        System.Array.Sort(hashes, order);   // the hashes in place, and where each entry came from alongside
        return new KnownPeers(hashes, Permute(nodes, order), Permute(degrees, order));
    }

    static T[] Permute<T>(T[] items, int[] order)
    {
        var result = new T[items.Length];
        for (var k = 0; k < order.Length; k++) result[k] = items[order[k]];
        return result;
    }

    public int Count => nodes.Length;

    public bool IsEmpty => nodes.Length == 0;

    /// <summary>Where <paramref name="node"/> is, or −1.</summary>
    int IndexOf(NodeId node)
    {
        var h = node.GetHashCode();
        var i = System.Array.BinarySearch(hashes, h);
        if (i < 0) return -1;
        while (i > 0 && hashes[i - 1] == h) i--;
        for (; i < hashes.Length && hashes[i] == h; i++)
            if (nodes[i].Equals(node)) return i;
        return -1;
    }

    public bool ContainsKey(NodeId node) => IndexOf(node) >= 0;

    public Option<int> Find(NodeId node)
    {
        var i = IndexOf(node);
        return i < 0 ? None : Some(degrees[i]);
    }

    public int this[NodeId node]
    {
        get
        {
            var i = IndexOf(node);
            return i < 0 ? throw new KeyNotFoundException($"{node} is not a known peer") : degrees[i];
        }
    }

    /// <summary>The addresses, in the table's order.</summary>
    public IEnumerable<NodeId> Keys => nodes;

    /// <summary>This table with <paramref name="node"/> at <paramref name="degree"/> (this one when it already is).</summary>
    public KnownPeers AddOrUpdate(NodeId node, int degree)
    {
        var i = IndexOf(node);
        if (i >= 0)
        {
            if (degrees[i] == degree) return this;
            var changed = (int[])degrees.Clone();
            changed[i] = degree;
            return new KnownPeers(hashes, nodes, changed);
        }
        var h = node.GetHashCode();
        var at = System.Array.BinarySearch(hashes, h);
        if (at < 0) at = ~at;
        return new KnownPeers(Insert(hashes, at, h), Insert(nodes, at, node), Insert(degrees, at, degree));
    }

    /// <summary>This table with each of <paramref name="entries"/> added or updated in turn (one copy for all).</summary>
    public KnownPeers SetItems(IEnumerable<(NodeId Key, int Value)> entries)
    {
        Dictionary<NodeId, int>? table = null;
        foreach (var (node, degree) in entries)
        {
            if (table is null)
            {
                if (Find(node) == Some(degree)) continue;   // nothing changes yet: no copy
                table = new Dictionary<NodeId, int>(nodes.Length + 16);
                for (var k = 0; k < nodes.Length; k++) table[nodes[k]] = degrees[k];
            }
            table[node] = degree;
        }
        return table is null ? this : From(table);
    }

    /// <summary>This table without <paramref name="node"/> (this one when it is not there).</summary>
    public KnownPeers Remove(NodeId node)
    {
        var i = IndexOf(node);
        if (i < 0) return this;
        if (nodes.Length == 1) return Empty;
        return new KnownPeers(Without(hashes, i), Without(nodes, i), Without(degrees, i));
    }

    static T[] Insert<T>(T[] items, int at, T item)
    {
        var result = new T[items.Length + 1];
        System.Array.Copy(items, 0, result, 0, at);
        result[at] = item;
        System.Array.Copy(items, at, result, at + 1, items.Length - at);
        return result;
    }

    static T[] Without<T>(T[] items, int at)
    {
        var result = new T[items.Length - 1];
        System.Array.Copy(items, 0, result, 0, at);
        System.Array.Copy(items, at + 1, result, at, items.Length - at - 1);
        return result;
    }

    /// <summary>The entries as <see cref="PeerEntry"/> values, in the table's order.</summary>
    public PeerEntry[] ToEntries()
    {
        var entries = new PeerEntry[nodes.Length];
        for (var k = 0; k < nodes.Length; k++) entries[k] = new PeerEntry(nodes[k], degrees[k]);
        return entries;
    }

    public IEnumerator<(NodeId Key, int Value)> GetEnumerator()
    {
        for (var k = 0; k < nodes.Length; k++) yield return (nodes[k], degrees[k]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool Equals(KnownPeers? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other.Count != Count) return false;
        for (var k = 0; k < nodes.Length; k++)
        {
            var j = other.IndexOf(nodes[k]);
            if (j < 0 || other.degrees[j] != degrees[k]) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as KnownPeers);

    /// <summary>The same for equal tables, whatever their order (a sum over the entries).</summary>
    public override int GetHashCode()
    {
        var sum = 0;
        for (var k = 0; k < nodes.Length; k++) sum += HashCode.Combine(hashes[k], degrees[k]);
        return HashCode.Combine(sum, nodes.Length);
    }

    public override string ToString() =>
        $"[{string.Join(", ", this.OrderBy(e => e.Key).Select(e => $"({e.Key}, {e.Value})"))}]";
}
