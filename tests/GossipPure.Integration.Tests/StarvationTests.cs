using System.Diagnostics;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// Issue 12, must-show 2: overload is not death, on real processes. 3 seeds and 8 peers; for 30 s one peer is frozen
/// and thawed (SIGSTOP 400 ms, SIGCONT 600 ms) while busy-loop processes saturate every core and another peer runs at
/// the lowest CPU priority under them. Nobody is removed, and the starved peers accuse no one.
/// A guard, not a discriminator: 400 ms freezes stay inside the 3 s silence window, and the code before issue 12 passes
/// it too (checked once, c675818, under load ~30). What tells the health rules from fixed windows is the simulation
/// property <c>OverloadProperties</c> and its mutant.
/// </summary>
public sealed class StarvationTests
{
    static readonly string[] Gossip = { "--gossip-interval", "500ms", "--gossip-count", "1000" };
    static readonly TimeSpan StarveFor = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Starved_peers_are_not_removed_and_accuse_no_one()
    {
        using var net = new Network(seeds: 3, peers: 8, Gossip);
        await net.WaitUntilGossiping();
        var (frozen, niced) = (net.PeerPorts[2], net.PeerPorts[5]);
        var busy = new List<Process>();
        try
        {
            Process.GetProcessById(net.Peers[niced].Pid).PriorityClass = ProcessPriorityClass.Idle;   // nice 19
            for (var i = 0; i < Environment.ProcessorCount; i++)
                busy.Add(Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"]) { UseShellExecute = false })!);

            var until = DateTime.UtcNow + StarveFor;
            while (DateTime.UtcNow < until)
            {
                net.Peers[frozen].Signal(19);   // SIGSTOP
                await Task.Delay(400);
                net.Peers[frozen].Signal(18);   // SIGCONT
                await Task.Delay(600);
            }
        }
        finally
        {
            net.Peers[frozen].Signal(18);
            foreach (var p in busy)
            {
                try { p.Kill(); p.WaitForExit(5000); } catch (InvalidOperationException) { }
                p.Dispose();
            }
        }

        // The freezing bit: the frozen peer saw its own timers fire late, and said so.
        await net.Peers[frozen].WaitForLine(l => l.Contains("Health ") && l.Contains("this node is late"), Network.Bound, "a health line");
        // Nobody was removed, anywhere.
        foreach (var (port, node) in net.Seeds.Concat(net.Peers))
            Assert.DoesNotContain(node.Output, l => l.Contains("DEAD_CONFIRMED"));
        // The starved peers accused no one.
        foreach (var starved in new[] { frozen, niced })
            Assert.DoesNotContain(net.Peers[starved].Output, l => l.Contains("SUSPECT ") || l.Contains("DEAD_REPORT sent"));
        // And the network still works: a message the frozen peer makes now reaches every other peer.
        var mark = net.Peers[frozen].Output.Count;
        var made = await net.Peers[frozen].WaitForLine(l => l.Contains("GOSSIP made: '"), Network.Bound, "a message after the starvation", mark);
        var body = made[(made.IndexOf('\'') + 1)..made.LastIndexOf('\'')];
        await Task.WhenAll(net.PeerPorts.Where(p => p != frozen).Select(p =>
            net.Peers[p].WaitForLine(l => l.Contains($"(first time): '{body}'"), Network.Bound, $"message '{body}'")));
    }
}
