using FsCheck;
using FsCheck.Fluent;
using GossipPure.Simulation.Tests.Support;

namespace GossipPure.Simulation.Tests;

/// <summary>
/// A signed network (issue 14) with up to ⌊(n−1)/2⌋ Byzantine seeds and any number of Byzantine peers (at least
/// one honest peer stays), 3–7 seeds, 4–12 peers, up to two honest peers crashing and restarting (so real removal
/// certificates of an earlier incarnation exist to replay), 45 virtual seconds. The Byzantine nodes are one
/// colluding <see cref="ByzantineAdversary"/>.
/// </summary>
public sealed record ByzantineCase(ulong Seed, int SeedCount, int Peers, int ByzantineSeeds, int ByzantinePeers, int LatencyMaxMs, int DupPercent, int Restarts, int LiePercent)
{
    public const long RunUs = 45 * Cases.Second;

    public static Arbitrary<ByzantineCase> Arb => Cases.NoShrink(
        from seed in Cases.Seeds
        from n in Gen.Choose(3, 7)
        from peers in Gen.Choose(4, 12)
        from bs in Gen.Choose(0, (n - 1) / 2)
        from bp in Gen.Choose(bs == 0 ? 1 : 0, peers - 2)
        from lat in Gen.Choose(1, 50)
        from dup in Gen.Choose(0, 10)
        from restarts in Gen.Choose(0, 2)
        from lies in Gen.Choose(20, 100)
        select new ByzantineCase(seed, n, peers, bs, bp, lat, dup, restarts, lies));

    /// <summary>Cases with at least one Byzantine seed (3–7 seeds, so a minority of one or more exists).</summary>
    public static Arbitrary<ByzantineCase> WithByzantineSeeds => Cases.NoShrink(
        from seed in Cases.Seeds
        from n in Gen.Choose(3, 7)
        from peers in Gen.Choose(4, 12)
        from bs in Gen.Choose(1, (n - 1) / 2)
        from bp in Gen.Choose(0, peers - 2)
        from lat in Gen.Choose(1, 50)
        from dup in Gen.Choose(0, 10)
        from restarts in Gen.Choose(0, 2)
        from lies in Gen.Choose(20, 100)
        select new ByzantineCase(seed, n, peers, bs, bp, lat, dup, restarts, lies));

    /// <summary>The last seeds of config.csv are the Byzantine ones (they hold real keys, listed in config.csv).</summary>
    public Seq<NodeId> BadSeeds => toSeq(Enumerable.Range(SeedCount - ByzantineSeeds, ByzantineSeeds).Select(Addresses.Seed).ToArray());

    public Seq<NodeId> BadPeers
    {
        get
        {
            var rng = new Rng(Seed ^ 0xBAD);
            var (picked, _) = rng.Sample(toSeq(Enumerable.Range(0, Peers).Select(Addresses.Peer).ToArray()), ByzantinePeers);
            return toSeq(picked.OrderBy(n => n).ToArray());
        }
    }

    public Seq<NodeId> Byzantine => toSeq([.. BadSeeds, .. BadPeers]);

    public Scenario Build()
    {
        var rng = new Rng(Seed ^ 0xB12A);
        var honest = Enumerable.Range(0, Peers).Select(Addresses.Peer).Where(p => !BadPeers.Contains(p)).ToArray();
        var faults = new List<Fault>();
        (var restarted, rng) = rng.Sample(toSeq(honest), Math.Min(Restarts, honest.Length - 1));
        foreach (var p in restarted.OrderBy(p => p))
        {
            // Down long enough that the seeds remove it (a certificate the liars can replay after it is back).
            var at = Cases.PickUs(ref rng, 6 * Cases.Second, 15 * Cases.Second);
            faults.Add(new Crash(p, at));
            faults.Add(new Restart(p, at + Cases.PickUs(ref rng, 10 * Cases.Second, 14 * Cases.Second)));
        }
        var seed = Seed;
        var lies = LiePercent;
        return new Scenario
        {
            Seeds = SeedCount, Peers = Peers, Seed = Seed,
            LatencyMinUs = 500, LatencyMaxUs = LatencyMaxMs * 1000L,
            DuplicatePercent = DupPercent,
            PeerStartsUs = Cases.Starts(ref rng, Peers, 2 * Cases.Second),
            Faults = toSeq(faults.ToArray()),
            RunUntilUs = RunUs,
            Options = ProtocolOptions.Default with { GossipIntervalMs = 2000 },
            Signed = true,
            Byzantine = Byzantine,
            Adversary = kit => new ByzantineAdversary(kit, seed, 100_000, lies),
        };
    }
}
