using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Core.Tests.Support;

namespace GossipPure.Core.Tests;

/// <summary>
/// Membership by incarnation: a removal is never undone by an older commit (a seed that was down during it can't
/// bring the peer back), a restarted or removed-but-alive peer comes back as a new incarnation, and the lead seed
/// bridges parts of the overlay that are not connected.
/// </summary>
public sealed class MembershipTests
{
    static readonly NodeId P = World.PeerId(0);

    /// <summary>Three seeds; <see cref="P"/> registers as <paramref name="incarnation"/> through seed 0, every message delivered.</summary>
    static World Registered(long incarnation)
    {
        var w = new World(3);
        foreach (var id in w.SeedIds) w.StartSeed(id);
        w.Inject(P, w.SeedIds[0], new RegisterRequest(incarnation));
        w.Drain();
        Assert.All(w.Seeds.Values, s => Assert.Equal(incarnation, s.Peers[P].Incarnation));
        return w;
    }

    /// <summary>
    /// A peer that crashes right after it registered, before any neighbour linked to it, is reported by nobody: only
    /// the seeds' own connections to it break. A seed then asks the seeds itself (they probe before they vote); a
    /// weak sign (a timeout) or an address that is not a registered peer starts nothing.
    /// </summary>
    [Fact]
    public void A_registered_peer_whose_connection_to_a_seed_breaks_is_put_to_the_seeds_vote()
    {
        var w = Registered(incarnation: 5);
        var seed = w.SeedIds[0];
        var weak = w.Step(seed, new Disconnected(w.NowUs + 1, P, "no frame within 10s: timed out"));
        Assert.DoesNotContain(weak, e => e is Send { Message: DeadProposal });
        var stranger = w.Step(seed, new Disconnected(w.NowUs + 2, World.PeerId(7), "connection reset by the remote"));
        Assert.DoesNotContain(stranger, e => e is Send { Message: DeadProposal });

        var broken = w.Step(seed, new Disconnected(w.NowUs + 3, P, "connection reset by the remote"));
        var proposals = broken.OfType<Send>().Where(e => e.Message is DeadProposal { Suspect: var x } && x == P).Select(e => e.To).ToList();
        Assert.Equal(w.SeedIds.Filter(id => id != seed).OrderBy(n => n), proposals.OrderBy(n => n));
        Assert.Contains(broken, e => e is Send { Message: Probe } s && s.To == P);   // the seed probes before its own vote
        // A second break while the vote runs starts no second one.
        var again = w.Step(seed, new Disconnected(w.NowUs + 4, P, "connection reset by the remote"));
        Assert.DoesNotContain(again, e => e is Send { Message: DeadProposal });
    }

    static DeadConfirmed Removal(World w, long incarnation) =>
        new(P, toSeq([w.SeedIds[0], w.SeedIds[1]]), "crashed", None, incarnation);

    [Fact]
    public void A_seed_that_missed_a_removal_cannot_bring_the_peer_back_and_learns_the_removal()
    {
        var w = Registered(incarnation: 5);
        var (a, b, late) = (w.SeedIds[0], w.SeedIds[1], w.SeedIds[2]);
        // Seeds a and b remove P; the third seed is down and misses it.
        w.Inject(a, b, Removal(w, 5));
        w.Inject(b, a, Removal(w, 5));
        w.Outbox.Clear();
        w.InFlight.RemoveAll(e => e.To == late);
        Assert.False(w.Seeds[a].Peers.ContainsKey(P));
        Assert.True(w.Seeds[late].Peers.ContainsKey(P));

        // The late seed comes back: its sync still carries P's commit, a's sync carries the removal.
        w.Connected(late, a);
        w.Connected(a, late);
        w.Drain();

        Assert.False(w.Seeds[a].Peers.ContainsKey(P), "an old commit brought a removed peer back");
        Assert.False(w.Seeds[late].Peers.ContainsKey(P), "the late seed did not learn the removal");
        Assert.Equal(5, w.Seeds[late].Removed[P].Incarnation);
    }

