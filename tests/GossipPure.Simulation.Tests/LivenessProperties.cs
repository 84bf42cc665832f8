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

    static void Check(DeathCase c, long boundUs)
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
    }
}
