using GossipPure.Core;
using GossipPure.Shell.Hosting;

namespace GossipPure.Cli.Bench;

/// <summary>A node under measurement, hosted in this process or run as its own process.</summary>
interface IBenchNode : IDisposable
{
    string Role { get; }
    int Port { get; }
    bool Alive { get; }
    EventFeed Log { get; }
    void Kill();
    void Freeze();
    void Interrupt();
}

/// <summary>
/// The events a node emitted, each with the local time it was emitted, and waiters for events to come. Gossip
/// receipts (<see cref="GossipReceived"/>), by far the most events in a large network, are not kept as events but
/// indexed by body, so checking a message at every peer costs one lookup per peer; made messages are kept and also
/// handed to <see cref="Made"/>.
/// </summary>
sealed class EventFeed
{
    readonly List<(DateTime At, NodeEvent Event)> events = new();
    readonly List<(Func<NodeEvent, bool> Match, int From, TaskCompletionSource<DateTime> Done)> waiters = new();
    readonly Dictionary<string, DateTime> receipts = new(StringComparer.Ordinal);
    readonly Dictionary<string, TaskCompletionSource<DateTime>> receiptWaiters = new(StringComparer.Ordinal);
    readonly TaskCompletionSource<DateTime> firstReceipt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly object gate = new();

    /// <summary>Called (on the node's own thread) with the time and body of each gossip message the node makes.</summary>
    public Action<DateTime, string>? Made { get; set; }

    public int Count { get { lock (gate) return events.Count; } }

    /// <summary>The first gossip message the node received.</summary>
    public Task<DateTime> FirstReceipt => firstReceipt.Task;

    public void Add(DateTime at, NodeEvent e)
    {
        if (e is GossipReceived g)
        {
            lock (gate)
            {
                receipts.TryAdd(g.Body, at);
                if (receiptWaiters.Remove(g.Body, out var w)) w.TrySetResult(at);
            }
            firstReceipt.TrySetResult(at);
            return;
        }
        if (e is GossipMade made) Made?.Invoke(at, made.Body);
        lock (gate)
        {
            events.Add((at, e));
            for (var i = waiters.Count - 1; i >= 0; i--)
            {
                var w = waiters[i];
                if (events.Count - 1 < w.From || !w.Match(e)) continue;
                waiters.RemoveAt(i);
                w.Done.TrySetResult(at);
            }
        }
    }

    /// <summary>When the node first received the gossip message with this body.</summary>
    public Task<DateTime> Receipt(string body)
    {
        lock (gate)
        {
            if (receipts.TryGetValue(body, out var at)) return Task.FromResult(at);
            if (!receiptWaiters.TryGetValue(body, out var w))
                receiptWaiters[body] = w = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
            return w.Task;
        }
    }

    /// <summary>Forgets the waiters for messages no longer measured (a bounded wait that gave up).</summary>
    public void ForgetReceiptWaiters()
    {
        lock (gate) receiptWaiters.Clear();
    }

    /// <summary>The node a removal names, as a seed (removed) or a peer (purged, or itself: rejoining) reports it; null for other events.</summary>
    public static (NodeId Node, string Reason)? Removal(NodeEvent e) => e switch
    {
        PeerRemoved r => (r.Node, r.Reason),
        Purged p => (p.Node, p.Reason),
        Rejoining j => (j.Self, j.Reason),
        _ => null,
    };

    /// <summary>The time of the first event matching <paramref name="match"/> from event <paramref name="from"/> on.</summary>
    public Task<DateTime> WaitFor(Func<NodeEvent, bool> match, int from = 0)
    {
        lock (gate)
        {
            for (var i = from; i < events.Count; i++)
                if (match(events[i].Event)) return Task.FromResult(events[i].At);
            var tcs = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((match, from, tcs));
            return tcs.Task;
        }
    }

    /// <summary>The kept events from event <paramref name="from"/> on that match (gossip receipts are not kept as events).</summary>
    public List<(DateTime At, NodeEvent Event)> Events(Func<NodeEvent, bool> match, int from = 0)
    {
        lock (gate)
        {
            var found = new List<(DateTime At, NodeEvent Event)>();
            for (var i = Math.Min(from, events.Count); i < events.Count; i++)
                if (match(events[i].Event)) found.Add(events[i]);
            return found;
        }
    }
}

/// <summary>A node hosted in the bench's own process: its own listener, state and files, sharing the runtime.</summary>
sealed class InProcNode : IBenchNode
{
    readonly Action crash;
    readonly Action freeze;
    readonly CancellationTokenSource stop = new();
    readonly Task<int> run;

    /// <param name="forward">Where the node's events go instead of <see cref="Log"/> (a worker process sends them on).</param>
    public InProcNode(Role role, NodeConfig config, string dir, Action<DateTime, NodeEvent>? forward = null)
    {
        Role = role == Core.Role.Seed ? "seed" : "peer";
        Port = config.Self.Port;
        var files = new NodeFiles(dir, null, Console: false);
        var signals = new NodeSignals();
        void OnEvent(NodeEvent e)
        {
            if (forward is null) Log.Add(DateTime.Now, e);
            else forward(DateTime.Now, e);
        }
        if (role == Core.Role.Seed)
        {
            var r = new NodeRunner<Core.Seeds.SeedState>(role, config, Core.Seeds.SeedState.Initial(config), Core.Seeds.SeedReducer.Step, files) { OnEvent = OnEvent, Signals = signals, ControlSocket = false };
            (crash, freeze, run) = (signals.Kill, signals.Stop, Task.Run(() => r.RunAsync(stop.Token)));
        }
        else
        {
            var r = new NodeRunner<Core.Peers.PeerState>(role, config, Core.Peers.PeerState.Initial(config), Core.Peers.PeerReducer.Step, files) { OnEvent = OnEvent, Signals = signals, ControlSocket = false };
            (crash, freeze, run) = (signals.Kill, signals.Stop, Task.Run(() => r.RunAsync(stop.Token)));
        }
    }

    public string Role { get; }
    public int Port { get; }
    public bool Alive => !run.IsCompleted && !Frozen;
    bool Frozen { get; set; }
    public EventFeed Log { get; } = new();

    public void Kill() => crash();
    public void Freeze() { freeze(); Frozen = true; }
    public void Interrupt() => stop.Cancel();

    public void Dispose()
    {
        if (!run.IsCompleted) crash();
        try { run.Wait(3000); } catch (AggregateException) { }
    }
}
