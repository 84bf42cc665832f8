using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using GossipPure.Shell.Net;

namespace GossipPure.Shell.Tests;

/// <summary>
/// The transport against raw sockets, in this process, with small limits so each bound is reached in a moment:
/// every hostile case ends in a <see cref="BadFrame"/> input (the node's one line) and the connection is dropped.
/// </summary>
public sealed class TransportLimitTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>A transport listening on a free loopback port, with its inputs and notices collected.</summary>
    internal sealed class Node : IAsyncDisposable
    {
        readonly Channel<Input> inputs = Channel.CreateUnbounded<Input>();
        public readonly List<string> Notices = new();

        public Node(TransportLimits limits, ClusterKeyringFactory? keys = null, string ip = "127.0.0.1")
            : this(new NodeId(ip, FreePort(ip)), Role.Peer, null, keys?.Invoke(), listen: true, limits) { }

        /// <summary>A transport with a role and a configuration (signed membership, say); listening unless told not to.</summary>
        public Node(NodeId id, Role role, NodeConfig? config, Security.ClusterKeyring? keys, bool listen, TransportLimits? limits = null)
        {
            Id = id;
            Transport = new Transport(id, role, i => inputs.Writer.TryWrite(i), new TransportOptions(limits ?? TransportLimits.Default, keys),
                (_, line) => { lock (Notices) Notices.Add(line); }, config);
            if (listen) Transport.Listen();
        }

        public NodeId Id { get; }
        public Transport Transport { get; }

        /// <summary>Waits for the next input of type <typeparamref name="T"/> that matches; other inputs are kept in <see cref="Seen"/>.</summary>
        public async Task<T> Next<T>(Func<T, bool>? match = null) where T : Input
        {
            using var cts = new CancellationTokenSource(Bound);
            while (true)
            {
                Input i;
                try { i = await inputs.Reader.ReadAsync(cts.Token); }
                catch (OperationCanceledException) { throw new TimeoutException($"no {typeof(T).Name} within {Bound}; seen: {string.Join(" | ", Seen.TakeLast(10))}"); }
                Seen.Add(i);
                if (i is T t && (match?.Invoke(t) ?? true)) return t;
            }
        }

        public List<Input> Seen { get; } = new();

        /// <summary>Inputs that arrived and were not waited for yet (without waiting).</summary>
        public List<Input> Drain()
        {
            while (inputs.Reader.TryRead(out var i)) Seen.Add(i);
            return Seen;
        }

        public ValueTask DisposeAsync() => Transport.DisposeAsync();
    }

    internal delegate Security.ClusterKeyring ClusterKeyringFactory();

    internal static int FreePort(string ip = "127.0.0.1")
    {
        var l = new TcpListener(IPAddress.Parse(ip), 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    internal static async Task<Socket> Raw(NodeId to, string from = "127.0.0.1")
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        await s.ConnectAsync(IPAddress.Parse(to.Ip), to.Port);
        return s;
    }

    /// <summary>A connection the node may refuse at once: its reset can arrive before the connect completes.</summary>
    internal static async Task<Socket?> RawOrRefused(NodeId to, string from)
    {
        try { return await Raw(to, from); }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused) { return null; }
    }

    static byte[] Hello(NodeId claimed) => Framing.Frame(new Hello(claimed, Role.Peer));

    [Fact]
    public async Task Half_a_frame_then_silence_is_dropped_at_the_frame_deadline()
    {
        await using var node = new Node(TransportLimits.Default with { FrameTimeout = TimeSpan.FromMilliseconds(300) });
        using var s = await Raw(node.Id);
        var frame = Framing.Frame(new Gossip(node.Id, "x"));
        await s.SendAsync(Hello(new NodeId("127.0.0.1", 7001)));
        await s.SendAsync(frame.AsMemory(0, 9));
        var bad = await node.Next<BadFrame>();
        Assert.Matches(@"^frame not completed within 0\.3s of its first byte \(got 9 of \d+ bytes\); the sender stalled$", bad.Reason);
        using var bound = new CancellationTokenSource(Bound);
        Assert.Equal(0, await s.ReceiveAsync(new byte[16], SocketFlags.None, bound.Token));   // closed by the node
    }

    [Fact]
    public async Task Half_a_length_prefix_then_silence_is_dropped_too()
    {
        await using var node = new Node(TransportLimits.Default with { FrameTimeout = TimeSpan.FromMilliseconds(300) });
        using var s = await Raw(node.Id);
        await s.SendAsync(Hello(new NodeId("127.0.0.1", 7001)));
        await s.SendAsync(new byte[] { 0, 0 });
        Assert.Equal("frame not completed within 0.3s of its first byte (got 2 of 4 bytes); the sender stalled", (await node.Next<BadFrame>()).Reason);
    }

    [Fact]
    public async Task A_connection_without_HELLO_is_dropped_at_the_handshake_deadline()
    {
        await using var node = new Node(TransportLimits.Default with { HelloTimeout = TimeSpan.FromMilliseconds(300) });
        using var silent = await Raw(node.Id);
        using var halfHello = await Raw(node.Id);
        await halfHello.SendAsync(Hello(new NodeId("127.0.0.1", 7001)).AsMemory(0, 10));
        var lines = new[] { await node.Next<BadFrame>(), await node.Next<BadFrame>() }.Select(b => b.Reason).ToList();
        Assert.Contains("no HELLO within 0.3s of connecting", lines);
        Assert.Equal(2, lines.Count(l => l == "no HELLO within 0.3s of connecting"));
        Assert.DoesNotContain(node.Drain(), i => i is Connected);
    }

    [Fact]
    public async Task A_HELLO_naming_another_address_than_the_socket_is_refused_with_the_reason()
    {
        await using var node = new Node(TransportLimits.Default);
        using var s = await Raw(node.Id, from: "127.0.0.2");
        await s.SendAsync(Hello(new NodeId("127.0.0.1", 7001)));
        var bad = await node.Next<BadFrame>();
        Assert.Equal("refused: HELLO claims 127.0.0.1:7001, but the connection comes from 127.0.0.2", bad.Reason);
        Assert.StartsWith("127.0.0.2:", bad.Remote);
        using var bound = new CancellationTokenSource(Bound);
        var reply = await Framing.ReadAsync(new NetworkStream(s), new byte[4], bound.Token);
        Assert.Equal("refused by the remote: your HELLO claims 127.0.0.1:7001, but you connect from 127.0.0.2", reply.Error);
        Assert.DoesNotContain(node.Drain(), i => i is Connected or Received);

        // The same claim from the right address is believed.
        using var honest = await Raw(node.Id, from: "127.0.0.2");
        await honest.SendAsync(Hello(new NodeId("127.0.0.2", 7001)));
        await honest.SendAsync(Framing.Frame(new Gossip(new NodeId("127.0.0.2", 7001), "b")));
        var r = await node.Next<Received>();
        Assert.Equal(new NodeId("127.0.0.2", 7001), r.From);
    }

    [Fact]
    public async Task The_sender_is_the_HELLO_never_a_field_of_the_message()
    {
        await using var node = new Node(TransportLimits.Default);
        using var s = await Raw(node.Id);
        await s.SendAsync(Hello(new NodeId("127.0.0.1", 7002)));
        await s.SendAsync(Framing.Frame(new Gossip(new NodeId("127.0.0.1", 9999), "claims another origin")));
        var r = await node.Next<Received>();
        Assert.Equal(new NodeId("127.0.0.1", 7002), r.From);
    }

    [Fact]
    public async Task Connections_over_the_handshaking_limit_of_an_address_are_refused_and_the_lines_are_rate_limited()
    {
        var limits = TransportLimits.Default with { MaxHandshakingPerAddress = 3, HelloTimeout = TimeSpan.FromSeconds(30), NoticeBurstPerAddress = 2 };
        await using var node = new Node(limits);
        var sockets = new List<Socket>();
        try
        {
            var started = DateTime.UtcNow;
            for (var i = 0; i < 40; i++) if (await RawOrRefused(node.Id, "127.0.0.3") is { } s) sockets.Add(s);
            var first = await node.Next<BadFrame>();
            Assert.Equal("connection refused: 3 connections from 127.0.0.3 still without a completed handshake (limit 3 per address)", first.Reason);
            // 37 refusals: a burst of 2 lines, the rest summed up in notices, one per second in which some were
            // refused. On a busy machine the 40 connects may span seconds, and the per-address rate (1 line a second)
            // lets one more line through for each: so the lines and the summed counts add up to 37 exactly, and the
            // lines are 2 plus at most one per second the refusals took (bounded by the time until all were counted).
            int Summed() => node.Notices.ToArray()
                .Select(n => System.Text.RegularExpressions.Regex.Match(n, @"^(\d+) more connections from 127\.0\.0\.3 were refused or dropped in the last second"))
                .Where(m => m.Success).Sum(m => int.Parse(m.Groups[1].Value));
            int Lines() => node.Drain().Count(i => i is BadFrame);   // every refusal line so far, the first included
            var deadline = DateTime.UtcNow + Bound;
            while (DateTime.UtcNow < deadline && Lines() + Summed() < 37) await Task.Delay(50);
            var lines = Lines();
            var spanS = (DateTime.UtcNow - started).TotalSeconds;
            Assert.Equal(37, lines + Summed());
            Assert.InRange(lines, 2, 2 + (int)Math.Ceiling(spanS * limits.NoticesPerSecondPerAddress));

            // Another address is not affected, and an honest connection from it goes through.
            using var other = await Raw(node.Id, from: "127.0.0.4");
            await other.SendAsync(Hello(new NodeId("127.0.0.4", 7004)));
            await other.SendAsync(Framing.Frame(new Heartbeat()));
            Assert.Equal(new NodeId("127.0.0.4", 7004), (await node.Next<Received>()).From);
        }
        finally { foreach (var s in sockets) s.Dispose(); }
    }

    [Fact]
    public async Task Connections_over_the_open_limit_of_an_address_are_refused_and_a_closed_one_frees_its_place()
    {
        var limits = TransportLimits.Default with { MaxConnectionsPerAddress = 4 };
        await using var node = new Node(limits);
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var s = await Raw(node.Id, from: "127.0.0.5");
                await s.SendAsync(Hello(new NodeId("127.0.0.5", 7100 + i)));
                sockets.Add(s);
                await node.Next<Connected>();
            }
            using var fifth = await RawOrRefused(node.Id, "127.0.0.5");
            Assert.Equal("connection refused: 4 connections from 127.0.0.5 already open (limit 4 per address)", (await node.Next<BadFrame>()).Reason);
            sockets[0].Dispose();
            await node.Next<Disconnected>();
            using var sixth = await Raw(node.Id, from: "127.0.0.5");
            await sixth.SendAsync(Hello(new NodeId("127.0.0.5", 7200)));
            Assert.Equal(new NodeId("127.0.0.5", 7200), (await node.Next<Connected>()).Node);
        }
        finally { foreach (var s in sockets) s.Dispose(); }
    }

    [Fact]
    public async Task A_flood_of_frames_is_cut_at_the_rate_limit()
    {
        var limits = TransportLimits.Default with { InboundFramesPerSecond = 100, InboundFrameBurst = 200 };
        await using var node = new Node(limits);
        using var s = await Raw(node.Id);
        var me = new NodeId("127.0.0.1", 7300);
        var frames = new List<byte>(Hello(me));
        for (var i = 0; i < 3000; i++) frames.AddRange(Framing.Frame(new Gossip(me, $"flood {i}")));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try { await s.SendAsync(frames.ToArray()); } catch (SocketException) { /* closed under us */ }
        var bad = await node.Next<BadFrame>();
        var elapsed = clock.Elapsed.TotalSeconds;
        Assert.Equal("over the inbound limit of 100 frames/s (burst 200): flooding", bad.Reason);
        // The bucket lets the burst through, then refills at 100/s for as long as the flood took to arrive: however
        // slow the machine, no more than that may get in.
        var received = node.Drain().Count(i => i is Received);
        Assert.InRange(received, 200, 200 + (int)Math.Ceiling(100 * elapsed) + 1);
    }

    [Fact]
    public async Task A_remote_that_does_not_read_is_dropped_when_its_outbox_is_full()
    {
        var limits = TransportLimits.Default with { OutboxBytes = 256 * 1024 };
        await using var node = new Node(limits);
        using var s = await Raw(node.Id);
        var me = new NodeId("127.0.0.1", 7400);
        s.ReceiveBufferSize = 4096;
        await s.SendAsync(Hello(me));
        await node.Next<Connected>();
        var body = new string('x', 60_000);
        for (var i = 0; i < 2000 && !node.Drain().Any(x => x is BadFrame); i++)
        {
            node.Transport.Send(me, new Gossip(me, body));
            if (i % 50 == 0) await Task.Delay(10);
        }
        var bad = node.Seen.OfType<BadFrame>().FirstOrDefault() ?? await node.Next<BadFrame>();
        Assert.Matches(@"^outbox full \(\d+ frames, \d+ bytes queued; limits 10000 frames, 262144 bytes\): it does not read what is sent to it$", bad.Reason);
    }

    [Fact]
    public async Task Bad_frames_are_one_line_and_the_node_keeps_taking_connections()
    {
        await using var node = new Node(TransportLimits.Default);
        foreach (var (bytes, expected) in new (byte[], string)[]
        {
            ([0xFF, 0xFF, 0xFF, 0xFF, 1, 2], "frame length 4294967295 exceeds the 4096-byte limit"),
            ([0x80, 0, 0, 0], "frame length 2147483648 exceeds the 4096-byte limit"),
            ([0, 0, 0, 5, (byte)'{', (byte)'"'], "connection closed mid-frame (got 2 of 5 bytes)"),
            (Framing.Frame(new Heartbeat()), "first frame is HEARTBEAT, expected HELLO"),
        })
        {
            using var s = await Raw(node.Id, from: "127.0.0.6");
            await s.SendAsync(bytes);
            s.Shutdown(SocketShutdown.Send);
            Assert.Equal(expected, (await node.Next<BadFrame>()).Reason);
        }
        // After the HELLO the full frame limit applies, and a huge string is a one-line error.
        using var late = await Raw(node.Id);
        var me = new NodeId("127.0.0.1", 7500);
        await late.SendAsync(Hello(me));
        var huge = Encoding.UTF8.GetBytes("{\"type\":\"" + new string('A', 900_000) + "\"}");
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, huge.Length);
        await late.SendAsync(prefix.Concat(huge).ToArray());
        var bad = await node.Next<BadFrame>();
        Assert.DoesNotContain('\n', bad.Reason);
        Assert.True(bad.Reason.Length <= 401, $"{bad.Reason.Length} characters");
    }
}
