using GossipPure.Core.Tests.Support;

namespace GossipPure.Core.Tests;

/// <summary>
/// A peer takes links, gossip and suspicion requests only from registered peers: one on its list, or one a seed
/// vouches for when asked (MEMBER_QUERY / MEMBER_ANSWER). What a stranger sends is held meanwhile, then taken in
/// order (a member) or dropped (no seed knows it).
/// </summary>
public sealed class PeerMembershipTests
{
    static readonly NodeId Stranger = PeerHarness.Other(9);

    static PeerHarness Registered()
    {
        var h = new PeerHarness();
        h.Register(3, [new PeerEntry(PeerHarness.Other(0), 1), new PeerEntry(PeerHarness.Other(1), 1)]);
        return h;
    }

    static Gossip Fresh(PeerHarness h, int n) => new(Stranger, $"{PeerReducer.FormatTimestamp(h.State.NowUs)}:127.0.0.1:{n}");

    static bool Logged(LanguageExt.Seq<Effect> fx, Gossip g) =>
        fx.Exists(e => e is GossipReceived r && r.Body == g.Body);

    [Fact]
    public void A_strangers_link_and_gossip_wait_for_a_seed_and_are_taken_once_it_vouches()
    {
        var h = Registered();
        var link = h.Step(now => new Received(now, Stranger, new LinkRequest(5)));
        var query = Assert.Single(link.OfType<Send>(), s => s.Message is MemberQuery);
        Assert.Contains(query.To, PeerHarness.SeedIds);
        Assert.Equal(new MemberQuery(Stranger), query.Message);
        var g = Fresh(h, 1);
        var held = h.Step(now => new Received(now, Stranger, g));
        Assert.False(Logged(held, g));
        Assert.DoesNotContain(Stranger, h.State.Neighbours);

        var answer = h.Step(now => new Received(now, query.To, new MemberAnswer(Stranger, true, 5)));
        Assert.Contains(Stranger, h.State.Neighbours);
        Assert.True(Logged(answer, g), "the held gossip was not taken once the seed vouched");
        Assert.True(h.State.Pending.IsEmpty);
        // From now on it is a member: its next message is taken at once.
        var g2 = Fresh(h, 2);
        Assert.True(Logged(h.Step(now => new Received(now, Stranger, g2)), g2));
    }

    [Fact]
    public void A_node_that_links_hears_this_peers_heartbeats_while_it_is_checked()
    {
        // It judges this peer's silence from its LINK_REQUEST on; the check may wait on a late seed for longer.
        var h = Registered();
        var link = h.Step(now => new Received(now, Stranger, new LinkRequest(5)));
        Assert.Contains(link, e => e is Send { Message: Heartbeat } hb && hb.To == Stranger);
        var round = h.Step(now => new TimerFired(now, PeerReducer.HeartbeatTimer));
        Assert.Contains(round, e => e is Send { Message: Heartbeat } hb && hb.To == Stranger);
        Assert.DoesNotContain(Stranger, h.State.Neighbours);
        // Gossip alone does not ask for heartbeats; once the check fails, no more are sent.
        var gossiper = PeerHarness.Other(8);
        Assert.DoesNotContain(h.Step(now => new Received(now, gossiper, new Gossip(gossiper, "x"))), e => e is Send { Message: Heartbeat });
        var query = link.OfType<Send>().Last(q => q.Message is MemberQuery);
        for (var i = 0; i <= PeerHarness.SeedIds.Count && h.State.Pending.ContainsKey(Stranger); i++)
            query = h.Step(now => new Received(now, query.To, new MemberAnswer(Stranger, false, 0))).OfType<Send>().LastOrDefault(q => q.Message is MemberQuery) ?? query;
        Assert.False(h.State.Pending.ContainsKey(Stranger));
        Assert.DoesNotContain(h.Step(now => new TimerFired(now, PeerReducer.HeartbeatTimer)), e => e is Send { Message: Heartbeat } hb && hb.To == Stranger);
    }

