using GossipPure.Core;
using GossipPure.Shell.Hosting;

namespace GossipPure.Cli.Bench;

/// <summary>A node under measurement, hosted in this process or run as its own process.</summary>
interface IBenchNode : IDisposable
{
    string Role { get; }
    int Port { get; }
    bool Alive { get; }
    LineLog Log { get; }
    void Kill();
    void Freeze();
    void Interrupt();
}

/// <summary>
/// The lines a node logged, each with the local time it was written, and waiters for lines to come. Gossip
/// receipts (<c>GOSSIP received (first time): '…'</c>), by far the most lines in a large network, are not kept as
/// lines but indexed by body, so checking a message at every peer costs one lookup per peer; made messages are
/// kept and also handed to <see cref="Made"/>.
/// </summary>
sealed class LineLog
{
    readonly List<(DateTime At, string Text)> lines = new();
    readonly List<(Func<string, bool> Match, int From, TaskCompletionSource<DateTime> Done)> waiters = new();
    readonly Dictionary<string, DateTime> receipts = new(StringComparer.Ordinal);
    readonly Dictionary<string, TaskCompletionSource<DateTime>> receiptWaiters = new(StringComparer.Ordinal);
    readonly TaskCompletionSource<DateTime> firstReceipt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly object gate = new();

    /// <summary>Called (on the node's own thread) with the time and body of each gossip message the node makes.</summary>
    public Action<DateTime, string>? Made { get; set; }

    public int Count { get { lock (gate) return lines.Count; } }

    /// <summary>The first gossip message the node received.</summary>
    public Task<DateTime> FirstReceipt => firstReceipt.Task;

    public void Add(DateTime at, string text)
    {
        if (Core.Peers.GossipLines.TryReadFirstTime(text, out var g))
        {
            var body = g.Body;
            lock (gate)
            {
                receipts.TryAdd(body, at);
                if (receiptWaiters.Remove(body, out var w)) w.TrySetResult(at);
            }
            firstReceipt.TrySetResult(at);
            return;
        }
        if (Core.Peers.GossipLines.TryReadMade(text, out var made)) Made?.Invoke(at, made);
        lock (gate)
        {
            lines.Add((at, text));
            for (var i = waiters.Count - 1; i >= 0; i--)
            {
                var w = waiters[i];
                if (lines.Count - 1 < w.From || !w.Match(text)) continue;
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

    /// <summary>The time of the first line matching <paramref name="match"/> from line <paramref name="from"/> on.</summary>
    public Task<DateTime> WaitFor(Func<string, bool> match, int from = 0)
    {
        lock (gate)
        {
            for (var i = from; i < lines.Count; i++)
                if (match(lines[i].Text)) return Task.FromResult(lines[i].At);
            var tcs = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((match, from, tcs));
            return tcs.Task;
        }
    }

    /// <summary>The kept lines from line <paramref name="from"/> on that match (gossip receipts are not kept as lines).</summary>
    public List<(DateTime At, string Text)> Lines(Func<string, bool> match, int from = 0)
    {
        lock (gate)
        {
            var found = new List<(DateTime At, string Text)>();
            for (var i = Math.Min(from, lines.Count); i < lines.Count; i++)
                if (match(lines[i].Text)) found.Add(lines[i]);
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

    /// <param name="forward">Where the node's lines go instead of <see cref="Log"/> (a worker process sends them on).</param>
    public InProcNode(Role role, NodeConfig config, string dir, Action<DateTime, string>? forward = null)
    {
        Role = role == Core.Role.Seed ? "seed" : "peer";
        Port = config.Self.Port;
        var files = new NodeFiles(dir, null, Console: false);
        var signals = new NodeSignals();
        void OnLog(Core.LogLevel _, string text)
        {
            if (forward is null) Log.Add(DateTime.Now, text);
            else forward(DateTime.Now, text);
        }
        if (role == Core.Role.Seed)
        {
            var r = new NodeRunner<Core.Seeds.SeedState>(role, config, Core.Seeds.SeedState.Initial(config), Core.Seeds.SeedReducer.Step, files) { OnLog = OnLog, Signals = signals };
            (crash, freeze, run) = (signals.Kill, signals.Stop, Task.Run(() => r.RunAsync(stop.Token)));
        }
        else
        {
            var r = new NodeRunner<Core.Peers.PeerState>(role, config, Core.Peers.PeerState.Initial(config), Core.Peers.PeerReducer.Step, files) { OnLog = OnLog, Signals = signals };
            (crash, freeze, run) = (signals.Kill, signals.Stop, Task.Run(() => r.RunAsync(stop.Token)));
        }
    }

    public string Role { get; }
    public int Port { get; }
    public bool Alive => !run.IsCompleted && !Frozen;
    bool Frozen { get; set; }
    public LineLog Log { get; } = new();

    public void Kill() => crash();
    public void Freeze() { freeze(); Frozen = true; }
    public void Interrupt() => stop.Cancel();

    public void Dispose()
    {
        if (!run.IsCompleted) crash();
        try { run.Wait(3000); } catch (AggregateException) { }
    }
}