    [Fact]
    public void After_a_removal_only_a_newer_incarnation_registers_again()
    {
        var w = Registered(incarnation: 5);
        foreach (var s in w.SeedIds.Skip(1)) w.Inject(w.SeedIds[0], s, Removal(w, 5));
        w.Inject(w.SeedIds[1], w.SeedIds[0], Removal(w, 5));
        w.Drain();
        Assert.All(w.Seeds.Values, s => Assert.False(s.Peers.ContainsKey(P)));

        // The removed incarnation asks again: refused, nothing is proposed.
        var old = w.Inject(P, w.SeedIds[0], new RegisterRequest(5));
        Assert.Contains(old, e => e is Send { Message: RegisterRejected } s && s.To == P);
        Assert.DoesNotContain(old, e => e is Send { Message: RegisterProposal });

        // A restart (a later incarnation) is admitted by the usual quorum.
        w.Inject(P, w.SeedIds[1], new RegisterRequest(9));
        w.Drain();
        Assert.All(w.Seeds.Values, s => Assert.Equal(9, s.Peers[P].Incarnation));
    }

    [Fact]
    public void A_restarted_peer_replaces_its_old_incarnation_without_a_removal()
    {
        var w = Registered(incarnation: 5);
        w.Inject(P, w.SeedIds[2], new RegisterRequest(7));
        w.Drain();
        Assert.All(w.Seeds.Values, s => Assert.Equal(7, s.Peers[P].Incarnation));
        // A late commit of the old incarnation changes nothing.
        w.Inject(w.SeedIds[0], w.SeedIds[1], new RegisterCommit(P, toSeq([w.SeedIds[0], w.SeedIds[1]]), 5));
        Assert.Equal(7, w.Seeds[w.SeedIds[1]].Peers[P].Incarnation);
    }

    [Fact]
    public void A_peer_the_seeds_removed_while_it_was_alive_registers_again_as_a_new_incarnation()
    {
        var h = new PeerHarness();
        var asked = h.Register(42, [new PeerEntry(PeerHarness.Other(0), 1)]);
        var incarnation = h.State.Incarnation;
        var voters = toSeq([PeerHarness.SeedIds[0], PeerHarness.SeedIds[1]]);

        // A removal of an earlier run of this address is not about this one.
        h.Step(now => new Received(now, asked[0], new DeadConfirmed(PeerHarness.Self, voters, "crashed", None, incarnation - 1)));
        Assert.Equal(PeerPhase.Registered, h.State.Phase);

        var fx = h.Step(now => new Received(now, asked[0], new DeadConfirmed(PeerHarness.Self, voters, "crashed", None, incarnation)));
        Assert.Equal(PeerPhase.Registering, h.State.Phase);
        Assert.True(h.State.Incarnation > incarnation);
        Assert.Empty(h.State.Neighbours);
        var requests = fx.OfType<Send>().Where(s => s.Message is RegisterRequest).ToList();
        Assert.NotEmpty(requests);
        Assert.All(requests, s => Assert.Equal(h.State.Incarnation, ((RegisterRequest)s.Message).Incarnation));
    }

    [Fact]
    public void A_removed_incarnation_cannot_link_but_its_successor_can()
    {
        var h = new PeerHarness();
        var asked = h.Register(7, [new PeerEntry(PeerHarness.Other(0), 1), new PeerEntry(PeerHarness.Other(1), 1)]);
        var x = PeerHarness.Other(2);
        var voters = toSeq([PeerHarness.SeedIds[0], PeerHarness.SeedIds[1]]);
        // x registered after this peer: a seed vouches for it before its link is taken.
        h.Vouch(h.Step(now => new Received(now, x, new LinkRequest(10))), incarnation: 10);
        Assert.Contains(x, h.State.Neighbours);
        h.Step(now => new Received(now, asked[0], new DeadConfirmed(x, voters, "crashed", None, 10)));
        Assert.DoesNotContain(x, h.State.Neighbours);

        h.Vouch(h.Step(now => new Received(now, x, new LinkRequest(10))), incarnation: 10);
        Assert.DoesNotContain(x, h.State.Neighbours);
        h.Vouch(h.Step(now => new Received(now, x, new LinkRequest(11))), incarnation: 11);
        Assert.Contains(x, h.State.Neighbours);
    }

    /// <summary>Three seeds and <paramref name="count"/> peers committed by the first, the lead seed of the overlay checks.</summary>
    static (World W, List<NodeId> Peers, NodeId Lead) Overlay(int count)
    {
        var w = new World(3);
        foreach (var id in w.SeedIds) w.StartSeed(id);
        var peers = Enumerable.Range(0, count).Select(World.PeerId).ToList();
        foreach (var p in peers) w.Inject(p, w.SeedIds[0], new RegisterRequest(1));
        w.Drain();
        w.Outbox.Clear();
        return (w, peers, w.SeedIds[0]);
    }

