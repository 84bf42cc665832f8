using System.Net.Sockets;
using GossipPure.Core;
using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;
using GossipPure.Shell.Net;

namespace GossipPure.Shell.Hosting;

/// <summary>Where a node writes and what it says on the console.</summary>
public sealed record NodeFiles(string LogDir, string? ConsolePrefix, bool Console = true, LogFormat Format = LogFormat.Text)
{
    /// <summary>What the node keeps on disk at most (<c>--retain-mb</c>): its files roll into segments within it.</summary>
    public int RetainMb { get; init; } = DiskBudget.DefaultRetainMb;

    public DiskBudget Budget => DiskBudget.OfMb(RetainMb, Format == LogFormat.Json);
}

/// <summary>
/// One node: one loop (<see cref="NodeLoop"/>) taking its inputs in order from one inbox. Take an input, step the
/// pure reducer, record the input, perform the effects. The sockets and the timers post to the inbox; nothing here
/// decides anything about the protocol. The log and event files are written in batches: flushed each time the inbox
/// is empty (and at least once a second under steady load), and when the node stops.
/// </summary>
public sealed class NodeRunner<TState> : ILoopHandler
{
    readonly Role role;
    readonly NodeConfig config;
    readonly Func<TState, Input, Step<TState>> step;
    readonly NodeFiles files;
    TState state;
    NodeLoop? loop;
    Transport? transport;
    NodeLog? log;
    InputRecorder? recorder;
    NodeMetrics? metrics;
    // Own lateness (timer ticks against their monotonic due times, inputs' wait in the inbox), handed to the core as
    // HealthSample inputs (issue 12; Core/Health.cs decides what it means).
    readonly HealthMeter healthMeter = new();
    int exitCode;
    long lastNowUs;
    long startedTicks;
    ControlEndpoint? control;
    LanguageExt.Seq<Effect> lastEffects;

    public NodeRunner(Role role, NodeConfig config, TState initial, Func<TState, Input, Step<TState>> step, NodeFiles files)
    {
        this.role = role;
        this.config = config;
        this.step = step;
        this.files = files;
        state = initial;
    }

    public TState State => state;

    /// <summary>The transport's limits and cluster keys (<c>--cluster-key-file</c>).</summary>
    public TransportOptions Network { get; init; } = TransportOptions.Default;

    /// <summary>Called with each event the node's reducer emits, after it is written (the bench, the live view and tests observe nodes through it).</summary>
    public Action<NodeEvent>? OnEvent { get; init; }

    /// <summary>
    /// The loop threads this node runs on: the process's shared ones by default (one thread for one node; at most
    /// one per core when a process hosts many nodes).
    /// </summary>
    public LoopScheduler Scheduler { get; init; } = LoopScheduler.Shared;

    /// <summary>Told, on the node's loop thread, how late each timer fired and how long inputs waited.</summary>
    public ILoopHealthObserver? Health { get; init; }

    /// <summary>Queues an input for the node (any thread); nothing happens before <see cref="RunAsync"/>.</summary>
    public void Post(Input input) => loop?.Post(input);

    /// <summary>Puts a control question to the node's loop (any thread, once it runs); its answer completes the query.</summary>
    public bool Ask(ControlQuery query)
    {
        if (loop is not { } l) return false;
        l.Post(query);
        return true;
    }

    /// <summary>Called, on the node's loop, with each first-time application message and its payload (base64).</summary>
    public Action<Deliver>? OnDelivery { get; init; }

    /// <summary><c>kill -9</c> and <c>kill -STOP</c> of this node alone, when a host runs many in one process (none by default).</summary>
    public INodeSignals? Signals { get; init; }

    /// <summary>Whether the node answers <c>gossip members</c>/<c>status</c> on its control socket (<see cref="ControlEndpoint"/>); on by default.</summary>
    public bool ControlSocket { get; init; } = true;

    /// <summary>Lines the node writes first, once, as it starts (what the command line found about its keys).</summary>
    public IReadOnlyList<(Core.LogLevel Level, string Line)> StartNotes { get; init; } = [];

    string RoleName => role == Role.Seed ? "seed" : "peer";
    public string LogPath => Path.Combine(files.LogDir, $"outputfile_{RoleName}_{config.Self.Port}.txt");
    public string EventsPath => Path.Combine(files.LogDir, $"events_{RoleName}_{config.Self.Port}.jsonl");

    /// <summary>Runs the node until it stops itself or <paramref name="shutdown"/> fires; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken shutdown)
    {
        using var log = this.log = new NodeLog(LogPath, files.ConsolePrefix, files.Console, files.Format, config.Self.ToString(), RoleName, files.Budget);
        var loop = this.loop = new NodeLoop(Scheduler, this);
        // The transport's own notices (refused frames, key reloads) come from its threads: written out at once.
        var transport = this.transport = new Transport(config.Self, role, loop.Post, Network, log.WriteNow, config);
        Signals?.Attach(loop.Wake, transport.Reset);
        // Started goes into the inbox before the socket listens: an input the transport posts (a connection accepted at
        // once) must come after it, or the reducer, not yet started, would drop it (seen: a seed that never learned
        // that another seed had connected, and a seed mesh that never completed).
        var randomSeed = (ulong)Random.Shared.NextInt64() ^ ((ulong)Random.Shared.Next() << 63);
        loop.Post(new Started(Clock.NowUs(), randomSeed));
        try
        {
            transport.Listen();
        }
        catch (SocketException e)
        {
            log.WriteNow(Core.LogLevel.Error, $"Cannot listen on {config.Self}: {BindError(e)}");
            return 1;
        }
        // After the listen: a node that cannot start says only why.
        foreach (var (level, line) in StartNotes) log.WriteNow(level, line);
        startedTicks = System.Diagnostics.Stopwatch.GetTimestamp();
        using var control = this.control = ControlSocket
            ? ControlEndpoint.TryStart(ControlEndpoint.SocketPath(files.LogDir, role, config.Self.Port), q => { loop.Post(q); return true; },
                line => log.WriteNow(Core.LogLevel.Warning, line))
            : null;
        using var recorder = this.recorder = new InputRecorder(EventsPath, role, config, randomSeed, files.Budget,
            line => log.WriteNow(Core.LogLevel.Error, line));
        using var metrics = this.metrics = new NodeMetrics(role, config.Self, () => loop.Queued);
        using var onShutdown = shutdown.Register(() => loop.Post(new ShutdownRequested(Clock.NowUs())));
        loop.Start();
        try
        {
            await loop.Completion;
        }
        finally
        {
            await transport.DisposeAsync();
        }
        return exitCode;
    }

