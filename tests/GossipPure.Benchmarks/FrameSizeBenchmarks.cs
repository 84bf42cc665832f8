using BenchmarkDotNet.Attributes;
using GossipPure.Core;
using GossipPure.Core.Identity;
using GossipPure.Shell.Wire;
using static LanguageExt.Prelude;

namespace GossipPure.Benchmarks;

/// <summary>
/// <see cref="FrameSize"/>, what the simulator asks of every message it sends (~300 million in its largest run),
/// beside encoding the same message. The size is meant to cost well under 100 ns and allocate nothing for the
/// common small messages.
/// Run: dotnet run -c Release --project tests/GossipPure.Benchmarks -- --filter '*FrameSize*' --job short
/// </summary>
[MemoryDiagnoser]
public class FrameSizeBenchmarks
{
    static readonly NodeId Peer = new("127.0.0.1", 6001);

    /// <summary>HEARTBEAT, PROBE, GOSSIP (a typical body), a signed REGISTER_COMMIT (3 voters, 2 signatures), PEER_LIST (100 peers).</summary>
    [Params("HEARTBEAT", "PROBE", "GOSSIP", "REGISTER_COMMIT", "PEER_LIST")]
    public string Kind { get; set; } = "GOSSIP";

    Message message = null!;

    /// <summary>A signed commit with strings as long as real ones: a 44-character key, 88-character signatures (base64).</summary>
    static RegisterCommit SignedCommit()
    {
        var seeds = toSeq(new[] { new NodeId("127.0.0.1", 5011), new NodeId("127.0.0.1", 5012), new NodeId("127.0.0.1", 5013) });
        const string Base64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        string B64(int n, int from) => new(Enumerable.Range(from, n).Select(i => Base64[i % 64]).ToArray());
        return new RegisterCommit(Peer, seeds, 1_732_520_000_123_456)
        {
            Key = B64(43, 3) + "=",
            ProposalId = "5011-17",
            Signatures = seeds.Take(2).Map(s => new SeedSignature(s, B64(86, s.Port) + "==")).ToSeq(),
        };
    }

    [GlobalSetup]
    public void Setup()
    {
        message = Kind switch
        {
            "HEARTBEAT" or "PROBE" or "GOSSIP" => CodecBenchmarks.Sample(Kind),
            "REGISTER_COMMIT" => SignedCommit(),
            "PEER_LIST" => new PeerList(toSeq(Enumerable.Range(0, 100).Select(i => new PeerEntry(new NodeId("127.0.0.1", 6002 + i), i % 5)).ToArray())),
            _ => throw new ArgumentException($"no sample for {Kind}"),
        };
        if (FrameSize.Of(message) != JsonCodec.Encode(message).Length)
            throw new InvalidOperationException($"{Kind}: FrameSize {FrameSize.Of(message)}, encoded {JsonCodec.Encode(message).Length}");
    }

    [Benchmark(Description = "FrameSize.Of")]
    public long Of() => FrameSize.Of(message);

    [Benchmark(Description = "FrameSize.TooLarge")]
    public bool TooLarge() => FrameSize.TooLarge(message);

    [Benchmark(Description = "encode (for comparison)", Baseline = true)]
    public int Encode() => JsonCodec.Encode(message).Length;
}
