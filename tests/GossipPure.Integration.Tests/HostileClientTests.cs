using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// Three seeds and three peers as real processes, started once for the class; then raw-socket clients that speak the
/// wire format badly or maliciously, each from its own loopback address (127.0.0.0/8 all reach this machine, so each
/// looks like another host). Every case asserts: the attacked node logged its one line for it, a fresh gossip message
/// of an honest peer still reaches the other peers, and no node logged a removal.
/// </summary>
public sealed class HostileClientTests(HostileClientTests.Fixture net) : IClassFixture<HostileClientTests.Fixture>
{
    static readonly TimeSpan Bound = LabNetwork.Bound;

    public sealed class Fixture : IAsyncLifetime
    {
        public LabNetwork Net { get; } = new(seeds: 3);
        public List<int> PeerPorts { get; } = FreePorts.Take(3).ToList();
        int turn;

        // Short deadlines keep the file fast; the defaults (5 s, 10 s) are the same code with other numbers.
        static readonly string[] Timeouts = ["--handshake-timeout", "2s", "--frame-timeout", "3s"];

        public async Task InitializeAsync()
        {
            foreach (var (_, port) in Net.Lab.Seeds) Net.StartSeed(port, Timeouts);
            foreach (var port in PeerPorts)
                Net.StartPeer(port, [.. Timeouts, "--gossip-interval", "300ms", "--gossip-count", "100000"]);
            await Net.WaitUntilGossiping(PeerPorts);
        }

        public int Seed => Net.Lab.Seeds[0].Port;
        public int Peer => PeerPorts[0];
        public GossipProcess SeedProcess => Net.Seeds[Seed];
        public GossipProcess PeerProcess => Net.Peers[Peer];

        /// <summary>The honest network after a case: a fresh message of some peer reaches the other two; nobody was removed.</summary>
        public async Task StillGossipingAndNobodyRemoved()
        {
            var from = PeerPorts[turn++ % PeerPorts.Count];
            await Net.FreshGossipReaches(from, PeerPorts.Where(p => p != from));
            Net.AssertNobodyRemoved();
        }

        public Task DisposeAsync()
        {
            Net.Dispose();
            return Task.CompletedTask;
        }
    }

    /// <summary>Waits for the node's line about a connection from <paramref name="source"/> with <paramref name="reason"/>.</summary>
    static Task<string> LineAbout(GossipProcess node, string source, string reason) =>
        node.WaitForLine(l => l.Contains($"Bad frame from {source}:") && l.Contains(reason), Bound, $"the line for {source} ({reason})");

    /// <summary>The node's lines about connections from <paramref name="source"/>: one by one, or summed up.</summary>
    static int LinesAbout(GossipProcess node, string source) =>
        node.Output.Count(l => l.Contains($"Bad frame from {source}:") || l.Contains($"connections from {source} were refused or dropped"));

    /// <summary>One connection from <paramref name="source"/> sends <paramref name="bytes"/> and closes its side.</summary>
    static async Task SendAndClose(int port, string source, byte[] bytes)
    {
        using var s = await Wire.Connect(port, source);
        await Wire.SendQuietly(s, bytes);
        s.Shutdown(SocketShutdown.Send);
    }

    [Fact]
    public async Task Length_prefixes_up_to_4_GiB_are_refused_from_the_prefix()
    {
        foreach (var (node, port) in new[] { (net.SeedProcess, net.Seed), (net.PeerProcess, net.Peer) })
        {
            await SendAndClose(port, "127.0.0.11", [0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3]);
            await LineAbout(node, "127.0.0.11", "frame length 4294967295 exceeds the 4096-byte limit");
            await SendAndClose(port, "127.0.0.12", [.. Wire.Hello("127.0.0.12", 9), 0x80, 0, 0, 0, 1]);
            await LineAbout(node, "127.0.0.12", "frame length 2147483648 exceeds the 1048576-byte limit");
        }
        await net.StillGossipingAndNobodyRemoved();
        foreach (var node in new[] { net.SeedProcess, net.PeerProcess })
        {
            Assert.Equal(1, LinesAbout(node, "127.0.0.11"));
            Assert.Equal(1, LinesAbout(node, "127.0.0.12"));
        }
    }

