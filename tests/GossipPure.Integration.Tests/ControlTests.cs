using System.Text.Json;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// The control endpoint (specs/control.md), asked with <c>gossip members</c>/<c>gossip status</c> as a person would:
/// separate node processes, each with its socket in the log folder.
/// </summary>
public sealed class ControlTests
{
    static readonly TimeSpan Bound = Network.Bound;

    static async Task<List<(string Node, string Role, string State)>> Members(Network net, int port)
    {
        var run = await CliRun.Of(net.Lab.Dir, null, Bound, "members", "--node", port.ToString(), "--log-dir", net.Lab.Dir, "--json");
        Assert.True(run.ExitCode == 0, $"gossip members --node {port}: {run}");
        using var doc = JsonDocument.Parse(Assert.Single(run.Out));
        return doc.RootElement.GetProperty("members").EnumerateArray()
            .Select(m => (m.GetProperty("node").GetString()!, m.GetProperty("role").GetString()!, m.GetProperty("state").GetString()!)).ToList();
    }

    [Fact]
    public async Task Members_lists_all_8_nodes_alive_and_after_a_kill_9_the_peer_dead_at_every_node()
    {
        using var net = new Network(3, 4);
        await net.WaitUntilGossiping();
        // A fifth peer, started once the others are in: its peer list holds all four.
        var fifth = FreePorts.Take(1).Single();
        net.PeerPorts.Add(fifth);
        net.Peers[fifth] = net.StartPeer(fifth);
        await net.Peers[fifth].WaitForLine(l => l.Contains("Registered;"), Bound, "registration of the fifth peer");
        var everyone = net.Seeds.Keys.Concat(net.PeerPorts).Select(Network.Id).Order().ToList();

        foreach (var port in new[] { fifth, net.Seeds.Keys.First() })
        {
            var view = await Members(net, port);
            Assert.Equal(everyone, view.Select(m => m.Node).Order());
            Assert.All(view, m => Assert.True(m.State == "alive", $"at {port}: {m}"));
            Assert.Equal(3, view.Count(m => m.Role == "seed"));
        }

        var victim = net.PeerPorts[1];
        net.Peers[victim].Signal(9);
        await net.WaitForDeadConfirmedEverywhere(victim, Bound);
        foreach (var port in net.Seeds.Keys.Concat(net.PeerPorts).Where(p => p != victim))
        {
            var view = await Members(net, port);
            Assert.True(view.Any(m => m.Node == Network.Id(victim) && m.State == "dead"), $"at {port}: {string.Join(", ", view)}");
        }

        // status: the node's own counters.
        var status = await CliRun.Of(net.Lab.Dir, null, Bound, "status", "--node", fifth.ToString(), "--log-dir", net.Lab.Dir, "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        using var doc = JsonDocument.Parse(Assert.Single(status.Out));
        Assert.Equal(Network.Id(fifth), doc.RootElement.GetProperty("node").GetString());
        Assert.True(doc.RootElement.GetProperty("received").GetInt64() > 0, status.ToString());
        Assert.Equal(1, doc.RootElement.GetProperty("dead").GetInt32());
    }

    [Fact]
    public async Task Asking_a_port_where_no_node_runs_says_so_in_one_line()
    {
        using var lab = new Lab(1);
        var port = FreePorts.Take(1).Single();
        var run = await CliRun.Of(lab.Dir, null, Bound, "members", "--node", port.ToString(), "--log-dir", lab.Dir);
        Assert.Equal(1, run.ExitCode);
        Assert.Empty(run.Out);
        Assert.Contains($"no node on port {port} has a control socket", Assert.Single(run.Err));
    }
}