    [Fact]
    public void The_lead_seed_bridges_a_part_of_the_overlay_cut_off_from_the_rest()
    {
        var (w, peers, lead) = Overlay(5);
        // Reported overlay: {p0 p1} and {p2 p3 p4} with p3 the hub of the larger part.
        void Report(NodeId p, params NodeId[] ns) => w.Inject(p, lead, new DegreeUpdate(toSeq(ns)));
        Report(peers[0], peers[1]);
        Report(peers[1], peers[0]);
        Report(peers[2], peers[3]);
        Report(peers[3], peers[2], peers[4]);
        Report(peers[4], peers[3]);

        var fx = w.Step(lead, new TimerFired(w.NowUs + 1, SeedReducer.OverlayTimer));
        var bridge = Assert.Single(fx.OfType<Send>(), s => s.Message is Bridge);
        Assert.Equal(peers[0], bridge.To);
        Assert.Equal(peers[3], ((Bridge)bridge.Message).Target);

        // Once the link shows up in the reports, nothing more is sent.
        Report(peers[0], peers[1], peers[3]);
        fx = w.Step(lead, new TimerFired(w.NowUs + 5_000_000, SeedReducer.OverlayTimer));
        Assert.DoesNotContain(fx, e => e is Send { Message: Bridge });
    }

    [Fact]
    public void Every_part_cut_off_is_bridged_from_its_lowest_address_in_address_order()
    {
        var (w, p, lead) = Overlay(13);
        void Report(int x, params int[] ns) => w.Inject(p[x], lead, new DegreeUpdate(toSeq(ns.Select(n => p[n]))));
        // The largest part {6 7 8 9} with 8 its hub; four parts of two whose addresses interleave; 4 alone. (Only a
        // peer that reported counts, so both ends of each link report.)
        Report(6, 8); Report(7, 8); Report(8, 6, 7, 9); Report(9, 8);
        Report(11, 0); Report(0, 11); Report(10, 1); Report(1, 10); Report(12, 2); Report(2, 12); Report(5, 3); Report(3, 5);
        Report(4);

        var fx = w.Step(lead, new TimerFired(w.NowUs + 1, SeedReducer.OverlayTimer));
        var bridges = fx.OfType<Send>().Where(s => s.Message is Bridge).ToList();
        Assert.Equal([p[0], p[1], p[2], p[3], p[4]], bridges.Select(b => b.To));
        Assert.All(bridges, b => Assert.Equal(p[8], ((Bridge)b.Message).Target));
        var logged = fx.OfType<OverlayBridged>().ToList();
        Assert.All(logged, e => Assert.Equal(6, e.Parts));
        Assert.Equal([2, 2, 2, 2, 1], logged.Select(e => e.PartSize));
        Assert.Equal([p[0], p[1], p[2], p[3], p[4]], logged.Select(e => e.Head));
    }

    /// <summary>Links among 12 peers (both ends distinct), and which peers reported them.</summary>
    public static Arbitrary<((int A, int B)[] Links, bool[] Reported)> Overlays =>
        Gen.Choose(0, 11).Two().Where(l => l.Item1 != l.Item2).ArrayOf()
            .SelectMany(links => Gen.Elements(true, true, true, false).ArrayOf(12).Select(r => (links, r)))
            .ToArbitrary();

