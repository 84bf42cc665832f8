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
    /// what the protocol can promise: a live peer is removed only through that path — every honest seed named in the
    /// certificate found its probes unanswered (seen in the votes the seeds counted, the proposer's own included), and
    /// there are at least quorum − (lying seeds) of them; no forgery, lie or report alone removes anyone.
    /// specs/properties.md gives the measured rate. (Before seeds retried the probe and counted only reports from
    /// listed peers, one unanswered PROBE was a yes: at 2 % loss 17 of 30 runs removed a live peer.)
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

    /// <summary>
    /// Both ways the check can go: a single seed at 1.1 % loss whose three PROBEs went unanswered does remove a live
    /// peer, and the check accepts it; the same check refuses a removal made by a quorum of lying seeds.
    /// </summary>
    [Fact]
    public void The_lost_probe_check_accepts_silence_and_refuses_lies()
    {
        var silence = new AccusationCase(39678330, SeedCount: 1, Peers: 7, LatencyMaxMs: 69, LossPermille: 11, DupPercent: 12, LyingPeers: 3, LyingSeeds: 0, Accusations: 273);
        Assert.NotEmpty(Simulator.Run(silence.Build()).FalseRemovals());
        CheckUnderLoss(silence);

        var lies = new AccusationCase(Seed: 7, SeedCount: 3, Peers: 6, LatencyMaxMs: 20, LossPermille: 0, DupPercent: 0, LyingPeers: 1, LyingSeeds: 1, Accusations: 30);
        var twoLiars = toSeq([Addresses.Seed(1), Addresses.Seed(2)]);
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => CheckUnderLoss(lies, sc =>
        {
            var tamper = sc.Tamper!;
            return sc with { Tamper = (from, to, m) => m is DeadVote v && twoLiars.Contains(from) ? v with { Yes = true } : tamper(from, to, m) };
        }));
    }

    static Property CheckUnderLoss(AccusationCase c) => CheckUnderLoss(c, null);

    static Property CheckUnderLoss(AccusationCase c, Func<Scenario, Scenario>? change)
    {
        // The honest seeds' removals, the votes they sent and the votes they counted (their own included), as events.
        var scenario = c.Build() with { KeepEvents = e => e is PeerRemoved or DeadVoteCounted or DeadVoteSent };
        if (change is not null) scenario = change(scenario);
        var r = Simulator.Run(scenario);
        Assert.True(r.Scenario.Injections.Count == 0 || r.Network.Injected > 0, $"{c}: the injections were not delivered");
        var honestSeeds = c.HonestSeeds.ToHashSet();
        var events = c.HonestSeeds.SelectMany(r.LogOf).ToList();
        static bool Silence(string evidence) => evidence.StartsWith("no answer to ", StringComparison.Ordinal);
        var lostProbes = events.Select(l => l.Event).OfType<DeadVoteCounted>()
            .Where(v => v.Yes && honestSeeds.Contains(v.Voter) && Silence(v.Evidence))
            .Select(v => (v.Suspect, v.Voter))
            .Concat(c.HonestSeeds.SelectMany(seed => r.LogOf(seed).Select(l => l.Event).OfType<DeadVoteSent>()
                .Where(v => v.Yes && Silence(v.Evidence)).Select(v => (v.Suspect, Voter: seed))))
            .ToHashSet();
        var removed = r.FalseRemovals().Select(f => f.Dead).Distinct().ToList();
        var needed = Quorum.Of(c.SeedCount) - c.LyingSeeds;
        foreach (var victim in removed)
        {
            // Every certificate an honest seed made or took for the live victim: each honest seed it names must have
            // said yes because its probes went unanswered, and there must be enough of them to make the quorum.
            var certificates = events.Select(l => l.Event).OfType<PeerRemoved>().Where(p => p.Node == victim).ToList();
            Assert.True(certificates.Count > 0, $"{c}\nlive peer {victim} was removed, but no honest seed removed it");
            foreach (var cert in certificates)
            {
                var honest = cert.Voters.Distinct().Where(honestSeeds.Contains).ToList();
                var silent = honest.Where(v => lostProbes.Contains((victim, v))).ToList();
                Assert.True(silent.Count == honest.Count && honest.Count >= needed,
                    $"{c}\nlive peer {victim} removed with voters [{string.Join(", ", cert.Voters)}]: honest [{string.Join(", ", honest)}], of which [{string.Join(", ", silent)}] found their probes unanswered; {needed} needed");
            }
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
