using System.Net.Sockets;
using System.Security.Cryptography;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// Networks of real processes with <c>--cluster-key-file</c>: with the key a node registers and gossips; without it,
/// or with another key, it can do nothing (it never registers, nobody logs its gossip or its report), and both sides
/// say why. Keys rotate from A to B while the network runs, with no restart.
/// </summary>
public sealed class ClusterKeyTests
{
    static readonly TimeSpan Bound = LabNetwork.Bound;
    static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    static readonly string KeyC = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    static readonly string[] Gossiping = ["--gossip-interval", "300ms", "--gossip-count", "100000"];

    /// <summary>
    /// Succeeds as soon as one of the waits does; fails (with the last wait's error) only when every one of them
    /// failed. A bare <c>Task.WhenAny</c> would go on when they all timed out.
    /// </summary>
    static async Task AnyOf(IEnumerable<Task> waits)
    {
        var left = waits.ToList();
        while (true)
        {
            var done = await Task.WhenAny(left);
            if (done.IsCompletedSuccessfully) return;
            left.Remove(done);
            if (left.Count == 0) await done;   // rethrows why the last one failed
        }
    }

    static string KeyFile(Lab lab, string name, params string[] keys)
    {
        var path = Path.Combine(lab.Dir, name);
        File.WriteAllLines(path, keys);
        return path;
    }

    /// <summary>Three seeds and three peers, each node with its own key file holding <paramref name="keys"/>.</summary>
    static async Task<(LabNetwork Net, List<int> Peers, Dictionary<int, string> Files)> Start(params string[] keys)
    {
        var net = new LabNetwork(seeds: 3);
        try
        {
            var files = new Dictionary<int, string>();
            var peers = FreePorts.Take(3).ToList();
            foreach (var (_, port) in net.Lab.Seeds)
                net.StartSeed(port, "--cluster-key-file", files[port] = KeyFile(net.Lab, $"keys_{port}.txt", keys));
            foreach (var port in peers)
                net.StartPeer(port, ["--cluster-key-file", files[port] = KeyFile(net.Lab, $"keys_{port}.txt", keys), .. Gossiping]);
            await net.WaitUntilGossiping(peers);
            return (net, peers, files);
        }
        catch
        {
            net.Dispose();   // the caller's `using` never gets the network: stop its processes here
            throw;
        }
    }

    [Fact]
    public async Task With_the_key_nodes_register_and_gossip_and_without_it_a_node_can_do_nothing()
    {
        var (net, peers, _) = await Start(KeyA);
        using var _ = net;
        Assert.All(net.All, p => Assert.Contains(p.Output, l => l.Contains("cluster key: 1 key, primary ") && l.Contains("every connection is authenticated and encrypted")));

        var (keyless, wrongKey) = FreePorts.Take(2).ToArray() switch { var p => (p[0], p[1]) };
        var noKey = net.StartPeer(keyless, Gossiping);
        var otherKey = net.StartPeer(wrongKey, ["--cluster-key-file", KeyFile(net.Lab, "other.txt", KeyC), .. Gossiping]);

        // Each is refused with a line on its side, and each seed it asked says why too.
        await noKey.WaitForLine(l => l.Contains("refused by the remote: ") && l.Contains("requires the cluster key (--cluster-key-file)"), Bound, "the keyless peer's refusal");
        await otherKey.WaitForLine(l => l.Contains("unreachable: cluster-key handshake: refused: cluster key ") && l.Contains("is not in the keyring of"), Bound, "the wrong-key peer's refusal");
        await AnyOf(net.Seeds.Values.Select(s => s.WaitForLine(l => l.Contains($"refused: no cluster key (a plain HELLO as 127.0.0.1:{keyless})"), Bound, "a seed's line about the keyless peer")));
        await AnyOf(net.Seeds.Values.Select(s => s.WaitForLine(l => l.Contains("refused: its cluster key ") && l.Contains("is not in this node's keyring"), Bound, "a seed's line about the wrong key")));
        // They keep trying (third registration round), and keep failing.
        await noKey.WaitForLine(l => l.Contains("REGISTER_REQUEST sent") && l.Contains("(attempt 3)"), Bound, "a third attempt");
        await otherKey.WaitForLine(l => l.Contains("REGISTER_REQUEST sent") && l.Contains("(attempt 3)"), Bound, "a third attempt");

        // A raw client without the key cannot gossip to a peer or report a live peer dead to a seed.
        var seed = net.Lab.Seeds[0].Port;
        foreach (var (port, frame) in new[]
        {
            (peers[0], Wire.Gossip("127.0.0.41:9", "smuggled gossip")),
            (seed, Wire.Frame($$"""{"type":"DEAD_REPORT","suspect":"127.0.0.1:{{peers[1]}}","report":"Dead Node:127.0.0.1:{{peers[1]}}:1:127.0.0.41"}""")),
        })
        {
            using var s = await Wire.Connect(port, "127.0.0.41");
            await Wire.SendQuietly(s, [.. Wire.Hello("127.0.0.41", 9), .. frame]);
            s.Shutdown(SocketShutdown.Send);
            var node = net.Seeds.TryGetValue(port, out var sp) ? sp : net.Peers[port];
            await node.WaitForLine(l => l.Contains("Bad frame from 127.0.0.41:") && l.Contains("refused: no cluster key (a plain HELLO as 127.0.0.41:9)"), Bound, "the refusal of the raw client");
        }

        // The members go on; the outsiders got nothing in and nothing of theirs got out.
        await net.FreshGossipReaches(peers[0], peers.Skip(1));
        await net.FreshGossipReaches(peers[2], peers.Take(2));
        var members = net.Seeds.Values.Concat(peers.Select(p => net.Peers[p])).ToList();
        Assert.DoesNotContain(noKey.Output, l => l.Contains("Registered;"));
        Assert.DoesNotContain(otherKey.Output, l => l.Contains("Registered;"));
        foreach (var m in members)
        {
            Assert.DoesNotContain(m.Output, l => l.Contains($"REGISTER_REQUEST from 127.0.0.1:{keyless}") || l.Contains($"REGISTER_REQUEST from 127.0.0.1:{wrongKey}"));
            Assert.DoesNotContain(m.Output, l => l.Contains($"origin 127.0.0.1:{keyless}") || l.Contains($"origin 127.0.0.1:{wrongKey}") || l.Contains("smuggled gossip"));
            Assert.DoesNotContain(m.Output, l => l.Contains("DEAD_REPORT from 127.0.0.41") || l.Contains("DEAD_CONFIRMED"));
        }
    }

