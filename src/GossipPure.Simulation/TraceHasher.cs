using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace GossipPure.Simulation;

/// <summary>
/// The trace hash, taken on a second thread: the simulation hands over its steps (what went in and came out, all
/// immutable) in batches, in order, and this thread writes each one's canonical line (<see cref="TraceText"/>) and
/// feeds SHA-256. The hash is the one the same lines would give on the simulation's own thread; the run itself stays
/// on one thread and deterministic.
/// </summary>
internal sealed class TraceHasher : IDisposable
{
    const int BatchSize = 4096;

    /// <summary>One step as the hash reads it: a value in the batch's array, not an object a step of its own.</summary>
    readonly record struct Line(long TimeUs, NodeId Node, Input Input, Seq<Effect> Effects);

    readonly BlockingCollection<(Line[] Steps, int Count)> full = new(boundedCapacity: 16);
    readonly ConcurrentBag<Line[]> empty = new();
    readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    readonly Utf8Sink text = new();
    readonly Thread thread;
    Line[] batch = new Line[BatchSize];
    int count;
    Exception? failed;

    public TraceHasher()
    {
        thread = new Thread(Work) { IsBackground = true, Name = "trace hash" };
        thread.Start();
    }

    public void Add(long timeUs, NodeId node, Input input, Seq<Effect> effects)
    {
        batch[count++] = new Line(timeUs, node, input, effects);
        if (count == BatchSize) Hand();
    }

    void Hand()
    {
        full.Add((batch, count));
        batch = empty.TryTake(out var b) ? b : new Line[BatchSize];
        count = 0;
    }

    void Work()
    {
        try
        {
            foreach (var (steps, n) in full.GetConsumingEnumerable())
            {
                for (var i = 0; i < n; i++)
                {
                    ref readonly var s = ref steps[i];
                    TraceText.AppendStep(text, s.TimeUs, s.Node, s.Input, s.Effects);
                    if (text.Length >= 1 << 16) { hash.AppendData(text.Written); text.Clear(); }
                }
                System.Array.Clear(steps, 0, n);
                empty.Add(steps);
            }
        }
        catch (Exception e) { failed = e; }
    }

    /// <summary>Hashes what is left and returns the hash of every step added, in lower-case hex.</summary>
    public string Finish()
    {
        if (count > 0) Hand();
        full.CompleteAdding();
        thread.Join();
        if (failed is not null) throw new InvalidOperationException("the trace hash failed", failed);
        hash.AppendData(text.Written);
        text.Clear();
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Stops the thread (a run that ended in an exception).</summary>
    public void Dispose()
    {
        if (!full.IsAddingCompleted) full.CompleteAdding();
        thread.Join();
        hash.Dispose();
        full.Dispose();
    }
}
