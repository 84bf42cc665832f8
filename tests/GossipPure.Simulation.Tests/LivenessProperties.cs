using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Simulation.Tests.Support;

namespace GossipPure.Simulation.Tests;

/// <summary>
/// (c) Liveness of detection: while a quorum of seeds is up, a crashed peer is removed by every live seed and peer
/// within 5 s of the crash, a hung one within 10 s (default timing options).
/// </summary>
public sealed class LivenessProperties
{
    public const long CrashBoundUs = 5_000_000;
    public const long HangBoundUs = 10_000_000;
    /// <summary>
    /// Without loss: under message loss a seed can miss a REGISTER_COMMIT and never list the peer, and then it has
    /// nothing to remove (see <see cref="RegistrationConsistencyProperties"/>).
    /// </summary>
    public const int MaxLossPermille = 0;

    [Property(MaxTest = 200)]
    public Property A_crashed_peer_is_removed_everywhere_within_5s() =>
        Prop.ForAll(Cases.NoShrink(DeathCase.Gen(hang: false, MaxLossPermille)), c => Check(c, CrashBoundUs));

    [Property(MaxTest = 200)]
    public Property A_hung_peer_is_removed_everywhere_within_10s() =>
        Prop.ForAll(Cases.NoShrink(DeathCase.Gen(hang: true, MaxLossPermille)), c => Check(c, HangBoundUs));

    /// <summary>Loss up to 2 % (each message on its own, with no connection break to tell anyone).</summary>
    public const int LossyMaxLossPermille = 20;

    /// <summary>
    /// Under loss the seeds and the victim's neighbours — everyone with a connection to it — still remove it within the
    /// bound. A peer with no link to it learns the removal only from the seeds' DEAD_CONFIRMED, one copy per seed and
    /// none relayed by peers (a peer-relayed certificate could be forged until certificates are signed, issue 14): when
    /// every copy is lost it keeps the dead address in its known list until it tries to link to it. That miss is
    /// counted below, not hidden; specs/properties.md gives its rate.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Under_loss_the_seeds_and_the_neighbours_remove_a_crashed_peer_within_5s_plus_resends() =>
        Prop.ForAll(Cases.NoShrink(DeathCase.Gen(hang: false, LossyMaxLossPermille)), c => CheckUnderLoss(c, CrashBoundUs));

    [Property(MaxTest = 200)]
    public Property Under_loss_the_seeds_and_the_neighbours_remove_a_hung_peer_within_10s_plus_resends() =>
        Prop.ForAll(Cases.NoShrink(DeathCase.Gen(hang: true, LossyMaxLossPermille)), c => CheckUnderLoss(c, HangBoundUs));

    /// <summary>
    /// Found by the generator once it drew 1 and 2 seeds: a neighbour whose every copy of DEAD_CONFIRMED was lost kept
    /// reporting, and the seeds ignored reports about a peer no longer listed, so it never removed it. A report about a
    /// removed peer now gets the certificate back.
    /// </summary>
    [Fact]
    public void A_neighbour_that_lost_every_DEAD_CONFIRMED_gets_it_again_when_it_reports()
    {
        CheckUnderLoss(new DeathCase(4077452583808881975, 1, 6, 27, 12, 14, true, 1, 15368, 0), HangBoundUs);
        CheckUnderLoss(new DeathCase(3080468835782031985, 2, 11, 3, 11, 18, false, 4, 10399, 0), CrashBoundUs);
    }

    /// <summary>
    /// Under loss a lost DEAD_CONFIRMED costs a report resend, 2, 4, 8 s apart: the bound grows by those (crash 5 + 14 s,
    /// hang 10 + 14 s), and the run lasts until 30 s after the fault so that a third loss in a row still ends in view.
    /// </summary>
    public const long ResendAllowanceUs = 14_000_000;

    static Property CheckUnderLoss(DeathCase c, long boundUs)
    {
        boundUs += ResendAllowanceUs;
        var r = Simulator.Run(c.Build() with { RunUntilUs = c.FaultUs + 30 * Cases.Second });
        Assert.True(r.RegisteredUs.Count == c.Peers, $"{c}: only {r.RegisteredUs.Count} of {c.Peers} peers registered");
        var x = c.VictimId;
        var linked = r.Peers[x].Neighbours;
        var d = Assert.Single(r.Detections());
        var observers = r.Seeds.Keys.Concat(linked).Where(n => r.IsUp(n)).ToList();
        Assert.True(observers.Count > 0, $"{c}: nobody to observe the removal");
        foreach (var o in observers)
        {
            var first = r.Confirmations.Where(k => k.Dead == x && k.At == o && k.TimeUs >= c.FaultUs).Select(k => (long?)k.TimeUs).Min();
            Assert.True(first is not null, $"{c}\n{x} never removed at {o}\n{Checks.Around(r, o, r.EndUs, 12_000_000)}");
            Assert.True(first - c.FaultUs <= boundUs, $"{c}\n{x} removed at {o} only after {(first - c.FaultUs) / 1000.0}ms (bound {boundUs / 1000}ms)");
        }
        Assert.Empty(r.FalseRemovals());
        return true.ToProperty()
            .Classify(c.LossPermille > 10, "loss over 1 %")
            .Collect($"{c.SeedCount} seeds, {c.SeedCrashes} crashed")
            .Classify(d.Missing.Count > 0, "an unlinked peer missed every DEAD_CONFIRMED");
    }

    static Property Check(DeathCase c, long boundUs)
    {
        var r = Simulator.Run(c.Build());
        Assert.True(r.RegisteredUs.Count == c.Peers, $"{c}: only {r.RegisteredUs.Count} of {c.Peers} peers registered");
        var d = Assert.Single(r.Detections());
        Assert.Equal(c.VictimId, d.Node);
        if (d.Missing.Count > 0)
            Assert.Fail($"{c}\n{d.Node} never removed at {string.Join(", ", d.Missing)}\n{Checks.Around(r, d.Missing[0], r.EndUs, 12_000_000)}");
        Assert.True(d.AllUs <= boundUs,
            $"{c}\n{d.Node} removed everywhere only after {d.AllUs / 1000.0}ms (bound {boundUs / 1000}ms); first seed after {d.FirstSeedUs / 1000.0}ms");
        Assert.Empty(r.FalseRemovals());
        return true.ToProperty().Collect($"{c.SeedCount} seeds, {c.SeedCrashes} crashed");
    }
}
