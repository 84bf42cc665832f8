using FsCheck;
using FsCheck.Fluent;

namespace GossipPure.Simulation.Tests.Support;

/// <summary>
/// Each property draws a small case record (a handful of numbers, printed in full when a property fails) and builds
/// its scenario from it deterministically, VOPR-style: the case's seed decides everything else. A failing case is
/// reproduced by building the same record again: <c>new AccusationCase(…).Build()</c>.
/// </summary>
public static class Cases
{
    public const long Second = 1_000_000;

    /// <summary>No shrinking: every shrink step would be a whole simulation, and the printed case already reproduces.</summary>
    public static Arbitrary<T> NoShrink<T>(Gen<T> gen) => Arb.From(gen, _ => Enumerable.Empty<T>());

    public static Gen<ulong> Seeds => Gen.Choose(0, int.MaxValue).Select(i => (ulong)i * 2654435761UL + 1);

    /// <summary>Draws from a case's own generator (not the scenario's, so the network draws stay independent).</summary>
    public static int Pick(ref Rng rng, int maxExclusive)
    {
        (var v, rng) = rng.NextInt(maxExclusive);
        return v;
    }

    public static long PickUs(ref Rng rng, long fromUs, long toUs)
    {
        (var v, rng) = rng.NextUInt64();
        return fromUs + (long)(v % (ulong)Math.Max(1, toUs - fromUs));
    }

    /// <summary>Peer starts spread over [0, spread): the overlay grows by preferential attachment, not all at once.</summary>
    public static Seq<long> Starts(ref Rng rng, int peers, long spreadUs)
    {
        var starts = new long[peers];
        for (var i = 0; i < peers; i++) starts[i] = spreadUs <= 0 ? 0 : PickUs(ref rng, 0, spreadUs);
        return toSeq(starts);
    }

    /// <summary>The incarnation a peer started with (its start time as the reducer saw it).</summary>
    public static long IncarnationOf(Scenario s, int peer) => s.EpochUs + s.PeerStartUs(peer);
}

// ---- (a) Determinism -------------------------------------------------------------------------------------------

/// <summary>
/// 1–7 seeds, 3–10 peers, latency, loss and duplication, and up to four faults, each one of: a peer crash, a peer
/// hang that resumes, a peer crash and restart, a seed crash and restart (a new process: a second Started), a CPU stall
/// of a peer or a seed (late timers, moving health scores), and a partition that heals. <see cref="Kinds"/> names them (the properties print the distribution).
/// </summary>
public sealed record DeterminismCase(ulong Seed, int SeedCount, int Peers, int LatencyMaxMs, int LossPercent, int DupPercent, int FaultCount)
{
    public static Arbitrary<DeterminismCase> Arb => Cases.NoShrink(
        from seed in Cases.Seeds
        from seeds in Gen.Choose(1, 7)
        from peers in Gen.Choose(3, 10)
        from lat in Gen.Choose(1, 80)
        from loss in Gen.Choose(0, 10)
        from dup in Gen.Choose(0, 10)
        from faults in Gen.Choose(0, 4)
        select new DeterminismCase(seed, seeds, peers, lat, loss, dup, faults));

    public enum FaultKind { PeerCrash, PeerHang, PeerRestart, SeedRestart, Stall, Partition }

