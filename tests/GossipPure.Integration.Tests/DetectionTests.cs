using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>Two-level dead-node detection on real processes: 3 seeds and 6 peers on loopback.</summary>
public sealed class DetectionTests
{
    static readonly string[] FastGossip = { "--gossip-interval", "250ms", "--gossip-count", "1000" };
    static readonly TimeSpan Bound = Network.Bound;   // only to catch hangs (the target is milliseconds; a busy CI machine can freeze a process for seconds)

    [Fact]
    public async Task A_killed_peer_is_confirmed_dead_everywhere_and_gossip_still_reaches_every_survivor()
    {
        using var net = new Network(seeds: 3, peers: 6, FastGossip);
        await net.WaitUntilGossiping();

        var victim = net.PeerPorts[2];
        net.Peers[victim].Signal(9);
        await net.WaitForDeadConfirmedEverywhere(victim, Bound);

        // A message made after the purge reaches every survivor.
        var survivors = net.PeerPorts.Where(p => p != victim).ToList();
        var maker = net.Peers[survivors[0]];
        var before = maker.Output.Count;
        var made = await maker.WaitForLine(l => l.Contains("GOSSIP made: '"), Bound, "a message after the purge", fromLine: before);
        var body = made[(made.IndexOf("'") + 1)..made.LastIndexOf("'")];
        await Task.WhenAll(survivors.Skip(1).Select(p =>
            net.Peers[p].WaitForLine(l => l.Contains($"(first time): '{body}'"), Bound, $"message '{body}'")));

        // Nobody else was removed.
        foreach (var node in net.Seeds.Values.Concat(survivors.Select(p => net.Peers[p])))
            Assert.DoesNotContain(node.Output, l => l.Contains("DEAD_CONFIRMED") && !l.Contains(Network.Id(victim)));
        // The pipeline ran: suspicion, report with the reference format, seed votes.
        var all = net.Peers.Values.Concat(net.Seeds.Values).SelectMany(p => p.Output).ToList();
        Assert.Contains(all, l => l.Contains($"SUSPECT {Network.Id(victim)}:"));
        Assert.Contains(all, l => l.Contains($"DEAD_REPORT sent to 3 seeds: Dead Node:127.0.0.1:{victim}:"));
        Assert.Contains(all, l => l.Contains("DEAD_VOTE yes on") && l.Contains(Network.Id(victim)));
    }

    [Fact]
    public async Task A_hung_peer_is_caught_by_heartbeats_and_confirmed_dead()
    {
        using var net = new Network(seeds: 3, peers: 6, FastGossip);
        await net.WaitUntilGossiping();

        var victim = net.PeerPorts[1];
        net.Peers[victim].Signal(19);   // SIGSTOP: the kernel still accepts its connections, the process answers nothing
        try
        {
            await net.WaitForDeadConfirmedEverywhere(victim, Network.Bound, except: victim);
            var all = net.Peers.Where(kv => kv.Key != victim).SelectMany(kv => kv.Value.Output).ToList();
            Assert.Contains(all, l => l.Contains($"SUSPECT {Network.Id(victim)}: no heartbeat"));
            foreach (var (port, node) in net.Peers.Where(kv => kv.Key != victim).Concat(net.Seeds))
                Assert.DoesNotContain(node.Output, l => l.Contains("DEAD_CONFIRMED") && !l.Contains(Network.Id(victim)));
        }
        finally
        {
            net.Peers[victim].Signal(9);
        }
    }

    [Fact]
    public async Task A_hung_peer_removed_by_the_seeds_rejoins_as_a_new_incarnation_when_it_resumes()
    {
        using var net = new Network(seeds: 3, peers: 4, FastGossip);
        await net.WaitUntilGossiping();

        var victim = net.PeerPorts[3];
        var node = net.Peers[victim];
        node.Signal(19);   // SIGSTOP
        await net.WaitForDeadConfirmedEverywhere(victim, Network.Bound, except: victim);
        var mark = node.Output.Count;
        node.Signal(18);   // SIGCONT: it finds the seeds' DEAD_CONFIRMED about itself waiting in its sockets

        await node.WaitForLine(l => l.Contains("names this peer") && l.Contains("registering again as a new incarnation"), Bound, "the rejoin line", mark);
        await node.WaitForLine(l => l.Contains("Registered;"), Bound, "registration of the new incarnation", mark);
        // Its gossip reaches every other peer again.
        var made = await node.WaitForLine(l => l.Contains("GOSSIP made: '") && !l.Contains("(sent to 0 neighbours)"), Bound, "a message after rejoining", node.Output.Count);
        var body = made[(made.IndexOf("'") + 1)..made.LastIndexOf("'")];
        await Task.WhenAll(net.PeerPorts.Where(p => p != victim).Select(p =>
            net.Peers[p].WaitForLine(l => l.Contains($"(first time): '{body}'"), Bound, $"message '{body}' of the rejoined peer")));
    }

    [Fact]
    public async Task Ctrl_C_on_a_peer_is_a_departure_the_others_record_without_suspicion()
    {
        using var net = new Network(seeds: 3, peers: 6, FastGossip);
        await net.WaitUntilGossiping();

        var leaver = net.PeerPorts[0];
        net.Peers[leaver].Interrupt();
        Assert.Equal(0, await net.Peers[leaver].WaitForExit(Bound));
        await net.WaitForDeadConfirmedEverywhere(leaver, Bound, except: leaver);

        var lines = net.Peers.Where(kv => kv.Key != leaver).Concat(net.Seeds).SelectMany(kv => kv.Value.Output).ToList();
        Assert.Contains(lines, l => l.Contains($"DEAD_CONFIRMED {Network.Id(leaver)} (left)"));
        Assert.DoesNotContain(lines, l => l.Contains($"SUSPECT {Network.Id(leaver)}"));
        Assert.EndsWith("Shutting down.", net.Lab.LogLines("peer", leaver)[^1]);
    }
}
