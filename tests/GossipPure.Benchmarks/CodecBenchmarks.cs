using BenchmarkDotNet.Attributes;
using GossipPure.Core;
using GossipPure.Shell.Wire;
using static LanguageExt.Prelude;

namespace GossipPure.Benchmarks;

/// <summary>
/// The wire codec on the messages a running network sends most: encode (message → UTF-8 JSON) and decode
/// (payload → message). The allocation column of <c>Decode</c> is meant to be the size of the message it returns;
/// <c>Construct</c> allocates an identical message from scratch (fresh strings, no parsing) to compare with.
/// Run: dotnet run -c Release --project tests/GossipPure.Benchmarks -- --filter '*Codec*' --job short
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    static readonly NodeId Peer = new("127.0.0.1", 6001);

    /// <summary>Which message: HELLO, HEARTBEAT, GOSSIP, PROBE, DEGREE_UPDATE (8 neighbours), PEER_LIST (20 peers).</summary>
    [Params("HELLO", "HEARTBEAT", "GOSSIP", "PROBE", "DEGREE_UPDATE", "PEER_LIST")]
    public string Kind { get; set; } = "GOSSIP";

    Message message = null!;
    byte[] payload = [];

    public static Message Sample(string kind) => kind switch
    {
        "HELLO" => new Hello(Peer, Role.Peer),
        "HEARTBEAT" => new Heartbeat(),
        "GOSSIP" => new Gossip(Peer, "1795635730.511801:127.0.0.1:7"),
        "PROBE" => new Probe(1_795_635_730_511_801),
        "DEGREE_UPDATE" => new DegreeUpdate(toSeq(Enumerable.Range(0, 8).Select(i => new NodeId("127.0.0.1", 6002 + i)).ToArray())),
        "PEER_LIST" => new PeerList(toSeq(Enumerable.Range(0, 20).Select(i => new PeerEntry(new NodeId("127.0.0.1", 6002 + i), i % 5)).ToArray())),
        _ => throw new ArgumentException($"no sample for {kind}", nameof(kind)),
    };

    [GlobalSetup]
    public void Setup()
    {
        message = Sample(Kind);
        payload = JsonCodec.Encode(message);
        if (!JsonCodec.TryDecode(payload, out var back, out var error) || !back.Equals(message))
            throw new InvalidOperationException($"{Kind} does not round-trip: {error}");
    }

    [Benchmark(Description = "encode")]
    public byte[] Encode() => JsonCodec.Encode(message);

    [Benchmark(Description = "decode")]
    public Message? Decode() => JsonCodec.TryDecode(payload, out var m, out _) ? m : null;
}

/// <summary>
/// What an identical GOSSIP, HELLO or PROBE costs to build by hand (fresh strings copied from spans): the allocation
/// floor a decoder that allocates nothing but the message reaches.
/// </summary>
[MemoryDiagnoser]
public class CodecConstructBenchmarks
{
    static readonly char[] Ip = "127.0.0.1".ToCharArray();
    static readonly char[] Body = "1795635730.511801:127.0.0.1:7".ToCharArray();

    [Benchmark(Description = "construct GOSSIP")]
    public Message Gossip() => new Gossip(new NodeId(new string(Ip), 6001), new string(Body));

    [Benchmark(Description = "construct HELLO")]
    public Message Hello() => new Hello(new NodeId(new string(Ip), 6001), Role.Peer);

    [Benchmark(Description = "construct PROBE")]
    public Message Probe() => new Probe(1_795_635_730_511_801);
}
