using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NSec.Cryptography;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// Issue 14's promise on real processes: with seed keys in config.csv no single process — a stranger, a registered
/// peer, or a seed acting alone — can remove a live peer, admit an address that never registered, or gossip in
/// another peer's name. The attackers are hand-written clients (their own Ed25519 code, the wire spoken by hand:
/// they share no code with the node), each refused with one line at the node it attacks, while the honest network
/// keeps gossiping.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SignedNetworkTests
{
    static readonly TimeSpan Bound = LabNetwork.Bound;
    static readonly string[] Gossipy = ["--key-dir", "keys", "--gossip-interval", "300ms", "--gossip-count", "100000"];

    /// <summary>3 seeds with keys made by <c>gossip keygen</c> (config.csv's third column) and the peers, gossiping.</summary>
    static async Task<LabNetwork> SignedNetwork(int peers)
    {
        var net = new LabNetwork(seeds: 3);
        var lines = new List<string>();
        foreach (var (_, port) in net.Lab.Seeds)
        {
            var run = await CliRun.Of(net.Lab.Dir, null, Bound, "keygen", "127.0.0.1", port.ToString(), "--key-dir", "keys");
            Assert.True(run.ExitCode == 0, run.ToString());
            lines.Add(Assert.Single(run.Out));
        }
        File.WriteAllLines(net.Lab.ConfigPath, lines);
        foreach (var (_, port) in net.Lab.Seeds) net.StartSeed(port, "--key-dir", "keys");
        var ports = FreePorts.Take(peers).ToList();
        foreach (var p in ports) net.StartPeer(p, Gossipy);
        await net.WaitUntilGossiping(ports);
        return net;
    }

    static string Id(int port) => $"127.0.0.1:{port}";

    /// <summary>No node purged or removed one of <paramref name="ports"/> (refusal lines name them too, but never so).</summary>
    static void NoneRemoved(LabNetwork net, IEnumerable<int> ports, int fromLine = 0)
    {
        foreach (var node in net.All)
            foreach (var port in ports)
                Assert.DoesNotContain(node.Output.Skip(fromLine), l => l.Contains($"DEAD_CONFIRMED {Id(port)} ("));
    }

    [Fact]
    public async Task A_process_without_seed_keys_can_neither_purge_admit_nor_gossip_in_another_peers_name()
    {
        using var net = await SignedNetwork(peers: 5);
        var peers = net.Peers.Keys.ToList();
        var seeds = net.Seeds.Keys.ToList();
        var victim = peers[0];
        var ghost = FreePorts.Take(1).Single();   // an address that never registered: nothing runs there
        using var own = TestKey.Create();

        // 1. A stranger claims to be seed 1 (same IP, so the address check passes), with its own key.
        foreach (var port in seeds.Skip(1).Concat(peers))
        {
            var c = await SignedClient.Open(port, Id(seeds[0]), "seed", own, cert: null);
            await c.SendQuietly(ForgedDeadConfirmed(victim, seeds));
            c.Dispose();
            await LineAt(net, port, l => l.Contains($"refused: HELLO as seed {Id(seeds[0])} with key"));
        }

        // 2. The same process registers honestly as a peer of its own (its own key), so its frames get past the
        // handshake, and then lies in what it sends. It listens on its address: the seeds that vote on its
        // registration dial it there and ask it to prove its key (KEY_CHALLENGE).
        var me = FreePorts.Take(1).Single();
        using var listening = KeyProver.Listen(me, own);
        var toSeed = await SignedClient.Open(seeds[0], Id(me), "peer", own, cert: null);
        var incarnation = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        await toSeed.Send(new JsonObject
        {
            ["type"] = "REGISTER_REQUEST", ["incarnation"] = incarnation, ["key"] = own.Public,
            ["sig"] = own.Sign($"GossipPure/1 JOIN {Id(me)} {own.Public} {incarnation}"),
        });
        var myCert = Certificate(await toSeed.ReadUntil(m => (string?)m["type"] == "REGISTER_COMMIT" && (string?)m["peer"] == Id(me), Bound));
        var list = await toSeed.ReadUntil(m => (string?)m["type"] == "PEER_LIST", Bound);
        var entry = list["peers"]!.AsArray().First(e => (string?)e!["node"] == Id(victim))!;
        var victimCert = entry["cert"]!.AsArray()[0]!.ToJsonString();   // the victim's real certificate: valid, and not ours

        var body = $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0:0.000000}:127.0.0.1:777";
        var forgedGossip = new JsonObject
        {
            ["type"] = "GOSSIP", ["origin"] = Id(victim), ["body"] = body,
            ["sig"] = own.Sign($"GossipPure/1 GOSSIP {Id(victim)} {body}"),
            ["cert"] = new JsonArray(JsonNode.Parse(victimCert)),
        };
        var forgedCommit = new JsonObject
        {
            ["type"] = "REGISTER_COMMIT", ["peer"] = Id(ghost), ["voters"] = new JsonArray(Id(seeds[0]), Id(seeds[1])), ["incarnation"] = 1,
            ["key"] = own.Public, ["proposal"] = "x-1",
            ["signatures"] = new JsonArray(
                new JsonObject { ["seed"] = Id(seeds[0]), ["sig"] = own.Sign("GossipPure/1 REGISTER") },
                new JsonObject { ["seed"] = Id(seeds[1]), ["sig"] = own.Sign("GossipPure/1 REGISTER") }),
        };
        foreach (var port in peers.Skip(1))
            await Refused(net, port, Id(me), "peer", own, myCert,
                (forgedGossip, l => l.Contains($"GOSSIP from {Id(me)} refused: the signature of {Id(victim)} does not verify")),
                (ForgedDeadConfirmed(victim, seeds), l => l.Contains($"DEAD_CONFIRMED from {Id(me)} ignored")),
                (forgedCommit, l => l.Contains($"REGISTER_COMMIT from {Id(me)} ignored")));
        foreach (var port in seeds)
            await Refused(net, port, Id(me), "peer", own, myCert,
                (forgedCommit, l => l.Contains($"REGISTER_COMMIT from {Id(me)} ignored: sender is not a seed")),
                (ForgedDeadConfirmed(victim, seeds), l => l.Contains($"DEAD_CONFIRMED from {Id(me)} ignored: sender is not a seed")));

        // The honest network: gossip reaches every live peer, the victim among them; nobody purged it; nobody admitted
        // the ghost; no peer took the forged message.
        foreach (var from in new[] { victim, peers[1] })
            await net.FreshGossipReaches(from, peers.Where(p => p != from));
        NoneRemoved(net, peers);
        foreach (var node in net.All)
        {
            Assert.DoesNotContain(node.Output, l => l.Contains($"'{body}'") && l.Contains("first time"));
            Assert.DoesNotContain(node.Output, l => l.Contains(Id(ghost)) && !l.Contains("refused") && !l.Contains("ignored"));
        }
        toSeed.Dispose();
    }

    [Fact]
    public async Task A_seed_alone_cannot_remove_a_live_peer_and_an_old_certificate_replayed_after_a_rejoin_is_refused()
    {
        using var net = await SignedNetwork(peers: 4);
        var peers = net.Peers.Keys.ToList();
        var seeds = net.Seeds.Keys.ToList();
        var (victim, rejoiner) = (peers[0], peers[3]);

        // A real removal: kill -9 a peer; every node purges it with a valid certificate (captured from seed 1's event log).
        net.Peers[rejoiner].Signal(9);
        foreach (var port in seeds.Concat(peers.Take(3)))
            await LineAt(net, port, l => l.Contains($"DEAD_CONFIRMED {Id(rejoiner)} ("));
        var oldCert = await RemovalSentBy(net.Lab, seeds, rejoiner);

        // It comes back as a new incarnation, and its gossip reaches everyone (so every node knows the new one).
        net.Peers[rejoiner].Dispose();
        net.StartPeer(rejoiner, Gossipy);
        await At(net, rejoiner).WaitForLine(l => l.Contains("Registered;"), Bound, "the rejoin");
        var afterRejoin = net.All.ToDictionary(p => p, p => p.Output.Count);
        await net.FreshGossipReaches(rejoiner, peers.Where(p => p != rejoiner));

        // Seed 3's real key, in a process that is not seed 3: it signs a removal of a live peer alone, pads the
        // certificate with seed 1's name, and replays the old valid certificate.
        using var seedKey = TestKey.FromFile(Path.Combine(net.Lab.Dir, "keys", $"gossip_127.0.0.1_{seeds[2]}.key"));
        const string proposal = "d1-1";
        var alone = new JsonObject
        {
            ["type"] = "DEAD_CONFIRMED", ["node"] = Id(victim), ["voters"] = new JsonArray(Id(seeds[0]), Id(seeds[2])),
            ["reason"] = "crashed", ["rendezvous"] = null, ["incarnation"] = 9999999999999999, ["proposal"] = proposal,
            ["signatures"] = new JsonArray(
                new JsonObject { ["seed"] = Id(seeds[2]), ["sig"] = seedKey.Sign($"GossipPure/1 DEAD {Id(victim)} 9999999999999999 {proposal} crashed") },
                new JsonObject { ["seed"] = Id(seeds[0]), ["sig"] = seedKey.Sign($"GossipPure/1 DEAD {Id(victim)} 9999999999999999 {proposal} crashed") }),
        };
        foreach (var port in seeds.Take(2).Concat(peers))
            await Refused(net, port, Id(seeds[2]), "seed", seedKey, cert: null,
                (alone, l => l.Contains($"DEAD_CONFIRMED about {Id(victim)} from {Id(seeds[2])} refused: 1 valid seed signatures, 2 needed")),
                (oldCert, l => l.Contains($"DEAD_CONFIRMED about {Id(rejoiner)} from {Id(seeds[2])} refused: incarnation") && l.Contains("is older than the current")));

        await net.FreshGossipReaches(victim, peers.Where(p => p != victim));
        await net.FreshGossipReaches(rejoiner, peers.Where(p => p != rejoiner));
        NoneRemoved(net, [victim]);
        foreach (var (node, from) in afterRejoin)
            Assert.DoesNotContain(node.Output.Skip(from), l => l.Contains($"DEAD_CONFIRMED {Id(rejoiner)} ("));
    }

    // ---- helpers ----

    static GossipProcess At(LabNetwork net, int port) => net.Seeds.TryGetValue(port, out var s) ? s : net.Peers[port];

    static Task<string> LineAt(LabNetwork net, int port, Func<string, bool> match, int from = 0) =>
        At(net, port).WaitForLine(match, Bound, $"the line at {port}", fromLine: from);

    /// <summary>
    /// One connection to the node at <paramref name="port"/>, as <paramref name="from"/>: each message in turn, and after
    /// each the node's line refusing it (looked for among the lines it wrote since the connection opened).
    /// </summary>
    static async Task Refused(LabNetwork net, int port, string from, string role, TestKey key, string? cert,
        params (JsonObject Message, Func<string, bool> Line)[] attempts)
    {
        using var c = await SignedClient.Open(port, from, role, key, cert);
        var before = At(net, port).Output.Count;
        foreach (var (message, line) in attempts)
        {
            await c.Send(message);
            await LineAt(net, port, line, before);
        }
    }

    static JsonObject ForgedDeadConfirmed(int victim, IReadOnlyList<int> seeds) => new()
    {
        ["type"] = "DEAD_CONFIRMED", ["node"] = Id(victim), ["voters"] = new JsonArray(Id(seeds[0]), Id(seeds[1])),
        ["reason"] = "crashed", ["rendezvous"] = null, ["incarnation"] = 9999999999999999, ["proposal"] = "d1-1",
        ["signatures"] = new JsonArray(
            new JsonObject { ["seed"] = Id(seeds[0]), ["sig"] = Convert.ToBase64String(new byte[64]) },
            new JsonObject { ["seed"] = Id(seeds[1]), ["sig"] = Convert.ToBase64String(new byte[64]) }),
    };

    /// <summary>A REGISTER_COMMIT message as the certificate object a HELLO carries (its fields without the type).</summary>
    static string Certificate(JsonObject commit)
    {
        var cert = (JsonObject)commit.DeepClone();
        cert.Remove("type");
        return cert.ToJsonString();
    }

    /// <summary>The DEAD_CONFIRMED about <paramref name="node"/> that one of the seeds sent, read from its event log.</summary>
    static async Task<JsonObject> RemovalSentBy(Lab lab, IEnumerable<int> seeds, int node)
    {
        var until = DateTime.UtcNow + Bound;
        while (DateTime.UtcNow < until)
        {
            foreach (var seed in seeds)
            {
                var path = Path.Combine(lab.Dir, $"events_seed_{seed}.jsonl");
                if (!File.Exists(path)) continue;
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync() is { } line)
                {
                    if (!line.Contains("\"DEAD_CONFIRMED\"") || !line.Contains(Id(node))) continue;
                    foreach (var found in Messages(JsonNode.Parse(line)))
                        if ((string?)found["type"] == "DEAD_CONFIRMED" && (string?)found["node"] == Id(node) && found["signatures"] is JsonArray)
                            return (JsonObject)found.DeepClone();
                }
            }
            await Task.Delay(100);   // the event log is written by the seed's own loop: poll its file, bounded
        }
        throw new TimeoutException($"no seed's event log holds a DEAD_CONFIRMED about {Id(node)} within {Bound}");
    }

    static IEnumerable<JsonObject> Messages(JsonNode? n)
    {
        switch (n)
        {
            case JsonObject o:
                if (o["type"] is JsonValue) yield return o;
                foreach (var (_, v) in o) foreach (var m in Messages(v)) yield return m;
                break;
            case JsonArray a:
                foreach (var v in a) foreach (var m in Messages(v)) yield return m;
                break;
        }
    }
}

