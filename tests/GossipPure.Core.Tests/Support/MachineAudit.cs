namespace GossipPure.Core.Tests.Support;

/// <summary>
/// Checks one reducer step against the state machines' tables, from outside the reducers: every phase a record holds
/// after the step is where the transitions the step fired for it lead (no phase set by hand), every fired transition
/// is a row of its machine's table, and no trigger was refused. Shared by the Core tests' world (every step of every
/// scripted run) and the simulator's tests (which also collect the transitions taken, for coverage).
/// Linked into GossipPure.Simulation.Tests.
/// </summary>
public static class MachineAudit
{
    /// <summary>A transition as a machine's diagram draws it (no subject).</summary>
    public readonly record struct Edge(string Machine, string From, string Trigger, string To)
    {
        public override string ToString() => $"{Machine}: {From} --{Trigger}--> {To}";
    }

    sealed record Spec(string Name, string Initial, Stateless.Reflection.StateMachineInfo Info, IReadOnlyList<Edge> Edges);

    static Spec Of<TState, TTrigger>(Machine<TState, TTrigger> m) where TState : struct, Enum where TTrigger : struct, Enum
    {
        var info = m.Info();
        var edges = new List<Edge>();
        foreach (var st in info.States)
        {
            foreach (var t in st.FixedTransitions)
                edges.Add(new(m.Name, st.UnderlyingState.ToString()!, t.Trigger.UnderlyingTrigger.ToString()!, t.DestinationState.UnderlyingState.ToString()!));
            foreach (var t in st.IgnoredTriggers)
                edges.Add(new(m.Name, st.UnderlyingState.ToString()!, t.Trigger.UnderlyingTrigger.ToString()!, st.UnderlyingState.ToString()!));
        }
        return new(m.Name, m.Initial.ToString(), info, edges);
    }

    static readonly Spec[] Specs = [Of(Registration.Machine), Of(DeathVote.Machine), Of(Suspicion.Machine)];

    /// <summary>Every machine's name, every state its configuration knows, and every transition it draws (from GetInfo()).</summary>
    public static IEnumerable<(string Machine, string Initial, IReadOnlyList<string> States, IReadOnlyList<Edge> Edges)> Machines() =>
        Specs.Select(s => (s.Name, s.Initial, (IReadOnlyList<string>)s.Info.States.Select(st => st.UnderlyingState.ToString()!).ToList(), s.Edges));

    static readonly System.Collections.Generic.HashSet<Edge> Drawn = Specs.SelectMany(s => s.Edges).ToHashSet();
    static readonly Dictionary<string, string> Initial = Specs.ToDictionary(s => s.Name, s => s.Initial);

    public static Edge EdgeOf(Transition t) => new(t.Machine, t.From, t.Trigger, t.To);

    /// <summary>The phase of every machine record in a node's state: (machine, subject) → phase.</summary>
    public static Dictionary<(string Machine, string Subject), string> Phases(object? state)
    {
        var phases = new Dictionary<(string, string), string>();
        switch (state)
        {
            case PeerState p:
                foreach (var (n, w) in p.Det.Watches) phases[(Suspicion.Machine.Name, n.ToString())] = w.Phase.ToString();
                break;
            case SeedState s:
                foreach (var (n, r) in s.Registrations) phases[(Registration.Machine.Name, n.ToString())] = r.Phase.ToString();
                foreach (var (n, d) in s.Deaths) phases[(DeathVote.Machine.Name, n.ToString())] = d.Phase.ToString();
                break;
        }
        return phases;
    }

    /// <summary>
    /// A peer's last-heard table (<see cref="PeerState.Heard"/>) names exactly the watched nodes, each marked suspected
    /// and ended exactly when its watch is, and a watch that has not ended is a neighbour's: kept apart from the
    /// watches and the neighbours, it must never drift from them.
    /// </summary>
    public static IEnumerable<string> HeardProblems(PeerState p)
    {
        foreach (var (n, w) in p.Det.Watches)
        {
            var h = p.Heard.Find(n);
            if (h.IsNone) yield return $"{n} is watched ({w.Phase}) but has no last-heard time";
            else if (h.Case is LastHeard x && x != LastHeard.Of(x.Us, w))
                yield return $"{n} is {w.Phase} but its last-heard time is marked {x}";
        }
        foreach (var (n, h) in p.Heard)
        {
            if (!p.Det.Watches.ContainsKey(n)) yield return $"{n} has a last-heard time but no watch";
            // What a frame's membership check reads instead of the neighbours (PeerMembership.IsMember).
            if (h.Ended == p.IsNeighbour(n)) yield return $"{n}'s watch has{(h.Ended ? "" : " not")} ended but it is{(h.Ended ? "" : " no")} neighbour";
        }
    }

