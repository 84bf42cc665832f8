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

/// <summary>The lines a node logged, each with the local time it was written, and waiters for lines to come.</summary>
sealed class LineLog
{
    readonly List<(DateTime At, string Text)> lines = new();
    readonly List<(Func<string, bool> Match, int From, TaskCompletionSource<DateTime> Done)> waiters = new();
    readonly object gate = new();

    public int Count { get { lock (gate) return lines.Count; } }

    public void Add(DateTime at, string text)
    {
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

    public List<(DateTime At, string Text)> Lines(Func<string, bool> match)
    {
        lock (gate) return lines.Where(l => match(l.Text)).ToList();
    }
}

/// <summary>A node hosted in the bench's own process: its own listener, state and files, sharing the runtime.</summary>
sealed class InProcNode : IBenchNode
{
    readonly Action crash;
    readonly Action freeze;
    readonly CancellationTokenSource stop = new();
    readonly Task<int> run;

    public InProcNode(Role role, NodeConfig config, string dir)
    {
        Role = role == Core.Role.Seed ? "seed" : "peer";
        Port = config.Self.Port;
        var files = new NodeFiles(dir, null, Console: false);
        void OnLog(Core.LogLevel _, string text) => Log.Add(DateTime.Now, text);
        if (role == Core.Role.Seed)
        {
            var r = new NodeRunner<Core.Seeds.SeedState>(role, config, Core.Seeds.SeedState.Initial(config), Core.Seeds.SeedReducer.Step, files) { OnLog = OnLog };
            (crash, freeze, run) = (r.Crash, r.Freeze, Task.Run(() => r.RunAsync(stop.Token)));
        }
        else
        {
            var r = new NodeRunner<Core.Peers.PeerState>(role, config, Core.Peers.PeerState.Initial(config), Core.Peers.PeerReducer.Step, files) { OnLog = OnLog };
            (crash, freeze, run) = (r.Crash, r.Freeze, Task.Run(() => r.RunAsync(stop.Token)));
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
