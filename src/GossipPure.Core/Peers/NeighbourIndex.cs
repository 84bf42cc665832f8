namespace GossipPure.Core.Peers;

/// <summary>
/// A peer's neighbours in the two forms its steps use, built from its neighbour set the first time a step asks and
/// kept with that set (see <see cref="PeerCold"/>): in address order, where gossip and heartbeats go and in the order
/// they are sent; and sorted by hash code, for the question every received frame asks (is the sender a neighbour?).
/// </summary>
/// <remarks>
/// The set changes only when a link begins or ends; before this, every heartbeat round and every first receipt of a
/// gossip enumerated and sorted it afresh, and every frame looked its sender up in the persistent set's trie.
/// </remarks>
internal sealed class NeighbourIndex
{
    /// <summary>The neighbours in address order. Shared by every step until the set changes: never written.</summary>
    public readonly NodeId[] InOrder;
    readonly int[] hashes;
    readonly NodeId[] byHash;

    public NeighbourIndex(HashSet<NodeId> neighbours)
    {
        InOrder = neighbours.ToArray();
        System.Array.Sort(InOrder);
        byHash = (NodeId[])InOrder.Clone();
        hashes = new int[byHash.Length];
        for (var k = 0; k < byHash.Length; k++) hashes[k] = byHash[k].GetHashCode();
        System.Array.Sort(hashes, byHash);
    }

    public bool Contains(NodeId node) => HashOrder.IndexOf(hashes, byHash, node) >= 0;
}

/// <summary>Lookups in a pair of arrays sorted by the addresses' hash codes (<see cref="NodeMap{V}"/>, <see cref="NeighbourIndex"/>).</summary>
internal static class HashOrder
{
    /// <summary>Where <paramref name="node"/> is in <paramref name="nodes"/>, or −1.</summary>
    public static int IndexOf(int[] hashes, NodeId[] nodes, NodeId node)
    {
        var h = node.GetHashCode();
        var i = System.Array.BinarySearch(hashes, h);
        if (i < 0) return -1;
        while (i > 0 && hashes[i - 1] == h) i--;
        for (; i < hashes.Length && hashes[i] == h; i++)
            if (nodes[i].Equals(node)) return i;
        return -1;
    }
}

/// <summary>
/// A value a record derives from its other fields and keeps once made. Equal to any other: records compare every
/// field, and what this one holds is decided by fields they compare already.
/// </summary>
internal struct Memo<T> : IEquatable<Memo<T>> where T : class
{
    public T? Value;
    public readonly bool Equals(Memo<T> other) => true;
    public override readonly bool Equals(object? obj) => obj is Memo<T>;
    public override readonly int GetHashCode() => 0;
}
