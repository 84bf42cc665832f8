namespace GossipPure.Core;

/// <summary>Copies of a sorted array of addresses with one address put in or taken out: what the persistent indexes grow and shrink by.</summary>
internal static class SortedArray
{
    /// <summary>A copy of <paramref name="sorted"/> with <paramref name="key"/> in its place; null when it is there already.</summary>
    public static NodeId[]? With(NodeId[] sorted, NodeId key)
    {
        var at = System.Array.BinarySearch(sorted, key);
        if (at >= 0) return null;
        at = ~at;
        var grown = new NodeId[sorted.Length + 1];
        System.Array.Copy(sorted, grown, at);
        grown[at] = key;
        System.Array.Copy(sorted, at, grown, at + 1, sorted.Length - at);
        return grown;
    }

    /// <summary>A copy of <paramref name="sorted"/> without <paramref name="key"/>; null when it is not there.</summary>
    public static NodeId[]? Without(NodeId[] sorted, NodeId key)
    {
        var at = System.Array.BinarySearch(sorted, key);
        if (at < 0) return null;
        var shrunk = new NodeId[sorted.Length - 1];
        System.Array.Copy(sorted, shrunk, at);
        System.Array.Copy(sorted, at + 1, shrunk, at, shrunk.Length - at);
        return shrunk;
    }
}
