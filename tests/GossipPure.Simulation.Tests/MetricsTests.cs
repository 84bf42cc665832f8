namespace GossipPure.Simulation.Tests;

/// <summary>The metrics <c>gossip simulate</c> prints: they must say what happened, and bite when it did not.</summary>
public sealed class MetricsTests
{
    const long S = 1_000_000;

    [Fact]
    public void Power_law_exponent_is_the_discrete_maximum_likelihood_estimate()
    {
        // α = 1 + n / Σ ln(k / (k_min − ½)) over k ≥ k_min; the 1s are below k_min = 2 and do not count.
        var expected = 1 + 4 / (3 * Math.Log(2 / 1.5) + Math.Log(4 / 1.5));
        Assert.Equal(expected, DegreeStats.PowerLawAlpha([1, 1, 2, 2, 2, 4], 2), 12);
        Assert.True(double.IsNaN(DegreeStats.PowerLawAlpha([1, 1], 2)));
        var stats = DegreeStats.Of([1, 1, 2, 2, 2, 4], 2);
        Assert.Equal((6, 1, 4, 4), (stats.Count, stats.Min, stats.Max, stats.Tail));
        Assert.Equal([1, 2, 4], stats.Histogram.Keys);
    }

    [Fact]
    public void Exponent_of_a_known_power_law_sample_is_recovered()
    {
        // Inverse-CDF draws of a continuous power law with α = 2.5 rounded down: the estimate lands near 2.5.
        var rng = new Rng(11);
        var ks = new List<int>();
        for (var i = 0; i < 20_000; i++)
        {
            (var u, rng) = rng.NextDouble();
            ks.Add((int)Math.Floor((3 - 0.5) * Math.Pow(1 - u, -1 / 1.5) + 0.5));
        }
        Assert.InRange(DegreeStats.PowerLawAlpha(ks, 3), 2.35, 2.65);
    }

    [Fact]
    public void A_crash_is_a_detection_not_a_false_removal_and_a_partition_removal_is_not_false_either()
    {
        var scenario = new Scenario
        {
            Seeds = 3, Peers = 8, Seed = 5, PeerStaggerUs = 200_000, RunUntilUs = 40 * S,
            Options = ProtocolOptions.Default with { GossipIntervalMs = 1000 },
            Faults = toSeq<Fault>([
                new Crash(Addresses.Peer(2), 15 * S),
                new Partition(toSeq([Addresses.Peer(5)]),
                    toSeq(Enumerable.Range(0, 3).Select(Addresses.Seed).Concat(Enumerable.Range(0, 8).Where(i => i != 5).Select(Addresses.Peer)).ToArray()),
                    20 * S, 35 * S),
            ]),
        };
        var r = Simulator.Run(scenario);
        var m = r.Metrics();
        var crash = Assert.Single(m.Detections);
        Assert.Equal(Addresses.Peer(2), crash.Node);
        Assert.Empty(crash.Missing);
        Assert.InRange(crash.AllUs!.Value, 1, 5 * S);
        Assert.True(crash.FirstSeedUs <= crash.AllUs);
        Assert.Contains(r.Confirmations, c => c.Dead == Addresses.Peer(5));   // cut off long enough: removed, rightly
        Assert.Equal(0, m.FalseRemovals);
        Assert.Equal(8, m.PeersRegistered);
        Assert.True(m.GossipMade >= 8 * 10 - 10);
        Assert.True(m.MaxHops >= 1);
        Assert.True(m.DuplicatesPerDelivered > 0);
        Assert.Equal(r.LivePeers.Count(), m.Degrees.Count);
        var lines = m.ToLines().ToList();
        Assert.Contains("false removals: 0", lines);
        Assert.Contains(lines, l => l.StartsWith("registration: 8/8 peers registered"));
        Assert.Contains(lines, l => l.StartsWith($"detection: ") && l.Contains($" of {Addresses.Peer(2)} at "));
    }

    [Fact]
    public void Dissemination_counts_only_peers_alive_and_untouched_and_reports_who_missed()
    {
        var scenario = new Scenario
        {
            Seeds = 3, Peers = 6, Seed = 9, RunUntilUs = 20 * S,
            Options = ProtocolOptions.Default with { GossipIntervalMs = 1000, GossipCount = 3 },
            Faults = toSeq<Fault>([new Hang(Addresses.Peer(4), 500_000)]),
        };
        var r = Simulator.Run(scenario);
        Assert.DoesNotContain(Addresses.Peer(4), r.LivePeers);
        foreach (var d in r.Dissemination())
        {
            Assert.Equal(d.Message.Origin == Addresses.Peer(4) ? 5 : 4, d.Targets);
            Assert.DoesNotContain(Addresses.Peer(4), d.Missing);
        }
        // Hops: an origin's neighbours hear it in one hop; nobody is further than the peers there are.
        Assert.All(r.Gossip.SelectMany(g => g.Receipts), x => Assert.InRange(x.Hops, 1, 5));
    }
}
