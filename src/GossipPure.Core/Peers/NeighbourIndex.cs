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

    NeighbourIndex(NodeId[] inOrder, NodeMap<bool> byHash)
    {
        InOrder = inOrder;
        this.byHash = byHash;
    }

    public bool Contains(NodeId node) => byHash.ContainsKey(node);

    /// <summary>
    /// The index of the set with <paramref name="node"/> added: one insertion in each form, what the constructor would
    /// build from the new set. A hub's index holds thousands of neighbours, and each new link used to enumerate the
    /// persistent set and sort it all again (most of a link's cost at 100,000 peers).
    /// </summary>
    public NeighbourIndex With(NodeId node) =>
        SortedArray.With(InOrder, node) is { } grown ? new(grown, byHash.AddOrUpdate(node, true)) : this;

    /// <summary>The index of the set without <paramref name="node"/> (this one when it is not there).</summary>
    public NeighbourIndex Without(NodeId node) =>
        SortedArray.Without(InOrder, node) is { } shrunk ? new(shrunk, byHash.Remove(node)) : this;
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
