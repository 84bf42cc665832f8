namespace GossipPure.Integration.Tests;

/// <summary>A lab network of real processes: seeds from the lab's config.csv and peers on free loopback ports.</summary>
public sealed class Network : IDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);   // only to catch hangs

    readonly List<GossipProcess> started = new();

    readonly string[]? program;

    public Network(int seeds, int peers, params string[] peerArgs) : this(null, seeds, peers, peerArgs) { }

    /// <summary>A network whose nodes run <paramref name="program"/> (null: <c>dotnet gossip.dll</c>).</summary>
    public Network(string[]? program, int seeds, int peers, params string[] peerArgs)
    {
        this.program = program;
        Lab = new Lab(seeds);
        Seeds = Lab.Seeds.ToDictionary(s => s.Port, s => StartSeed(s.Port));
        PeerPorts = FreePorts.Take(peers).ToList();
        Peers = PeerPorts.ToDictionary(p => p, p => StartPeer(p, peerArgs));
    }

    public Lab Lab { get; }
    public Dictionary<int, GossipProcess> Seeds { get; }
    public List<int> PeerPorts { get; }
    public Dictionary<int, GossipProcess> Peers { get; }

    public GossipProcess StartSeed(int port)
    {
        var p = new GossipProcess(Lab.Dir, [], ["seed", "127.0.0.1", port.ToString(), "--config", Lab.ConfigPath, "--log-dir", Lab.Dir], program: program);
        started.Add(p);
        return p;
    }

    public GossipProcess StartPeer(int port, params string[] args)
    {
        var p = new GossipProcess(Lab.Dir, [], ["peer", "127.0.0.1", port.ToString(), "--config", Lab.ConfigPath, "--log-dir", Lab.Dir, .. args], program: program);
        started.Add(p);
        return p;
    }

    /// <summary>Waits until every peer is registered and has gossip from every other peer (the overlay works).</summary>
    public async Task WaitUntilGossiping()
    {
        await Task.WhenAll(Peers.Values.Select(p => p.WaitForLine(l => l.Contains("Registered;"), Bound, "registration")));
        await Task.WhenAll(Peers.Select(kv => Task.WhenAll(PeerPorts.Where(o => o != kv.Key).Select(o =>
            kv.Value.WaitForLine(l => l.Contains("GOSSIP received (first time)") && l.EndsWith($"origin 127.0.0.1:{o}"), Bound, $"gossip from {o}")))));
    }

    public static string Id(int port) => $"127.0.0.1:{port}";

    /// <summary>Every live node but <paramref name="except"/> logs DEAD_CONFIRMED for the peer on <paramref name="port"/>.</summary>
    public Task WaitForDeadConfirmedEverywhere(int port, TimeSpan bound, params int[] except) =>
        Task.WhenAll(Seeds.Concat(Peers).Where(kv => kv.Key != port && !except.Contains(kv.Key)).Select(kv =>
            kv.Value.WaitForLine(l => l.Contains($"DEAD_CONFIRMED {Id(port)} "), bound, $"DEAD_CONFIRMED {Id(port)}")));

    public void Dispose()
    {
        foreach (var p in started) p.Dispose();
        Lab.Dispose();
    }
}
