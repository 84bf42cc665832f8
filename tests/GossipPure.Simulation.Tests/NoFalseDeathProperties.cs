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
    /// Under loss a seed says yes when every one of its <c>SeedProbeAttempts</c> PROBEs (or their answers) is lost: a
    /// chance of about q³ per ballot at round-trip loss q, never zero, and lies make ballots. With one honest seed
    /// short of a quorum that is a removal (a single seed, or lying seeds plus one honest). So the claim under loss is
    /// what the protocol can promise: a live peer is removed only through that path — every false removal needs
    /// quorum − (lying seeds) honest seeds that found their probes unanswered; no forgery, lie or report alone removes
    /// anyone. specs/properties.md gives the measured rate. (Before seeds retried the probe and counted only reports
    /// from listed peers, one unanswered PROBE was a yes: at 2 % loss 17 of 30 runs removed a live peer.)
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Under_loss_lying_peers_remove_a_live_peer_only_through_the_seeds_lost_probes() =>
        Prop.ForAll(Cases.NoShrink(AccusationCase.Gen(maxLossPermille: 50, lyingSeeds: false)), CheckUnderLoss);

    [Property(MaxTest = 200)]
    public Property Under_loss_lying_seeds_remove_a_live_peer_only_through_honest_seeds_lost_probes() =>
        Prop.ForAll(Cases.NoShrink(AccusationCase.Gen(maxLossPermille: 50, lyingSeeds: true)), CheckUnderLoss);

    /// <summary>
    /// How rare the lost-probe path is, on 40 fixed runs (deterministic: the same 40 every time): 3 honest seeds, two
    /// lying peers making 20 accusations each, 2 % loss. A seed that voted after one unanswered PROBE removed a live
    /// peer in most such runs; three PROBEs make it about 1 in 10⁴ ballots.
    /// </summary>
    [Fact]
    public void Under_2_percent_loss_lost_probes_almost_never_remove_a_live_peer()
    {
        var runs = Enumerable.Range(1, 40)
            .Select(i => new AccusationCase((ulong)i * 7919, SeedCount: 3, Peers: 8, LatencyMaxMs: 100, LossPermille: 20, DupPercent: 7, LyingPeers: 2, LyingSeeds: 0, Accusations: 20))
            .Select(c => (Case: c, Removed: Simulator.Run(c.Build()).FalseRemovals().Count))
            .ToList();
        var bad = runs.Where(r => r.Removed > 0).ToList();
        Assert.True(bad.Count <= 1, $"{bad.Count} of {runs.Count} runs removed a live peer: {string.Join("; ", bad.Select(b => b.Case))}");
    }

    static Property CheckUnderLoss(AccusationCase c)
    {
        var scenario = c.Build();
        var honestSeeds = c.HonestSeeds.ToHashSet();
        var lies = scenario.Tamper!;
        // Every yes an honest seed sent, with its evidence, seen on the way out.
        var honestYes = new List<(NodeId Seed, DeadVote Vote)>();
        scenario = scenario with
        {
            Tamper = (from, to, m) =>
            {
                if (m is DeadVote { Yes: true } v && honestSeeds.Contains(from)) honestYes.Add((from, v));
                return lies(from, to, m);
            },
        };
        var r = Simulator.Run(scenario);
        Assert.True(r.Scenario.Injections.Count == 0 || r.Network.Injected > 0, $"{c}: the injections were not delivered");
        var removed = r.FalseRemovals().Select(f => f.Dead).Distinct().ToList();
        var needed = Quorum.Of(c.SeedCount) - c.LyingSeeds;
        foreach (var victim in removed)
        {
            // A seed's yes on its own proposal closes its ballot without a DEAD_VOTE on the wire: the proposer may be
            // one honest seed whose silence is not seen here, so one fewer must be seen.
            var lost = honestYes.Where(y => y.Vote.Suspect == victim && y.Vote.Evidence.StartsWith("no answer to ", StringComparison.Ordinal))
                .Select(y => y.Seed).Distinct().Count();
            Assert.True(lost + 1 >= needed,
                $"{c}\nlive peer {victim} was removed with {lost} honest seeds' yes on lost probes seen (+1 for a proposer), {needed} honest needed; honest yes votes about it: [{string.Join("; ", honestYes.Where(y => y.Vote.Suspect == victim).Select(y => $"{y.Seed}: {y.Vote.Evidence}"))}]");
        }
        // Every other honest peer stays listed at every honest seed.
        Checks.NoFalseDeath(c, r, c.HonestSeeds, c.HonestPeers.Filter(p => !removed.Contains(p)), allowRemovalOf: removed);
        return true.ToProperty()
            .Collect($"{c.SeedCount} seeds")
            .Classify(removed.Count > 0, "a live peer removed through lost probes")
            .Classify(c.LossPermille > 20, "loss over 2 %");
    }

    static Property Check(AccusationCase c)
    {
        var r = Simulator.Run(c.Build());
        Assert.True(r.Scenario.Injections.Count == 0 || r.Network.Injected > 0, $"{c}: the injections were not delivered");
        Checks.NoFalseDeath(c, r, c.HonestSeeds, c.HonestPeers);
        return true.ToProperty()
            .Collect($"{c.SeedCount} seeds")
            .Classify(c.LyingSeeds > 0, "a lying seed")
            .Classify(c.LossPermille > 0, "loss")
            .Classify(c.Accusations >= 100, "100+ accusations");
    }

    /// <summary>The check bites: a quorum of lying seeds (two of three) does remove a live peer.</summary>
    [Fact]
    public void A_quorum_of_lying_seeds_does_remove_a_live_peer()
    {
        var c = new AccusationCase(Seed: 7, SeedCount: 3, Peers: 6, LatencyMaxMs: 20, LossPermille: 0, DupPercent: 0, LyingPeers: 1, LyingSeeds: 1, Accusations: 30);
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