    (Seq<Fault> Faults, Seq<FaultKind> Kinds, Rng Rng) Draw()
    {
        var rng = new Rng(Seed ^ 0xD7E7);
        var faults = Seq<Fault>();
        var kinds = Seq<FaultKind>();
        var seeds = Enumerable.Range(0, SeedCount).Select(Addresses.Seed).ToArray();
        var peers = Enumerable.Range(0, Peers).Select(Addresses.Peer).ToArray();
        for (var i = 0; i < FaultCount; i++)
        {
            var at = Cases.PickUs(ref rng, 5 * Cases.Second, 15 * Cases.Second);
            var back = at + Cases.PickUs(ref rng, 500_000, 4 * Cases.Second);
            var kind = (FaultKind)Cases.Pick(ref rng, 6);
            var peer = peers[Cases.Pick(ref rng, peers.Length)];
            kinds = kinds.Add(kind);
            switch (kind)
            {
                case FaultKind.PeerCrash: faults = faults.Add(new Crash(peer, at)); break;
                case FaultKind.PeerHang: faults = faults.Add(new Hang(peer, at)).Add(new Resume(peer, back)); break;
                case FaultKind.PeerRestart: faults = faults.Add(new Crash(peer, at)).Add(new Restart(peer, back)); break;
                case FaultKind.SeedRestart:
                    var seed = seeds[Cases.Pick(ref rng, seeds.Length)];
                    faults = faults.Add(new Crash(seed, at)).Add(new Restart(seed, back));
                    break;
                case FaultKind.Stall:
                    // CPU starvation of a peer or a seed: late timers move its health score, which replay must reproduce.
                    var starved = Cases.Pick(ref rng, 2) == 0 ? peer : seeds[Cases.Pick(ref rng, seeds.Length)];
                    faults = faults.Add(new Stall(starved, at, Cases.PickUs(ref rng, 100_000, 2_000_000)));
                    break;
                default:
                    var all = seeds.Concat(peers).ToArray();
                    (var side, rng) = rng.Sample(toSeq(all), 1 + Cases.Pick(ref rng, all.Length - 1));
                    faults = faults.Add(new Partition(side, toSeq(all.Where(n => !side.Contains(n)).ToArray()), at, back));
                    break;
            }
        }
        return (faults, kinds, rng);
    }

    /// <summary>The kinds of fault this case injects, for the properties' distribution ("none" without faults).</summary>
    public string Kinds => FaultCount == 0 ? "none" : string.Join("+", Draw().Kinds.Distinct().Order());

    public Scenario Build()
    {
        var (faults, _, rng) = Draw();
        return new Scenario
        {
            Seeds = SeedCount, Peers = Peers, Seed = Seed,
            LatencyMinUs = 500, LatencyMaxUs = LatencyMaxMs * 1000L,
            LossPercent = LossPercent, DuplicatePercent = DupPercent,
            PeerStartsUs = Cases.Starts(ref rng, Peers, 2 * Cases.Second),
            Faults = faults,
            RunUntilUs = 20 * Cases.Second,
            Options = ProtocolOptions.Default with { GossipIntervalMs = 1500, GossipCount = 5 },
        };
    }
}

// ---- (b) No false death ----------------------------------------------------------------------------------------

/// <summary>
/// A minority of lying peers and (optionally) a minority of lying seeds accuse live peers, as often as
/// <see cref="Accusations"/> says. Liars run the honest reducers (so they stay registered and get picked as witnesses)
/// but everything they send passes a tamperer: a lying peer answers every SUSPECT_REQUEST "dead", a lying seed votes
/// yes on every removal. On top, forged messages are injected with their names: DEAD_REPORT about live peers to
/// seeds, SUSPECT_RESPONSE "dead", LINK_REQUEST, HEARTBEAT and SUSPECT_REQUEST noise; from lying seeds
/// DEAD_PROPOSAL, DEAD_VOTE yes (guessing the honest seeds' proposal ids) and DEAD_CONFIRMED certificates naming
/// fewer than a quorum of distinct seeds.
/// </summary>
public sealed record AccusationCase(ulong Seed, int SeedCount, int Peers, int LatencyMaxMs, int LossPermille, int DupPercent, int LyingPeers, int LyingSeeds, int Accusations)
{
    public const long RunUs = 40 * Cases.Second;

    /// <summary>1–7 seeds; with lying seeds 2–7, so a minority of one or more liars exists beside an honest seed.</summary>
    public static Gen<AccusationCase> Gen(int maxLossPermille, bool lyingSeeds) =>
        from seed in Cases.Seeds
        from n in FsCheck.Fluent.Gen.Choose(lyingSeeds ? 2 : 1, 7)
        from peers in FsCheck.Fluent.Gen.Choose(5, 12)
        from lat in FsCheck.Fluent.Gen.Choose(1, 100)
        from loss in FsCheck.Fluent.Gen.Choose(0, maxLossPermille)
        from dup in FsCheck.Fluent.Gen.Choose(0, 20)
        from liars in FsCheck.Fluent.Gen.Choose(1, (peers - 1) / 2)
        from liarSeeds in lyingSeeds ? FsCheck.Fluent.Gen.Choose(1, Quorum.Of(n) - 1) : FsCheck.Fluent.Gen.Constant(0)
        from accusations in FsCheck.Fluent.Gen.Choose(0, 300)
        select new AccusationCase(seed, n, peers, lat, loss, dup, liars, liarSeeds, accusations);

