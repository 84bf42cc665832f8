using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Core.Tests.Support;

namespace GossipPure.Core.Tests;

/// <summary>A gossip message (origin, body); origin −1 is the peer under test itself.</summary>
public sealed record GossipSpec(int Origin, int Body)
{
    public Gossip ToMessage() => new(Origin < 0 ? PeerHarness.Self : PeerHarness.Other(Origin), $"1700000000.000000:127.0.0.1:{Body}");
    public override string ToString() => $"g(o{Origin},b{Body})";
}

public abstract record PeerEvent;
/// <summary>Gossip number <c>Gossip</c> (of the scripted ones, then of those the peer made) arrives from peer <c>From</c>.</summary>
public sealed record GossipArrives(int Gossip, int From) : PeerEvent { public override string ToString() => $"G{Gossip}<-{From}"; }
public sealed record LinkArrives(int From) : PeerEvent { public override string ToString() => $"Link<-{From}"; }
/// <summary>Time passes: long waits make the scripted messages stale and expire the peer's dedup digests.</summary>
public sealed record Wait(int Seconds) : PeerEvent { public override string ToString() => $"Wait{Seconds}s"; }
/// <summary>The gossip timer fires: the peer makes a message of its own.</summary>
public sealed record MakeGossip : PeerEvent { public override string ToString() => "Make"; }

public sealed record GossipCase(ulong RandomSeed, int Known, GossipSpec[] Gossips, PeerEvent[] Events)
{
    public override string ToString() =>
        $"seed={RandomSeed} known={Known} gossips=[{string.Join(", ", Gossips.Select(g => g.ToString()))}] events=[{string.Join(", ", Events.Select(e => e.ToString()))}]";
}

/// <summary>
/// However often, in whatever order and from whichever neighbours a gossip message arrives, a peer logs it as new
/// once and forwards it to each neighbour at most once.
/// </summary>
public sealed class GossipOnceProperties
{
    const int Senders = 12;

    static Arbitrary<GossipCase> Cases()
    {
        var spec = from o in Gen.Choose(-1, 7) from b in Gen.Choose(1, 3) select new GossipSpec(o, b);
        var ev = Gen.Frequency(
            (10, from g in Gen.Choose(0, 20) from f in Gen.Choose(0, Senders - 1) select (PeerEvent)new GossipArrives(g, f)),
            (2, Gen.Choose(0, Senders - 1).Select(f => (PeerEvent)new LinkArrives(f))),
            (1, Gen.Constant((PeerEvent)new MakeGossip())),
            (1, Gen.Elements(5, 60, 100, 170, 400).Select(w => (PeerEvent)new Wait(w))));
        var gen =
            from seed in Gen.Choose(0, int.MaxValue).Select(i => (ulong)i * 2654435761UL)
            from known in Gen.Choose(0, 6)
            from gossips in Gen.Choose(1, 6).SelectMany(k => Gen.ArrayOf(spec, k))
            from events in Gen.Sized(size => Gen.Choose(0, 2 * size + 5).SelectMany(k => Gen.ArrayOf(ev, k)))
            select new GossipCase(seed, known, gossips, events);
        return Arb.From(gen, c => Enumerable.Range(0, c.Events.Length).Select(i => c with { Events = [.. c.Events[..i], .. c.Events[(i + 1)..]] }));
    }

    static bool IsFirstTimeLog(Effect e, Gossip g) =>
        e is GossipReceived r && r.Body == g.Body && r.Origin == g.Origin;

