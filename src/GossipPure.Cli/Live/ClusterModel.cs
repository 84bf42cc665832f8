using System.Collections.Concurrent;
using GossipPure.Cli.Hosting;
using GossipPure.Core;
using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;

namespace GossipPure.Cli.Live;

/// <summary>One row of the live table. Null figures do not apply to the node's role.</summary>
public sealed record NodeRow(
    string Node, Role Role, string State, int? Degree, int Known, int? Made, long? Received, long? Dropped, int Suspicions);

/// <summary>One line of the event feed.</summary>
public sealed record FeedEvent(DateTime At, string Kind, string Text);

/// <summary>
/// What the live view shows, read from the nodes without touching them: their latest (immutable) states and the
/// log lines they write. Rows are recomputed on each frame; the feed keeps the last events that matter to a
/// person watching: registrations, suspicions, removals, departures and errors.
/// </summary>
public sealed class ClusterModel
{
    readonly IReadOnlyList<HostedNode> nodes;
    readonly ConcurrentQueue<NodeLine> lines = new();
    readonly Dictionary<HostedNode, int> suspicions = new();
    readonly HashSet<NodeId> announcedRemovals = new();
    readonly LinkedList<FeedEvent> feed = new();
    readonly int feedSize;

    public ClusterModel(IReadOnlyList<HostedNode> nodes, int feedSize = 10)
    {
        this.nodes = nodes;
        this.feedSize = feedSize;
        foreach (var n in nodes) n.Lines = lines;
    }

    public IReadOnlyCollection<FeedEvent> Feed => feed;

    /// <summary>Takes in the log lines written since the last call.</summary>
    public void Drain()
    {
        while (lines.TryDequeue(out var line)) Take(line);
    }

    void Take(NodeLine l)
    {
        var who = l.Node.Label;
        switch (l.Event)
        {
            case Registered r:
                announcedRemovals.Remove(l.Node.Id);
                Add(l.At, "registered", $"{who} registered (peer list: {r.Peers} peers)");
                break;
            case RegisterCommitted c:
                Add(l.At, "commit", $"{who} committed {c.Peer} with {c.Voters.Count}/{c.Seeds} votes");
                break;
            case Suspected x:
                suspicions[l.Node] = suspicions.GetValueOrDefault(l.Node) + 1;
                Add(l.At, "suspect", $"{who} suspects {x.Node}: {x.Evidence}");
                break;
            case PeerRemoved r when announcedRemovals.Add(r.Node):
                Add(l.At, DeathReasons.IsDeparture(r.Reason) ? "left" : "dead", $"{r.Node} removed by the seeds ({r.Reason})");
                break;
            case Rejoining:
                Add(l.At, "rejoin", $"{who} was removed while alive; registering again");
                break;
            case ShuttingDown:
                Add(l.At, "stop", $"{who} shutting down");
                break;
            case RegistrationRejected or TransitionRefused:
                Add(l.At, "error", $"{who}: {Shell.Hosting.EventText.Render(l.Event).Line}");
                break;
        }
    }

    void Add(DateTime at, string kind, string text)
    {
        feed.AddLast(new FeedEvent(at, kind, text));
        while (feed.Count > feedSize) feed.RemoveFirst();
    }

    /// <summary>Notes a fault injected from the view (crash, freeze) in the feed.</summary>
    public void Note(string kind, string text) => Add(DateTime.Now, kind, text);

    public IReadOnlyList<NodeRow> Rows()
    {
        var peerStates = nodes.Where(n => n.Role == Role.Peer && n.ExitCode is null && n.Fault is null)
            .Select(n => (PeerState)n.State).ToList();
        var seedStates = nodes.Where(n => n.Role == Role.Seed && n.ExitCode is null).Select(n => (SeedState)n.State).ToList();
        return nodes.Select(n => n.State switch
        {
            SeedState s => new NodeRow(n.Id.ToString(), Role.Seed, SeedPhase(n, s), null, s.Peers.Count, null, null, null, 0),
            PeerState p => new NodeRow(n.Id.ToString(), Role.Peer, PeerPhase(n, p, peerStates, seedStates), p.Neighbours.Count,
                p.Known.Count, p.Made, p.FirstTime, p.Duplicates, suspicions.GetValueOrDefault(n)),
            _ => new NodeRow(n.Id.ToString(), n.Role, "?", null, 0, null, null, null, 0),
        }).ToList();
    }

    static string SeedPhase(HostedNode n, SeedState s) =>
        n.ExitCode is { } code ? Stopped(code) : n.Fault ?? (s.Running ? "up" : "starting");

    static string PeerPhase(HostedNode n, PeerState p, List<PeerState> peers, List<SeedState> seeds)
    {
        var removed = seeds.Exists(s => s.Removed.Find(n.Id).Map(t => t.Incarnation >= p.Incarnation).IfNone(false));
        if (n.Fault is { } fault) return removed ? $"{fault}, removed" : fault;
        if (n.ExitCode is { } code) return Stopped(code);
        if (removed) return "removed";
        if (peers.Exists(o => o.Det.Watches.Find(n.Id).Map(w => w.IsSuspected).IfNone(false))) return "suspect";
        return p.Phase switch
        {
            Core.Peers.PeerPhase.Idle => "starting",
            Core.Peers.PeerPhase.Registering => "registering",
            Core.Peers.PeerPhase.Registered => "registered",
            _ => "stopping",
        };
    }

    static string Stopped(int code) => code == 0 ? "stopped" : $"failed (exit {code})";
}