    public Seq<NodeId> LiarPeers => toSeq(Pick().Liars);
    public Seq<NodeId> LiarSeeds => toSeq(Enumerable.Range(SeedCount - LyingSeeds, LyingSeeds).Select(Addresses.Seed).ToArray());
    public Seq<NodeId> HonestPeers => toSeq(Enumerable.Range(0, Peers).Select(Addresses.Peer).Where(p => !LiarPeers.Contains(p)).ToArray());
    public Seq<NodeId> HonestSeeds => toSeq(Enumerable.Range(0, SeedCount - LyingSeeds).Select(Addresses.Seed).ToArray());

    (NodeId[] Liars, Rng Rng) Pick()
    {
        var rng = new Rng(Seed ^ 0xB1A5);
        var all = toSeq(Enumerable.Range(0, Peers).Select(Addresses.Peer).ToArray());
        (var liars, rng) = rng.Sample(all, LyingPeers);
        return (liars.OrderBy(n => n).ToArray(), rng);
    }

    public Scenario Build()
    {
        var (liars, rng) = Pick();
        var liarSet = liars.ToHashSet();
        var liarSeeds = LiarSeeds.ToHashSet();
        var seeds = Enumerable.Range(0, SeedCount).Select(Addresses.Seed).ToArray();
        var honestSeeds = HonestSeeds.ToArray();
        var honest = HonestPeers.ToArray();
        var everyone = Enumerable.Range(0, Peers).Select(Addresses.Peer).ToArray();
        var starts = Cases.Starts(ref rng, Peers, 2 * Cases.Second);
        var scenarioForIncarnations = new Scenario { PeerStartsUs = starts };
        long Inc(NodeId p) => Cases.IncarnationOf(scenarioForIncarnations, p.Port - Addresses.Peer(0).Port);

        var injections = new List<Injection>();
        for (var i = 0; i < Accusations; i++)
        {
            var at = Cases.PickUs(ref rng, 3 * Cases.Second, RunUs - 2 * Cases.Second);
            var victim = honest[Cases.Pick(ref rng, honest.Length)];
            var liar = liars[Cases.Pick(ref rng, liars.Length)];
            var kind = Cases.Pick(ref rng, liarSeeds.Count > 0 ? 9 : 6);
            var anyPeer = everyone[Cases.Pick(ref rng, everyone.Length)];
            var honestPeer = honest[Cases.Pick(ref rng, honest.Length)];
            var honestSeed = honestSeeds[Cases.Pick(ref rng, honestSeeds.Length)];
            var report = $"Dead Node:{victim.Ip}:{victim.Port}:{PeerReducer.FormatTimestamp(1_700_000_000_000_000 + at)}:{liar.Ip}";
            switch (kind)
            {
                case 0:
                case 1:
                    injections.Add(new Injection(at, liar, seeds[Cases.Pick(ref rng, seeds.Length)], new DeadReport(victim, report)));
                    break;
                case 2:
                    injections.Add(new Injection(at, liar, honestPeer, new SuspectResponse(victim, true, "forged: it is dead")));
                    break;
                case 3:
                    injections.Add(new Injection(at, liar, anyPeer, Cases.Pick(ref rng, 2) == 0 ? new LinkRequest(Cases.PickUs(ref rng, 0, long.MaxValue / 2)) : new Heartbeat()));
                    break;
                case 4:
                    injections.Add(new Injection(at, liar, anyPeer, new SuspectRequest(victim)));
                    break;
                case 5:
                    // A lying peer accuses through every seed at once.
                    foreach (var s in seeds) injections.Add(new Injection(at, liar, s, new DeadReport(victim, report)));
                    break;
                default:
                    var z = liarSeeds.ElementAt(Cases.Pick(ref rng, liarSeeds.Count));
                    var forged = kind switch
                    {
                        6 => (Message)new DeadProposal(victim, $"d{z.Port}-{Cases.Pick(ref rng, 1000) + 1}", "crashed", Inc(victim)),
                        7 => new DeadVote(victim, $"d{honestSeed.Port}-{Cases.Pick(ref rng, 40) + 1}", true, "forged: no answer to PROBE"),
                        _ => new DeadConfirmed(victim, ForgedVoters(ref rng, z), "crashed", None, Inc(victim)),
                    };
                    var to = kind == 8 && Cases.Pick(ref rng, 2) == 0 ? honestPeer : honestSeed;
                    injections.Add(new Injection(at, z, to, forged));
                    break;
            }
        }

        return new Scenario
        {
            Seeds = SeedCount, Peers = Peers, Seed = Seed,
            LatencyMinUs = 500, LatencyMaxUs = LatencyMaxMs * 1000L,
            LossPercent = LossPermille / 10.0, DuplicatePercent = DupPercent,
            PeerStartsUs = starts,
            Injections = toSeq(injections.OrderBy(i => i.AtUs).ToArray()),
            Tamper = (from, _, m) => m switch
            {
                SuspectResponse r when liarSet.Contains(from) => r with { Dead = true, Evidence = "lie: no answer to PROBE" },
                DeadVote v when liarSeeds.Contains(from) => v with { Yes = true, Evidence = "lie: no answer to PROBE" },
                _ => m,
            },
            RunUntilUs = RunUs,
            Options = ProtocolOptions.Default with { GossipIntervalMs = 2000 },
        };
    }

