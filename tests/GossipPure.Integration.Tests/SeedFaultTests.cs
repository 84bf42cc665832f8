using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// With 3 seeds, one down changes nothing; two down stop every commit until one returns; a seed that was down
/// catches up from the others (SEED_SYNC_REQUEST / SEED_SYNC) when it returns.
/// </summary>
public sealed class SeedFaultTests
{
    // Only to catch hangs. On a busy CI machine a process was seen frozen for 7 s while registering: 15 s was too tight.
    static readonly TimeSpan Bound = Network.Bound;

    /// <summary>Kills the third seed, then starts <paramref name="count"/> peers and waits until each has registered.</summary>
    static async Task<(int Down, Dictionary<int, GossipProcess> Peers)> RegisteredWithOneSeedDown(Network net, int count, params string[] args)
    {
        var down = net.Lab.Seeds[2].Port;
        net.Seeds[down].Signal(9);
        await net.Seeds[down].WaitForExit(Bound);
        var peers = FreePorts.Take(count).ToDictionary(p => p, p => net.StartPeer(p, args));
        await Task.WhenAll(peers.Values.Select(p => p.WaitForLine(l => l.Contains("Registered;"), Bound, "registration")));
        return (down, peers);
    }

    [Fact]
    public async Task With_one_seed_down_peers_still_register_and_deaths_are_still_confirmed()
    {
        using var net = new Network(seeds: 3, peers: 0);
        var (down, peers) = await RegisteredWithOneSeedDown(net, 4, "--gossip-interval", "250ms", "--gossip-count", "1000");
        var ports = peers.Keys.ToList();
        var live = net.Seeds.Where(kv => kv.Key != down).Select(kv => kv.Value).ToList();
        // Each process's console is read on its own, so a seed's line may reach us after the peer's: wait for it.
        foreach (var port in ports)
            await Task.WhenAny(live.Select(s => s.WaitForLine(l => l.Contains($"REGISTER_COMMIT 127.0.0.1:{port} with 2/3 votes"), Bound, "the 2/3 commit")))
                .Unwrap().WaitAsync(Bound);

        // Let the overlay form, then crash a peer.
        await Task.WhenAll(peers.Select(kv => Task.WhenAll(ports.Where(o => o != kv.Key).Select(o =>
            kv.Value.WaitForLine(l => l.EndsWith($"origin 127.0.0.1:{o}"), Bound, $"gossip from {o}")))));
        var victim = ports[0];
        peers[victim].Signal(9);
        await Task.WhenAll(live.Concat(peers.Where(kv => kv.Key != victim).Select(kv => kv.Value)).Select(n =>
            n.WaitForLine(l => l.Contains($"DEAD_CONFIRMED 127.0.0.1:{victim} "), Bound, "DEAD_CONFIRMED")));
        Assert.Contains(live.SelectMany(s => s.Output), l => l.Contains($"DEAD_CONFIRMED 127.0.0.1:{victim} (crashed) with 2/3 votes"));
    }

    [Fact]
    public async Task With_two_seeds_down_nothing_is_committed_and_work_resumes_when_one_returns()
    {
        using var net = new Network(seeds: 3, peers: 0);
        var (alive, downA, downB) = (net.Lab.Seeds[0].Port, net.Lab.Seeds[1].Port, net.Lab.Seeds[2].Port);
        foreach (var port in new[] { downA, downB }) net.Seeds[port].Signal(9);
        foreach (var port in new[] { downA, downB }) await net.Seeds[port].WaitForExit(Bound);

        var peerPort = FreePorts.Take(1).Single();
        var peer = net.StartPeer(peerPort);
        await peer.WaitForLine(l => l.Contains("No quorum reachable: 1 of 3 seeds answer, 2 needed"), Bound, "the no-quorum line");
        var seed = net.Seeds[alive];
        await seed.WaitForLine(l => l.Contains($"REGISTER_TIMEOUT") && l.Contains($"127.0.0.1:{peerPort}") && l.Contains("no quorum of seeds is reachable"), Bound, "the seed's timeout line");
        Assert.DoesNotContain(seed.Output, l => l.Contains("REGISTER_COMMIT"));
        Assert.DoesNotContain(peer.Output, l => l.Contains("Registered;"));

        // One seed returns: the peer's next retry commits with 2/3 votes.
        var back = net.StartSeed(downA);
        await peer.WaitForLine(l => l.Contains("Registered;"), Bound, "registration after a seed returned");
        await Task.WhenAny(new[] { seed, back }.Select(s => s.WaitForLine(l => l.Contains($"REGISTER_COMMIT 127.0.0.1:{peerPort} with 2/3 votes"), Bound, "the 2/3 commit")))
            .Unwrap().WaitAsync(Bound);
    }

    [Fact]
    public async Task A_seed_that_was_down_learns_the_peers_registered_meanwhile_from_the_others()
    {
        using var net = new Network(seeds: 3, peers: 0);
        var (down, peers) = await RegisteredWithOneSeedDown(net, 3);
        var ports = peers.Keys.ToList();

        // It starts empty, asks each other seed for its changes since nothing, and learns every commit by sync.
        var back = net.StartSeed(down);
        var line = await back.WaitForLine(l => l.Contains("Synced from seed") && ports.All(p => l.Contains($"127.0.0.1:{p}")), Bound,
            "the returned seed's catch-up naming every peer");
        Assert.Contains($"{ports.Count} committed peers learned", line);
    }
}