    [Fact]
    public async Task A_truncated_frame_is_one_line()
    {
        foreach (var (node, port) in new[] { (net.SeedProcess, net.Seed), (net.PeerProcess, net.Peer) })
        {
            await SendAndClose(port, "127.0.0.13", [.. Wire.Hello("127.0.0.13", 9), 0, 0, 0, 100, .. Encoding.ASCII.GetBytes("{\"type\":\"G")]);
            await LineAbout(node, "127.0.0.13", "connection closed mid-frame (got 10 of 100 bytes)");
        }
        await net.StillGossipingAndNobodyRemoved();
        Assert.Equal(1, LinesAbout(net.SeedProcess, "127.0.0.13"));
        Assert.Equal(1, LinesAbout(net.PeerProcess, "127.0.0.13"));
    }

    [Fact]
    public async Task Half_a_frame_half_a_HELLO_or_nothing_then_a_stall_ends_at_a_deadline()
    {
        var sockets = new List<Socket>();
        try
        {
            foreach (var port in new[] { net.Seed, net.Peer })
            {
                var halfFrame = await Wire.Connect(port, "127.0.0.14");
                await halfFrame.SendAsync(Wire.Hello("127.0.0.14", 9).Concat(Wire.Gossip("127.0.0.14:9", "half").Take(9)).ToArray());
                var halfHello = await Wire.Connect(port, "127.0.0.15");
                await halfHello.SendAsync(Wire.Hello("127.0.0.15", 9).Take(12).ToArray());
                var nothing = await Wire.Connect(port, "127.0.0.16");
                sockets.AddRange([halfFrame, halfHello, nothing]);
            }
            foreach (var node in new[] { net.SeedProcess, net.PeerProcess })
            {
                await LineAbout(node, "127.0.0.14", "frame not completed within 3s of its first byte (got 9 of");
                await LineAbout(node, "127.0.0.15", "no HELLO within 2s of connecting");
                await LineAbout(node, "127.0.0.16", "no HELLO within 2s of connecting");
            }
            // The node closed them: each socket reads the end of the stream.
            foreach (var s in sockets)
            {
                using var cts = new CancellationTokenSource(Bound);
                Assert.Equal(0, await s.ReceiveAsync(new byte[64], SocketFlags.None, cts.Token));
            }
        }
        finally { foreach (var s in sockets) s.Dispose(); }
        await net.StillGossipingAndNobodyRemoved();
        foreach (var source in new[] { "127.0.0.14", "127.0.0.15", "127.0.0.16" })
        {
            Assert.Equal(1, LinesAbout(net.SeedProcess, source));
            Assert.Equal(1, LinesAbout(net.PeerProcess, source));
        }
    }

    [Fact]
    public async Task Deep_nesting_huge_strings_and_unknown_types_inside_valid_frames_are_one_short_line()
    {
        var deep = "{\"type\":\"GOSSIP\",\"origin\":" + new string('[', 5000) + new string(']', 5000) + ",\"body\":\"x\"}";
        var huge = "{\"type\":\"GOSSIP\",\"origin\":\"127.0.0.18:9\",\"body\":\"" + new string('A', 900_000) + "\"}";
        var hugeType = "{\"type\":\"" + new string('T', 900_000) + "\"}";
        foreach (var (node, port) in new[] { (net.SeedProcess, net.Seed), (net.PeerProcess, net.Peer) })
        {
            await SendAndClose(port, "127.0.0.17", [.. Wire.Hello("127.0.0.17", 9), .. Wire.Frame(deep)]);
            await SendAndClose(port, "127.0.0.18", [.. Wire.Hello("127.0.0.18", 9), .. Wire.Frame(huge)]);
            await SendAndClose(port, "127.0.0.19", [.. Wire.Hello("127.0.0.19", 9), .. Wire.Frame("""{"type":"PING","from":"127.0.0.1:1"}""")]);
            await SendAndClose(port, "127.0.0.21", [.. Wire.Hello("127.0.0.21", 9), .. Wire.Frame(hugeType)]);
            foreach (var source in new[] { "127.0.0.17", "127.0.0.18", "127.0.0.21" })
            {
                var line = await LineAbout(node, source, "");
                Assert.True(line.Length < 700, $"a {line.Length}-character line for {source}: {line[..Math.Min(200, line.Length)]}…");
            }
            await LineAbout(node, "127.0.0.19", "unknown message type 'PING'");
        }
        await net.StillGossipingAndNobodyRemoved();
        foreach (var source in new[] { "127.0.0.17", "127.0.0.18", "127.0.0.19", "127.0.0.21" })
        {
            Assert.Equal(1, LinesAbout(net.SeedProcess, source));
            Assert.Equal(1, LinesAbout(net.PeerProcess, source));
        }
    }

