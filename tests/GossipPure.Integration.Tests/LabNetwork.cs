using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// Seeds and peers as real processes, each started with its own extra arguments (timeouts, a cluster key file), and
/// the checks the hardening tests share: a fresh gossip message still reaches every honest peer; nobody was removed.
/// </summary>
public sealed class LabNetwork : IDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);   // only to catch hangs
    readonly List<GossipProcess> started = new();

    public LabNetwork(int seeds) => Lab = new Lab(seeds);

    public Lab Lab { get; }
    public Dictionary<int, GossipProcess> Seeds { get; } = new();
    public Dictionary<int, GossipProcess> Peers { get; } = new();
    public IEnumerable<GossipProcess> All => Seeds.Values.Concat(Peers.Values);

    public GossipProcess StartSeed(int port, params string[] args)
    {
        var p = new GossipProcess(Lab.Dir, new[] { "seed", "127.0.0.1", port.ToString(), "--config", Lab.ConfigPath, "--log-dir", Lab.Dir }.Concat(args).ToArray());
        started.Add(p);
        Seeds[port] = p;
        return p;
    }

    public GossipProcess StartPeer(int port, params string[] args)
    {
        var p = new GossipProcess(Lab.Dir, new[] { "peer", "127.0.0.1", port.ToString(), "--config", Lab.ConfigPath, "--log-dir", Lab.Dir }.Concat(args).ToArray());
        started.Add(p);
        Peers[port] = p;
        return p;
    }

    /// <summary>Every peer in <paramref name="ports"/> is registered and has gossip from each of the others.</summary>
    public async Task WaitUntilGossiping(IReadOnlyList<int> ports)
    {
        await Task.WhenAll(ports.Select(p => Peers[p].WaitForLine(l => l.Contains("Registered;"), Bound, "registration")));
        await Task.WhenAll(ports.SelectMany(p => ports.Where(o => o != p).Select(o =>
            Peers[p].WaitForLine(l => l.Contains("GOSSIP received (first time)") && l.EndsWith($"origin 127.0.0.1:{o}"), Bound, $"gossip from {o}"))));
    }

    /// <summary>
    /// Waits for the next message <paramref name="from"/> makes (after this call) and for its first-time line at each
    /// of <paramref name="to"/>: the honest part of the network still gossips.
    /// </summary>
    public async Task<string> FreshGossipReaches(int from, IEnumerable<int> to)
    {
        var maker = Peers[from];
        var made = await maker.WaitForLine(l => l.Contains("GOSSIP made: '"), Bound, "a fresh gossip message", fromLine: maker.Output.Count);
        var body = Regex.Match(made, "GOSSIP made: '([^']*)'").Groups[1].Value;
        await Task.WhenAll(to.Select(t => Peers[t].WaitForLine(l => l.Contains($"GOSSIP received (first time): '{body}'"), Bound, $"gossip '{body}' of {from}")));
        return body;
    }

    readonly HashSet<int> departed = new();

    /// <summary>
    /// Stops a peer this network started with Ctrl+C and waits for its exit: it says LEAVE, and the seeds remove it as
    /// "left" — a departure, which <see cref="AssertNobodyRemoved"/> does not count. The process is gone afterwards.
    /// </summary>
    public async Task StopPeer(int port)
    {
        var p = Peers[port];
        p.Interrupt();
        Assert.Equal(0, await p.WaitForExit(Bound));
        departed.Add(port);
        Peers.Remove(port);
    }

    /// <summary>No node logged a removal (other than the departure of a peer stopped by <see cref="StopPeer"/>).</summary>
    public void AssertNobodyRemoved()
    {
        bool Departure(string line) => departed.Any(port => Regex.IsMatch(line, $@"DEAD_CONFIRMED 127\.0\.0\.1:{port} \(left[;)]"));
        foreach (var p in All)
            Assert.DoesNotContain(p.Output, l => l.Contains("DEAD_CONFIRMED") && !Departure(l));
    }

    public void Dispose()
    {
        foreach (var p in started) p.Dispose();
        Lab.Dispose();
    }
}

/// <summary>A raw TCP client speaking the wire format by hand (this project does not reference the node's code).</summary>
public static class Wire
{
    public static byte[] Frame(string json) => Frame(Encoding.UTF8.GetBytes(json));

    public static byte[] Frame(byte[] payload)
    {
        var f = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(f, payload.Length);
        payload.CopyTo(f, 4);
        return f;
    }

    public static byte[] Hello(string ip, int port, string role = "peer") => Frame($$"""{"type":"HELLO","from":"{{ip}}:{{port}}","role":"{{role}}"}""");

    public static byte[] Gossip(string origin, string body) => Frame($$"""{"type":"GOSSIP","origin":"{{origin}}","body":"{{body}}"}""");

    /// <summary>A socket from <paramref name="from"/> (a loopback address; 127.0.0.0/8 all reach this machine) to a node.</summary>
    public static async Task<Socket> Connect(int port, string from)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            s.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
            await s.ConnectAsync(IPAddress.Loopback, port);
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>Sends, ignoring a reset: the node may have closed the connection already, which is what the test wants.</summary>
    public static async Task SendQuietly(Socket s, byte[] bytes)
    {
        try { await s.SendAsync(bytes); }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }
}