    /// <summary>
    /// Where the copies a peer state keeps beside what they copy (so that a step need not read it) disagree with it:
    /// whether a probe is pending, the dedup set's rotation time, the config's options.
    /// </summary>
    public static IEnumerable<string> CopyProblems(PeerState p)
    {
        if (p.Probing == p.Det.Probes.IsEmpty) yield return $"Probing says {p.Probing} but {p.Det.Probes.Count} probes are pending";
        if (p.SeenRotatedUs != p.Seen.RotatedUs) yield return $"SeenRotatedUs is {p.SeenRotatedUs} but the set rotated at {p.Seen.RotatedUs}";
        if (!ReferenceEquals(p.Options, p.Config.Options)) yield return "Options is not the config's";
        // The neighbours' index (grown and shrunk by one at each link made or lost, not sorted again) says what the set says.
        foreach (var n in p.Neighbours)
            if (!p.IsNeighbour(n)) yield return $"{n} is a neighbour, but the index does not know it";
        foreach (var (n, _) in p.Known)
            if (!p.Neighbours.Contains(n) && p.IsNeighbour(n)) yield return $"{n} is no neighbour, but the index says it is";
        var active = p.Neighbours.Where(n => !p.Heard.Find(n).Map(h => h.Suspected).IfNone(false)).OrderBy(n => n).ToArray();
        if (!active.SequenceEqual(p.ActiveNeighbourArray()))
            yield return $"the index lists [{string.Join(", ", p.ActiveNeighbourArray().Take(8))}…], the set in order [{string.Join(", ", active.Take(8))}…]";
    }

    /// <summary>
    /// A seed's copies that must say what its table and reports say: the order holds the table's keys in address order,
    /// each with the degree its last report gives (0 without one).
    /// </summary>
    public static IEnumerable<string> CopyProblems(SeedState s)
    {
        var keys = s.Peers.Keys.ToArray();
        var entries = s.Order.Entries.ToArray();
        if (!keys.SequenceEqual(entries.Select(e => e.Key)))
            yield return $"the order lists [{string.Join(", ", entries.Select(e => e.Key).Take(8))}…], the table [{string.Join(", ", keys.Take(8))}…]";
        foreach (var (key, degree) in entries)
            if (degree != s.DegreeOf(key)) yield return $"the order gives {key} degree {degree}, its report {s.DegreeOf(key)}";
    }

    /// <summary>What is wrong with one step (empty: nothing).</summary>
    public static List<string> Problems(object? before, object after, LanguageExt.Seq<Effect> effects, LanguageExt.Seq<Transition> fired)
    {
        var problems = new List<string>();
        if (after is PeerState peer) problems.AddRange(HeardProblems(peer).Concat(CopyProblems(peer)));
        if (after is SeedState seed) problems.AddRange(CopyProblems(seed));
        foreach (var r in effects.OfType<TransitionRefused>())
            problems.Add($"{r.Machine} refused {r.Trigger} from {r.From} ({r.Subject})");
        foreach (var t in fired)
            if (!Drawn.Contains(EdgeOf(t))) problems.Add($"fired {EdgeOf(t)}, which the machine does not draw");
        var was = Phases(before);
        foreach (var ((machine, subject), phase) in Phases(after))
        {
            var chain = fired.Filter(t => t.Machine == machine && t.Subject == subject).ToList();
            var start = was.TryGetValue((machine, subject), out var p) ? p : null;
            if (chain.Count == 0)
            {
                if (phase != (start ?? Initial[machine]))
                    problems.Add($"{machine} of {subject}: {start ?? "(new)"} became {phase} without a transition");
                continue;
            }
            if (chain[0].From != start && chain[0].From != Initial[machine])
                problems.Add($"{machine} of {subject}: was {start ?? "(new)"}, but the first transition fired from {chain[0].From}");
            for (var i = 1; i < chain.Count; i++)
                if (chain[i].From != chain[i - 1].To && chain[i].From != Initial[machine])
                    problems.Add($"{machine} of {subject}: {EdgeOf(chain[i - 1])} then {EdgeOf(chain[i])}");
            if (chain[^1].To != phase)
                problems.Add($"{machine} of {subject}: the transitions end in {chain[^1].To}, the state holds {phase}");
        }
        return problems;
    }

    /// <summary>Fails the test (an assertion) when the step broke a machine rule.</summary>
    public static void Check(NodeId node, Input input, object? before, object after, LanguageExt.Seq<Effect> effects, LanguageExt.Seq<Transition> fired)
    {
        var problems = Problems(before, after, effects, fired);
        Assert.True(problems.Count == 0, $"step of {node} on {input.GetType().Name}: {string.Join("; ", problems)}");
    }
}
