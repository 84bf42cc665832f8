using System.Collections.Concurrent;
using GossipPure.Shell.Hosting;

namespace GossipPure.Shell.Tests;

public class NodeLoopTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);   // only to catch hangs

    /// <summary>Timer keys by a short name (the loop keys its timers by value, as the core's records compare).</summary>
    static readonly Dictionary<string, TimerKey> Keys = new()
    {
        ["a"] = new TimerKey.GossipRound(), ["b"] = new TimerKey.PingRound(), ["c"] = new TimerKey.Witness(new NodeId("127.0.0.1", 1)),
        ["gone"] = new TimerKey.DegreeReport(), ["last"] = new TimerKey.HeartbeatRound(), ["t"] = new TimerKey.RegisterRetry(),
    };

    static TimerKey K(string name) => Keys[name];

    /// <summary>Records what the loop hands it, and on which thread.</summary>
    sealed class Recorder : ILoopHandler
    {
        public readonly ConcurrentQueue<string> Seen = new();
        public readonly ConcurrentDictionary<int, byte> Threads = new();
        public readonly ConcurrentQueue<long> Lateness = new();
        public int Flushes;
        public volatile bool IsFrozen;
        public volatile bool IsCrashed;
        public NodeLoop? Loop;
        public Action<string>? OnItem;
        public string? StopAt;
        readonly TaskCompletionSource<bool> reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string? WaitFor;
        public Task Reached => reached.Task;

        public bool Handle(object item) => Note((string)item);

        public bool HandleTimer(TimerKey key, long latenessUs)
        {
            Lateness.Enqueue(latenessUs);
            return Note("timer:" + Keys.Single(k => k.Value == key).Key);
        }

        bool Note(string s)
        {
            Threads.TryAdd(Environment.CurrentManagedThreadId, 0);
            Seen.Enqueue(s);
            OnItem?.Invoke(s);
            if (s == WaitFor) reached.TrySetResult(true);
            return s != StopAt;
        }

        public void BatchStarting(int queued, long oldestAgeUs) { }
        public void Flush() => Interlocked.Increment(ref Flushes);
        public bool Frozen => IsFrozen;
        public bool Crashed => IsCrashed;
    }

    [Fact]
    public async Task Timers_fire_in_due_order_a_replaced_one_once_and_a_cancelled_one_never()
    {
        var h = new Recorder { WaitFor = "timer:last", StopAt = "timer:last" };
        var loop = h.Loop = new NodeLoop(new LoopScheduler(1), h);
        h.OnItem = s =>
        {
            if (s != "go") return;
            loop.SetTimer(K("b"), 60);
            loop.SetTimer(K("a"), 20);
            loop.SetTimer(new TimerKey.Witness(new NodeId("127.0.0.1", 1)), 40);
            loop.SetTimer(K("c"), 80);       // replaces the first "c"
            loop.SetTimer(K("gone"), 30);
            loop.CancelTimer(K("gone"));
            loop.SetTimer(K("last"), 150);
        };
        loop.Post("go");
        loop.Start();
        await loop.Completion.WaitAsync(Bound);
        Assert.Equal(["go", "timer:a", "timer:b", "timer:c", "timer:last"], h.Seen.ToArray());
        Assert.All(h.Lateness, l => Assert.True(l >= 0));
    }

    [Fact]
    public async Task A_timer_cancelled_after_it_fired_but_before_it_was_handled_is_dropped()
    {
        // "block" keeps the loop busy past the timer's due time; then "cancel" (queued before the timer's input) cancels it.
        var gate = new ManualResetEventSlim();
        var h = new Recorder { StopAt = "end" };
        var loop = h.Loop = new NodeLoop(new LoopScheduler(1), h);
        h.OnItem = s =>
        {
            switch (s)
            {
                case "start": loop.SetTimer(K("t"), 1); break;
                case "block": gate.Wait(Bound); break;
                case "cancel": loop.CancelTimer(K("t")); break;
            }
        };
        loop.Post("start");
        loop.Post("block");
        loop.Post("cancel");
        loop.Start();
        await Task.Delay(100);   // the timer comes due while "block" holds the loop
        loop.Post("end");
        gate.Set();
        await loop.Completion.WaitAsync(Bound);
        Assert.Equal(["start", "block", "cancel", "end"], h.Seen.ToArray());
    }

    [Fact]
    public async Task Many_nodes_share_a_few_threads_and_each_sees_its_inputs_in_order()
    {
        const int nodes = 200, inputs = 50;
        var scheduler = new LoopScheduler(2);
        var handlers = Enumerable.Range(0, nodes).Select(_ => new Recorder { StopAt = "stop" }).ToArray();
        var loops = handlers.Select(h => h.Loop = new NodeLoop(scheduler, h)).ToArray();
        foreach (var l in loops) l.Start();
        // Posted from several threads at once, as sockets would.
        await Task.WhenAll(Enumerable.Range(0, nodes).Select(n => Task.Run(() =>
        {
            for (var i = 0; i < inputs; i++) loops[n].Post(i.ToString());
            loops[n].Post("stop");
        })));
        await Task.WhenAll(loops.Select(l => l.Completion)).WaitAsync(Bound);
        Assert.Equal(2, scheduler.ThreadCount);
        Assert.True(handlers.SelectMany(h => h.Threads.Keys).Distinct().Count() <= 2);
        foreach (var h in handlers)
            Assert.Equal(Enumerable.Range(0, inputs).Select(i => i.ToString()).Append("stop"), h.Seen.ToArray());
    }

    [Fact]
    public async Task The_writers_are_flushed_once_the_inbox_is_empty()
    {
        var h = new Recorder { WaitFor = "c" };
        var loop = h.Loop = new NodeLoop(new LoopScheduler(1), h);
        h.OnItem = _ => Assert.Equal(0, h.Flushes);   // not between the items of one batch
        loop.Post("a");
        loop.Post("b");
        loop.Post("c");
        loop.Start();
        await h.Reached.WaitAsync(Bound);
        var deadline = DateTime.UtcNow + Bound;
        while (Volatile.Read(ref h.Flushes) == 0 && DateTime.UtcNow < deadline) await Task.Delay(5);
        Assert.Equal(1, h.Flushes);
    }

    [Fact]
    public void One_node_takes_one_thread()
    {
        var scheduler = new LoopScheduler(4);
        var loop = new NodeLoop(scheduler, new Recorder());
        loop.Start();
        Assert.Equal(1, scheduler.ThreadCount);
    }

    [Fact]
    public async Task A_frozen_node_handles_nothing_until_it_is_crashed_which_stops_it_at_once()
    {
        var h = new Recorder { WaitFor = "1" };
        var loop = h.Loop = new NodeLoop(new LoopScheduler(1), h);
        loop.Post("1");
        loop.Start();
        await h.Reached.WaitAsync(Bound);
        h.IsFrozen = true;
        loop.Post("2");
        loop.Post("3");
        await Task.Delay(200);   // were it not frozen, "2" would be handled by now (a wait that passes when it should)
        Assert.Equal(["1"], h.Seen.ToArray());
        h.IsCrashed = true;
        loop.Wake();
        await loop.Completion.WaitAsync(Bound);
        Assert.Equal(["1"], h.Seen.ToArray());
        Assert.Equal(2, loop.Queued);
    }

    [Fact]
    public async Task A_handler_that_throws_faults_its_node_only()
    {
        var scheduler = new LoopScheduler(1);
        var bad = new Recorder { OnItem = s => { if (s == "boom") throw new InvalidOperationException("boom"); } };
        var good = new Recorder { StopAt = "stop" };
        var badLoop = new NodeLoop(scheduler, bad);
        var goodLoop = new NodeLoop(scheduler, good);
        badLoop.Start();
        goodLoop.Start();
        badLoop.Post("boom");
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => badLoop.Completion.WaitAsync(Bound));
        Assert.Equal("boom", e.Message);
        goodLoop.Post("stop");
        await goodLoop.Completion.WaitAsync(Bound);
        Assert.Equal(["stop"], good.Seen.ToArray());
    }
}
