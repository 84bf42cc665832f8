using System.Net.Sockets;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using GossipPure.Core;
using GossipPure.Core.Identity;
using GossipPure.Shell.Net;
using GossipPure.Shell.Security;
using static LanguageExt.Prelude;

namespace GossipPure.Benchmarks;

/// <summary>
/// What signed membership adds to a connection: one new loopback connection to a seed per operation, from connect
/// to the acceptor's <see cref="Received"/> of the first message (challenge, signed HELLO, its check), then closed.
/// Monitoring with a fixed invocation count: a few thousand connections in all, so TIME_WAIT never runs out of ports.
/// Run: dotnet run -c Release --project tests/GossipPure.Benchmarks -- --filter '*Handshake*'
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 10, invocationCount: 100)]
public class HandshakeBenchmarks
{
    [Params(false, true)] public bool Signed;
    [Params(false, true)] public bool ClusterKey;

    HandshakePair pair = null!;

    [GlobalSetup]
    public void Setup() => pair = new HandshakePair(Signed, ClusterKey, 24000 + Environment.ProcessId % 4000);

    [Benchmark(Description = "new connection: connect, handshake, first message received")]
    public Task Connect() => pair.ConnectOnce();

    [GlobalCleanup]
    public void Cleanup() => pair.Dispose();
}

/// <summary>
/// A seed that listens and one that dials it, with or without signed membership and a cluster key; each
/// <see cref="ConnectOnce"/> is a new connection, timed from the send to the acceptor's <see cref="Received"/>.
/// </summary>
sealed class HandshakePair : IDisposable
{
    readonly Transport dialler = null!, acceptor = null!;
    readonly NodeId acceptorId = null!;
    TaskCompletionSource arrived = new();
    readonly List<IDisposable> owned = new();
    string? keyFile;

    public string Mode { get; }

    public HandshakePair(bool signed, bool clusterKey, int firstPort)
    {
        Mode = $"{(signed ? "signed" : "unsigned")}, {(clusterKey ? "cluster key" : "plain")}";
        var signers = new[] { Ed25519Signer.Create(), Ed25519Signer.Create() };
        owned.AddRange(signers);
        ClusterKeyring? Ring()
        {
            if (!clusterKey) return null;
            if (keyFile is null)
            {
                keyFile = Path.GetTempFileName();
                File.WriteAllText(keyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) + "\n");
            }
            return ClusterKeyring.TryLoad(keyFile, out var ring, out var error) ? ring : throw new InvalidOperationException(error);
        }
        // Two seeds in config.csv (bench ports 24000-32000): the acceptor listens, the dialler only dials.
        for (var port = firstPort; ; port += 2)
        {
            acceptorId = new NodeId("127.0.0.1", port);
            var diallerId = new NodeId("127.0.0.1", port + 1);
            var seeds = toSeq(new[] { acceptorId, diallerId });
            var keys = toHashMap(new[] { (acceptorId, signers[0].PublicKey), (diallerId, signers[1].PublicKey) });
            NodeConfig Config(NodeId self, ISigner signer) => new(self, seeds, ProtocolOptions.Default)
            {
                Security = signed ? new Security(keys, Ed25519Scheme.Instance, signer) : Security.None,
            };
            acceptor = new Transport(acceptorId, Role.Seed, i => { if (i is Received) arrived.TrySetResult(); },
                new TransportOptions(TransportLimits.Default, Ring()), null, Config(acceptorId, signers[0]));
            try { acceptor.Listen(); }
            catch (SocketException) { acceptor.DisposeAsync().AsTask().Wait(); continue; }
            dialler = new Transport(diallerId, Role.Seed, _ => { }, new TransportOptions(TransportLimits.Default, Ring()), null, Config(diallerId, signers[1]));
            break;
        }
    }

    public NodeId AcceptorId => acceptorId;

    public async Task ConnectOnce()
    {
        var t = arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        dialler.Send(acceptorId, new Heartbeat());
        await t.Task.WaitAsync(TimeSpan.FromSeconds(10));
        dialler.Disconnect(acceptorId);
    }

    public void Dispose()
    {
        dialler.DisposeAsync().AsTask().Wait();
        acceptor.DisposeAsync().AsTask().Wait();
        foreach (var d in owned) d.Dispose();
        if (keyFile is not null) File.Delete(keyFile);
    }
}

