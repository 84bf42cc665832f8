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
    readonly NodeMap<bool> byHash;

    public NeighbourIndex(HashSet<NodeId> neighbours)
    {
        InOrder = neighbours.ToArray();
        System.Array.Sort(InOrder);
        byHash = NodeMap<bool>.From(InOrder.Select(n => (n, true)));
    }

    public bool Contains(NodeId node) => byHash.ContainsKey(node);
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
