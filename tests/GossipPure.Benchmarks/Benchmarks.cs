using BenchmarkDotNet.Attributes;
using GossipPure.Core;
using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;
using GossipPure.Shell.Wire;
using static LanguageExt.Prelude;

namespace GossipPure.Benchmarks;

static class Fixtures
{
    public static readonly LanguageExt.Seq<NodeId> Seeds =
        toSeq(new[] { new NodeId("127.0.0.1", 5011), new NodeId("127.0.0.1", 5012), new NodeId("127.0.0.1", 5013) });

    /// <summary>A registered peer with 8 neighbours, driven through its own registration.</summary>
    public static PeerState RegisteredPeer(out NodeId neighbour)
    {
        var s = PeerState.Initial(new NodeConfig(new NodeId("127.0.0.1", 7000), Seeds, ProtocolOptions.Default));
        var r = PeerReducer.Step(s, new Started(1_700_000_000_000_000, 1));
        s = r.State;
        var known = new PeerList(toSeq(Enumerable.Range(0, 8).Select(i => new PeerEntry(new NodeId("127.0.0.1", 7001 + i), i)).ToArray()));
        foreach (var e in r.Effects.OfType<Send>().Where(x => x.Message is RegisterRequest))
            s = PeerReducer.Step(s, new Received(1_700_000_000_001_000, e.To, known)).State;
        for (var i = 0; i < 8; i++)
            s = PeerReducer.Step(s, new Received(1_700_000_000_002_000, new NodeId("127.0.0.1", 7001 + i), new LinkRequest(1))).State;
        neighbour = s.Neighbours.OrderBy(n => n).First();
        return s;
    }
}

[MemoryDiagnoser]
public class FrameBenchmarks
{
    readonly Gossip gossip = new(new NodeId("127.0.0.1", 6001), "1795635730.511801:127.0.0.1:7");
    byte[] payload = [];

    [GlobalSetup]
    public void Setup() => payload = JsonCodec.Encode(gossip);

    [Benchmark(Description = "frame encode (GOSSIP)")]
    public byte[] Encode() => Framing.Frame(gossip);

    [Benchmark(Description = "frame decode (GOSSIP)")]
    public Message? Decode() => JsonCodec.TryDecode(payload, out var m, out _) ? m : null;
}

[MemoryDiagnoser]
public class PeerGossipBenchmarks
{
    PeerState peer = null!;
    NodeId from = null!;
    Received duplicate = null!;
    Received[] fresh = [];
    int next;

    [GlobalSetup]
    public void Setup()
    {
        peer = Fixtures.RegisteredPeer(out from);
        var dup = new Gossip(from, "1700000000.511801:127.0.0.1:1");
        peer = PeerReducer.Step(peer, new Received(1_700_000_001_000_000, from, dup)).State;
        duplicate = new Received(1_700_000_001_000_001, from, dup);
        // Enough distinct messages that the first-time benchmark never repeats one within an iteration.
        fresh = Enumerable.Range(0, 1 << 20).Select(i => new Received(1_700_000_002_000_000 + i, from, new Gossip(from, $"1700000001.{i % 1_000_000:D6}:127.0.0.1:{i}"))).ToArray();
        // Measure the paths named: a first receipt that is taken (within the horizon), a repeat that is counted.
        if (!PeerReducer.Step(peer, fresh[0]).Effects.Any(e => e is GossipReceived))
            throw new InvalidOperationException("the first-time benchmark input is not taken as new gossip");
        if (PeerReducer.Step(peer, duplicate).State.Duplicates != peer.Duplicates + 1)
            throw new InvalidOperationException("the duplicate benchmark input is not counted as a duplicate");
    }

    [Benchmark(Description = "peer step: duplicate GOSSIP")]
    public PeerState Duplicate() => PeerReducer.Step(peer, duplicate).State;

    [Benchmark(Description = "peer step: first-time GOSSIP (log + forward to 7)")]
    public PeerState FirstTime()
    {
        // Each call sees a new message against the same state: the cost of one first receipt.
        var i = next++ & (fresh.Length - 1);
        return PeerReducer.Step(peer, fresh[i]).State;
    }
}

[MemoryDiagnoser]
public class SeedRegistrationBenchmarks
{
    SeedState seed = null!;
    readonly NodeId newcomer = new("127.0.0.1", 6999);

    [GlobalSetup]
    public void Setup()
    {
        seed = SeedState.Initial(new NodeConfig(Fixtures.Seeds[0], Fixtures.Seeds, ProtocolOptions.Default));
        seed = SeedReducer.Step(seed, new Started(1_700_000_000_000_000, 1)).State;
        // A seed that already lists 100 peers.
        for (var i = 0; i < 100; i++)
        {
            var p = new NodeId("127.0.0.1", 6000 + i);
            seed = SeedReducer.Step(seed, new Received(1_700_000_000_000_100 + i, Fixtures.Seeds[1],
                new RegisterCommit(p, toSeq(new[] { Fixtures.Seeds[1], Fixtures.Seeds[2] }), 1))).State;
        }
    }

    [Benchmark(Description = "seed: REGISTER_REQUEST → proposal")]
    public SeedState Request() => SeedReducer.Step(seed, new Received(1_700_000_001_000_000, newcomer, new RegisterRequest(1))).State;

    [Benchmark(Description = "seed: request, 2 votes, commit, peer list (100 peers)")]
    public SeedState FullRegistration()
    {
        var s = SeedReducer.Step(seed, new Received(1_700_000_001_000_000, newcomer, new RegisterRequest(1))).State;
        var id = s.Registrations[newcomer].ProposalId;
        s = SeedReducer.Step(s, new Received(1_700_000_001_000_100, Fixtures.Seeds[1], new RegisterVote(newcomer, id, true, null))).State;
        return s;
    }
}
