using System.Collections.Concurrent;
using System.Diagnostics;
using GossipPure.Core;

namespace GossipPure.Shell.Hosting;

/// <summary>
/// What a node's loop hands its inputs to. Every call comes on the node's loop thread, one at a time.
/// </summary>
public interface ILoopHandler
{
    /// <summary>Handles one item taken from the inbox; false when the node has stopped (the loop lets go of it).</summary>
    bool Handle(object item);

    /// <summary>Handles the timer <paramref name="key"/>, which fired <paramref name="latenessUs"/> after it was due; false when the node has stopped.</summary>
    bool HandleTimer(TimerKey key, long latenessUs);

    /// <summary>A batch is about to start: <paramref name="queued"/> items wait, the oldest for <paramref name="oldestAgeUs"/>.</summary>
    void BatchStarting(int queued, long oldestAgeUs);

    /// <summary>The inbox is empty (or a second of steady work went by): write out what the batch buffered.</summary>
    void Flush();

    /// <summary>As <c>kill -STOP</c>: take nothing from the inbox while true.</summary>
    bool Frozen { get; }

    /// <summary>As <c>kill -9</c>: stop at once, before the next item.</summary>
    bool Crashed { get; }
}

/// <summary>
/// A few threads that run many nodes' loops (one thread for a process that runs one node; at most one per core for
/// a process that hosts hundreds). A node is pinned to one thread for its life, so its inputs are handled in order,
/// one at a time, and its timers live in that thread's heap. A thread with nothing to do blocks (no spinning) until
/// an input arrives or its earliest timer is due.
/// </summary>
public sealed class LoopScheduler
{
    readonly int maxThreads;
    readonly string name;
    readonly List<LoopThread> threads = new();

    /// <param name="maxThreads">Threads are started as nodes come, up to this many.</param>
    public LoopScheduler(int maxThreads, string name = "gossip-loop")
    {
        this.maxThreads = Math.Max(1, maxThreads);
        this.name = name;
    }

    /// <summary>The process's scheduler: up to one thread per core.</summary>
    public static LoopScheduler Shared { get; } = new(Environment.ProcessorCount);

    /// <summary>Threads started so far.</summary>
    public int ThreadCount { get { lock (threads) return threads.Count; } }

    /// <summary>The thread with the fewest nodes; a new one while every thread has a node and there is room.</summary>
    internal LoopThread Assign()
    {
        lock (threads)
        {
            LoopThread? best = null;
            foreach (var t in threads)
                if (best is null || t.Nodes < best.Nodes) best = t;
            if (best is null || (best.Nodes > 0 && threads.Count < maxThreads))
            {
                best = new LoopThread($"{name}-{threads.Count + 1}");
                threads.Add(best);
            }
            best.Nodes++;
            return best;
        }
    }

    internal void Release(LoopThread t)
    {
        lock (threads) t.Nodes--;
    }
}

/// <summary>One thread of a <see cref="LoopScheduler"/>: runs the nodes that have inputs, fires due timers, else sleeps.</summary>
sealed class LoopThread
{
    /// <summary>Inputs one node handles before the next node on this thread gets its turn.</summary>
    public const int BatchLimit = 64;

    readonly object gate = new();
    readonly Queue<NodeLoop> ready = new();   // under gate
    bool sleeping;                            // under gate
    readonly PriorityQueue<LoopTimer, long> timers = new();   // this thread only
    int staleTimers;                          // cancelled entries still in the heap
    public int Nodes;                         // under the scheduler's lock

    public LoopThread(string name)
    {
        var thread = new Thread(Run) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Puts <paramref name="node"/> in line to run (any thread).</summary>
    public void Schedule(NodeLoop node)
    {
        lock (gate)
        {
            ready.Enqueue(node);
            if (sleeping) Monitor.Pulse(gate);
        }
    }

    public void AddTimer(LoopTimer t) => timers.Enqueue(t, t.DueTicks);

    public void TimerCancelled()
    {
        staleTimers++;
        // Cancelled timers leave the heap when due; a node that keeps replacing long timers would grow it, so compact.
        if (staleTimers > 1024 && staleTimers > timers.Count / 2)
        {
            var live = timers.UnorderedItems.Where(e => !e.Element.Cancelled).ToList();
            timers.Clear();
            foreach (var (t, due) in live) timers.Enqueue(t, due);
            staleTimers = 0;
        }
    }

    void Run()
    {
        var batch = new List<NodeLoop>();
        while (true)
        {
            var now = Stopwatch.GetTimestamp();
            while (timers.TryPeek(out var t, out var due) && due <= now)
            {
                timers.Dequeue();
                if (t.Cancelled) { staleTimers--; continue; }
                t.FiredTicks = now;
                t.Owner.Post(t);
            }
            lock (gate)
            {
                if (ready.Count == 0)
                {
                    var waitMs = Timeout.Infinite;
                    if (timers.TryPeek(out _, out var next))
                        waitMs = (int)Math.Min(int.MaxValue, Math.Max(1, (next - now + Stopwatch.Frequency / 1000 - 1) * 1000 / Stopwatch.Frequency));
                    sleeping = true;
                    Monitor.Wait(gate, waitMs);
                    sleeping = false;
                    continue;
                }
                while (ready.Count > 0) batch.Add(ready.Dequeue());
            }
            foreach (var node in batch) node.RunBatch();
            batch.Clear();
        }
    }
}

/// <summary>A timer in a loop thread's heap. Cancelling marks it; it is dropped when it comes due.</summary>
sealed class LoopTimer(NodeLoop owner, TimerKey key, long dueTicks)
{
    public NodeLoop Owner { get; } = owner;
    public TimerKey Key { get; } = key;
    public long DueTicks { get; } = dueTicks;
    public long FiredTicks;
    public bool Cancelled;
}

/// <summary>
/// One node's loop: an inbox any thread may post to, and timers by key, run on one <see cref="LoopScheduler"/>
/// thread. Inputs are handled in the order they were posted; a timer's input goes in line with the rest when it is
/// due. Posting to an idle node puts it in line on its thread: no thread-pool hop, no spinning.
/// </summary>
public sealed class NodeLoop
{
    readonly record struct Posted(object Item, long PostedTicks);