    [Fact]
    public void A_node_no_seed_knows_gets_nothing_taken()
    {
        var h = Registered();
        var g = Fresh(h, 1);
        var fx = h.Step(now => new Received(now, Stranger, g));
        fx = fx.Concat(h.Step(now => new Received(now, Stranger, new LinkRequest(5))));
        fx = fx.Concat(h.Step(now => new Received(now, Stranger, new SuspectRequest(PeerHarness.Other(0)))));
        var all = new List<Effect>(fx);
        // Every seed in turn says no.
        var asked = new System.Collections.Generic.HashSet<NodeId>();
        while (all.OfType<Send>().LastOrDefault(s => s.Message is MemberQuery) is { } q && asked.Add(q.To))
            all.AddRange(h.Step(now => new Received(now, q.To, new MemberAnswer(Stranger, false, 0))));
        Assert.Equal(PeerHarness.SeedIds.Count, asked.Count);
        Assert.DoesNotContain(Stranger, h.State.Neighbours);
        Assert.False(h.State.Known.ContainsKey(Stranger));
        Assert.True(h.State.Pending.IsEmpty);
        Assert.DoesNotContain(all, e => e is GossipReceived or GossipStale);
        Assert.DoesNotContain(all, e => e is Send { Message: SuspectResponse or Gossip or Probe });
        Assert.Contains(all, e => e is StrangerRefused);
    }

    [Fact]
    public void A_seed_that_does_not_answer_is_replaced_by_another()
    {
        var h = Registered();
        var first = Assert.Single(h.Step(now => new Received(now, Stranger, new LinkRequest(5))).OfType<Send>(), s => s.Message is MemberQuery);
        var retry = h.Step(now => new TimerFired(now, new TimerKey.Member(Stranger)));
        var second = Assert.Single(retry.OfType<Send>(), s => s.Message is MemberQuery);
        Assert.NotEqual(first.To, second.To);
        // A late answer from a seed that was asked still counts.
        h.Step(now => new Received(now, first.To, new MemberAnswer(Stranger, true, 5)));
        Assert.Contains(Stranger, h.State.Neighbours);
    }

    [Fact]
    public void Only_seeds_vouch_and_probes_are_answered_for_anyone()
    {
        var h = Registered();
        var q = Assert.Single(h.Step(now => new Received(now, Stranger, new LinkRequest(5))).OfType<Send>(), s => s.Message is MemberQuery);
        // Another peer (or the stranger itself) claiming it is a member changes nothing.
        h.Step(now => new Received(now, PeerHarness.Other(0), new MemberAnswer(Stranger, true, 5)));
        h.Step(now => new Received(now, Stranger, new MemberAnswer(Stranger, true, 5)));
        Assert.DoesNotContain(Stranger, h.State.Neighbours);
        var ack = h.Step(now => new Received(now, Stranger, new Probe(77)));
        Assert.Contains(ack, e => e is Send { Message: ProbeAck { Nonce: 77 } } s && s.To == Stranger);
        Assert.Equal(Stranger, Assert.IsType<MemberQuery>(q.Message).Node);
    }

    [Fact]
    public void Held_messages_and_checks_are_bounded()
    {
        var h = Registered();
        for (var i = 0; i < PeerReducer.HeldLimit + 50; i++)
        {
            var n = i;
            h.Step(now => new Received(now, Stranger, Fresh(h, n)));
        }
        Assert.Equal(PeerReducer.HeldLimit, h.State.Pending[Stranger].Held.Count);
        for (var i = 0; i < PeerReducer.PendingLimit + 20; i++)
        {
            var from = new NodeId("127.0.0.9", 20000 + i);
            h.Step(now => new Received(now, from, new LinkRequest(1)));
        }
        Assert.Equal(PeerReducer.PendingLimit, h.State.Pending.Count);
    }

    [Fact]
    public void A_seed_answers_member_queries_only_for_registered_peers()
    {
        var w = new World(3);
        foreach (var id in w.SeedIds) w.StartSeed(id);
        var p = World.PeerId(0);
        w.Inject(p, w.SeedIds[0], new RegisterRequest(4));
        w.Drain();
        var seed = w.SeedIds[0];
        var yes = w.Inject(p, seed, new MemberQuery(p));
        Assert.Contains(yes, e => e is Send { Message: MemberAnswer { Member: true, Incarnation: 4 } } s && s.To == p);
        var no = w.Inject(p, seed, new MemberQuery(World.PeerId(7)));
        Assert.Contains(no, e => e is Send { Message: MemberAnswer { Member: false } });
        var stranger = w.Inject(World.PeerId(8), seed, new MemberQuery(p));
        Assert.DoesNotContain(stranger, e => e is Send);
    }
}
