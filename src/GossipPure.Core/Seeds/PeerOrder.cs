namespace GossipPure.Core.Seeds;

/// <summary>
/// The keys of a seed's peer table in address order, with the key at any position in O(log N) and no allocation: the
/// positions a PEER_LIST sample draws (<see cref="SeedState.PeerListFor"/>) are read here rather than by skipping
/// through the table's tree, which walked a dozen cold nodes and allocated an iterator per position (about a tenth
/// of a 40,000-peer simulation's main thread). Persistent like the table it follows: sorted chunks of at most <see cref="MaxChunk"/> keys
/// and the position each chunk starts at; adding or removing a key copies one chunk and the (short) directory.
/// Each key's degree (<see cref="SeedState.DegreeOf"/>) is kept beside it, in an array per chunk, so a PEER_LIST reads
/// its 128 entries' degrees where it reads their addresses: looked up one by one in the table of reports, they were most
/// of a registration's work at a seed (each lookup a few cache misses in a trie of 100,000 reports). A changed degree
/// copies that chunk's degrees and the directory of them, not the keys.
/// </summary>
/// <remarks>
/// It is derived from the table and the reports alone (<see cref="SeedState.Peers"/>, <see cref="SeedState.Reports"/>),
/// so it takes no part in equality: any two compare equal, and a state's equality stays theirs.
/// </remarks>
public sealed class PeerOrder : IEquatable<PeerOrder>
{
    const int MaxChunk = 512;

    public static readonly PeerOrder Empty = new([], [], []);

    readonly NodeId[][] chunks;
    readonly int[][] degrees;   // degrees[c][i]: the degree of chunks[c][i]
    readonly int[] starts;   // starts[c]: the position of chunks[c][0]

    PeerOrder(NodeId[][] chunks, int[][] degrees, int[] starts)
    {
        this.chunks = chunks;
        this.degrees = degrees;
        this.starts = starts;
        Count = chunks.Length == 0 ? 0 : starts[^1] + chunks[^1].Length;
    }

    public int Count { get; }

    /// <summary>The order of keys given in ascending order (a table's keys as it enumerates them), each at degree 0.</summary>
    public static PeerOrder Of(System.Collections.Generic.IEnumerable<NodeId> ascending)
    {
        var all = ascending.ToArray();
        var list = new System.Collections.Generic.List<NodeId[]>();
        for (var i = 0; i < all.Length; i += MaxChunk / 2) list.Add(all[i..Math.Min(all.Length, i + MaxChunk / 2)]);
        NodeId[][] chunks = [.. list];
        return Make(chunks, System.Array.ConvertAll(chunks, chunk => new int[chunk.Length]));
    }

    /// <summary>This order with every key's degree as <paramref name="degreeOf"/> gives it (the same keys).</summary>
    public PeerOrder WithDegrees(Func<NodeId, int> degreeOf) =>
        new(chunks, System.Array.ConvertAll(chunks, chunk => System.Array.ConvertAll(chunk, k => degreeOf(k))), starts);

    /// <summary>The key at <paramref name="position"/> (0: the lowest address).</summary>
    public NodeId this[int position] => At(position).Key;

    /// <summary>The key at <paramref name="position"/> (0: the lowest address) and its degree.</summary>
    public (NodeId Key, int Degree) At(int position)
    {
        if ((uint)position >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(position), $"{position} is not a position of {Count} keys");
        var c = System.Array.BinarySearch(starts, position);
        if (c < 0) c = ~c - 1;
        return (chunks[c][position - starts[c]], degrees[c][position - starts[c]]);
    }

    /// <summary>Every key, in address order.</summary>
    public System.Collections.Generic.IEnumerable<NodeId> Keys => chunks.SelectMany(chunk => chunk);

    /// <summary>Every key with its degree, in address order.</summary>
    public System.Collections.Generic.IEnumerable<(NodeId Key, int Degree)> Entries =>
        chunks.SelectMany((chunk, c) => chunk.Select((k, i) => (k, degrees[c][i])));

