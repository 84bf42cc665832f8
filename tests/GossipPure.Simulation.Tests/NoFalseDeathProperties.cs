using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Simulation.Tests.Support;

namespace GossipPure.Simulation.Tests;

/// <summary>
/// (b) No false death: a peer that is never crashed, hung or cut off is never removed, whatever a minority of lying
/// peers and a minority of lying seeds say, under random latency, duplication and (some) loss.
/// </summary>
public sealed class NoFalseDeathProperties
{
    [Property(MaxTest = 200)]
    public Property Lying_peers_cannot_get_a_live_peer_removed_without_loss() =>
        Prop.ForAll(Cases.NoShrink(AccusationCase.Gen(maxLossPermille: 0, lyingSeeds: false)), Check);

    [Property(MaxTest = 200)]
    public Property Lying_peers_and_a_lying_seed_cannot_get_a_live_peer_removed_without_loss() =>
        Prop.ForAll(Cases.NoShrink(AccusationCase.Gen(maxLossPermille: 0, lyingSeeds: true)), Check);

    /// <summary>
    /// FAILS today (core finding, kept in place as asked). A seed votes yes after one unanswered PROBE (no retry within
    /// ProbeTimeoutMs), and one DEAD_REPORT from any single peer starts a removal vote. So with loss l each false
    /// accusation removes a live peer with probability about 3·(2l)² (two of the three seeds lose their PROBE or its
    /// PROBE_ACK), and a lying peer may accuse as often as it likes. In 30 runs each (40 s, 5–12 peers, 1–2 liars):
    /// 0 failures at 0.1 % and 0.2 % loss, 1–6 at 0.5–1 %, 17/30 at 2 %, 30/30 at 5 % with 300 accusations.
    /// Example: <c>new AccusationCase(214813, 8, 100, 5, 7, 2, 0, 20)</c> removes 10.0.1.8:6008 at 25.586 s.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Lying_peers_cannot_get_a_live_peer_removed_under_loss_up_to_5_percent() =>
        Prop.ForAll(Cases.NoShrink(AccusationCase.Gen(maxLossPermille: 50, lyingSeeds: false)), Check);

    static void Check(AccusationCase c)
    {
        var r = Simulator.Run(c.Build());
        Assert.True(r.Scenario.Injections.Count == 0 || r.Network.Injected > 0, $"{c}: the injections were not delivered");
        Checks.NoFalseDeath(c, r, c.HonestSeeds, c.HonestPeers);
    }

    /// <summary>The check bites: a quorum of lying seeds (two of three) does remove a live peer.</summary>
    [Fact]
    public void A_quorum_of_lying_seeds_does_remove_a_live_peer()
    {
        var c = new AccusationCase(Seed: 7, Peers: 6, LatencyMaxMs: 20, LossPermille: 0, DupPercent: 0, LyingPeers: 1, LyingSeeds: 1, Accusations: 30);
        var scenario = c.Build();
        var twoLiars = toSeq([Addresses.Seed(1), Addresses.Seed(2)]);
        var lies = scenario.Tamper!;
        scenario = scenario with
        {
            Tamper = (from, to, m) => m is DeadVote v && twoLiars.Contains(from) ? v with { Yes = true } : lies(from, to, m),
        };
        var r = Simulator.Run(scenario);
        Assert.NotEmpty(r.FalseRemovals());
        Assert.ThrowsAny<Exception>(() => Checks.NoFalseDeath(c, r, c.HonestSeeds, c.HonestPeers));
    }
}