/// <summary>
/// The attacker's listening side, as a registering peer must have: it takes the seeds' connections (challenging
/// their HELLO, which it does not check), and answers each KEY_CHALLENGE with its own key's KEY_PROOF.
/// </summary>
sealed class KeyProver : IDisposable
{
    readonly TcpListener listener;
    readonly CancellationTokenSource stop = new();

    KeyProver(TcpListener listener) => this.listener = listener;

    public static KeyProver Listen(int port, TestKey key)
    {
        var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
        listener.Start();
        var prover = new KeyProver(listener);
        _ = Task.Run(() => prover.AcceptLoop(port, key));
        return prover;
    }

    async Task AcceptLoop(int port, TestKey key)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket s;
            try { s = await listener.AcceptSocketAsync(stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = Task.Run(() => Serve(s, port, key));
        }
    }

    async Task Serve(Socket s, int port, TestKey key)
    {
        using var socket = s;
        try
        {
            var challenge = new byte[34];
            challenge[1] = 5;
            System.Security.Cryptography.RandomNumberGenerator.Fill(challenge.AsSpan(2));
            await socket.SendAsync(Wire.Frame(challenge));
            string? seed = null;
            while (!stop.IsCancellationRequested)
            {
                var payload = await SignedClient.ReadFrame(socket, TimeSpan.FromSeconds(60), stop.Token);
                if (payload.Length == 0 || payload[0] != (byte)'{') continue;   // the dialler's challenge request
                if (JsonNode.Parse(payload) is not JsonObject m) continue;
                if ((string?)m["type"] == "HELLO") seed = (string?)m["from"];
                else if ((string?)m["type"] == "KEY_CHALLENGE" && seed is not null)
                {
                    var nonce = (long)m["nonce"]!;
                    await socket.SendAsync(Wire.Frame(new JsonObject
                    {
                        ["type"] = "KEY_PROOF", ["nonce"] = nonce, ["sig"] = key.Sign($"GossipPure/1 KEY_PROOF 127.0.0.1:{port} {seed} {nonce}"),
                    }.ToJsonString()));
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
    }
}

/// <summary>An Ed25519 key of the test's own (NSec), or a node's, read from its key file (base64 of the 32-byte private key).</summary>
sealed class TestKey : IDisposable
{
    static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    readonly Key key;

    TestKey(Key key)
    {
        this.key = key;
        Public = Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public string Public { get; }

    public static TestKey Create() => new(Key.Create(Algorithm));

    public static TestKey FromFile(string path) =>
        new(Key.Import(Algorithm, Convert.FromBase64String(File.ReadAllText(path).Trim()), KeyBlobFormat.RawPrivateKey));

    public string Sign(string statement) => Convert.ToBase64String(Algorithm.Sign(key, Encoding.UTF8.GetBytes(statement)));

    public void Dispose() => key.Dispose();
}

/// <summary>
/// A client speaking signed membership's handshake by hand: it asks for the challenge (0x00 0x06 version), reads it
/// (0x00 0x05 and 32 bytes), and sends a HELLO naming <c>from</c> with <c>key</c>'s proof over it (and a certificate).
/// </summary>
sealed class SignedClient : IDisposable
{
    readonly Socket socket;

    SignedClient(Socket socket) => this.socket = socket;

    public static async Task<SignedClient> Open(int port, string from, string role, TestKey key, string? cert)
    {
        var socket = await Wire.Connect(port, "127.0.0.1");
        var c = new SignedClient(socket);
        await socket.SendAsync(Wire.Frame([0x00, 0x06, 0x01]));
        var challenge = await c.ReadFrame(TimeSpan.FromSeconds(30));
        Assert.True(challenge.Length == 34 && challenge[0] == 0 && challenge[1] == 5, $"expected a challenge, got {challenge.Length} bytes");
        var text = Convert.ToBase64String(challenge, 2, 32);
        var hello = new JsonObject
        {
            ["type"] = "HELLO", ["from"] = from, ["role"] = role, ["key"] = key.Public,
            ["proof"] = key.Sign($"GossipPure/1 HELLO {from} {role} {key.Public} 127.0.0.1:{port} {text}"),
        };
        if (cert is not null) hello["cert"] = new JsonArray(JsonNode.Parse(cert));
        await c.Send(hello);
        return c;
    }

    public async Task Send(JsonObject message) => await socket.SendAsync(Wire.Frame(message.ToJsonString()));

    public Task SendQuietly(JsonObject message) => Wire.SendQuietly(socket, Wire.Frame(message.ToJsonString()));

    /// <summary>Reads messages until one matches; a refusal or the end is a failure (bounded).</summary>
    public async Task<JsonObject> ReadUntil(Func<JsonObject, bool> match, TimeSpan bound)
    {
        var until = DateTime.UtcNow + bound;
        while (true)
        {
            var left = until - DateTime.UtcNow;
            var payload = await ReadFrame(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            if (payload.Length > 0 && payload[0] == (byte)'{' && JsonNode.Parse(payload) is JsonObject m && match(m)) return m;
            Assert.False(payload.Length >= 2 && payload[0] == 0 && payload[1] == 4, $"refused: {Encoding.UTF8.GetString(payload.AsSpan(Math.Min(2, payload.Length)))}");
        }
    }

    Task<byte[]> ReadFrame(TimeSpan bound) => ReadFrame(socket, bound, CancellationToken.None);

    /// <summary>One frame's payload from <paramref name="socket"/>, within <paramref name="bound"/>.</summary>
    public static async Task<byte[]> ReadFrame(Socket socket, TimeSpan bound, CancellationToken stop)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        cts.CancelAfter(bound);
        var header = new byte[4];
        await ReadExactly(socket, header, cts.Token);
        var payload = new byte[BinaryPrimitives.ReadInt32BigEndian(header)];
        await ReadExactly(socket, payload, cts.Token);
        return payload;
    }

    static async Task ReadExactly(Socket socket, byte[] buffer, CancellationToken ct)
    {
        for (var n = 0; n < buffer.Length;)
        {
            var got = await socket.ReceiveAsync(buffer.AsMemory(n), SocketFlags.None, ct);
            if (got == 0) throw new IOException("the node closed the connection");
            n += got;
        }
    }

    public void Dispose() => socket.Dispose();
}
