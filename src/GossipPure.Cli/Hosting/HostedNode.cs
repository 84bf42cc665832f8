using System.Collections.Concurrent;
using GossipPure.Cli.Bench;
using GossipPure.Core;
using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;
using GossipPure.Shell.Hosting;
using GossipPure.Shell.Net;

namespace GossipPure.Cli.Hosting;

/// <summary>An event a node emitted, as the live view receives it.</summary>
public sealed record NodeLine(DateTime At, HostedNode Node, NodeEvent Event);

/// <summary>
/// One seed or peer run by the host: the shell's <see cref="NodeRunner{TState}"/>, plus what an observer may read
/// while it runs (its latest state, its log lines as they are written, its exit code). Nothing here decides anything.
/// </summary>
public sealed class HostedNode
{
    readonly Func<CancellationToken, Task<int>> run;
    readonly Func<object> state;
    readonly Action crash;
    readonly Action freeze;

    HostedNode(Role role, NodeId id, string logPath, Func<CancellationToken, Task<int>> run, Func<object> state, Action crash, Action freeze)
    {
        Role = role;
        Id = id;
        LogPath = logPath;
        this.run = run;
        this.state = state;
        this.crash = crash;
        this.freeze = freeze;
    }

    public Role Role { get; }
    public NodeId Id { get; }
    public string LogPath { get; }
    public string Label => $"{(Role == Role.Seed ? "seed" : "peer")} {Id.Port}";

    /// <summary>The node's latest state: a <see cref="SeedState"/> or a <see cref="PeerState"/> (immutable values).</summary>
    public object State => state();

    /// <summary>Null while it runs; the exit code once it stopped.</summary>
    public int? ExitCode { get; private set; }

    /// <summary>Set when this node was crashed or frozen on purpose (from the live view).</summary>
    public string? Fault { get; private set; }

    /// <summary>Where the node's events go as they are emitted (called on the node's own loop: keep it cheap).</summary>
    public ConcurrentQueue<NodeLine>? Lines { get; set; }

    /// <param name="notes">Lines the node writes first as it starts (about its keys; none by default).</param>
    public static HostedNode Seed(NodeConfig config, NodeFiles files, TransportOptions? network = null, IReadOnlyList<(LogLevel, string)>? notes = null) =>
        Create(Role.Seed, config, SeedState.Initial(config), SeedReducer.Step, files, network, notes);

    public static HostedNode Peer(NodeConfig config, NodeFiles files, TransportOptions? network = null, IReadOnlyList<(LogLevel, string)>? notes = null) =>
        Create(Role.Peer, config, PeerState.Initial(config), PeerReducer.Step, files, network, notes);

    static HostedNode Create<TState>(Role role, NodeConfig config, TState initial, Func<TState, Input, Step<TState>> step, NodeFiles files,
        TransportOptions? network, IReadOnlyList<(LogLevel, string)>? notes)
    {
        HostedNode? self = null;
        var signals = new NodeSignals();
        var runner = new NodeRunner<TState>(role, config, initial, step, files)
        {
            Network = network ?? TransportOptions.Default,
            OnEvent = e => self?.Lines?.Enqueue(new NodeLine(DateTime.Now, self, e)),
            Signals = signals,
            StartNotes = notes ?? [],
        };
        self = new HostedNode(role, config.Self, runner.LogPath, runner.RunAsync, () => runner.State!, signals.Kill, signals.Stop);
        return self;
    }

    /// <summary>Runs the node until it stops; an unexpected failure is one line on stderr and exit code 1.</summary>
    public async Task<int> RunAsync(CancellationToken shutdown)
    {
        // A frozen node hears no shutdown (as a stopped process would not); at the end it goes as a killed one.
        using var unfreeze = shutdown.Register(() => { if (Fault == "frozen") crash(); });
        try
        {
            ExitCode = await run(shutdown);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            Console.Error.WriteLine($"gossip: {Label}: {e.Message}");
            ExitCode = 1;
        }
        return ExitCode.Value;
    }

    /// <summary>As <c>kill -9</c> of this node alone (its sockets reset); for trying out failure detection.</summary>
    public void Crash()
    {
        Fault = "crashed";
        crash();
    }

    /// <summary>As <c>kill -STOP</c> of this node alone (its sockets stay open, it answers nothing).</summary>
    public void Freeze()
    {
        Fault = "frozen";
        freeze();
    }
}
