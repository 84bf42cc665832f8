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

/// <summary>Application messages (<c>gossip publish</c>): gossiped as the peer's own, refused with a reason otherwise.</summary>
public sealed class AppMessageTests
{
    static string B64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    [Fact]
    public void A_published_payload_is_gossiped_with_its_id_and_taken_once_at_a_receiver()
    {
        var early = new PeerHarness();
        early.Step(now => new Started(now, 3));
        var refused = early.Step(now => new Publish(now, B64("too early")));
        Assert.Equal("this peer is not registered yet", Assert.Single(refused.OfType<PublishRefused>()).Why);

        var h = new PeerHarness();
        h.Register(3, [new PeerEntry(PeerHarness.Other(0), 1), new PeerEntry(PeerHarness.Other(1), 1)]);

        var fx = h.Step(now => new Publish(now, B64("hello")));
        var made = Assert.Single(fx.OfType<AppMade>());
        Assert.EndsWith(":127.0.0.1:a1", made.Id);
        Assert.Equal(5, made.Size);
        var sent = fx.OfType<Send>().Select(s => s.Message).OfType<Gossip>().ToList();
        Assert.Equal(h.State.Neighbours.Count, sent.Count);
        Assert.All(sent, g => Assert.Equal((made.Id, B64("hello")), (g.Body, g.Data)));
        Assert.Equal(1, h.State.AppMade);
        Assert.Equal(0, h.State.Made);   // the reference messages keep their own numbering

        // At another peer: taken once (AppReceived with the size, not the content), then a duplicate.
        var r = new PeerHarness(new NodeConfig(PeerHarness.Other(5), PeerHarness.SeedIds, ProtocolOptions.Default));
        r.Register(4, [new PeerEntry(PeerHarness.Self, 1), new PeerEntry(PeerHarness.Other(1), 1)]);
        var got = r.From(PeerHarness.Self, sent[0]);
        var received = Assert.Single(got.OfType<AppReceived>());
        Assert.Equal((PeerHarness.Self, made.Id, 5), (received.Origin, received.Id, received.Size));
        Assert.Equal(B64("hello"), Assert.Single(got.OfType<Deliver>()).Data);
        Assert.DoesNotContain(got, e => e is GossipReceived);
        Assert.DoesNotContain(r.From(PeerHarness.Other(1), sent[0]), e => e is AppReceived);
    }

    [Fact]
    public void A_message_from_a_sender_under_check_is_delivered_once_a_seed_vouches_for_it()
    {
        // Its LINK_REQUEST and its message wait for the seed's answer; the delivery (with the payload) comes with it.
        var h = new PeerHarness();
        h.Register(3, [new PeerEntry(PeerHarness.Other(0), 1)]);
        var stranger = PeerHarness.Other(9);
        var query = Assert.Single(h.From(stranger, new LinkRequest(5)).OfType<Send>(), s => s.Message is MemberQuery);
        var g = new Gossip(stranger, $"{PeerReducer.FormatTimestamp(h.State.NowUs)}:127.0.0.1:a1") { Data = B64("held") };
        Assert.DoesNotContain(h.From(stranger, g), e => e is Deliver or AppReceived);
        var answer = h.From(query.To, new MemberAnswer(stranger, true, 5));
        var delivered = Assert.Single(answer.OfType<Deliver>());
        Assert.Equal((stranger, g.Body, B64("held"), stranger), (delivered.Origin, delivered.Id, delivered.Data, delivered.From));
        Assert.Single(answer.OfType<AppReceived>());
    }

    [Theory]
    [InlineData("not base64!", "the payload is not base64")]
    [InlineData(null, "65537 bytes, more than 65536")]
    public void A_bad_or_oversized_payload_is_refused(string? data, string why)
    {
        var h = new PeerHarness();
        h.Register(3, [new PeerEntry(PeerHarness.Other(0), 1)]);
        var fx = h.Step(now => new Publish(now, data ?? Convert.ToBase64String(new byte[AppMessage.MaxBytes + 1])));
        Assert.Equal(why, Assert.Single(fx.OfType<PublishRefused>()).Why);
        Assert.DoesNotContain(fx, e => e is Send);
    }
}