    /// <summary>Fewer than a quorum of distinct seeds, however many names: the liar, repeated, and strangers.</summary>
    static Seq<NodeId> ForgedVoters(ref Rng rng, NodeId liar)
    {
        var names = new List<NodeId> { liar };
        var extra = Cases.Pick(ref rng, 4);
        for (var i = 0; i < extra; i++) names.Add(Cases.Pick(ref rng, 2) == 0 ? liar : new NodeId("10.9.9.9", 9000 + i));
        return toSeq(names.ToArray());
    }
}

// ---- (c) Liveness ----------------------------------------------------------------------------------------------

/// <summary>
/// One peer crashes or hangs, with 1–7 seeds; optionally (with 3 or more seeds) a minority of them crashes too, so a
/// quorum stays up.
/// </summary>
public sealed record DeathCase(ulong Seed, int SeedCount, int Peers, int LatencyMaxMs, int DupPercent, int LossPermille, bool Hang, int Victim, int FaultAtMs, int SeedCrashes)
{
    public static Gen<DeathCase> Gen(bool hang, int maxLossPermille) =>
        from seed in Cases.Seeds
        from n in FsCheck.Fluent.Gen.Choose(1, 7)
        from peers in FsCheck.Fluent.Gen.Choose(4, 15)
        from lat in FsCheck.Fluent.Gen.Choose(1, 100)
        from dup in FsCheck.Fluent.Gen.Choose(0, 20)
        from loss in FsCheck.Fluent.Gen.Choose(0, maxLossPermille)
        from victim in FsCheck.Fluent.Gen.Choose(0, peers - 1)
        from at in FsCheck.Fluent.Gen.Choose(8_000, 20_000)
        from seedCrashes in FsCheck.Fluent.Gen.Frequency((1, FsCheck.Fluent.Gen.Constant(0)), (1, FsCheck.Fluent.Gen.Choose(0, n - Quorum.Of(n))))
        select new DeathCase(seed, n, peers, lat, dup, loss, hang, victim, at, seedCrashes);

    public NodeId VictimId => Addresses.Peer(Victim);
    public long FaultUs => FaultAtMs * 1000L;

    public Scenario Build()
    {
        var rng = new Rng(Seed ^ 0x11FE);
        var faults = Seq1(Hang ? (Fault)new Hang(VictimId, FaultUs) : new Crash(VictimId, FaultUs));
        (var crashed, rng) = rng.Sample(toSeq(Enumerable.Range(0, SeedCount).Select(Addresses.Seed).ToArray()), SeedCrashes);
        foreach (var s in crashed.OrderBy(s => s))
            faults = faults.Add(new Crash(s, Cases.PickUs(ref rng, 3 * Cases.Second, FaultUs + 2 * Cases.Second)));
        return new Scenario
        {
            Seeds = SeedCount, Peers = Peers, Seed = Seed,
            LatencyMinUs = 500, LatencyMaxUs = LatencyMaxMs * 1000L,
            LossPercent = LossPermille / 10.0, DuplicatePercent = DupPercent,
            PeerStartsUs = Cases.Starts(ref rng, Peers, 2 * Cases.Second),
            Faults = faults,
            RunUntilUs = FaultUs + 12 * Cases.Second,
            Options = ProtocolOptions.Default with { GossipIntervalMs = 2000 },
        };
    }
}

