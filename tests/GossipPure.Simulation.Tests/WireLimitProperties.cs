using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Simulation.Tests.Support;

namespace GossipPure.Simulation.Tests;

/// <summary>
/// No message of any kind outgrows the frame limit, however large the network: the simulator encodes every message's
/// size with the real codec's rules (<see cref="FrameSize"/>) and counts what the real transport would refuse. Checked
/// on signed networks of 5 or 7 seeds (every list entry then carries its certificate with three or four signatures,
/// the largest form of every list) of 2,800-3,200 peers, with a seed that restarts and must catch up on the whole
/// table: the case that used to need the largest SEED_SYNC, the whole table in one frame. The test checks that its
/// table is indeed larger than a frame (from about 2,400 peers signed by 5 seeds); the mutant
/// <c>whole-table-seed-sync</c> brings the old sync back and fails it. Larger networks cost the test suite too much
/// time: the figures for 10,000 peers and more come from <c>gossip simulate</c> (specs/performance.md).
/// </summary>
public sealed class WireLimitProperties
{
    public sealed record Case(ulong Seed, int Seeds, int Peers)
    {
        public static Arbitrary<Case> Arb => Cases.NoShrink(
            from seed in Cases.Seeds
            from seeds in Gen.Elements(5, 7)
            from peers in Gen.Choose(2_800, 3_200)
            select new Case(seed, seeds, peers));

        public Scenario Build() => new()
        {
            Seeds = Seeds, Peers = Peers, Seed = Seed, Signed = true,
            LatencyMinUs = 50, LatencyMaxUs = 1_000,
            PeerStaggerUs = 200,
            Gossipers = 2,
            // Down while most peers register, back after: it catches up on thousands of certificates from the others.
            Faults = Seq<Fault>(new Crash(Addresses.Seed(Seeds - 1), 300_000), new Restart(Addresses.Seed(Seeds - 1), Peers * 200L + Cases.Second)),
            RunUntilUs = Peers * 200L + 4 * Cases.Second,   // the restarted seed asks at once when its links come up
            KeepTrace = false, KeepLogs = false,
            // Short peer lists: each entry's certificate is checked by its receiver, and this test is about the seeds' sync.
            Options = ProtocolOptions.Default with { GossipIntervalMs = 1000, GossipCount = 2, PeerListMax = 8 },
        };
    }

    /// <summary>One case a run (each takes seconds); the generator covers the sizes and seed counts over runs.</summary>
    [Property(MaxTest = 1)]
    public Property No_message_exceeds_the_frame_limit_and_a_restarted_seed_catches_up() =>
        Prop.ForAll(Case.Arb, c =>
        {
            var r = Simulator.Run(c.Build());
            Assert.True(r.Network.OverLimit == 0, $"{c}: {r.Network.OverLimit} messages over the frame limit, the first: {r.Network.FirstOverLimit}");
            Assert.True(r.Network.Largest.Bytes <= FrameSize.MaxPayloadBytes, $"{c}: largest frame {r.Network.Largest.Bytes} bytes");
            Assert.True(r.RegisteredUs.Count == c.Peers, $"{c}: {r.RegisteredUs.Count} of {c.Peers} peers registered");
            var restarted = Addresses.Seed(c.Seeds - 1);
            var missing = r.RegisteredUs.Keys.Count(p => !r.Seeds[restarted].Peers.ContainsKey(p));
            // The case is one the old whole-table SEED_SYNC could not have sent: the table's entries alone pass the limit.
            var seed = r.Seeds[restarted];
            var table = seed.Peers.AsEnumerable().Sum(kv => FrameSize.OfItem(seed.CertificateOf(kv.Key, kv.Value), MessageTable.CommitShape));
            Assert.True(table > FrameSize.MaxPayloadBytes, $"{c}: the whole table is only {table} bytes, within one frame: the case shows nothing");
            Assert.True(missing == 0, $"{c}: the restarted seed lacks {missing} of {r.RegisteredUs.Count} registered peers at the end");
        });
}
