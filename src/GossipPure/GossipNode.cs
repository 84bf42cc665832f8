using System.Runtime.CompilerServices;
using System.Threading.Channels;
using GossipPure.Core;
using GossipPure.Core.Identity;
using GossipPure.Core.Peers;
using GossipPure.Shell.Hosting;
using GossipPure.Shell.Security;

namespace GossipPure;

/// <summary>Where a node runs and which network it joins.</summary>
public sealed record GossipNodeOptions
{
    /// <summary>This node's address: the IP others reach it on.</summary>
    public required string Ip { get; init; }

    /// <summary>The port it listens on.</summary>
    public required int Port { get; init; }

    /// <summary>The network's <c>config.csv</c> (one <c>IP,Port[,KEY]</c> line per seed). With keys, membership is signed.</summary>
    public required string ConfigPath { get; init; }

    /// <summary>Where its output file, event log and control socket go (<c>gossip members --node PORT --log-dir DIR</c> works on it).</summary>
    public string LogDir { get; init; } = ".";

    /// <summary>With a signed network: where its key file is (made at the first start when missing); default <see cref="LogDir"/>.</summary>
    public string? KeyDir { get; init; }

    /// <summary>The protocol's settings; by default the reference's own timestamp messages are off (<c>GossipCount = 0</c>): a program publishes its own.</summary>
    public ProtocolOptions Protocol { get; init; } = ProtocolOptions.Default with { GossipCount = 0 };

    /// <summary>Whether the node also writes its log lines to this program's console.</summary>
    public bool Console { get; init; }
}

/// <summary>An application message this node received for the first time.</summary>
/// <param name="Origin">The peer that made it.</param>
/// <param name="Id">Its id, <c>&lt;timestamp&gt;:&lt;IP&gt;:a&lt;n&gt;</c> (unique per maker).</param>
/// <param name="Payload">Its bytes, as published.</param>
/// <param name="From">The neighbour it came from.</param>
/// <param name="Latency">How long after it was made it arrived (by the maker's clock).</param>
public sealed record Delivery(NodeId Origin, string Id, ReadOnlyMemory<byte> Payload, NodeId From, TimeSpan Latency);

/// <summary>A change in the membership as this node sees it: a node <c>joined</c> (linked to it, or vouched for by a seed), is <c>suspected</c>, or was <c>removed</c> by a seed quorum.</summary>
public sealed record MembershipChange(NodeId Node, string Change, string Detail);

/// <summary>
/// A GossipPure peer (or seed) inside your program: the same node as <c>gossip peer</c> (the pure core, the shell's sockets,
/// timers, output file and event log, and the control socket), driven from .NET. Start it, wait until it is
/// registered, publish payloads, read what arrives; dispose it to leave the network cleanly (as Ctrl+C does).
/// </summary>
/// <example>
/// <code>
/// await using var node = await GossipNode.StartPeerAsync(new() { Ip = "127.0.0.1", Port = 6100, ConfigPath = "config.csv" });
/// await node.WaitRegisteredAsync(TimeSpan.FromSeconds(30));
/// await node.PublishAsync("hello"u8.ToArray());
/// await foreach (var d in node.ReadDeliveriesAsync()) Console.WriteLine($"{d.Origin}: {Encoding.UTF8.GetString(d.Payload.Span)}");
/// </code>
/// </example>
public sealed class GossipNode : IAsyncDisposable
{
    readonly Func<ControlQuery, bool> ask;
    readonly CancellationTokenSource stop = new();
    readonly Task<int> run;
    readonly TaskCompletionSource registered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly Channel<Delivery> deliveries = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
    readonly Channel<MembershipChange> changes = Channel.CreateUnbounded<MembershipChange>(new UnboundedChannelOptions { SingleReader = true });

    GossipNode(Role role, NodeConfig config, GossipNodeOptions o, IReadOnlyList<(LogLevel, string)> notes)
    {
        Address = config.Self;
        Role = role;
        var files = new NodeFiles(o.LogDir, null, o.Console);
        Func<CancellationToken, Task<int>> runAsync;
        if (role == Role.Peer)
        {
            var peer = new NodeRunner<PeerState>(Role.Peer, config, PeerState.Initial(config), PeerReducer.Step, files)
            {
                OnEvent = Observe,
                OnDelivery = d => deliveries.Writer.TryWrite(new Delivery(d.Origin, d.Id, Convert.FromBase64String(d.Data), d.From, TimeSpan.FromTicks(d.LatencyUs * 10))),
                StartNotes = notes,
            };
            (runAsync, ask, LogPath) = (peer.RunAsync, peer.Ask, peer.LogPath);
        }
        else
        {
            var seed = new NodeRunner<Core.Seeds.SeedState>(Role.Seed, config, Core.Seeds.SeedState.Initial(config), Core.Seeds.SeedReducer.Step, files)
            {
                OnEvent = Observe,
                StartNotes = notes,
            };
            (runAsync, ask, LogPath) = (seed.RunAsync, seed.Ask, seed.LogPath);
            registered.TrySetResult();   // a seed serves from its start
        }
        run = Task.Run(() => runAsync(stop.Token));
        _ = run.ContinueWith(t =>
        {
            registered.TrySetException(new InvalidOperationException($"the node {Address} stopped (exit code {(t.IsCompletedSuccessfully ? t.Result : -1)}) before it registered: see {LogPath}"));
            deliveries.Writer.TryComplete();
            changes.Writer.TryComplete();
        }, TaskScheduler.Default);
    }

    /// <summary>This node's address.</summary>
    public NodeId Address { get; }

    /// <summary>A seed or a peer.</summary>
    public Role Role { get; }

    /// <summary>Its output file (the reference's <c>outputfile_&lt;role&gt;_&lt;port&gt;.txt</c>).</summary>
    public string LogPath { get; }

