namespace GossipPure.Core.Tests.Support;

/// <summary>
/// Seeds and peers all running their real reducers. <c>StartOrder</c> is the order peers start in (indices of
/// addresses); <c>Choices</c> interleave starts and deliveries; with <c>RegisterTimers</c> a choice may also fire a
/// peer's registration timer early, so it attaches with whatever lists have come back. Nothing is lost.
/// </summary>
public sealed record NetworkCase(int Seeds, int[] StartOrder, ulong RandomSeed, int[] Choices, bool RegisterTimers)
{
    public override string ToString() =>
        $"seeds={Seeds} start=[{string.Join(",", StartOrder)}] rng={RandomSeed} timers={RegisterTimers} choices=[{string.Join(",", Choices)}]";
}

public sealed class NetworkRun
{
    public NetworkCase Case { get; }
    public World World { get; }

    public NetworkRun(NetworkCase c)
    {
        Case = c;
        World = new World(c.Seeds);
        foreach (var id in World.SeedIds) World.StartSeed(id);
    }

    /// <summary>
    /// The timers that take part in joining: registration retries and proposal timeouts. Time is frozen otherwise,
    /// so gossip and failure-detection timers (heartbeat, silence, ping, probes) never fire here; the seeds' overlay
    /// check is fired by <see cref="Settle"/> a bounded number of times (it re-arms itself for ever).
    /// </summary>
    static bool IsJoinTimer(TimerKey key) =>
        key == PeerReducer.RegisterTimer || key is TimerKey.Proposal;

    /// <summary>How many rounds of the seeds' overlay check <see cref="Settle"/> runs once joining is done.</summary>
    public const int OverlayChecks = 4;

    /// <summary>Runs the interleaving, lets the network settle, then lets the seeds check (and bridge) the overlay.</summary>
    public NetworkRun Play()
    {
        var w = World;
        var next = 0;
        void StartNext()
        {
            var i = Case.StartOrder[next++];
            w.StartPeer(World.PeerId(i), Case.RandomSeed + (ulong)i * 0x9E3779B97F4A7C15UL);
        }
        foreach (var c in Case.Choices)
        {
            var registerTimers = w.Timers.Where(t => t.Key == PeerReducer.RegisterTimer).ToList();
            if (Case.RegisterTimers && c % 11 == 0 && registerTimers.Count > 0)
            {
                var (node, key) = registerTimers[c / 11 % registerTimers.Count];
                w.Fire(node, key);
            }
            else if (next < Case.StartOrder.Length && (c % 4 == 0 || w.InFlight.Count == 0)) StartNext();
            else if (w.InFlight.Count > 0) w.Deliver(w.InFlight[c / 4 % w.InFlight.Count]);
        }
        while (next < Case.StartOrder.Length) { StartNext(); if (w.InFlight.Count > 0) w.Deliver(w.InFlight[0]); }
        Settle();
        return this;
    }

    /// <summary>Delivers all, fires pending join timers until none is left, then runs the seeds' overlay checks.</summary>
    public void Settle()
    {
        var w = World;
        var checks = 0;
        for (var round = 0; ; round++)
        {
            if (round > 10_000) throw new InvalidOperationException("the network never settled");
            w.Drain();
            var pending = w.Timers.Where(t => IsJoinTimer(t.Key)).ToList();
            if (pending.Count > 0) { w.Fire(pending[0].Node, pending[0].Key); continue; }
            if (checks++ == OverlayChecks) return;
            foreach (var t in w.Timers.Where(t => t.Key == SeedReducer.OverlayTimer).ToList()) w.Fire(t.Node, t.Key);
        }
    }

    /// <summary>The undirected neighbour graph (a link counts whichever end recorded it).</summary>
    public Dictionary<NodeId, SortedSet<NodeId>> Graph()
    {
        var g = World.Peers.Keys.ToDictionary(p => p, _ => new SortedSet<NodeId>());
        foreach (var (p, s) in World.Peers)
            foreach (var n in s.Neighbours)
            {
                g[p].Add(n);
                if (g.TryGetValue(n, out var back)) back.Add(p);
            }
        return g;
    }

    public List<List<NodeId>> Components()
    {
        var g = Graph();
        var seen = new System.Collections.Generic.HashSet<NodeId>();
        var parts = new List<List<NodeId>>();
        foreach (var start in g.Keys.Order())
        {
            if (!seen.Add(start)) continue;
            var part = new List<NodeId> { start };
            var queue = new Queue<NodeId>([start]);
            while (queue.Count > 0)
                foreach (var n in g[queue.Dequeue()])
                    if (seen.Add(n)) { part.Add(n); queue.Enqueue(n); }
            parts.Add(part);
        }
        return parts;
    }

    /// <summary>A readable account of the overlay: each peer's role, neighbours, and the order each seed committed peers in.</summary>
    public string Describe()
    {
        var lines = new List<string> { $"case: {Case}" };
        lines.Add("components: " + string.Join(" | ", Components().Select(c => "{" + string.Join(" ", c.Order().Select(n => n.Port)) + "}")));
        foreach (var (p, s) in World.Peers)
            lines.Add($"  {p.Port}: {s.Phase}, neighbours [{string.Join(" ", s.Neighbours.Order().Select(n => n.Port))}], knew [{string.Join(" ", s.Known.Keys.Order().Select(n => n.Port))}]");
        foreach (var seed in World.SeedIds)
        {
            var order = World.Trace.Where(r => r.Node == seed)
                .SelectMany(r => r.Effects.Choose(e => e switch { RegisterCommitted c => Some(c.Peer), CommitLearned c => Some(c.Peer), _ => None }));
            lines.Add($"  commit order at {seed.Port}: {string.Join(" ", order.Select(n => n.Port))}");
        }
        return string.Join(Environment.NewLine, lines);
    }
}
