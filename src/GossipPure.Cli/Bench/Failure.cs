using GossipPure.Core;

namespace GossipPure.Cli.Bench;

/// <summary>A failure as both benches measure it: the signal to the victim → its removal at the last live node.</summary>
static class Failure
{
    /// <summary>
    /// Kills (or freezes) <paramref name="victim"/> and waits for every other live node to remove it; says where the
    /// time went (the first suspicion, the first report, the first seed's confirmation) and returns the ms from the
    /// signal to the last removal, with the line each watching node's log stood at when the signal went.
    /// <paramref name="bounded"/> is the bench's own wait (its bound, and whatever else ends a wait there).
    /// </summary>
    public static async Task<(double Ms, Dictionary<TNode, int> Marks)> Measure<TNode>(
        TNode victim, bool freeze, IReadOnlyList<TNode> seeds, IReadOnlyList<TNode> peers,
        Func<Task<DateTime[]>, string, CancellationToken, Task<DateTime[]>> bounded, Action<string> say, CancellationToken ct)
        where TNode : class, IBenchNode
    {
        var watchers = seeds.Concat(peers).Where(p => p.Alive && p != victim).ToList();
        var marks = watchers.ToDictionary(p => p, p => p.Log.Count);
        var at = DateTime.Now;
        if (freeze) victim.Freeze(); else victim.Kill();
        var confirmed = await bounded(Task.WhenAll(watchers.Select(w => w.Log.WaitFor(e => Removes(e, victim.Port), marks[w]))), $"removal of {victim.Port} everywhere", ct);
        var ms = (confirmed.Max() - at).TotalMilliseconds;
        double First(IEnumerable<TNode> nodes, Func<NodeEvent, bool> match) =>
            nodes.SelectMany(n => n.Log.Events(match, marks.GetValueOrDefault(n))).Where(l => l.At >= at)
                .Select(l => (l.At - at).TotalMilliseconds).DefaultIfEmpty(double.NaN).Min();
        var vid = $"127.0.0.1:{victim.Port}";
        say($"  {(freeze ? "hang" : "crash")} of {vid}: first SUSPECT +{First(watchers, e => e is Suspected x && x.Node.Port == victim.Port):0.0} ms, " +
            $"first DEAD_REPORT +{First(watchers, e => e is DeadReported x && x.Node.Port == victim.Port):0.0} ms, " +
            $"first seed DEAD_CONFIRMED +{First(seeds, e => Removes(e, victim.Port)):0.0} ms, last node +{ms:0.0} ms");
        return (ms, marks);
    }

    /// <summary>Whether <paramref name="e"/> removes the node on <paramref name="port"/>.</summary>
    public static bool Removes(NodeEvent e, int port) => EventFeed.Removal(e) is { } x && x.Node.Port == port;
}
