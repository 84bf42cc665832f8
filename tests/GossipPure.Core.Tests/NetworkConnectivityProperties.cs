using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Core.Tests.Support;

namespace GossipPure.Core.Tests;

/// <summary>
/// End to end through the real reducers: 3 seeds and 2–30 peers registering concurrently, every message delivered
/// (in an order FsCheck picks), then the seeds' overlay checks run. The overlay must be one connected graph.
/// </summary>
public sealed class NetworkConnectivityProperties
{
    public static Arbitrary<NetworkCase> Cases(bool registerTimers) => Arb.From(
        from peers in Gen.Choose(2, 30)
        from order in Gen.Shuffle(Enumerable.Range(0, peers).ToArray())
        from seed in Gen.Choose(0, int.MaxValue)
        from choices in Gen.Sized(size => Gen.Choose(0, 20 * size + 20).SelectMany(k => Gen.ArrayOf(Gen.Choose(0, 10_000), k)))
        select new NetworkCase(3, order, (ulong)seed, choices, registerTimers),
        c => Enumerable.Range(0, 10).Select(k => c with { Choices = c.Choices[..(c.Choices.Length * k / 10)] })
            .Concat(c.StartOrder.Length > 2
                ? [c with { StartOrder = [.. c.StartOrder.Where(i => i != c.StartOrder.Max())] }]
                : []));

    static void AssertConnected(NetworkCase c)
    {
        var run = new NetworkRun(c).Play();
        var w = run.World;
        Assert.True(w.Peers.Values.All(p => p.Phase == PeerPhase.Registered), "not every peer registered:" + Environment.NewLine + run.Describe());
        foreach (var s in w.Seeds.Values)
            Assert.True(s.Peers.Count == c.StartOrder.Length, $"{s.Config.Self} knows {s.Peers.Count} of {c.StartOrder.Length} peers");
        var parts = run.Components();
        Assert.True(parts.Count == 1, $"the overlay fell apart into {parts.Count} components:{Environment.NewLine}{run.Describe()}");
    }

    [Property(MaxTest = 200)]
    public Property Overlay_built_by_the_reducers_is_connected() =>
        Prop.ForAll(Cases(registerTimers: false), AssertConnected);

    [Property(MaxTest = 200)]
    public Property Overlay_is_connected_even_when_registration_timers_fire_early() =>
        Prop.ForAll(Cases(registerTimers: true), AssertConnected);

    /// <summary>
    /// The smallest failure the property found against the earlier founder rule. Three seeds commit peers 6001–6004
    /// in different orders: 5001: 6001 6002 6003 6004, 5002: 6004 6001 6002 6003, 5003: 6001 6004 6003 6002.
    /// 6001 registers first and sees nobody; 6002, 6003, 6004 each learn all three others, and each draws two
    /// neighbours by preferential attachment, every time the other two newcomers: {6001} and {6002 6003 6004}.
    /// The lead seed must see the two parts in the reported neighbour lists and bridge them.
    /// </summary>
    [Fact]
    public void Four_peers_registering_concurrently_end_in_one_overlay() =>
        AssertConnected(new NetworkCase(3, [2, 1, 3, 0], 976753349, [0, 1, 0, 0, 1, 0, 20, 2097, 8, 24, 1328, 16, 5297, 12, 528, 5560, 1356], false));
}
