using Xunit;
using Xunit.Abstractions;

namespace GossipPure.Integration.Tests;

/// <summary>
/// Partitions on real hosts: every node runs in its own network namespace with its own address (so ICMP echo tests
/// the host, not the loopback interface), wired through a bridge in a switch namespace (see <see cref="NetnsLab"/>).
/// A link cut is the host's switch port going down. Skipped, with the reason, where namespaces cannot be created.
/// </summary>
public sealed class NamespaceTests(ITestOutputHelper output)
{
    const int SeedPort = 5000;
    const int PeerPort = 6000;
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);   // only to catch hangs
    static readonly string[] PeerArgs =
    {
        "--gossip-interval", "250ms", "--gossip-count", "1000",
        "--heartbeat-interval", "500ms", "--ping-interval", "1s",
    };

    [NamespaceFact]
    public async Task A_cut_peer_is_confirmed_dead_by_the_majority_quorum_survives_a_cut_seed_and_the_peer_rejoins_after_healing()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var lab = new NetnsLab();
        var seeds = new Dictionary<string, string>();   // node name → address of its host
        for (var i = 1; i <= 3; i++) seeds[$"s{i}"] = lab.AddHost($"s{i}", 1 + i);
        var peerHosts = new Dictionary<string, string>();
        for (var i = 1; i <= 5; i++) peerHosts[$"p{i}"] = lab.AddHost($"p{i}", 10 + i);
        var config = Path.Combine(lab.Dir, "config.csv");
        File.WriteAllLines(config, seeds.Values.Select(ip => $"{ip},{SeedPort}"));
        // The guard: in the root namespace the lab's /24 leads nowhere, so no lab packet can leave the machine.
        Assert.Equal($"unreachable {lab.Subnet}", NetnsLab.Ip($"route show exact {lab.Subnet}").Trim());
        output.WriteLine($"{clock.Elapsed.TotalSeconds,5:F1}s lab {lab.Subnet} built: {seeds.Count + peerHosts.Count} hosts on a bridge, root namespace guarded by unreachable {lab.Subnet}");

        string Id(string node) => seeds.TryGetValue(node, out var s) ? $"{s}:{SeedPort}" : $"{peerHosts[node]}:{PeerPort}";
        var nodes = new Dictionary<string, GossipProcess>();
        GossipProcess StartSeed(string n) => nodes[n] = lab.Start(n, "seed", seeds[n], $"{SeedPort}", "--config", config, "--log-dir", ".");
        GossipProcess StartPeer(string n) => nodes[n] = lab.Start(n, new[] { "peer", peerHosts[n], $"{PeerPort}", "--config", config, "--log-dir", "." }.Concat(PeerArgs).ToArray());

        try
        {
            foreach (var s in seeds.Keys) StartSeed(s);
            var peers = new List<string> { "p1", "p2", "p3", "p4" };   // p5 joins while a seed is cut off
            foreach (var p in peers) StartPeer(p);

            // 1. Every peer registers and hears gossip from every other peer.
            await Task.WhenAll(peers.Select(p => nodes[p].WaitForLine(l => l.Contains("Registered;"), Bound, "registration")));
            await GossipReachesEveryone(peers);
            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:F1}s 3 seeds and {peers.Count} peers registered and gossiping");
            // Each peer is on its own host, so its ICMP echoes go over the lab's wires: they must be available.
            foreach (var p in peers) Assert.DoesNotContain(nodes[p].Output, l => l.Contains("ICMP echo to") && l.Contains("is not available here"));

            // 2. Cut p4 off: the majority side (the seeds and the other peers) confirms exactly p4 dead.
            const string victim = "p4";
            var majority = seeds.Keys.Concat(peers.Where(p => p != victim)).ToList();
            var victimMark = nodes[victim].Output.Count;
            lab.Cut(victim);
            await Task.WhenAll(majority.Select(n => nodes[n].WaitForLine(l => l.Contains($"DEAD_CONFIRMED {Id(victim)} "), Bound, $"DEAD_CONFIRMED {Id(victim)}")));
            foreach (var n in majority)
                Assert.DoesNotContain(nodes[n].Output, l => l.Contains("DEAD_CONFIRMED") && !l.Contains(Id(victim)));
            Assert.Contains(majority.SelectMany(n => nodes[n].Output), l => l.Contains($"SUSPECT {Id(victim)}:"));
            // The cut-off minority of one can remove nobody: its reports cannot reach a seed.
            Assert.DoesNotContain(nodes[victim].Output.Skip(victimMark), l => l.Contains("DEAD_CONFIRMED"));
            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:F1}s {Id(victim)} cut off and confirmed dead by {majority.Count} nodes");

            // 3. Cut seed s3 off: two seeds of three are still a quorum, so a new peer registers with 2/3 votes.
            const string cutSeed = "s3";
            var liveSeeds = seeds.Keys.Where(s => s != cutSeed).ToList();
            lab.Cut(cutSeed);
            StartPeer("p5");
            peers.Remove(victim);
            peers.Add("p5");
            await nodes["p5"].WaitForLine(l => l.Contains("Registered;"), Bound, "registration with a seed cut off");
            await Task.WhenAny(liveSeeds.Select(s => nodes[s].WaitForLine(l => l.Contains($"REGISTER_COMMIT {Id("p5")} with 2/3 votes"), Bound, "the 2/3 commit")))
                .Unwrap().WaitAsync(Bound);
            await GossipReachesEveryone(peers);
            Assert.DoesNotContain(nodes[cutSeed].Output, l => l.Contains($"REGISTER_COMMIT {Id("p5")}"));
            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:F1}s with {Id(cutSeed)} cut off, {Id("p5")} registered with 2/3 votes");

            // 4. Heal both links: p4 learns it was removed, registers again as a new incarnation, and gossips with everyone.
            var mark = nodes[victim].Output.Count;
            var seedMark = nodes[cutSeed].Output.Count;
            lab.Heal(cutSeed);
            lab.Heal(victim);
            var healed = DateTime.UtcNow;
            await nodes[victim].WaitForLine(l => l.Contains($"DEAD_CONFIRMED {Id(victim)} names this peer") && l.Contains("registering again as a new incarnation"), Bound, "the rejoin line", mark);
            await nodes[victim].WaitForLine(l => l.Contains("Registered;"), Bound, "registration of the new incarnation", mark);
            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:F1}s {Id(victim)} registered again {(DateTime.UtcNow - healed).TotalSeconds:F1}s after the heal");
            // The seed that was cut off catches up on the peer that registered without it: it learns the others'
            // commit, commits its own late proposal with their votes, or gets it in an anti-entropy sync (the
            // only commit a sync can teach it here that it lacks).
            await nodes[cutSeed].WaitForLine(l => l.Contains($"REGISTER_COMMIT {Id("p5")} ") || (l.Contains("Synced from seed") && l.Contains($"{Id("p5")}")), Bound,
                $"the commit of {Id("p5")} or a sync", seedMark);
            peers.Add(victim);
            await GossipReachesEveryone(peers, since: nodes.ToDictionary(kv => kv.Key, kv => kv.Value.Output.Count));

            // Nobody but p4 was ever removed, anywhere (the stale reports p4 sent while cut off must not remove anyone).
            foreach (var (n, node) in nodes)
                Assert.DoesNotContain(node.Output, l => l.Contains("DEAD_CONFIRMED") && !l.Contains(Id(victim)));
            output.WriteLine($"{clock.Elapsed.TotalSeconds,5:F1}s gossip reaches all {peers.Count} peers again; nobody else was removed");
        }
        catch
        {
            // Every node's console but the gossip traffic, so a failure can be read from the test's output.
            foreach (var (n, node) in nodes)
                output.WriteLine($"---- {n} ({Id(n)}):\n" + string.Join('\n', node.Output.Where(l => !l.Contains(" GOSSIP ") && !l.Contains("PEER_LIST"))));
            throw;
        }

        // Every peer in the list makes a message that reaches every other peer in it (after the given console marks).
        async Task GossipReachesEveryone(List<string> group, Dictionary<string, int>? since = null)
        {
            await Task.WhenAll(group.Select(receiver => Task.WhenAll(group.Where(o => o != receiver).Select(origin =>
                nodes[receiver].WaitForLine(l => l.Contains("GOSSIP received (first time)") && l.EndsWith($"origin {Id(origin)}"),
                    Bound, $"gossip from {Id(origin)}", since?[receiver] ?? 0)))));
        }
    }
}