    [Fact]
    public async Task No_HELLO_first_is_one_line()
    {
        foreach (var (node, port) in new[] { (net.SeedProcess, net.Seed), (net.PeerProcess, net.Peer) })
        {
            await SendAndClose(port, "127.0.0.22", Wire.Gossip("127.0.0.1:1", "who am I"));
            await LineAbout(node, "127.0.0.22", "first frame is GOSSIP, expected HELLO");
        }
        await net.StillGossipingAndNobodyRemoved();
    }

    [Fact]
    public async Task A_HELLO_claiming_another_nodes_identity_from_another_address_is_refused()
    {
        var victim = net.PeerPorts[1];
        foreach (var (node, port) in new[] { (net.SeedProcess, net.Seed), (net.PeerProcess, net.Peer) })
        {
            using var s = await Wire.Connect(port, "127.0.0.2");
            await Wire.SendQuietly(s, [.. Wire.Hello("127.0.0.1", victim), .. Wire.Frame("""{"type":"LEAVE"}""")]);
            await LineAbout(node, "127.0.0.2", $"refused: HELLO claims 127.0.0.1:{victim}, but the connection comes from 127.0.0.2");
            // It is told why, and nothing it sent was taken: no LEAVE of the victim anywhere.
            var reply = new byte[512];
            using var cts = new CancellationTokenSource(Bound);
            var n = await s.ReceiveAsync(reply, SocketFlags.None, cts.Token);
            Assert.Contains($"your HELLO claims 127.0.0.1:{victim}, but you connect from 127.0.0.2", Encoding.UTF8.GetString(reply, 0, n));
        }
        await net.StillGossipingAndNobodyRemoved();
        Assert.DoesNotContain(net.Net.All.SelectMany(p => p.Output), l => l.Contains("LEAVE from") || l.Contains("(left)"));
        // The victim is still everyone's: its fresh gossip reaches the others.
        await net.Net.FreshGossipReaches(victim, net.PeerPorts.Where(p => p != victim));
    }

