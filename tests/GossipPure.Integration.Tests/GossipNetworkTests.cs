using System.Text.RegularExpressions;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>3 seeds and 4 peers as real processes on loopback: registration by quorum, gossip, clean shutdown.</summary>
public sealed class GossipNetworkTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);   // only to catch hangs
    static readonly Regex FirstTime = new(@"GOSSIP received \(first time\): '(?<body>[^']*)' from (?<from>\S+) origin (?<origin>\S+)");

    [Fact]
    public async Task Seeds_admit_peers_by_quorum_and_every_peer_gets_every_message_exactly_once()
    {
        using var lab = new Lab(seedCount: 3);
        var peerPorts = FreePorts.Take(4).ToList();
        var seeds = lab.Seeds.Select(s => new GossipProcess(lab.Dir, "seed", s.Ip, s.Port.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir)).ToList();
        var peers = peerPorts.Select(p => new GossipProcess(lab.Dir, "peer", "127.0.0.1", p.ToString(), "--config", lab.ConfigPath,
            "--log-dir", lab.Dir, "--gossip-interval", "200ms")).ToList();
        var all = seeds.Concat(peers).ToList();
        try
        {
            // Each peer makes 10 messages and must see the 10 of each of the 3 others.
            await Task.WhenAll(peers.Select(p => p.WaitForCount(FirstTime, 30, Bound, "30 first-time gossip messages")));
            await Task.WhenAll(peers.Select(p => p.WaitForLine(l => l.Contains("GOSSIP made: '") && l.Contains(":10'"), Bound, "its 10th message")));

            foreach (var p in all) p.Interrupt();
            var codes = await Task.WhenAll(all.Select(p => p.WaitForExit(TimeSpan.FromSeconds(15))));
            Assert.All(codes, c => Assert.Equal(0, c));
        }
        finally
        {
            foreach (var p in all) p.Dispose();
        }

        var peerIds = peerPorts.Select(p => $"127.0.0.1:{p}").ToList();
        foreach (var port in peerPorts)
        {
            var lines = lab.LogLines("peer", port);
            var self = $"127.0.0.1:{port}";
            var received = lines.Select(l => FirstTime.Match(l)).Where(m => m.Success)
                .Select(m => (Origin: m.Groups["origin"].Value, No: m.Groups["body"].Value.Split(':')[^1])).ToList();
            foreach (var origin in peerIds.Where(o => o != self))
                for (var no = 1; no <= 10; no++)
                    Assert.True(received.Count(r => r.Origin == origin && r.No == no.ToString()) == 1,
                        $"peer {port} logged message {no} of {origin} {received.Count(r => r.Origin == origin && r.No == no.ToString())} times");
            Assert.DoesNotContain(received, r => r.Origin == self);
            Assert.Equal(30, received.Count);
            Assert.Contains(lines, l => l.Contains("PEER_LIST from"));
            Assert.Contains(lines, l => l.Contains("Neighbour") || l.Contains("No other peer registered yet"));
            Assert.EndsWith("Shutting down.", lines[^1]);
            Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} ", lines[0]);
        }

        var seedLogs = lab.Seeds.Select(s => lab.LogLines("seed", s.Port)).ToList();
        foreach (var peer in peerIds)
        {
            var everything = seedLogs.SelectMany(l => l).ToList();
            Assert.Contains(everything, l => l.Contains("REGISTER_REQUEST from " + peer));
            Assert.Contains(everything, l => Regex.IsMatch(l, $@"REGISTER_PROPOSAL \S+ for {Regex.Escape(peer)}"));
            Assert.Contains(everything, l => Regex.IsMatch(l, $@"REGISTER_VOTE yes on \S+ for {Regex.Escape(peer)} from"));
            Assert.Contains(everything, l => Regex.IsMatch(l, $@"REGISTER_COMMIT {Regex.Escape(peer)} with [23]/3 votes"));
            // The commit reaches every seed: each one either committed it or learned the commit.
            foreach (var log in seedLogs)
                Assert.Contains(log, l => Regex.IsMatch(l, $@"REGISTER_COMMIT {Regex.Escape(peer)} (with|learned)"));
        }
        Assert.All(seedLogs, log => Assert.EndsWith("Shutting down.", log[^1]));
    }
}
