using System.Text;

namespace GossipPure.Simulation.Tests.Support;

/// <summary>Assertions over a finished run, with failure messages that say what to look at.</summary>
public static class Checks
{
    /// <summary>The lines a node logged around a time: what it was doing when it went wrong.</summary>
    public static string Around(SimResult r, NodeId node, long timeUs, long windowUs = 3_000_000, int max = 40)
    {
        var sb = new StringBuilder();
        sb.Append($"--- {node} around {timeUs / 1e6:0.000000}s ---\n");
        foreach (var l in r.LogOf(node).Where(l => l.TimeUs >= timeUs - windowUs && l.TimeUs <= timeUs + 1000).TakeLast(max))
            sb.Append(l).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// No live, never-faulted peer is removed anywhere: no node logs its DEAD_CONFIRMED, every honest seed still lists
    /// it at the end and holds no tombstone for it.
    /// </summary>
    public static void NoFalseDeath(object @case, SimResult r, Seq<NodeId> honestSeeds, Seq<NodeId> protectedPeers,
        IReadOnlyCollection<NodeId>? allowRemovalOf = null)
    {
        var falseRemovals = r.FalseRemovals().Where(f => allowRemovalOf is null || !allowRemovalOf.Contains(f.Dead)).ToList();
        if (falseRemovals.Count > 0)
        {
            var first = falseRemovals[0];
            // The first seed that removed it shows the vote; failing that, the first node that did.
            var where = r.Confirmations.FirstOrDefault(c => c.Dead == first.Dead && r.Seeds.ContainsKey(c.At)) ?? first;
            Assert.Fail($"{@case}\nfalse removal: {first} ({falseRemovals.Count} in all)\n{Around(r, where.At, where.TimeUs)}");
        }
        foreach (var seed in honestSeeds)
        {
            var s = r.Seeds[seed];
            foreach (var p in protectedPeers)
            {
                Assert.True(s.Peers.ContainsKey(p), $"{@case}\nhonest seed {seed} lost live peer {p} from its peer list");
                Assert.False(s.Removed.ContainsKey(p), $"{@case}\nhonest seed {seed} holds a tombstone for live peer {p}");
            }
        }
    }
}