    [Fact]
    public async Task A_bad_key_file_stops_the_node_at_start_with_one_line()
    {
        using var lab = new Lab(seedCount: 1);
        var bad = KeyFile(lab, "bad.txt", "# the second line is too short", Convert.ToBase64String(new byte[16]));
        using var seed = new GossipProcess(lab.Dir, "seed", "127.0.0.1", lab.Seeds[0].Port.ToString(), "--config", lab.ConfigPath, "--cluster-key-file", bad);
        Assert.Equal(2, await seed.WaitForExit(Bound));
        var line = Assert.Single(seed.Output);
        Assert.Equal($"stderr: gossip: --cluster-key-file: {bad} line 2: the key is 16 bytes; a cluster key is 32 bytes (e.g. `head -c 32 /dev/urandom | base64`)", line);
        using var missing = new GossipProcess(lab.Dir, "seed", "127.0.0.1", lab.Seeds[0].Port.ToString(), "--config", lab.ConfigPath, "--cluster-key-file", "nope.txt");
        Assert.Equal(2, await missing.WaitForExit(Bound));
        Assert.Equal("stderr: gossip: --cluster-key-file: 'nope.txt' not found", Assert.Single(missing.Output));
    }

    [Fact]
    public async Task Keys_rotate_from_A_to_B_while_the_network_runs()
    {
        var (net, peers, files) = await Start(KeyA);
        using var _ = net;
        string fpA = "", fpB = "";

        // Each step is written to every node's key file; every node reloads it within a second, and gossip made
        // after the step reaches every peer.
        async Task Step(string[] keys, int count, string primaryKey)
        {
            var marks = net.All.ToDictionary(p => p, p => p.Output.Count);
            foreach (var f in files.Values) File.WriteAllLines(f, keys);
            var lines = await Task.WhenAll(net.All.Select(p => p.WaitForLine(
                l => l.Contains($"cluster keys reloaded ({count} key{(count == 1 ? "" : "s")}, primary "), Bound, $"the reload to {count} keys", fromLine: marks[p])));
            var primary = lines.Select(l => l[(l.IndexOf("primary ") + 8)..].TrimEnd(')')).Distinct().Single();
            if (primaryKey == KeyA) fpA = primary; else fpB = primary;
            foreach (var p in peers) await net.FreshGossipReaches(p, peers.Where(o => o != p));
        }

        await Step([KeyA, KeyB], 2, KeyA);
        await Step([KeyB, KeyA], 2, KeyB);
        Assert.NotEqual(fpA, fpB);
        await Step([KeyB], 1, KeyB);
        // Connections made under A were replaced under B and closed.
        await AnyOf(net.All.Select(p => p.WaitForLine(l => l.Contains("connections under a removed cluster key"), Bound, "the close of A's connections")));
        Assert.Contains(net.All.SelectMany(p => p.Output), l => l.Contains($"authenticated with removed key {fpA} are replaced by connections under key {fpB}"));

        // After the last step: gossip still reaches everyone, a new peer with B joins, one with only A cannot.
        foreach (var p in peers) await net.FreshGossipReaches(p, peers.Where(o => o != p));
        var (withB, withA) = FreePorts.Take(2).ToArray() switch { var p => (p[0], p[1]) };
        var newcomer = net.StartPeer(withB, ["--cluster-key-file", KeyFile(net.Lab, "b.txt", KeyB), .. Gossiping]);
        var stale = net.StartPeer(withA, ["--cluster-key-file", KeyFile(net.Lab, "a.txt", KeyA), .. Gossiping]);
        await newcomer.WaitForLine(l => l.Contains("Registered;"), Bound, "the B peer's registration");
        await net.FreshGossipReaches(withB, peers);
        await stale.WaitForLine(l => l.Contains($"cluster-key handshake: refused: cluster key {fpA} is not in the keyring of"), Bound, "the A peer's refusal");
        Assert.DoesNotContain(stale.Output, l => l.Contains("Registered;"));
        net.AssertNobodyRemoved();
    }
}
