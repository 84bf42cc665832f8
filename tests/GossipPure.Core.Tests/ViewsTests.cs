using GossipPure.Core.Tests.Support;

namespace GossipPure.Core.Tests;

/// <summary><see cref="Views"/>: what <c>gossip members</c> shows is what the state holds.</summary>
public sealed class ViewsTests
{
    static string StateOf(PeerState s, NodeId n) => Views.Members(s).Single(m => m.Node == n).State;

    [Fact]
    public void A_peer_lists_itself_the_seeds_and_its_list_then_a_suspect_and_a_removed_peer_as_such()
    {
        var h = new PeerHarness();
        h.Register(3, [new PeerEntry(PeerHarness.Other(0), 1), new PeerEntry(PeerHarness.Other(1), 2), new PeerEntry(PeerHarness.Other(2), 1)]);
        var view = Views.Members(h.State);
        Assert.Equal(1 + PeerHarness.SeedIds.Count + 3, view.Count);
        Assert.All(view, m => Assert.Equal(Views.Alive, m.State));
        Assert.Equal(PeerHarness.SeedIds.Order(), view.Filter(m => m.Role == Role.Seed).Map(m => m.Node).Order());
        Assert.True(view.Single(m => m.Node == PeerHarness.Other(1)).Degree >= 2, "the degree the list gave (and links since)");

        // A broken connection makes a neighbour a suspect; a quorum's removal makes it dead (and no longer a member).
        var suspect = h.State.Neighbours.OrderBy(n => n).First();
        h.Step(now => new Disconnected(now, suspect, "connection reset"));
        Assert.Equal(Views.Suspected, StateOf(h.State, suspect));
        Assert.Equal(1, Views.Status(h.State).Suspected);
        h.From(PeerHarness.SeedIds[0], new DeadConfirmed(suspect, Seq(PeerHarness.SeedIds[0], PeerHarness.SeedIds[1]), "crashed", null, 1));
        Assert.Equal(Views.Dead, StateOf(h.State, suspect));
        Assert.Single(Views.Members(h.State), m => m.Node == suspect);
        var status = Views.Status(h.State);
        Assert.Equal((0, 1, "registered"), (status.Suspected, status.Dead, status.Phase));
    }
}
