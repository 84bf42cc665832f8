using GossipPure.Core;
using GossipPure.Simulation;

namespace GossipPure.Cli.Topology;

/// <summary>
/// One peer of the picture. <see cref="Degree"/> is the size of its own neighbour set (what the power-law fit uses);
/// <see cref="Reported"/> is false for an address that only appears in other peers' lists (no record of its own).
/// </summary>
public sealed record OverlayNode(NodeId Id, int Degree, bool Dead, bool Reported = true);

/// <summary>
/// An undirected link between nodes <see cref="A"/> &lt; <see cref="B"/> (indices into <see cref="OverlayGraph.Nodes"/>).
/// <see cref="Stale"/>: only a dead peer's last neighbour set names it (no live peer holds it any more).
/// </summary>
public readonly record struct OverlayEdge(int A, int B, bool Stale);

/// <summary>A peer's neighbour set as one source saw it last.</summary>
public sealed record PeerRecord(NodeId Peer, IReadOnlyCollection<NodeId> Neighbours, bool Dead);

/// <summary>
/// The overlay at one moment: peers sorted by address, links as the union of the peers' neighbour sets (a link one
/// side has already dropped is still drawn while the other holds it), and the degree statistics of the live peers.
/// Seeds are counted but are not part of the overlay.
/// </summary>
public sealed record OverlayGraph(IReadOnlyList<OverlayNode> Nodes, IReadOnlyList<OverlayEdge> Edges, int Seeds, DegreeStats Degrees, string Source)
{
    public int Dead => Nodes.Count(n => n.Dead);
    public int LiveEdges => Edges.Count(e => !e.Stale);

    /// <summary>
    /// Builds the graph from each peer's neighbour set. The fit is over the degrees of the peers that are not dead, with
    /// <paramref name="kMin"/> as the tail's start; <paramref name="degrees"/> replaces it when the caller has it already.
    /// </summary>
    public static OverlayGraph Of(IEnumerable<PeerRecord> records, int seeds, int kMin, string source, DegreeStats? degrees = null)
    {
        var byPeer = new SortedDictionary<NodeId, PeerRecord>();
        foreach (var r in records) byPeer[r.Peer] = r;
        // An address named only in others' lists is drawn too (its own record is missing).
        var ids = new SortedSet<NodeId>(byPeer.Keys);
        foreach (var r in byPeer.Values) ids.UnionWith(r.Neighbours.Where(n => n != r.Peer));

        var index = new Dictionary<NodeId, int>();
        foreach (var id in ids) index[id] = index.Count;
        var links = new SortedDictionary<(int A, int B), bool>();   // value: some live peer holds the link
        foreach (var r in byPeer.Values)
        {
            var self = index[r.Peer];
            foreach (var n in r.Neighbours)
            {
                if (n == r.Peer) continue;
                var other = index[n];
                var key = self < other ? (self, other) : (other, self);
                links[key] = links.GetValueOrDefault(key) || !r.Dead;
            }
        }
        var nodes = ids.Select(id => byPeer.TryGetValue(id, out var r)
            ? new OverlayNode(id, r.Neighbours.Count(n => n != id), r.Dead)
            : new OverlayNode(id, links.Count(l => l.Value && (l.Key.A == index[id] || l.Key.B == index[id])), Dead: false, Reported: false)).ToArray();
        var edges = links.Select(l => new OverlayEdge(l.Key.A, l.Key.B, Stale: !l.Value)).ToArray();
        degrees ??= DegreeStats.Of(nodes.Where(n => n.Reported && !n.Dead).Select(n => n.Degree), Math.Max(1, kMin));
        return new OverlayGraph(nodes, edges, seeds, degrees, source);
    }
}
