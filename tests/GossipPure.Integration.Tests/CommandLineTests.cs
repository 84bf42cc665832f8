using System.Net;
using System.Net.Sockets;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>Bad configuration and bad input get a one-line error, not a stack trace.</summary>
public sealed class CommandLineTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_seed_not_listed_in_config_refuses_to_start_with_exit_code_2()
    {
        using var lab = new Lab(seedCount: 3);
        var port = FreePorts.Take(1).Single();
        using var p = new GossipProcess(lab.Dir, "seed", "127.0.0.1", port.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir);
        Assert.Equal(2, await p.WaitForExit(Bound));
        var output = p.Output;
        Assert.Single(output);
        Assert.Contains("not listed in", output[0]);
        Assert.DoesNotContain(output, l => l.Contains("   at "));
    }

    [Fact]
    public async Task SIGTERM_stops_a_node_cleanly_like_Ctrl_C()
    {
        using var lab = new Lab(seedCount: 1);
        var (ip, port) = lab.Seeds[0];
        using var seed = new GossipProcess(lab.Dir, "seed", ip, port.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir);
        await seed.WaitForLine(l => l.Contains("started"), Bound, "the start line");
        seed.Signal(15);
        Assert.Equal(0, await seed.WaitForExit(Bound));
        Assert.EndsWith("Shutting down.", lab.LogLines("seed", port)[^1]);
        Assert.DoesNotContain(seed.Output, l => l.Contains("   at ") || l.Contains("Exception"));
    }

    [Fact]
    public async Task A_malformed_config_line_is_named()
    {
        using var lab = new Lab(seedCount: 2);
        File.AppendAllText(lab.ConfigPath, "127.0.0.1;5099\n");
        using var p = new GossipProcess(lab.Dir, "peer", "127.0.0.1", "6999", "--config", lab.ConfigPath, "--log-dir", lab.Dir);
        Assert.Equal(2, await p.WaitForExit(Bound));
        Assert.Single(p.Output);
        Assert.Contains("line 3", p.Output[0]);
    }

    [Fact]
    public async Task A_port_in_use_is_a_one_line_error()
    {
        using var lab = new Lab(seedCount: 1);
        var taken = new TcpListener(IPAddress.Loopback, lab.Seeds[0].Port);
        taken.Start();
        try
        {
            using var p = new GossipProcess(lab.Dir, "seed", "127.0.0.1", lab.Seeds[0].Port.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir);
            Assert.Equal(1, await p.WaitForExit(Bound));
            var output = p.Output;
            Assert.Single(output);
            Assert.Contains("already in use", output[0]);
        }
        finally { taken.Stop(); }
    }

    [Fact]
    public async Task A_seed_drops_a_bad_frame_and_keeps_registering_peers()
    {
        using var lab = new Lab(seedCount: 1);
        var (ip, port) = lab.Seeds[0];
        using var seed = new GossipProcess(lab.Dir, "seed", ip, port.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir);
        await seed.WaitForLine(l => l.Contains("started"), Bound, "the start line");

        // An oversized length prefix, then garbage JSON on a second connection.
        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(IPAddress.Loopback, port);
            await raw.GetStream().WriteAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3 });
            await seed.WaitForLine(l => l.Contains("Bad frame") && l.Contains("exceeds"), Bound, "the oversized-frame line");
        }
        using (var raw = new TcpClient())
        {
            await raw.ConnectAsync(IPAddress.Loopback, port);
            var junk = "{not json"u8.ToArray();
            await raw.GetStream().WriteAsync(new byte[] { 0, 0, 0, (byte)junk.Length });
            await raw.GetStream().WriteAsync(junk);
            await seed.WaitForLine(l => l.Contains("Bad frame") && !l.Contains("exceeds"), Bound, "the malformed-JSON line");
        }

        var peerPort = FreePorts.Take(1).Single();
        using var peer = new GossipProcess(lab.Dir, "peer", "127.0.0.1", peerPort.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir);
        await seed.WaitForLine(l => l.Contains($"REGISTER_COMMIT 127.0.0.1:{peerPort} with 1/1 votes"), Bound, "the commit after the bad frames");
        await peer.WaitForLine(l => l.Contains("Registered;"), Bound, "registration");
        seed.Interrupt();
        peer.Interrupt();
        Assert.Equal(0, await seed.WaitForExit(Bound));
        Assert.Equal(0, await peer.WaitForExit(Bound));
        Assert.Equal(2, seed.Output.Count(l => l.Contains("Bad frame")));
    }
}