    [Fact]
    public async Task A_thousand_connections_from_one_address_are_bounded_and_the_seed_keeps_registering_peers()
    {
        var sockets = new List<Socket>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var refused = 0;
            for (var i = 0; i < 1500; i++)
            {
                try
                {
                    var s = await Wire.Connect(net.Seed, "127.0.0.20");
                    sockets.Add(s);
                    await Wire.SendQuietly(s, Wire.Hello("127.0.0.20", 20_000 + i));
                }
                catch (SocketException) { refused++; }
            }
            // Which bound refuses first depends on how fast the seed reads the HELLOs: too many still handshaking (64),
            // or too many open (512). Either way the connections beyond are refused.
            await LineAbout(net.SeedProcess, "127.0.0.20", "connection refused: ");
            await net.SeedProcess.WaitForLine(l => Regex.IsMatch(l, @"\d+ more connections from 127\.0\.0\.20 were refused or dropped in the last second"), Bound, "the summary of held-back lines");

            // While they are all still open, the seed registers a new peer and the network gossips.
            var newcomer = FreePorts.Take(1).Single();
            var p = net.Net.StartPeer(newcomer, "--gossip-interval", "300ms", "--gossip-count", "100000");
            await p.WaitForLine(l => l.Contains("Registered;"), Bound, "the newcomer's registration");
            await net.StillGossipingAndNobodyRemoved();
            // The newcomer leaves with this case, so the cases after it see the network the fixture started.
            await net.Net.StopPeer(newcomer);
        }
        finally { foreach (var s in sockets) s.Dispose(); }
        // Not a line per connection: a few one by one (the per-address burst), then at most one summary a second
        // while the case ran — however long a busy machine made it.
        var seconds = (int)Math.Ceiling(clock.Elapsed.TotalSeconds);
        Assert.InRange(LinesAbout(net.SeedProcess, "127.0.0.20"), 2, 5 + seconds + 1);
    }

    [Fact]
    public async Task A_flood_of_gossip_from_an_unregistered_identity_is_cut_at_the_rate_limit()
    {
        await Flood(net.Peer, "127.0.0.30", 7777);
        await LineAbout(net.PeerProcess, "127.0.0.30", "over the inbound limit of 500 frames/s (burst 1000): flooding");
        await net.StillGossipingAndNobodyRemoved();
        Assert.Equal(1, LinesAbout(net.PeerProcess, "127.0.0.30"));
    }

    [Fact]
    public async Task A_flood_of_gossip_in_a_registered_peers_name_is_cut_and_that_peer_stays()
    {
        var victim = net.PeerPorts[2];
        await Flood(net.Peer, "127.0.0.1", victim);
        await net.PeerProcess.WaitForLine(l => l.Contains($"Bad frame from 127.0.0.1:{victim} (") && l.Contains("over the inbound limit of 500 frames/s"), Bound, "the flood line");
        await net.StillGossipingAndNobodyRemoved();
        await net.Net.FreshGossipReaches(victim, net.PeerPorts.Where(p => p != victim));
    }

    [Fact]
    public async Task An_unregistered_process_can_neither_link_nor_gossip_nor_ask_for_suspicion()
    {
        const string source = "127.0.0.32";
        const int claimed = 7780;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var bodies = Enumerable.Range(1, 5).Select(i => $"{now / 1_000_000}.{now % 1_000_000:D6}:{source}:{i}").ToList();
        using (var s = await Wire.Connect(net.Peer, source))
        {
            var frames = new List<byte>(Wire.Hello(source, claimed));
            frames.AddRange(Wire.Frame("""{"type":"LINK_REQUEST","incarnation":1}"""));
            foreach (var b in bodies) frames.AddRange(Wire.Gossip($"{source}:{claimed}", b));
            frames.AddRange(Wire.Frame($$"""{"type":"SUSPECT_REQUEST","suspect":"127.0.0.1:{{net.PeerPorts[1]}}"}"""));
            await Wire.SendQuietly(s, frames.ToArray());
            // The peer asks the seeds, every seed says no, and it drops all of it with one line.
            await net.PeerProcess.WaitForLine(l => l.Contains($"{source}:{claimed} is not a registered peer"), Bound, "the not-registered line");
        }
        await net.StillGossipingAndNobodyRemoved();
        foreach (var p in net.Net.Peers.Values)
            Assert.DoesNotContain(p.Output, l => bodies.Any(b => l.Contains($"'{b}'")) && l.Contains("GOSSIP received"));
        Assert.DoesNotContain(net.PeerProcess.Output, l => l.Contains($"Neighbour added: {source}:{claimed}"));
    }

    /// <summary>20,000 GOSSIP frames (ten bodies, over and over) as fast as the socket takes them.</summary>
    static async Task Flood(int port, string source, int claimedPort)
    {
        using var s = await Wire.Connect(port, source);
        var origin = $"{source}:{claimedPort}";
        var frames = new List<byte>(Wire.Hello(source, claimedPort));
        for (var i = 0; i < 20_000; i++) frames.AddRange(Wire.Gossip(origin, $"flood {i % 10}"));
        await Wire.SendQuietly(s, frames.ToArray());
    }
}
