using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace GossipPure.Core.Tests;

/// <summary>The attachment rule alone (<see cref="Overlay"/>), with exact degrees: connected and heavy-tailed.</summary>
public sealed class OverlayProperties
{
    static Arbitrary<ulong> Seeds => Arb.From(Gen.Choose(0, int.MaxValue).Select(i => (ulong)i * 0x9E3779B97F4A7C15UL));

    static bool Connected(LanguageExt.HashMap<int, LanguageExt.HashSet<int>> g)
    {
        if (g.IsEmpty) return true;
        var seen = new System.Collections.Generic.HashSet<int> { 0 };
        var queue = new Queue<int>([0]);
        while (queue.Count > 0)
            foreach (var n in g[queue.Dequeue()])
                if (seen.Add(n)) queue.Enqueue(n);
        return seen.Count == g.Count;
    }

    static void AssertSymmetric(LanguageExt.HashMap<int, LanguageExt.HashSet<int>> g)
    {
        foreach (var (n, links) in g)
            foreach (var m in links)
            {
                Assert.NotEqual(n, m);
                Assert.True(g[m].Contains(n), $"link {n}-{m} is one-sided");
            }
    }

    // 30 cases, not 200: each grows a whole 1,000-peer overlay (about 0.2 s of CPU); 200 took 2 minutes on a busy
    // 2-core machine. Connectivity at every size from 1 to 200 runs 200 cases below (specs/properties.md says so).
    [Property(MaxTest = 30)]
    public Property Thousand_peer_overlay_is_connected_and_heavy_tailed() => Prop.ForAll(Seeds, seed =>
    {
        var g = Overlay.Grow(1000, ProtocolOptions.Default, new Rng(seed));
        Assert.Equal(1000, g.Count);
        AssertSymmetric(g);
        Assert.True(Connected(g), "the overlay is not connected");
        var degrees = g.Values.Select(s => s.Count).Order().ToArray();
        var median = degrees[degrees.Length / 2];
        var max = degrees[^1];
        Assert.True(max >= 5 * median, $"max degree {max} is not far above the median {median}: no heavy tail");
        Assert.True(degrees[0] >= 1, "a peer has no neighbour");
    });

    [Property(MaxTest = 200)]
    public Property Overlay_of_any_size_up_to_200_is_connected() =>
        Prop.ForAll(Arb.From(Gen.Choose(1, 200)), Seeds, (n, seed) =>
        {
            var g = Overlay.Grow(n, ProtocolOptions.Default, new Rng(seed));
            Assert.Equal(n, g.Count);
            AssertSymmetric(g);
            Assert.True(Connected(g), $"the overlay of {n} peers is not connected");
        });

    [Property(MaxTest = 300)]
    public Property Neighbour_count_stays_within_bounds() => Prop.ForAll(Seeds, seed =>
    {
        var (k, _) = Overlay.DrawNeighbourCount(ProtocolOptions.Default, new Rng(seed));
        Assert.InRange(k, ProtocolOptions.Default.MinNeighbours, ProtocolOptions.Default.MaxNeighbours);
    });

    [Property(MaxTest = 300)]
    public Property Preferential_pick_is_distinct_known_and_as_many_as_asked() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, 20)), Arb.From(Gen.Choose(0, 20)), Seeds, (known, count, seed) =>
        {
            var entries = toSeq(Enumerable.Range(0, known).Select(i => new PeerEntry(new NodeId("10.0.0.1", 1000 + i), i % 4)).ToArray());
            var (picked, _) = Overlay.PickPreferential(entries, count, new Rng(seed));
            Assert.Equal(Math.Min(known, count), picked.Count);
            Assert.Equal(picked.Count, picked.Distinct().Count());
            Assert.All(picked, p => Assert.Contains(p, entries.Map(e => e.Node)));
        });

    /// <summary>The pick as first written: the pool sorted by address with LINQ (a stable sort), its total summed at each draw.</summary>
    static (LanguageExt.Seq<NodeId> Picked, Rng Next) ReferencePick(LanguageExt.Seq<PeerEntry> known, int count, Rng rng)
    {
        var pool = known.OrderBy(e => e.Node).Select(e => (e.Node, Weight: (long)Math.Max(0, e.Degree) + 1)).ToList();
        var picked = new List<NodeId>();
        while (picked.Count < count && pool.Count > 0)
        {
            var total = pool.Sum(p => p.Weight);
            (var r, rng) = rng.NextUInt64();
            var target = (long)(r % (ulong)total);
            var i = 0;
            for (; i < pool.Count - 1 && target >= pool[i].Weight; i++) target -= pool[i].Weight;
            picked.Add(pool[i].Node);
            pool.RemoveAt(i);
        }
        return (toSeq(picked.ToArray()), rng);
    }

    // Addresses whose texts order differently from their numbers (10.0.0.9 after 10.0.0.10), prefixes of each other,
    // repeated (with other degrees), IPv6 (sorted by text, not packed), and one too long to pack.
    static readonly string[] Ips =
        ["10.0.0.1", "10.0.0.10", "10.0.0.9", "10.0.0.100", "10.0.1.1", "9.9.9.9", "10.10.10.10", "255.255.255.255", "1.2.3.4", "::1", "fe80::1", "2001:db8::abcd:ef01:2345"];

    [Property(MaxTest = 300)]
    public Property Preferential_pick_is_the_same_draw_as_the_reference() =>
        Prop.ForAll(
            // Each number an entry: which address, which of four ports, and a degree from −1 to 60.
            Arb.From(Gen.ArrayOf(Gen.Choose(0, Ips.Length * 4 * 62 - 1))),
            Arb.From(Gen.Choose(0, 25)), Seeds,   // how many to pick (0–12), and whether only IPv4 addresses (all packed)
            (raw, code, seed) =>
            {
                var (count, v4Only) = (code / 2, code % 2 == 0);
                var entries = toSeq(raw.Select(x => (Ip: Ips[x % Ips.Length], Port: 6001 + x / Ips.Length % 4, Degree: x / (Ips.Length * 4) - 1))
                    .Where(x => !v4Only || !x.Ip.Contains(':'))
                    .Select(x => new PeerEntry(new NodeId(x.Ip, x.Port), x.Degree)).ToArray());
                var (picked, next) = Overlay.PickPreferential(entries, count, new Rng(seed));
                var (expected, expectedNext) = ReferencePick(entries, count, new Rng(seed));
                Assert.Equal(expected, picked);
                Assert.Equal(expectedNext, next);
            });

    /// <summary>The attachment is preferential: a peer of degree 50 is picked far more often than one of degree 0.</summary>
    [Fact]
    public void High_degree_peers_are_picked_more_often()
    {
        var hub = new NodeId("10.0.0.1", 1);
        var leaf = new NodeId("10.0.0.1", 2);
        var entries = toSeq([new PeerEntry(hub, 50), new PeerEntry(leaf, 0)]);
        var rng = new Rng(42);
        var hubFirst = 0;
        for (var i = 0; i < 1000; i++)
        {
            (var picked, rng) = Overlay.PickPreferential(entries, 1, rng);
            if (picked.Head == hub) hubFirst++;
        }
        Assert.InRange(hubFirst, 930, 990);   // expected 51/52 ≈ 981
    }
}
