using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Simulation.Tests.Support;

namespace GossipPure.Simulation.Tests;

/// <summary>
/// Seed anti-entropy by versions (Seeds/SeedSync.cs) converges: after losses between the seeds (a partition that cuts
/// one seed off, lost and late frames, duplicates), peers crashing (so removals spread too) and one seed restarting
/// empty, once the network has been quiet for a few sync rounds every live seed holds the same table — the same
/// incarnation of every listed peer and the same tombstones. Chunks are kept tiny (1–4 nodes), so every catch-up
/// takes many chunks and the "more" path is exercised.
/// </summary>
public sealed class SeedSyncProperties
{
    public sealed record Case(ulong Seed, int Peers, int LatencyMaxMs, int DupPercent, int ChunkEntries, int Crashes)
    {
        public static Arbitrary<Case> Arb => Cases.NoShrink(
            from seed in Cases.Seeds
            from peers in Gen.Choose(6, 14)
            from lat in Gen.Choose(1, 60)
            from dup in Gen.Choose(0, 15)
            from chunk in Gen.Choose(1, 4)
            from crashes in Gen.Choose(0, 2)
            select new Case(seed, peers, lat, dup, chunk, crashes));

        public Scenario Build()
        {
            var rng = new Rng(Seed ^ 0x5EED5);
            var seeds = toSeq(Enumerable.Range(0, 3).Select(Addresses.Seed).ToArray());
            var cut = seeds[Cases.Pick(ref rng, 3)];
            var restarted = seeds[Cases.Pick(ref rng, 3)];
            var faults = new List<Fault>();
            // One seed cut off from the other seeds (its peers still reach it) for a while, then healed.
            var cutFrom = Cases.PickUs(ref rng, 1 * Cases.Second, 6 * Cases.Second);
            faults.Add(new Partition(Seq1(cut), seeds.Filter(s => s != cut), cutFrom, cutFrom + Cases.PickUs(ref rng, 2 * Cases.Second, 8 * Cases.Second)));
            // One seed crashes and starts again empty: it relearns everything in chunks.
            var crashAt = Cases.PickUs(ref rng, 4 * Cases.Second, 10 * Cases.Second);
            faults.Add(new Crash(restarted, crashAt));
            faults.Add(new Restart(restarted, crashAt + Cases.PickUs(ref rng, 1 * Cases.Second, 5 * Cases.Second)));
            for (var i = 0; i < Crashes; i++)
                faults.Add(new Crash(Addresses.Peer(Cases.Pick(ref rng, Peers)), Cases.PickUs(ref rng, 3 * Cases.Second, 12 * Cases.Second)));
            return new Scenario
            {
                Seeds = 3, Peers = Peers, Seed = Seed,
                LatencyMinUs = 500, LatencyMaxUs = LatencyMaxMs * 1000L,
                DuplicatePercent = DupPercent,
                PeerStartsUs = Cases.Starts(ref rng, Peers, 3 * Cases.Second),
                Faults = toSeq(faults.OrderBy(f => f.AtUs).ToArray()),
                RunUntilUs = 40 * Cases.Second,
                Options = ProtocolOptions.Default with { GossipIntervalMs = 2000, GossipCount = 2, SeedSyncChunkEntries = ChunkEntries },
            };
        }
    }

    [Property(MaxTest = 200)]
    public Property Once_quiet_every_live_seed_holds_the_same_table() =>
        Prop.ForAll(Case.Arb, c =>
        {
            var r = Simulator.Run(c.Build());
            var live = r.LiveSeeds.ToArray();
            Assert.Equal(3, live.Length);
            string Table(NodeId seed)
            {
                var s = r.Seeds[seed];
                return string.Join(" ", s.Peers.Map((p, rec) => $"{p}@{rec.Incarnation}").Values)
                    + " | removed " + string.Join(" ", s.Removed.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}@{kv.Value.Incarnation}"));
            }
            var first = Table(live[0]);
            foreach (var seed in live.Skip(1))
                Assert.True(Table(seed) == first, $"{c}\nseed {live[0]}: {first}\nseed {seed}: {Table(seed)}");
            Assert.NotEmpty(r.Seeds[live[0]].Peers);
            return true.Classify(c.Crashes > 0, "with removals").Classify(c.ChunkEntries == 1, "one node per chunk");
        });
}
