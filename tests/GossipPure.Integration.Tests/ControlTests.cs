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
    public async Task A_published_message_reaches_every_other_peers_subscriber_exactly_once()
    {
        using var net = new Network(3, 5);
        await net.WaitUntilGossiping();
        var publisher = net.PeerPorts[0];
        var subscribers = net.PeerPorts.Skip(1).ToDictionary(p => p, p => new GossipProcess(net.Lab.Dir, "subscribe", "--node", p.ToString(), "--log-dir", net.Lab.Dir, "--json"));
        try
        {
            await Task.WhenAll(subscribers.Values.Select(s => s.WaitForLine(l => l.Contains("subscribed to"), Bound, "the subscription")));
            var hello = await CliRun.Of(net.Lab.Dir, null, Bound, "publish", "--node", publisher.ToString(), "--log-dir", net.Lab.Dir, "hello");
            Assert.True(hello.ExitCode == 0, hello.ToString());
            var id = Assert.Single(hello.Out).Split(' ')[1];
            await Task.WhenAll(subscribers.Values.Select(s => s.WaitForLine(l => l.Contains(id), Bound, $"delivery of {id}")));
            // A second message as a barrier: once it is in, any second delivery of the first would be too.
            var bye = await CliRun.Of(net.Lab.Dir, null, Bound, "publish", "--node", publisher.ToString(), "--log-dir", net.Lab.Dir, "bye");
            var byeId = Assert.Single(bye.Out).Split(' ')[1];
            await Task.WhenAll(subscribers.Values.Select(s => s.WaitForLine(l => l.Contains(byeId), Bound, $"delivery of {byeId}")));
            foreach (var (port, s) in subscribers)
            {
                var deliveries = s.Output.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
                var first = Assert.Single(deliveries, d => d.GetProperty("id").GetString() == id);
                Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(first.GetProperty("data").GetString()!)));
                Assert.Equal(Network.Id(publisher), first.GetProperty("origin").GetString());
                Assert.Equal(2, deliveries.Count);
            }
            // The output files name the message and its size, never its content.
            var line = net.Lab.LogLines("peer", net.PeerPorts[1]).Single(l => l.Contains(id));
            Assert.Contains("(5 bytes)", line);
            Assert.DoesNotContain("hello", line);
        }
        finally
        {
            foreach (var s in subscribers.Values) s.Dispose();
        }
    }

    /// <summary>examples/Chat, which uses the GossipPure library (src/GossipPure), joins a network of processes, publishes and receives.</summary>
    [Fact]
    public async Task The_example_program_joins_a_network_publishes_and_receives()
    {
        using var net = new Network(3, 2);
        await net.WaitUntilGossiping();
        var peer = net.PeerPorts[0];
        using var subscriber = new GossipProcess(net.Lab.Dir, "subscribe", "--node", peer.ToString(), "--log-dir", net.Lab.Dir, "--json");
        await subscriber.WaitForLine(l => l.Contains("subscribed to"), Bound, "the subscription");

        var chatDll = Path.Combine(GossipProgram.RepoRoot, "examples", "Chat", "bin", new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name, "net10.0", "Chat.dll");
        Assert.True(File.Exists(chatDll), $"{chatDll} is not built");
        var port = FreePorts.Take(1).Single();
        using var chat = new GossipProcess(net.Lab.Dir, [], ["--config", net.Lab.ConfigPath, "--port", port.ToString(), "--log-dir", net.Lab.Dir,
            "--say", "hi from the example", "--wait-for", "1"], "chat", ["dotnet", chatDll]);
        await chat.WaitForLine(l => l.StartsWith("chat: said ", StringComparison.Ordinal), Bound, "the example's message");

        // The network hears it...
        var heard = await subscriber.WaitForLine(l => l.Contains(Network.Id(port)), Bound, "the example's message at a peer");
        Assert.Equal("hi from the example", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(JsonDocument.Parse(heard).RootElement.GetProperty("data").GetString()!)));
        // ...and the example hears the network, then leaves cleanly.
        var hello = await CliRun.Of(net.Lab.Dir, null, Bound, "publish", "--node", net.PeerPorts[1].ToString(), "--log-dir", net.Lab.Dir, "hello example");
        Assert.True(hello.ExitCode == 0, hello.ToString());
        await chat.WaitForLine(l => l == $"{Network.Id(net.PeerPorts[1])}: hello example", Bound, "the network's message at the example");
        Assert.Equal(0, await chat.WaitForExit(Bound));
        await net.Seeds.Values.First().WaitForLine(l => l.Contains(Network.Id(port)) && l.Contains("left"), Bound, "the example's departure at a seed");
    }

    /// <summary>The library packs as one NuGet package, GossipPure: our Core and Shell inside, no command line, their packages as dependencies.</summary>
    [Fact]
    public async Task The_library_packs_as_one_package_with_core_and_shell_and_no_command_line()
    {
        using var lab = new Lab(1);
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet", ["pack", Path.Combine(GossipProgram.RepoRoot, "src", "GossipPure", "GossipPure.csproj"),
            "-c", configuration, "--no-build", "-o", lab.Dir]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var pack = System.Diagnostics.Process.Start(psi)!;
        var output = pack.StandardOutput.ReadToEndAsync();
        await pack.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(pack.ExitCode == 0, await output);
        using var zip = System.IO.Compression.ZipFile.OpenRead(Assert.Single(Directory.GetFiles(lab.Dir, "GossipPure.*.nupkg")));
        var dlls = zip.Entries.Where(e => e.FullName.EndsWith(".dll", StringComparison.Ordinal)).Select(e => e.FullName).Order().ToList();
        Assert.Equal(["lib/net10.0/GossipPure.Core.dll", "lib/net10.0/GossipPure.Shell.dll", "lib/net10.0/GossipPure.dll"], dlls);
        using var nuspec = new StreamReader(zip.GetEntry("GossipPure.nuspec")!.Open());
        var spec = await nuspec.ReadToEndAsync();
        Assert.Contains("id=\"LanguageExt.Core\"", spec);
        Assert.Contains("id=\"NSec.Cryptography\"", spec);
        Assert.DoesNotContain("GossipPure.Cli", spec);
        Assert.DoesNotContain("System.CommandLine", spec);
    }

    [Fact]
    public async Task A_payload_over_64_KiB_is_refused_with_exit_code_2_and_a_publish_to_no_node_says_so()
    {
        using var lab = new Lab(1);
        var big = Path.Combine(lab.Dir, "big.bin");
        File.WriteAllBytes(big, new byte[65 * 1024]);
        var refused = await CliRun.Of(lab.Dir, null, Bound, "publish", "--node", "6001", "--log-dir", lab.Dir, "--file", big);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("gossip publish: the payload is 66560 bytes; the limit is 65536 (64 KiB)", Assert.Single(refused.Err));
        var port = FreePorts.Take(1).Single();
        var nowhere = await CliRun.Of(lab.Dir, null, Bound, "publish", "--node", port.ToString(), "--log-dir", lab.Dir, "hi");
        Assert.Equal(1, nowhere.ExitCode);
        Assert.Contains($"no node on port {port} has a control socket", Assert.Single(nowhere.Err));
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