    /// <summary>
    /// Starts a peer: reads <see cref="GossipNodeOptions.ConfigPath"/>, takes (or makes) its key when the network is
    /// signed, listens and registers with the seeds. A bad config line or key is an <see cref="ArgumentException"/>
    /// naming it; a port in use shows in <see cref="WaitRegisteredAsync"/>.
    /// </summary>
    public static Task<GossipNode> StartPeerAsync(GossipNodeOptions o, CancellationToken ct = default) => Start(Role.Peer, o, ct);

    /// <summary>
    /// Starts a seed: its address must be a line of <see cref="GossipNodeOptions.ConfigPath"/>, and in a signed network
    /// its key file (<c>gossip keygen</c>) must hold the key that line gives. It cannot publish.
    /// </summary>
    public static Task<GossipNode> StartSeedAsync(GossipNodeOptions o, CancellationToken ct = default) => Start(Role.Seed, o, ct);

    static Task<GossipNode> Start(Role role, GossipNodeOptions o, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (!NodeId.IsIp(o.Ip)) throw new ArgumentException($"'{o.Ip}' is not an IP address", nameof(o));
        var self = new NodeId(o.Ip, o.Port);
        var configName = Path.GetFileName(o.ConfigPath);
        var (seeds, keys) = SeedList.ParseKeyed(File.ReadAllText(o.ConfigPath), Ed25519Scheme.IsPublicKey, configName)
            .Match(ok => ok, error => throw new ArgumentException(error, nameof(o)));
        if (role == Role.Seed && !seeds.Exists(s => s == self)) throw new ArgumentException($"seed {self} is not a line of {configName}", nameof(o));
        var notes = new List<(LogLevel, string)>();
        var security = Security.None;
        if (!keys.IsEmpty)
        {
            var (signed, error) = NodeKeys.Identity(role, self, keys, o.KeyDir ?? o.LogDir, configName, notes);
            security = signed ?? throw new ArgumentException(error, nameof(o));
        }
        Directory.CreateDirectory(o.LogDir);
        return Task.FromResult(new GossipNode(role, new NodeConfig(self, seeds, o.Protocol) { Security = security }, o, notes));
    }

    /// <summary>Completes once the seeds admitted this node and it has its peer list; fails if the node stopped first.</summary>
    public async Task WaitRegisteredAsync(TimeSpan timeout, CancellationToken ct = default) =>
        await registered.Task.WaitAsync(timeout, ct);

    /// <summary>
    /// Gossips <paramref name="payload"/> (at most 64 KiB) to every peer, like this node's own messages; returns its id.
    /// Refused (too big, not registered yet): <see cref="InvalidOperationException"/> with the reason.
    /// </summary>
    public async Task<string> PublishAsync(ReadOnlyMemory<byte> payload, CancellationToken ct = default)
    {
        if (payload.Length > AppMessage.MaxBytes)
            throw new ArgumentException($"the payload is {payload.Length} bytes; the limit is {AppMessage.MaxBytes} (64 KiB)", nameof(payload));
        var query = new ControlQuery("publish", Convert.ToBase64String(payload.Span));
        if (!ask(query)) throw new InvalidOperationException($"the node {Address} is not running");
        await query.Answer.WaitAsync(ct);
        return query.Effects.Find(e => e is AppMade or PublishRefused).Case switch
        {
            AppMade m => m.Id,
            PublishRefused r => throw new InvalidOperationException($"not gossiped: {r.Why}"),
            _ => throw new InvalidOperationException("not gossiped"),
        };
    }

    /// <summary>Every application message this node receives for the first time, as it arrives (one reader).</summary>
    public async IAsyncEnumerable<Delivery> ReadDeliveriesAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var d in deliveries.Reader.ReadAllAsync(ct)) yield return d;
    }

    /// <summary>Membership changes as this node sees them, as they happen (one reader).</summary>
    public async IAsyncEnumerable<MembershipChange> ReadMembershipAsync([EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var c in changes.Reader.ReadAllAsync(ct)) yield return c;
    }

    void Observe(NodeEvent e)
    {
        switch (e)
        {
            case Registered: registered.TrySetResult(); break;
            case NeighbourAdded n: changes.Writer.TryWrite(new MembershipChange(n.Node, "joined", "linked to this node")); break;
            case MemberConfirmed m: changes.Writer.TryWrite(new MembershipChange(m.Node, "joined", $"a seed ({m.Seed}) vouched for it")); break;
            case Suspected s: changes.Writer.TryWrite(new MembershipChange(s.Node, "suspected", s.Evidence)); break;
            case Purged p: changes.Writer.TryWrite(new MembershipChange(p.Node, "removed", p.Reason)); break;
            // A seed's view: admissions it decided or learned, removals, removal votes opened.
            case RegisterCommitted c: changes.Writer.TryWrite(new MembershipChange(c.Peer, "joined", $"admitted by {c.Voters.Count} of {c.Seeds} seeds")); break;
            case CommitLearned c: changes.Writer.TryWrite(new MembershipChange(c.Peer, "joined", $"admitted, learned from {c.From}")); break;
            case DeadProposed d: changes.Writer.TryWrite(new MembershipChange(d.Suspect, "suspected", $"reported by {d.Reporter}")); break;
            case PeerRemoved r: changes.Writer.TryWrite(new MembershipChange(r.Node, "removed", r.Reason)); break;
        }
    }

    /// <summary>Leaves the network as Ctrl+C does (a LEAVE to the seeds and neighbours, then the files closed) and waits for the node to stop.</summary>
    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        try { await run.WaitAsync(TimeSpan.FromSeconds(30)); }
        catch (TimeoutException) { }
        stop.Dispose();
    }
}
