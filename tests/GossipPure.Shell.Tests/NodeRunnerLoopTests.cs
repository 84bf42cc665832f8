using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;
using GossipPure.Shell.Hosting;

namespace GossipPure.Shell.Tests;

/// <summary>A real seed and peer on loopback, run by <see cref="NodeRunner{TState}"/> on one loop thread of their own.</summary>
public sealed class NodeRunnerLoopTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);   // only to catch hangs

    sealed class Health : ILoopHealthObserver
    {
        public readonly ConcurrentQueue<(TimerKey Key, long LatenessUs)> Timers = new();
        public int Batches;
        public void BatchStarting(int queued, long oldestAgeUs)
        {
            Assert.True(queued >= 1 && oldestAgeUs >= 0);
            Interlocked.Increment(ref Batches);
        }
        public void TimerFired(TimerKey key, long latenessUs) => Timers.Enqueue((key, latenessUs));
    }

    [Fact]
    public async Task Lines_reach_the_files_while_the_node_idles_and_the_health_hooks_see_batches_and_timers()
    {
        var dir = Directory.CreateTempSubdirectory("gossip-loop-").FullName;
        var ports = FreePorts(2);
        var seed = new NodeId("127.0.0.1", ports[0]);
        var self = new NodeId("127.0.0.1", ports[1]);
        var seeds = toSeq([seed]);
        var scheduler = new LoopScheduler(1);
        var health = new Health();
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seedConfig = new NodeConfig(seed, seeds, ProtocolOptions.Default);
        var peerConfig = new NodeConfig(self, seeds, ProtocolOptions.Default with { GossipCount = 0 });
        var files = new NodeFiles(dir, null, Console: false);
        var seedNode = new NodeRunner<SeedState>(Role.Seed, seedConfig, SeedState.Initial(seedConfig), SeedReducer.Step, files) { Scheduler = scheduler };
        var peerNode = new NodeRunner<PeerState>(Role.Peer, peerConfig, PeerState.Initial(peerConfig), PeerReducer.Step, files)
        {
            Scheduler = scheduler,
            Health = health,
            OnEvent = e => { if (e is Registered) registered.TrySetResult(); },
        };
        using var stop = new CancellationTokenSource();
        var runs = new[] { Task.Run(() => seedNode.RunAsync(stop.Token)), Task.Run(() => peerNode.RunAsync(stop.Token)) };
        try
        {
            await registered.Task.WaitAsync(Bound);
            // Written in batches, flushed when the inbox is empty: the line is in the file while the node runs.
            var deadline = DateTime.UtcNow + Bound;
            while (!ReadShared(peerNode.LogPath).Contains("Registered; ") && DateTime.UtcNow < deadline) await Task.Delay(20);
            Assert.Contains("Registered; ", ReadShared(peerNode.LogPath));
            Assert.True(EventLog.TryRead(peerNode.EventsPath, out var live, out var error), error);
            Assert.True(live.Steps.Count >= 2);
            // The peer's timers (heartbeats, registration) fire, and their lateness is told.
            while (health.Timers.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(20);
            Assert.NotEmpty(health.Timers);
            Assert.All(health.Timers, t => Assert.True(t.LatenessUs >= 0, t.ToString()));
            Assert.True(health.Batches >= 1);
            Assert.Equal(1, scheduler.ThreadCount);   // two nodes, one thread: the scheduler was given one
        }
        finally
        {
            stop.Cancel();
        }
        var codes = await Task.WhenAll(runs).WaitAsync(Bound);
        Assert.Equal(new[] { 0, 0 }, codes);
        // Ctrl+C: the shutdown input is handled and the files are complete.
        Assert.EndsWith("Shutting down.", File.ReadAllLines(peerNode.LogPath)[^1]);
        Assert.True(EventLog.TryRead(peerNode.EventsPath, out var log, out var readError), readError);
        Assert.True(log.Torn.IsNone);
        Assert.IsType<ShutdownRequested>(log.Steps.Last().Input);
        Directory.Delete(dir, recursive: true);
    }

    static string ReadShared(string path)
    {
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(s).ReadToEnd();
        }
        catch (FileNotFoundException) { return ""; }
    }

    static List<int> FreePorts(int n)
    {
        var listeners = Enumerable.Range(0, n).Select(_ => { var l = new TcpListener(IPAddress.Loopback, 0); l.Start(); return l; }).ToList();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
        foreach (var l in listeners) l.Stop();
        return ports;
    }
}
