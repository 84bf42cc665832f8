using System.Net.Sockets;
using System.Security.Cryptography;
using GossipPure.Shell.Net;
using GossipPure.Shell.Security;
using Node = GossipPure.Shell.Tests.TransportLimitTests.Node;

namespace GossipPure.Shell.Tests;

/// <summary>Transports with cluster keys, in this process: who gets through, what each side says, and rotation.</summary>
public sealed class TransportKeyTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("gossip-keys-").FullName;
    static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    static readonly string KeyC = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public void Dispose() => Directory.Delete(dir, recursive: true);

    string KeyFile(string name, params string[] keys)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllLines(path, keys);
        return path;
    }

    static TransportLimitTests.ClusterKeyringFactory Ring(string path) => () =>
        ClusterKeyring.TryLoad(path, out var ring, out var error) ? ring! : throw new InvalidOperationException(error);

    static string Fp(string key) => new ClusterKey(Convert.FromBase64String(key)).Fingerprint;

    [Fact]
    public async Task Nodes_with_the_same_key_talk_both_ways()
    {
        var file = KeyFile("a", KeyA);
        await using var one = new Node(TransportLimits.Default, Ring(file));
        await using var two = new Node(TransportLimits.Default, Ring(file));
        one.Transport.Send(two.Id, new Gossip(one.Id, "hello two"));
        var got = await two.Next<Received>();
        Assert.Equal(one.Id, got.From);
        Assert.Equal(new Gossip(one.Id, "hello two"), got.Message);
        two.Transport.Send(one.Id, new Gossip(two.Id, "hello one"));
        Assert.Equal(two.Id, (await one.Next<Received>()).From);
        Assert.DoesNotContain(one.Drain().Concat(two.Drain()), i => i is BadFrame or ConnectFailed);
    }

    [Fact]
    public async Task A_node_with_another_key_is_refused_and_both_sides_say_so()
    {
        await using var member = new Node(TransportLimits.Default, Ring(KeyFile("a", KeyA)));
        await using var stranger = new Node(TransportLimits.Default, Ring(KeyFile("c", KeyC)));
        stranger.Transport.Send(member.Id, new RegisterRequest(1));
        var failed = await stranger.Next<ConnectFailed>();
        Assert.Equal($"cluster-key handshake: refused: cluster key {Fp(KeyC)} is not in the keyring of {member.Id}", failed.Reason);
        var bad = await member.Next<BadFrame>();
        Assert.Equal($"refused: its cluster key {Fp(KeyC)} is not in this node's keyring (1 key, primary {Fp(KeyA)})", bad.Reason);
        Assert.DoesNotContain(member.Drain(), i => i is Received or Connected);
    }

    [Fact]
    public async Task A_node_without_a_key_is_refused_by_a_keyed_one_and_both_sides_say_so()
    {
        await using var member = new Node(TransportLimits.Default, Ring(KeyFile("a", KeyA)));
        await using var plain = new Node(TransportLimits.Default);
        plain.Transport.Send(member.Id, new RegisterRequest(1));
        var bad = await member.Next<BadFrame>();
        Assert.Equal($"refused: no cluster key (a plain HELLO as {plain.Id}); this node requires one", bad.Reason);
        var told = await plain.Next<BadFrame>();
        Assert.Equal($"refused by the remote: {member.Id} requires the cluster key (--cluster-key-file)", told.Reason);
        Assert.DoesNotContain(member.Drain(), i => i is Received or Connected);
    }

    [Fact]
    public async Task A_keyed_node_is_refused_by_one_without_a_key_and_both_sides_say_so()
    {
        await using var keyed = new Node(TransportLimits.Default, Ring(KeyFile("a", KeyA)));
        await using var plain = new Node(TransportLimits.Default);
        keyed.Transport.Send(plain.Id, new Heartbeat());
        Assert.Equal($"cluster-key handshake: refused: {plain.Id} has no cluster key; it takes plain connections only", (await keyed.Next<ConnectFailed>()).Reason);
        Assert.Equal("refused: it began a cluster-key handshake, but this node has no cluster key (--cluster-key-file)", (await plain.Next<BadFrame>()).Reason);
        Assert.DoesNotContain(plain.Drain(), i => i is Received or Connected);
    }

    [Fact]
    public async Task Knowing_the_key_id_is_not_enough_to_get_in()
    {
        await using var member = new Node(TransportLimits.Default, Ring(KeyFile("a", KeyA)));
        using var s = await TransportLimitTests.Raw(member.Id);
        var stolenId = new ClusterKey(Convert.FromBase64String(KeyA));       // only its id goes on the wire
        var nd = Handshake.NewNonce();
        await s.SendAsync(Handshake.ClientHello(stolenId, nd));
        var reply = new byte[4 + 2 + Handshake.NonceBytes + Handshake.MacBytes];
        var n = 0;
        using (var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
            while (n < reply.Length)
            {
                var got = await s.ReceiveAsync(reply.AsMemory(n), SocketFlags.None, bound.Token);
                Assert.True(got > 0, $"the member closed after {n} of the {reply.Length} bytes of its handshake reply");
                n += got;
            }
        await s.SendAsync(Framing.Control(ControlKind.ClientFinish, new byte[Handshake.MacBytes]));   // a guess
        Assert.Equal($"refused: its proof of cluster key {Fp(KeyA)} is wrong (a replayed or forged handshake)", (await member.Next<BadFrame>()).Reason);
        Assert.DoesNotContain(member.Drain(), i => i is Connected);
    }

    [Fact]
    public async Task Rotating_A_to_B_through_the_key_files_keeps_the_link_and_ends_with_connections_under_B()
    {
        var fileOne = KeyFile("one", KeyA);
        var fileTwo = KeyFile("two", KeyA);
        await using var one = new Node(TransportLimits.Default, Ring(fileOne));
        await using var two = new Node(TransportLimits.Default, Ring(fileTwo));
        var n = 0;
        async Task Exchange()
        {
            n++;
            one.Transport.Send(two.Id, new Gossip(one.Id, $"to two {n}"));
            await two.Next<Received>(r => r.Message is Gossip { Body: var b } && b == $"to two {n}");
            two.Transport.Send(one.Id, new Gossip(two.Id, $"to one {n}"));
            await one.Next<Received>(r => r.Message is Gossip { Body: var b } && b == $"to one {n}");
        }
        async Task Step(string[] keys, string line)
        {
            File.WriteAllLines(fileOne, keys);
            File.WriteAllLines(fileTwo, keys);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!(Has(one, line) && Has(two, line)) && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.True(Has(one, line) && Has(two, line), $"no '{line}' on both: {string.Join(" | ", one.Notices.Concat(two.Notices))}");
            await Exchange();
        }
        static bool Has(Node node, string line) { lock (node.Notices) return node.Notices.Contains(line); }

        await Exchange();
        await Step([KeyA, KeyB], $"cluster keys reloaded (2 keys, primary {Fp(KeyA)})");
        await Step([KeyB, KeyA], $"cluster keys reloaded (2 keys, primary {Fp(KeyB)})");
        await Step([KeyB], $"cluster keys reloaded (1 key, primary {Fp(KeyB)})");
        lock (one.Notices) Assert.Contains(one.Notices, l => l.Contains($"authenticated with removed key {Fp(KeyA)} are replaced by connections under key {Fp(KeyB)}, then closed"));

        // The old connections close once replaced; nobody sees the link go down.
        var closedLine = "(all replaced)";
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!(HasPart(one, closedLine) && HasPart(two, closedLine)) && DateTime.UtcNow < until) await Task.Delay(50);
        Assert.True(HasPart(one, closedLine) && HasPart(two, closedLine), string.Join(" | ", one.Notices.Concat(two.Notices)));
        static bool HasPart(Node node, string part) { lock (node.Notices) return node.Notices.Exists(l => l.Contains(part)); }
        await Exchange();
        Assert.DoesNotContain(one.Drain().Concat(two.Drain()), i => i is Disconnected or ConnectFailed or BadFrame);

        // A node that still has only A is now refused.
        await using var late = new Node(TransportLimits.Default, Ring(KeyFile("late", KeyA)));
        late.Transport.Send(one.Id, new Heartbeat());
        Assert.Contains($"cluster key {Fp(KeyA)} is not in the keyring of {one.Id}", (await late.Next<ConnectFailed>()).Reason);
    }
}
