namespace GossipPure.Core;

/// <summary>The one quorum rule of the protocol: a strict majority of the n seeds in config.csv.</summary>
public static class Quorum
{
    public static int Of(int seedCount) => seedCount / 2 + 1;

    /// <summary>True when <paramref name="voters"/> holds at least a quorum of distinct members of <paramref name="seeds"/>.</summary>
    public static bool IsReachedBy(Seq<NodeId> seeds, Seq<NodeId> voters)
    {
        var members = toHashSet(seeds);
        var distinct = toHashSet(voters.Filter(members.Contains));
        return distinct.Count >= Of(members.Count);
    }
}