    bool ILoopHandler.Frozen => Signals?.Stopped == true;
    bool ILoopHandler.Crashed => Signals?.Killed == true;

    void ILoopHandler.BatchStarting(int queued, long oldestAgeUs) => Health?.BatchStarting(queued, oldestAgeUs);

    bool ILoopHandler.HandleTimer(TimerKey key, long latenessUs)
    {
        Health?.TimerFired(key, latenessUs);
        healthMeter.TimerLate(latenessUs / 1000);
        return Handle(new TimerFired(Clock.NowUs(), key));
    }

    bool ILoopHandler.Handle(object item)
    {
        if (item is ControlQuery { Op: "publish" } publish)
        {
            // An application message handed in: an input like any other (recorded, replayed); the answer is its id.
            var running = Handle(new Publish(Clock.NowUs(), publish.Data!));
            publish.Effects = lastEffects;
            publish.Reply(ControlJson.Published(lastEffects));
            return running;
        }
        if (item is ControlQuery q)
        {
            // A look at the state, on the loop (so between steps): not an input, not recorded, changes nothing.
            q.Reply(ControlJson.Answer(q.Op, state, loop!.Queued, System.Diagnostics.Stopwatch.GetElapsedTime(startedTicks)));
            return true;
        }
        return item is not Input input || Handle(input);
    }

    void ILoopHandler.Flush()
    {
        recorder!.HandOver();
        log!.Flush();
    }

    bool Handle(Input input)
    {
        // Inputs are stamped where they arise (a socket, a timer); the reducer sees time go forward only.
        if (input.NowUs < lastNowUs) input = input with { NowUs = lastNowUs };
        lastNowUs = input.NowUs;
        if (healthMeter.Taken(input) is { } sample) loop!.Post(sample);
        var before = state;
        var result = step(state, input);
        state = result.State;
        recorder!.Append(input, result.Effects, before);
        lastEffects = result.Effects;
        metrics!.Observe(input, result.Effects, state is Core.Peers.PeerState ps ? ps.Duplicates : null);
        var running = true;
        foreach (var effect in result.Effects)
        {
            switch (effect)
            {
                case Send s:
                    if (transport!.Send(s.To, s.Message) is { } sendError) log!.Write(Core.LogLevel.Error, sendError);
                    break;
                case Connect c: transport!.Connect(c.To); break;
                case Disconnect d: transport!.Disconnect(d.Node); break;
                case UseCertificate u: transport!.UseCertificate(u.Cert); break;
                case PingHost p: _ = Icmp.EchoAsync(p.Ip, loop!.Post); break;
                case SetTimer t: loop!.SetTimer(t.Key, t.DelayMs); break;
                case CancelTimer t: loop!.CancelTimer(t.Key); break;
                case Deliver d:
                    OnDelivery?.Invoke(d);
                    if (control is { HasSubscribers: true }) control.Deliver(ControlJson.Delivery(d));
                    break;
                case NodeEvent e: log!.Write(e); OnEvent?.Invoke(e); break;
                case Stop stop: exitCode = stop.ExitCode; running = false; break;
            }
        }
        return running;
    }

    static string BindError(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "the port is already in use",
        SocketError.AddressNotAvailable => "the address is not one of this machine's",
        SocketError.AccessDenied => "permission denied",
        _ => e.Message,
    };
}

/// <summary>
/// Watches a node's loop for local health (how late its timers fire, how long its inputs wait). Called on the
/// node's loop thread, before the timer's input or the batch is handled; keep it cheap. It may post inputs to the
/// node (<see cref="NodeRunner{TState}.Post"/>): they are handled after what is already queued.
/// </summary>
public interface ILoopHealthObserver
{
    /// <summary>A batch starts: <paramref name="queued"/> inputs wait, the oldest posted <paramref name="oldestAgeUs"/> ago (monotonic).</summary>
    void BatchStarting(int queued, long oldestAgeUs);

    /// <summary>The timer <paramref name="key"/> is handled <paramref name="latenessUs"/> after it was due (monotonic).</summary>
    void TimerFired(TimerKey key, long latenessUs);
}

/// <summary>Builds the runner for a seed or a peer.</summary>
public static class Nodes
{
    public static NodeRunner<SeedState> Seed(NodeConfig config, NodeFiles files, TransportOptions? network = null) =>
        new(Role.Seed, config, SeedState.Initial(config), SeedReducer.Step, files) { Network = network ?? TransportOptions.Default };

    public static NodeRunner<PeerState> Peer(NodeConfig config, NodeFiles files, TransportOptions? network = null) =>
        new(Role.Peer, config, PeerState.Initial(config), PeerReducer.Step, files) { Network = network ?? TransportOptions.Default };
}
