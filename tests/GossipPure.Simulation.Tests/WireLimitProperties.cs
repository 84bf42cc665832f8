using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Simulation.Tests.Support;

namespace GossipPure.Simulation.Tests;

/// <summary>
/// No message of any kind outgrows the frame limit, however large the network: the simulator encodes every message's
/// size with the real codec's rules (<see cref="FrameSize"/>) and counts what the real transport would refuse. Checked
/// on signed networks (every list entry then carries its certificate, the largest form of every list) of 2,000-5,000
/// peers, with a seed that restarts and must catch up on the whole table — the case that used to need the largest
/// SEED_SYNC (the whole table in one frame: over the limit from about 1,700 signed peers; the mutant
/// <c>whole-table-seed-sync</c> brings it back). Larger networks cost the test suite too much time: the same
/// figures for 10,000 and 100,000 peers come from <c>gossip simulate</c> (specs/performance.md).
/// </summary>
public sealed class WireLimitProperties
{
    public sealed record Case(ulong Seed, int Seeds, int Peers)
    {
        public static Arbitrary<Case> Arb => Cases.NoShrink(
            from seed in Cases.Seeds
            from seeds in Gen.Elements(3, 5)
            from peers in Gen.Choose(2_000, 5_000)
            select new Case(seed, seeds, peers));

        public Scenario Build() => new()
        {
            Seeds = Seeds, Peers = Peers, Seed = Seed, Signed = true,
            LatencyMinUs = 50, LatencyMaxUs = 1_000,
            PeerStaggerUs = 200,
            Gossipers = 2,
            // Down while most peers register, back after: it catches up on thousands of certificates from the others.
            Faults = Seq<Fault>(new Crash(Addresses.Seed(Seeds - 1), 300_000), new Restart(Addresses.Seed(Seeds - 1), Peers * 200L + Cases.Second)),
            RunUntilUs = Peers * 200L + 8 * Cases.Second,
            KeepTrace = false, KeepLogs = false,
            Options = ProtocolOptions.Default with { GossipIntervalMs = 1000, GossipCount = 2 },
        };
    }

    [Property(MaxTest = 2)]
    public Property No_message_exceeds_the_frame_limit_and_a_restarted_seed_catches_up() =>
        Prop.ForAll(Case.Arb, c =>
        {
            var r = Simulator.Run(c.Build());
            Assert.True(r.Network.OverLimit == 0, $"{c}: {r.Network.OverLimit} messages over the frame limit, the first: {r.Network.FirstOverLimit}");
            Assert.True(r.Network.LargestFrame <= FrameSize.MaxPayloadBytes, $"{c}: largest frame {r.Network.LargestFrame} bytes");
            Assert.True(r.RegisteredUs.Count == c.Peers, $"{c}: {r.RegisteredUs.Count} of {c.Peers} peers registered");
            var restarted = Addresses.Seed(c.Seeds - 1);
            var missing = r.RegisteredUs.Keys.Count(p => !r.Seeds[restarted].Peers.ContainsKey(p));
            Assert.True(missing == 0, $"{c}: the restarted seed lacks {missing} of {r.RegisteredUs.Count} registered peers at the end");
        });
}