    /// <summary>
    /// For any reported overlay, the lead seed's check bridges exactly what a plain walk of the reported graph finds:
    /// every part but the largest (the lowest-addressed of equals), from its lowest address, in address order, to the
    /// best-connected peer of the largest. Only peers that reported take part; a link counts whichever end reported it.
    /// </summary>
    [Property(MaxTest = 150)]
    public Property The_bridges_follow_the_parts_of_any_reported_overlay() =>
        Prop.ForAll(Overlays, c =>
        {
            var (w, p, lead) = Overlay(12);
            var named = Enumerable.Range(0, 12).Select(i => new System.Collections.Generic.HashSet<int>(
                c.Links.Where(l => l.A == i || l.B == i).Select(l => l.A == i ? l.B : l.A))).ToArray();
            var reporters = Enumerable.Range(0, 12).Where(i => c.Reported[i]).ToList();
            foreach (var i in reporters) w.Inject(p[i], lead, new DegreeUpdate(toSeq(named[i].Select(n => p[n]).ToArray())));

            // The model: a walk from each reporter not reached yet, over links whose other end reported too.
            var parts = new List<List<NodeId>>();
            var reached = new System.Collections.Generic.HashSet<int>();
            foreach (var start in reporters)
            {
                if (!reached.Add(start)) continue;
                var part = new List<int> { start };
                for (var k = 0; k < part.Count; k++)
                    foreach (var n in named[part[k]])
                        if (c.Reported[n] && reached.Add(n)) part.Add(n);
                parts.Add(part.Select(i => p[i]).Order().ToList());
            }
            parts = parts.OrderBy(x => x[0]).ToList();
            var expected = new List<(NodeId To, NodeId Target)>();
            if (parts.Count >= 2)
            {
                var main = parts.OrderByDescending(x => x.Count).ThenBy(x => x[0]).First();
                var target = main.OrderByDescending(n => named[p.IndexOf(n)].Count).ThenBy(n => n).First();
                expected.AddRange(parts.Where(x => x != main).Select(x => (x[0], target)));
            }

            var fx = w.Step(lead, new TimerFired(w.NowUs + 1, SeedReducer.OverlayTimer));
            var sent = fx.OfType<Send>().Where(e => e.Message is Bridge).Select(e => (e.To, ((Bridge)e.Message).Target)).ToList();
            Assert.Equal(expected, sent);
            return true;
        });

    [Fact]
    public void A_seed_that_is_not_the_lead_leaves_bridging_to_the_lead()
    {
        var w = new World(3);
        foreach (var id in w.SeedIds) w.StartSeed(id);
        var other = w.SeedIds[1];
        w.Connected(other, w.SeedIds[0]);   // it can reach a lower-addressed seed
        foreach (var p in new[] { World.PeerId(0), World.PeerId(1) })
        {
            w.Inject(p, other, new RegisterRequest(1));
            w.Drain();
            w.Inject(p, other, new DegreeUpdate(toSeq<NodeId>([])));
        }
        var fx = w.Step(other, new TimerFired(w.NowUs + 1, SeedReducer.OverlayTimer));
        Assert.DoesNotContain(fx, e => e is Send { Message: Bridge });
    }

    [Fact]
    public void Only_a_member_may_report_a_death_and_a_removed_reporter_gets_its_tombstone_again()
    {
        var w = Registered(incarnation: 5);
        var q = World.PeerId(1);
        w.Inject(q, w.SeedIds[0], new RegisterRequest(7));
        w.Drain();
        var stranger = World.PeerId(9);

        var fx = w.Inject(stranger, w.SeedIds[0], new DeadReport(P, "lies"));
        Assert.DoesNotContain(fx, e => e is Send { Message: DeadProposal });
        Assert.Contains(fx, e => e is DeadReportIgnored { Why: ReportIgnoredBecause.ReporterNotRegistered });

        // q is removed; its late reports bring it the tombstone, not a removal proposal.
        var removal = new DeadConfirmed(q, toSeq([w.SeedIds[1], w.SeedIds[2]]), "crashed", None, 7);
        w.Inject(w.SeedIds[1], w.SeedIds[0], removal);
        fx = w.Inject(q, w.SeedIds[0], new DeadReport(P, "stale"));
        Assert.DoesNotContain(fx, e => e is Send { Message: DeadProposal });
        Assert.Contains(fx, e => e is Send { To: var to, Message: DeadConfirmed { Node: var n } } && to == q && n == q);
        Assert.True(w.Seeds[w.SeedIds[0]].Peers.ContainsKey(P));
    }

    [Fact]
    public void Degree_reports_from_strangers_are_not_kept()
    {
        var w = Registered(incarnation: 5);
        var seed = w.SeedIds[0];
        for (var i = 10; i < 60; i++)
            w.Inject(World.PeerId(i), seed, new DegreeUpdate(toSeq([P])));
        w.Inject(P, seed, new DegreeUpdate(toSeq([World.PeerId(1)])));
        Assert.Equal([P], w.Seeds[seed].Reports.Keys.ToArray());
    }
}