/// <summary>
/// The four modes interleaved in one process (a busy shared machine drifts; interleaving spreads the drift over all
/// four): rounds of 20 new connections per mode, in a shuffled order, then each mode's median and p90.
/// Run: dotnet run -c Release --project tests/GossipPure.Benchmarks -- handshake-loop [rounds]
/// </summary>
public static class HandshakeLoop
{
    public static async Task RunAsync(int rounds)
    {
        var pairs = new[] { (false, false), (false, true), (true, false), (true, true) }
            .Select((m, i) => new HandshakePair(m.Item1, m.Item2, 24000 + (Environment.ProcessId % 1000) * 4 + i * 1000)).ToArray();
        var samples = pairs.Select(_ => new List<double>()).ToArray();
        var random = new Random(1);
        try
        {
            foreach (var p in pairs) for (var i = 0; i < 50; i++) await p.ConnectOnce();   // warm-up
            for (var r = 0; r < rounds; r++)
                foreach (var i in Enumerable.Range(0, pairs.Length).OrderBy(_ => random.Next()))
                    for (var k = 0; k < 20; k++)
                    {
                        var start = System.Diagnostics.Stopwatch.GetTimestamp();
                        await pairs[i].ConnectOnce();
                        samples[i].Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                    }
        }
        finally
        {
            foreach (var p in pairs) p.Dispose();
        }
        Console.WriteLine($"new connection to a seed, connect to first message received ({rounds * 20} per mode, interleaved):");
        for (var i = 0; i < pairs.Length; i++)
        {
            var s = samples[i].Order().ToArray();
            Console.WriteLine($"  {pairs[i].Mode,-24} median {s[s.Length / 2],7:0} us   p90 {s[s.Length * 9 / 10],7:0} us   ({1e6 / s[s.Length / 2]:0} connections/s at the median)");
        }
    }
}

/// <summary>The identity handshake's own CPU: the dialler signs its HELLO, the acceptor checks it (a fresh challenge each time).</summary>
[MemoryDiagnoser]
public class IdentityCheckBenchmarks
{
    NodeConfig dialler = null!, acceptor = null!;
    RegisterCommit cert = null!;
    readonly List<IDisposable> owned = new();

    [GlobalSetup]
    public void Setup()
    {
        var seeds = toSeq(new[] { new NodeId("127.0.0.1", 5011), new NodeId("127.0.0.1", 5012), new NodeId("127.0.0.1", 5013) });
        var signers = seeds.Map(_ => Ed25519Signer.Create()).ToArray();
        var peer = Ed25519Signer.Create();
        owned.AddRange(signers);
        owned.Add(peer);
        var keys = toHashMap(seeds.Zip(signers).Map(p => (p.Item1, p.Item2.PublicKey)));
        var p1 = new NodeId("127.0.0.1", 7001);
        dialler = new NodeConfig(p1, seeds, ProtocolOptions.Default) { Security = new Security(keys, Ed25519Scheme.Instance, peer) };
        acceptor = new NodeConfig(new NodeId("127.0.0.1", 7002), seeds, ProtocolOptions.Default) { Security = new Security(keys, Ed25519Scheme.Instance, signers[0]) };
        var statement = Statements.Register(p1, peer.PublicKey, 1, "p-1");
        cert = new RegisterCommit(p1, seeds.Take(2), 1)
        {
            Key = peer.PublicKey,
            ProposalId = "p-1",
            Signatures = seeds.Take(2).Zip(signers).Map(p => new SeedSignature(p.Item1, p.Item2.Sign(statement))).ToSeq(),
        };
    }

    [Benchmark(Description = "peer HELLO with certificate: sign + check")]
    public bool SignAndCheck()
    {
        var challenge = IdentityHandshake.NewChallenge();
        var hello = IdentityHandshake.SignedHello(dialler, Role.Peer, acceptor.Self, challenge, cert);
        return IdentityHandshake.Check(acceptor, Role.Peer, hello, challenge) is null;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var d in owned) d.Dispose();
    }
}
