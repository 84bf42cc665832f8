namespace GossipPure.Core.Seeds;

/// <summary>
/// The keys of a seed's peer table in address order, with the key at any position in O(log N) and no allocation: the
/// positions a PEER_LIST sample draws (<see cref="SeedState.PeerListFor"/>) are read here rather than by skipping
/// through the table's tree, which walked a dozen cold nodes and allocated an iterator per position (about a tenth
/// of a 40,000-peer simulation's main thread). Persistent like the table it follows: sorted chunks of at most <see cref="MaxChunk"/> keys
/// and the position each chunk starts at; adding or removing a key copies one chunk and the (short) directory.
/// </summary>
/// <remarks>
/// It is derived from the table alone (<see cref="SeedState.Peers"/>), so it takes no part in equality: any two compare
/// equal, and a state's equality stays its table's.
/// </remarks>
public sealed class PeerOrder : IEquatable<PeerOrder>
{
    const int MaxChunk = 512;

    public static readonly PeerOrder Empty = new([], []);

    readonly NodeId[][] chunks;
    readonly int[] starts;   // starts[c]: the position of chunks[c][0]

    PeerOrder(NodeId[][] chunks, int[] starts)
    {
        this.chunks = chunks;
        this.starts = starts;
        Count = chunks.Length == 0 ? 0 : starts[^1] + chunks[^1].Length;
    }

    public int Count { get; }

    /// <summary>The order of keys given in ascending order (a table's keys as it enumerates them).</summary>
    public static PeerOrder Of(System.Collections.Generic.IEnumerable<NodeId> ascending)
    {
        var all = ascending.ToArray();
        var list = new System.Collections.Generic.List<NodeId[]>();
        for (var i = 0; i < all.Length; i += MaxChunk / 2) list.Add(all[i..Math.Min(all.Length, i + MaxChunk / 2)]);
        return Make([.. list]);
    }

    /// <summary>The key at <paramref name="position"/> (0: the lowest address).</summary>
    public NodeId this[int position]
    {
        get
        {
            if ((uint)position >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(position), $"{position} is not a position of {Count} keys");
            var c = System.Array.BinarySearch(starts, position);
            if (c < 0) c = ~c - 1;
            return chunks[c][position - starts[c]];
        }
    }

    /// <summary>Every key, in address order.</summary>
    public System.Collections.Generic.IEnumerable<NodeId> Keys => chunks.SelectMany(chunk => chunk);

    /// <summary>With <paramref name="key"/> (this order itself when it holds it already).</summary>
    public PeerOrder Add(NodeId key)
    {
        if (chunks.Length == 0) return Make([[key]]);
        var c = ChunkFor(key);
        if (SortedArray.With(chunks[c], key) is not { } grown) return this;
        if (grown.Length <= MaxChunk) return Make(Replace(c, [grown]));
        var half = grown.Length / 2;
        return Make(Replace(c, [grown[..half], grown[half..]]));
    }

    /// <summary>Without <paramref name="key"/> (this order itself when it does not hold it).</summary>
    public PeerOrder Remove(NodeId key)
    {
        if (chunks.Length == 0) return this;
        var c = ChunkFor(key);
        if (SortedArray.Without(chunks[c], key) is not { } shrunk) return this;
        return Make(Replace(c, shrunk.Length == 0 ? [] : [shrunk]));
    }

    /// <summary>The chunk a key belongs in: the last whose first key is not above it (the first chunk for a key below all).</summary>
    int ChunkFor(NodeId key)
    {
        int lo = 0, hi = chunks.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (chunks[mid][0].CompareTo(key) <= 0) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    NodeId[][] Replace(int c, NodeId[][] with)
    {
        var next = new NodeId[chunks.Length - 1 + with.Length][];
        System.Array.Copy(chunks, next, c);
        System.Array.Copy(with, 0, next, c, with.Length);
        System.Array.Copy(chunks, c + 1, next, c + with.Length, chunks.Length - c - 1);
        return next;
    }

    static PeerOrder Make(NodeId[][] chunks)
    {
        if (chunks.Length == 0) return Empty;
        var starts = new int[chunks.Length];
        for (var i = 1; i < chunks.Length; i++) starts[i] = starts[i - 1] + chunks[i - 1].Length;
        return new PeerOrder(chunks, starts);
    }

    /// <summary>Any two are equal: the order is the table's, and the table takes part in equality on its own.</summary>
    public bool Equals(PeerOrder? other) => other is not null;
    public override bool Equals(object? obj) => obj is PeerOrder;
    public override int GetHashCode() => 0;
}
