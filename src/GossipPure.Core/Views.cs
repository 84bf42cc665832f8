using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;

namespace GossipPure.Core;

/// <summary>What a node knows of one member, as <c>gossip members</c> shows it.</summary>
/// <param name="State"><c>alive</c>, <c>suspected</c>, <c>dead</c> or <c>left</c> (see <see cref="Views"/>).</param>
/// <param name="Incarnation">The run of it this node knows, if any.</param>
/// <param name="Degree">Its number of neighbours, as this node last learned it (a seed: from its peers' reports).</param>
/// <param name="LastHeardUs">When this node last heard from it (a neighbour of a peer only).</param>
/// <param name="Voters">The seeds whose votes admitted (or removed) it, as this node holds them (seeds only).</param>
public sealed record MemberView(NodeId Node, Role Role, string State, long? Incarnation, int? Degree, long? LastHeardUs, Seq<NodeId> Voters);

/// <summary>A node's own counters, as <c>gossip status</c> shows them.</summary>
public sealed record StatusView(NodeId Self, Role Role, string Phase, long Incarnation, int Members, int Suspected, int Dead,
    int Neighbours, long Made, long FirstTime, long Duplicates, long Stale, int Health);

/// <summary>
/// A node's view of the network, read from its state: pure functions, for the control endpoint
/// (specs/control.md). Nothing here decides anything; it only says what the state holds.
/// </summary>
/// <remarks>
/// States: a peer's neighbour is <c>alive</c> or <c>suspected</c> as its suspicion watch says; another peer on its
/// list is <c>alive</c> (the seeds admitted it and no removal reached this peer); a peer removed by a seed quorum is
/// <c>dead</c>. A peer does not watch seeds: a seed is <c>alive</c> unless it failed this peer's last registration
/// round. A seed lists the peers of its table (<c>suspected</c> while a removal vote about one is open), the removed
/// ones (<c>left</c> when removed for a LEAVE, else <c>dead</c>), and the other seeds (<c>suspected</c> while it
/// cannot reach one: seeds are never removed).
/// </remarks>
public static class Views
{
    public const string Alive = "alive", Suspected = "suspected", Dead = "dead", Left = "left";

    public static Seq<MemberView> Members(PeerState s)
    {
        var c = s.Config;
        var list = new System.Collections.Generic.List<MemberView>
        {
            new(c.Self, Role.Peer, Alive, s.Incarnation, s.Neighbours.Count, null, Seq<NodeId>()),
        };
        foreach (var seed in c.Seeds)
            list.Add(new(seed, Role.Seed, s.Round.Failed.Contains(seed) ? Suspected : Alive, null, null, null, Seq<NodeId>()));
        foreach (var (node, degree) in s.Known)
        {
            if (node == c.Self || c.IsSeed(node) || s.Det.IsDead(node)) continue;
            var watch = s.IsNeighbour(node) ? s.Det.Watches.Find(node).Case as Watch : null;
            var state = watch is { Phase: SuspicionPhase.Dead } ? Dead : watch is { IsSuspected: true } ? Suspected : Alive;
            list.Add(new(node, Role.Peer, state, KnownRun(s, node), degree, watch is null ? null : s.LastHeardUs(node), Seq<NodeId>()));
        }
        foreach (var (node, incarnation) in s.Det.Dead)
            if (node != c.Self) list.Add(new(node, Role.Peer, Dead, incarnation, null, null, Seq<NodeId>()));
        return Ordered(list);
    }

    public static Seq<MemberView> Members(SeedState s)
    {
        var c = s.Config;
        var list = new System.Collections.Generic.List<MemberView> { new(c.Self, Role.Seed, Alive, null, null, null, Seq<NodeId>()) };
        foreach (var seed in c.OtherSeeds)
            list.Add(new(seed, Role.Seed, s.SeedsDown.Contains(seed) && !s.SeedsUp.Contains(seed) ? Suspected : Alive, null, null, null, Seq<NodeId>()));
        foreach (var (node, record) in s.Peers)
            list.Add(new(node, Role.Peer, s.Deaths.ContainsKey(node) ? Suspected : Alive, record.Incarnation, s.DegreeOf(node), null, record.Voters));
        foreach (var (node, removal) in s.Removed)
            if (!s.Peers.ContainsKey(node))
                list.Add(new(node, Role.Peer, DeathReasons.IsDeparture(removal.Reason) ? Left : Dead, removal.Incarnation, null, null, removal.Voters));
        return Ordered(list);
    }

    public static StatusView Status(PeerState s)
    {
        var members = Members(s);
        return new(s.Config.Self, Role.Peer, s.Phase.ToString().ToLowerInvariant(), s.Incarnation,
            members.Count(m => m.State == Alive || m.State == Suspected), members.Count(m => m.State == Suspected), members.Count(m => m.State is Dead or Left),
            s.Neighbours.Count, s.Made, s.FirstTime, s.Duplicates, s.Stale, s.Health.Score);
    }

    public static StatusView Status(SeedState s)
    {
        var members = Members(s);
        return new(s.Config.Self, Role.Seed, s.Running ? "running" : "stopped", 0,
            members.Count(m => m.State == Alive || m.State == Suspected), members.Count(m => m.State == Suspected), members.Count(m => m.State is Dead or Left),
            0, 0, 0, 0, 0, s.Health.Score);
    }

    static long? KnownRun(PeerState s, NodeId node) =>
        s.Keys.Find(node).Case is PeerKey k ? k.Incarnation : s.Det.Incarnations.Find(node).Case is long i ? i : null;

    // Seeds first, then peers, each in address order: the same order at every node.
    static Seq<MemberView> Ordered(System.Collections.Generic.List<MemberView> list) =>
        toSeq(list.OrderBy(m => m.Role == Role.Seed ? 0 : 1).ThenBy(m => m.Node).ToArray());
}