    static void Run(GossipCase c)
    {
        var peer = new PeerHarness();
        // Every sender is a registered peer on the list (strangers are PeerMembershipTests' business); the first
        // `Known` of them carry degrees, which steers whom the peer links to.
        peer.Register(c.RandomSeed, [.. Enumerable.Range(0, Senders).Select(i => new PeerEntry(PeerHarness.Other(i), i < c.Known ? 1 + i % 3 : 0))]);
        var pool = c.Gossips.Select(g => g.ToMessage()).ToList();
        var delivered = new System.Collections.Generic.HashSet<Gossip>();
        foreach (var e in c.Events)
        {
            switch (e)
            {
                case GossipArrives a:
                    var g = pool[a.Gossip % pool.Count];
                    delivered.Add(g);
                    peer.Step(now => new Received(now, PeerHarness.Other(a.From), g));
                    break;
                case LinkArrives l:
                    peer.Step(now => new Received(now, PeerHarness.Other(l.From), new LinkRequest(1)));
                    break;
                case Wait w:
                    peer.Advance(w.Seconds * 1_000_000L);
                    break;
                case MakeGossip:
                    var made = peer.Step(now => new TimerFired(now, PeerReducer.GossipTimer)).OfType<Send>().Select(s => s.Message).OfType<Gossip>().FirstOrDefault();
                    if (made is not null && !pool.Contains(made)) pool.Add(made);
                    break;
            }
        }

        foreach (var g in pool.Distinct())
        {
            var steps = peer.Trace.Select((t, i) => (t, i)).ToList();
            var logged = steps.Where(x => x.t.Effects.Any(f => IsFirstTimeLog(f, g))).ToList();
            // Lines, not steps: a step that logged the message twice is two deliveries.
            var lines = steps.Sum(x => x.t.Effects.Count(f => IsFirstTimeLog(f, g)));
            var own = g.Origin == PeerHarness.Self;
            // Arrivals while the message was within the horizon by its own timestamp; later ones are stale.
            PeerReducer.TryParseTimestamp(g.Body, out var madeUs);
            var o = ProtocolOptions.Default;
            var fresh = steps.Where(x => x.t.Input is Received { Message: Gossip m } r && m == g
                && r.NowUs - madeUs <= o.GossipHorizonMs * 1000 && madeUs - r.NowUs <= o.GossipFutureMs * 1000).ToList();
            // Logged as new exactly once when it ever arrived fresh from elsewhere, never when it is the peer's own,
            // however long the run (the dedup digests expire, but only once the message is too old to be taken).
            Assert.True(lines == (fresh.Count > 0 && !own ? 1 : 0),
                $"{g} was logged as first-time {lines} times (fresh arrivals: {fresh.Count}, delivered: {delivered.Contains(g)}, own: {own})");

            // Each neighbour is sent the message at most once over the whole run.
            var sends = steps.SelectMany(x => x.t.Effects.OfType<Send>().Where(s => s.Message == g).Select(s => (x.i, s.To))).ToList();
            var twice = sends.GroupBy(s => s.To).Where(grp => grp.Count() > 1).Select(grp => grp.Key).ToList();
            Assert.True(twice.Count == 0, $"{g} was sent more than once to [{string.Join(", ", twice)}]");

            if (logged.Count == 1)
            {
                var (first, at) = logged[0];
                var from = ((Received)first.Input).From;
                // The log comes with the first arrival, and the forward goes to every neighbour (suspected ones too) but the sender.
                var firstArrival = fresh[0].i;
                Assert.Equal(firstArrival, at);
                var expected = first.Before.Neighbours.OrderBy(n => n).Where(n => n != from).ToList();
                Assert.Equal(expected, sends.Where(s => s.i == at).Select(s => s.To).ToList());
            }
            // Any other send of it is the backlog handed to a neighbour new in that very step.
            foreach (var (i, to) in sends.Where(s => logged.Count == 0 || s.i != logged[0].i))
            {
                var t = peer.Trace[i];
                var made = t.Input is TimerFired && own;
                Assert.True(made || (!t.Before.Neighbours.Contains(to) && t.After.Neighbours.Contains(to)),
                    $"{g} re-sent to {to} at step {i} ({t.Input.GetType().Name}), which was already a neighbour");
            }
        }
    }

    [Property(MaxTest = 300)]
    public Property Gossip_is_logged_and_forwarded_at_most_once() => Prop.ForAll(Cases(), Run);

    /// <summary>The same body from two origins is two messages: both are new, neither is a duplicate of the other.</summary>
    [Fact]
    public void Same_body_from_two_origins_is_two_messages()
    {
        var peer = new PeerHarness();
        peer.Register(7, [new PeerEntry(PeerHarness.Other(0), 0), new PeerEntry(PeerHarness.Other(1), 0)]);
        var a = new Gossip(PeerHarness.Other(5), "1700000000.000000:127.0.0.1:1");
        var b = a with { Origin = PeerHarness.Other(6) };
        var fa = peer.Step(now => new Received(now, PeerHarness.Other(0), a));
        var fb = peer.Step(now => new Received(now, PeerHarness.Other(0), b));
        var again = peer.Step(now => new Received(now, PeerHarness.Other(1), a));
        Assert.Contains(fa, e => IsFirstTimeLog(e, a));
        Assert.Contains(fb, e => IsFirstTimeLog(e, b));
        Assert.Empty(again);
        Assert.Equal(1, peer.State.Duplicates);
        Assert.Equal(2, peer.State.FirstTime);
        // Forwarded to the one neighbour that did not send it.
        Assert.Equal([PeerHarness.Other(1)], fa.OfType<Send>().Select(s => s.To));
    }
}