    readonly ConcurrentQueue<Posted> inbox = new();
    readonly Dictionary<TimerKey, LoopTimer> timers = new();
    readonly LoopScheduler scheduler;
    readonly ILoopHandler handler;
    readonly TaskCompletionSource completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    LoopThread? thread;
    int scheduled;   // 1 while the node is in line, running, or frozen: posts need not put it in line again
    bool done;
    long lastFlushTicks;

    public NodeLoop(LoopScheduler scheduler, ILoopHandler handler)
    {
        this.scheduler = scheduler;
        this.handler = handler;
    }

    /// <summary>Completes when the node has stopped (faulted if a handler call threw).</summary>
    public Task Completion => completion.Task;

    /// <summary>Items waiting in the inbox.</summary>
    public int Queued => inbox.Count;

    /// <summary>Takes a thread and starts handling what was posted so far.</summary>
    public void Start()
    {
        thread = scheduler.Assign();
        lastFlushTicks = Stopwatch.GetTimestamp();
        Volatile.Write(ref scheduled, 1);
        thread.Schedule(this);
    }

    /// <summary>Queues an input (any thread).</summary>
    public void Post(object item)
    {
        inbox.Enqueue(new Posted(item, Stopwatch.GetTimestamp()));
        if (Interlocked.Exchange(ref scheduled, 1) == 0) thread?.Schedule(this);
    }

    /// <summary>Puts the node in line even when frozen, so that it sees <see cref="ILoopHandler.Crashed"/> at once.</summary>
    public void Wake()
    {
        Volatile.Write(ref scheduled, 1);
        thread?.Schedule(this);
    }

    /// <summary>Sets (or replaces) the timer <paramref name="key"/>; its input comes <paramref name="delayMs"/> from now. Loop thread only.</summary>
    public void SetTimer(TimerKey key, long delayMs)
    {
        CancelTimer(key);
        var due = Stopwatch.GetTimestamp() + Math.Max(0, delayMs) * Stopwatch.Frequency / 1000;
        var t = new LoopTimer(this, key, due);
        timers[key] = t;
        thread!.AddTimer(t);
    }

    /// <summary>Cancels the timer <paramref name="key"/>, also when it fired and its input still waits. Loop thread only.</summary>
    public void CancelTimer(TimerKey key)
    {
        if (!timers.Remove(key, out var t)) return;
        t.Cancelled = true;
        if (t.FiredTicks == 0) thread!.TimerCancelled();
    }

    internal void RunBatch()
    {
        if (done) return;
        try
        {
            if (handler.Crashed) { Finish(null); return; }
            if (handler.Frozen) return;   // stays "scheduled": posts pile up until Wake
            if (inbox.TryPeek(out var first))
                handler.BatchStarting(inbox.Count, TicksToUs(Stopwatch.GetTimestamp() - first.PostedTicks));
            for (var n = 0; n < LoopThread.BatchLimit && inbox.TryDequeue(out var q); n++)
            {
                if (handler.Crashed) { Finish(null); return; }
                var more = q.Item switch
                {
                    LoopTimer t when !t.Cancelled && timers.Remove(t.Key) =>
                        handler.HandleTimer(t.Key, TicksToUs(Stopwatch.GetTimestamp() - t.DueTicks)),
                    LoopTimer => true,   // replaced or cancelled after it fired
                    var item => handler.Handle(item),
                };
                if (!more) { Finish(null); return; }
                if (handler.Frozen) return;
            }
            var now = Stopwatch.GetTimestamp();
            if (!inbox.IsEmpty)
            {
                // Steady work: the other nodes of this thread get their turn; the writers still flush once a second.
                if (now - lastFlushTicks > Stopwatch.Frequency) { handler.Flush(); lastFlushTicks = now; }
                thread!.Schedule(this);
                return;
            }
            handler.Flush();
            lastFlushTicks = now;
            Volatile.Write(ref scheduled, 0);
            if (!inbox.IsEmpty && Interlocked.Exchange(ref scheduled, 1) == 0) thread!.Schedule(this);
        }
        catch (Exception e)
        {
            Finish(e);
        }
    }

    void Finish(Exception? error)
    {
        done = true;
        foreach (var t in timers.Values)
        {
            t.Cancelled = true;
            if (t.FiredTicks == 0) thread!.TimerCancelled();
        }
        timers.Clear();
        scheduler.Release(thread!);
        if (error is null) completion.TrySetResult();
        else completion.TrySetException(error);
    }

    static long TicksToUs(long ticks) => ticks * 1_000_000 / Stopwatch.Frequency;
}
