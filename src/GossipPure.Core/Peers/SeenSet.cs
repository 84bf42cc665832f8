namespace GossipPure.Core.Peers;

/// <summary>
/// The digests of the gossip a peer has seen, forgotten after a while so the set stays bounded. Two generations:
/// new digests go into <see cref="Current"/>; every <c>period</c> the current generation becomes the previous one
/// and the previous one is dropped. A digest is therefore kept for more than one period and less than two.
/// Forgetting is safe because a peer only takes gossip made within the horizon (<see cref="ProtocolOptions.GossipHorizonMs"/>,
/// plus <see cref="ProtocolOptions.GossipFutureMs"/> of clock skew) and the period is that sum: by the time a
/// digest is forgotten, its message is too old to be taken again.
/// </summary>
public sealed record SeenSet(HashSet<Digest> Current, HashSet<Digest> Previous, long RotatedUs)
{
    public static readonly SeenSet Empty = new(HashSet<Digest>(), HashSet<Digest>(), long.MinValue);

    public bool Contains(Digest d) => Current.Contains(d) || Previous.Contains(d);

    public SeenSet Add(Digest d) => this with { Current = Current.TryAdd(d) };

    public int Count => Current.Count + Previous.Count;

    /// <summary>Rotates the generations when a period has passed since the last rotation (both go after two).</summary>
    public SeenSet Expire(long nowUs, long periodUs)
    {
        if (!IsDue(RotatedUs, nowUs, periodUs)) return this;
        if (RotatedUs == long.MinValue) return this with { RotatedUs = nowUs };
        var age = nowUs - RotatedUs;
        return new SeenSet(HashSet<Digest>(), age < 2 * periodUs ? Current : HashSet<Digest>(), nowUs);
    }

    /// <summary>Whether a set last rotated at <paramref name="rotatedUs"/> changes at <paramref name="nowUs"/> (<see cref="Expire"/> returns another set).</summary>
    public static bool IsDue(long rotatedUs, long nowUs, long periodUs) =>
        rotatedUs == long.MinValue || nowUs - rotatedUs >= periodUs;
}