// ---- (d) Delivery ----------------------------------------------------------------------------------------------

public sealed record DeliveryCase(ulong Seed, int Peers, int LatencyMaxMs, int DupPercent, int SpreadMs, int GossipIntervalMs)
{
    public static Arbitrary<DeliveryCase> Arb => Cases.NoShrink(
        from seed in Cases.Seeds
        from peers in Gen.Choose(5, 20)
        from lat in Gen.Choose(1, 100)
        from dup in Gen.Choose(0, 20)
        from spread in Gen.Choose(0, 5_000)
        from interval in Gen.Choose(500, 3_000)
        select new DeliveryCase(seed, peers, lat, dup, spread, interval));

    public Scenario Build()
    {
        var rng = new Rng(Seed ^ 0xDE11);
        return new Scenario
        {
            Seeds = 3, Peers = Peers, Seed = Seed,
            LatencyMinUs = 500, LatencyMaxUs = LatencyMaxMs * 1000L,
            DuplicatePercent = DupPercent,
            PeerStartsUs = Cases.Starts(ref rng, Peers, SpreadMs * 1000L),
            // Five messages each, the last made by ~5 intervals after the last start; then time to spread.
            RunUntilUs = SpreadMs * 1000L + 6L * GossipIntervalMs * 1000 + 5 * Cases.Second,
            Options = ProtocolOptions.Default with { GossipIntervalMs = GossipIntervalMs, GossipCount = 5 },
        };
    }
}

// ---- (e) Quorum safety -----------------------------------------------------------------------------------------

/// <summary>Any number of seeds from 1 to 5, with seed crashes, restarts, hangs, partitions, loss and duplication.</summary>
public sealed record SafetyCase(ulong Seed, int SeedCount, int Peers, int LossPercent, int DupPercent, int FaultCount)
{
    public static Arbitrary<SafetyCase> Arb => Cases.NoShrink(
        from seed in Cases.Seeds
        from n in Gen.Choose(1, 5)
        from peers in Gen.Choose(3, 10)
        from loss in Gen.Choose(0, 20)
        from dup in Gen.Choose(0, 20)
        from faults in Gen.Choose(0, 12)
        select new SafetyCase(seed, n, peers, loss, dup, faults));

    public const long RunUs = 30 * Cases.Second;

    public Scenario Build()
    {
        var rng = new Rng(Seed ^ 0x5AFE);
        var seeds = Enumerable.Range(0, SeedCount).Select(Addresses.Seed).ToArray();
        var peers = Enumerable.Range(0, Peers).Select(Addresses.Peer).ToArray();
        var all = seeds.Concat(peers).ToArray();
        var faults = new List<Fault>();
        for (var i = 0; i < FaultCount; i++)
        {
            var at = Cases.PickUs(ref rng, 0, RunUs - 5 * Cases.Second);
            var node = Cases.Pick(ref rng, 3) == 0 ? peers[Cases.Pick(ref rng, peers.Length)] : seeds[Cases.Pick(ref rng, seeds.Length)];
            var back = at + Cases.PickUs(ref rng, 500_000, 8 * Cases.Second);
            switch (Cases.Pick(ref rng, 4))
            {
                case 0: faults.Add(new Crash(node, at)); faults.Add(new Restart(node, back)); break;
                case 1: faults.Add(new Hang(node, at)); faults.Add(new Resume(node, back)); break;
                case 2: faults.Add(new Crash(node, at)); break;
                default:
                    var (side, next) = rng.Sample(toSeq(all), 1 + Cases.Pick(ref rng, all.Length - 1));
                    rng = next;
                    faults.Add(new Partition(side, toSeq(all.Where(n => !side.Contains(n)).ToArray()), at, back));
                    break;
            }
        }
        return new Scenario
        {
            Seeds = SeedCount, Peers = Peers, Seed = Seed,
            LatencyMinUs = 500, LatencyMaxUs = 50_000,
            LossPercent = LossPercent, DuplicatePercent = DupPercent,
            PeerStartsUs = Cases.Starts(ref rng, Peers, 5 * Cases.Second),
            Faults = toSeq(faults.ToArray()),
            RunUntilUs = RunUs,
            Options = ProtocolOptions.Default with { GossipIntervalMs = 3000, GossipCount = 5 },
        };
    }
}
