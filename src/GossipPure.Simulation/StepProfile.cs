using System.Diagnostics;

namespace GossipPure.Simulation;

/// <summary>
/// Where a run's wall-clock time goes, by kind of step (<see cref="Scenario.ProfileSteps"/>, <c>gossip simulate
/// --profile</c>): each event's handling timed and summed by who took it (seed or peer) and what it was (the message
/// received, the timer fired, the notice), and the queue's own time (the next event, a bucket loaded and warmed). A
/// step during which the GC ran is left out of its kind (its pause would be charged to one unlucky step) and counted
/// apart. It only reads a clock beside the run: the run, its steps and its hash are the same with it or without it.
/// </summary>
public sealed class StepProfile
{
    readonly Dictionary<(int Who, Type What), (long Count, long Ticks, string Name)> kinds = [];
    long queueTicks, gcSteps, gcTicks;

    /// <summary>
    /// One step that took <paramref name="ticks"/> (<see cref="Stopwatch"/> ticks): of a seed, a peer or no node
    /// (<paramref name="who"/>), on what <paramref name="what"/> is (a type), named by <paramref name="name"/> of
    /// <paramref name="item"/> the first time.
    /// </summary>
    internal void Add<T>(int who, Type what, T item, Func<T, string> name, long ticks, bool collected)
    {
        if (collected) { gcSteps++; gcTicks += ticks; return; }
        ref var k = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(kinds, (who, what), out var had);
        k = (k.Count + 1, k.Ticks + ticks, had ? k.Name : name(item));
    }

    internal void AddQueue(long ticks) => queueTicks += ticks;

    /// <summary>The kinds, the most time first: count, µs each, seconds in all and share of the time timed.</summary>
    public IEnumerable<string> ToLines(int top = 20)
    {
        var total = kinds.Values.Sum(k => k.Ticks) + queueTicks + gcTicks;
        if (total == 0) yield break;
        static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;
        yield return $"step profile: {Seconds(total):0.0}s timed (steps {Seconds(total - queueTicks - gcTicks):0.0}s, the queue {Seconds(queueTicks):0.0}s, "
            + $"{gcSteps} steps with a GC {Seconds(gcTicks):0.0}s)";
        foreach (var (_, (count, ticks, kind)) in kinds.OrderByDescending(k => k.Value.Ticks).Take(top))
            yield return $"  {kind,-40} {count,12:N0} × {Seconds(ticks) * 1e6 / count,9:0.00} µs = {Seconds(ticks),7:0.0}s {100.0 * ticks / total,5:0.0} %";
    }
}