    /// <summary>With <paramref name="key"/> at <paramref name="degree"/> (this order itself when it holds the key already).</summary>
    public PeerOrder Add(NodeId key, int degree = 0)
    {
        if (chunks.Length == 0) return Make([[key]], [[degree]]);
        var (c, at) = Find(key);
        if (at >= 0) return this;
        at = ~at;
        var grown = SortedArray.Inserted(chunks[c], at, key);
        var degs = SortedArray.Inserted(degrees[c], at, degree);
        if (grown.Length <= MaxChunk) return Make(Replace(chunks, c, [grown]), Replace(degrees, c, [degs]));
        var half = grown.Length / 2;
        return Make(Replace(chunks, c, [grown[..half], grown[half..]]), Replace(degrees, c, [degs[..half], degs[half..]]));
    }

    /// <summary>Without <paramref name="key"/> (this order itself when it does not hold it).</summary>
    public PeerOrder Remove(NodeId key)
    {
        var (c, at) = Find(key);
        if (at < 0) return this;
        if (chunks[c].Length == 1) return Make(Replace(chunks, c, []), Replace(degrees, c, []));
        return Make(Replace(chunks, c, [SortedArray.Removed(chunks[c], at)]), Replace(degrees, c, [SortedArray.Removed(degrees[c], at)]));
    }

    /// <summary>With <paramref name="key"/>'s degree set to <paramref name="degree"/> (this order itself when it does not hold the key, or holds it at that degree).</summary>
    public PeerOrder WithDegree(NodeId key, int degree)
    {
        var (c, at) = Find(key);
        if (at < 0 || degrees[c][at] == degree) return this;
        var degs = (int[])degrees[c].Clone();
        degs[at] = degree;
        var all = (int[][])degrees.Clone();
        all[c] = degs;
        return new PeerOrder(chunks, all, starts);
    }

    /// <summary>The position of <paramref name="key"/>, or −1 when the order does not hold it.</summary>
    public int IndexOf(NodeId key) => Find(key) is var (c, at) && at >= 0 ? starts[c] + at : -1;

    /// <summary>The degree kept for <paramref name="key"/>, or null when the order does not hold it.</summary>
    public int? DegreeOf(NodeId key) => Find(key) is var (c, at) && at >= 0 ? degrees[c][at] : null;

    /// <summary>
    /// Where <paramref name="key"/> is: its chunk, and its place in it (as <see cref="System.Array.BinarySearch(System.Array, object)"/>
    /// gives it: negative, the complement of where it would go, when it is not there). (0, −1) in an empty order.
    /// </summary>
    (int Chunk, int At) Find(NodeId key)
    {
        if (chunks.Length == 0) return (0, -1);
        var c = ChunkFor(key);
        return (c, System.Array.BinarySearch(chunks[c], key));
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

    static T[][] Replace<T>(T[][] all, int c, T[][] with)
    {
        var next = new T[all.Length - 1 + with.Length][];
        System.Array.Copy(all, next, c);
        System.Array.Copy(with, 0, next, c, with.Length);
        System.Array.Copy(all, c + 1, next, c + with.Length, all.Length - c - 1);
        return next;
    }

    static PeerOrder Make(NodeId[][] chunks, int[][] degrees)
    {
        if (chunks.Length == 0) return Empty;
        var starts = new int[chunks.Length];
        for (var i = 1; i < chunks.Length; i++) starts[i] = starts[i - 1] + chunks[i - 1].Length;
        return new PeerOrder(chunks, degrees, starts);
    }

    /// <summary>Any two are equal: the order is the table's, and the table takes part in equality on its own.</summary>
    public bool Equals(PeerOrder? other) => other is not null;
    public override bool Equals(object? obj) => obj is PeerOrder;
    public override int GetHashCode() => 0;
}
