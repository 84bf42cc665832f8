using System.Net.Sockets;
using System.Threading.Channels;
using GossipPure.Core;
using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;
using GossipPure.Shell.Net;

namespace GossipPure.Shell.Hosting;

/// <summary>Where a node writes and what it says on the console.</summary>
public sealed record NodeFiles(string LogDir, string? ConsolePrefix, bool Console = true, LogFormat Format = LogFormat.Text);

/// <summary>
/// One node: one loop reading one channel of inputs. Take an input, step the pure reducer, record the input,
/// perform the effects. All awaits live here; no protocol decision does.
/// </summary>
public sealed class NodeRunner<TState>
{
    readonly Role role;
    readonly NodeConfig config;
    readonly Func<TState, Input, Step<TState>> step;
    readonly NodeFiles files;
    // One loop reads it, but not declared SingleReader: that variant cannot count its items (the queue-depth gauge does).
    readonly Channel<object> inbox = Channel.CreateUnbounded<object>();
    readonly HealthMeter health = new();   // issue 12: own lateness, as HealthSample inputs
    readonly Dictionary<string, (long Generation, CancellationTokenSource Cancel)> timers = new();
    long timerGeneration;
    TState state;
    volatile bool crashed;
    TaskCompletionSource? frozen;
    Transport? transport;

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

    /// <summary>Called with each log line as it is written (the bench and tests observe nodes through it).</summary>
    public Action<Core.LogLevel, string>? OnLog { get; init; }

    /// <summary>
    /// Simulates <c>kill -9</c> of a hosted node: it stops at once, says nothing, and its connections are reset
    /// (as the kernel does for a killed process). For benches that host many nodes in one process.
    /// </summary>
    public void Crash()
    {
        crashed = true;
        transport?.Reset();
        inbox.Writer.TryWrite(new object());   // wake the loop so it sees the flag
        frozen?.TrySetResult();
    }

    /// <summary>
    /// Simulates <c>kill -STOP</c>: the node stops handling anything, while its sockets stay open and the
    /// kernel-side behaviour (accepting, buffering) goes on.
    /// </summary>
    public void Freeze() => Interlocked.CompareExchange(ref frozen, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    sealed record TimerTick(string Key, long Generation);

    string RoleName => role == Role.Seed ? "seed" : "peer";
    public string LogPath => Path.Combine(files.LogDir, $"outputfile_{RoleName}_{config.Self.Port}.txt");
    public string EventsPath => Path.Combine(files.LogDir, $"events_{RoleName}_{config.Self.Port}.jsonl");

    /// <summary>Runs the node until it stops itself or <paramref name="shutdown"/> fires; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken shutdown)
    {
        using var log = new NodeLog(LogPath, files.ConsolePrefix, files.Console, files.Format, config.Self.ToString(), RoleName);
        // The transport's own notices (refused frames, key reloads) are written from its threads: NodeLog's loggers take that.
        var transport = this.transport = new Transport(config.Self, role, i => inbox.Writer.TryWrite(i), Network, log.Write);
        try
        {
            transport.Listen();
        }
        catch (SocketException e)
        {
            log.Write(Core.LogLevel.Error, $"Cannot listen on {config.Self}: {BindError(e)}");
            return 1;
        }
        var randomSeed = (ulong)Random.Shared.NextInt64() ^ ((ulong)Random.Shared.Next() << 63);
        using var recorder = new InputRecorder(EventsPath, role, config, randomSeed);
        using var onShutdown = shutdown.Register(() => inbox.Writer.TryWrite(new ShutdownRequested(Clock.NowUs())));
        inbox.Writer.TryWrite(new Started(Clock.NowUs(), randomSeed));
        using var metrics = new NodeMetrics(role, config.Self, () => inbox.Reader.Count);

        var exitCode = 0;
        var running = true;
        long lastNowUs = 0;
        try
        {
            while (running && await inbox.Reader.WaitToReadAsync())
            {
                while (running && inbox.Reader.TryRead(out var item))
                {
                    if (frozen is { } gate) await gate.Task;
                    if (crashed) { running = false; break; }
                    var input = item switch
                    {
                        Input i => i,
                        TimerTick t when timers.TryGetValue(t.Key, out var cur) && cur.Generation == t.Generation
                            => Fired(t.Key),
                        _ => null,   // a timer that was reset or cancelled after it fired
                    };
                    if (input is null) continue;
                    // Inputs are stamped where they arise (a socket, a timer); the reducer sees time go forward only.
                    if (input.NowUs < lastNowUs) input = input with { NowUs = lastNowUs };
                    lastNowUs = input.NowUs;
                    health.Taken(input, inbox.Writer);
                    var result = step(state, input);
                    state = result.State;
                    recorder.Append(input, result.Effects);
                    metrics.Observe(input, result.Effects, state is Core.Peers.PeerState ps ? ps.Duplicates : null);
                    foreach (var effect in result.Effects)
                    {
                        switch (effect)
                        {
                            case Send s:
                                if (transport.Send(s.To, s.Message) is { } sendError) log.Write(Core.LogLevel.Error, sendError);
                                break;
                            case Connect c: transport.Connect(c.To); break;
                            case Disconnect d: transport.Disconnect(d.Node); break;
                            case PingHost p: _ = Icmp.EchoAsync(p.Ip, inbox.Writer); break;
                            case SetTimer t: SetTimer(t.Key, t.DelayMs); break;
                            case CancelTimer t: CancelTimer(t.Key); break;
                            case Log l: log.Write(l.Level, l.Text); OnLog?.Invoke(l.Level, l.Text); break;
                            case Stop stop: exitCode = stop.ExitCode; running = false; break;
                        }
                    }
                }
            }
        }
        finally
        {
            foreach (var (_, t) in timers) t.Cancel.Cancel();
            timers.Clear();
            await transport.DisposeAsync();
        }
        return exitCode;
    }

    TimerFired Fired(string key)
    {
        timers.Remove(key);
        return new TimerFired(Clock.NowUs(), key);
    }

    void SetTimer(string key, long delayMs)
    {
        CancelTimer(key);
        var gen = ++timerGeneration;
        health.TimerSet(key, delayMs);
        var cts = new CancellationTokenSource();
        timers[key] = (gen, cts);
        _ = Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, delayMs)), cts.Token)
            .ContinueWith(t => { if (!t.IsCanceled) inbox.Writer.TryWrite(new TimerTick(key, gen)); }, TaskScheduler.Default);
    }

    void CancelTimer(string key)
    {
        if (timers.Remove(key, out var t)) t.Cancel.Cancel();
    }

    static string BindError(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "the port is already in use",
        SocketError.AddressNotAvailable => "the address is not one of this machine's",
        SocketError.AccessDenied => "permission denied",
        _ => e.Message,
    };
}

/// <summary>Builds the runner for a seed or a peer.</summary>
public static class Nodes
{
    public static NodeRunner<SeedState> Seed(NodeConfig config, NodeFiles files, TransportOptions? network = null) =>
        new(Role.Seed, config, SeedState.Initial(config), SeedReducer.Step, files) { Network = network ?? TransportOptions.Default };

    public static NodeRunner<PeerState> Peer(NodeConfig config, NodeFiles files, TransportOptions? network = null) =>
        new(Role.Peer, config, PeerState.Initial(config), PeerReducer.Step, files) { Network = network ?? TransportOptions.Default };
}
