namespace GossipPure.Core;

/// <summary>
/// Copies of an array with one item put in or taken out: what the persistent indexes and tables grow and shrink by
/// (a sorted array of addresses, the arrays kept beside it).
/// </summary>
internal static class SortedArray
{
    /// <summary>A copy of <paramref name="sorted"/> with <paramref name="key"/> in its place; null when it is there already.</summary>
    public static NodeId[]? With(NodeId[] sorted, NodeId key)
    {
        var at = System.Array.BinarySearch(sorted, key);
        return at >= 0 ? null : Inserted(sorted, ~at, key);
    }

    /// <summary>A copy of <paramref name="sorted"/> without <paramref name="key"/>; null when it is not there.</summary>
    public static NodeId[]? Without(NodeId[] sorted, NodeId key)
    {
        var at = System.Array.BinarySearch(sorted, key);
        return at < 0 ? null : Removed(sorted, at);
    }

    /// <summary>A copy of <paramref name="items"/> with <paramref name="item"/> at position <paramref name="at"/>.</summary>
    public static T[] Inserted<T>(T[] items, int at, T item)
    {
        var result = new T[items.Length + 1];
        System.Array.Copy(items, 0, result, 0, at);
        result[at] = item;
        System.Array.Copy(items, at, result, at + 1, items.Length - at);
        return result;
    }

    /// <summary>A copy of <paramref name="items"/> without the item at position <paramref name="at"/>.</summary>
    public static T[] Removed<T>(T[] items, int at)
    {
        var result = new T[items.Length - 1];
        System.Array.Copy(items, 0, result, 0, at);
        System.Array.Copy(items, at + 1, result, at, items.Length - at - 1);
        return result;
    }
}
