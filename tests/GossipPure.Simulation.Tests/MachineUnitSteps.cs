using GossipPure.Core.Tests.Support;

namespace GossipPure.Simulation.Tests;

/// <summary>
/// Scripted steps of the real reducers for the transitions the simulated runs rarely reach (a no vote needs a seed
/// that knows better; a confirmation that overtakes a suspicion needs the right timing). Every step is audited.
/// </summary>
static class UnitSteps
{
    static readonly Seq<NodeId> SeedIds = PeerHarness.SeedIds;
    static readonly NodeId S0 = SeedIds[0], S1 = SeedIds[1], S2 = SeedIds[2];
    static readonly NodeId X = PeerHarness.Other(0), A = PeerHarness.Other(1);
    static readonly Seq<NodeId> Quorum = toSeq([S1, S2]);

    /// <summary>One seed driven by hand; the other seeds and the peers are scripted.</summary>
    sealed class OneSeed
    {
        public SeedState State = SeedState.Initial(new NodeConfig(S0, SeedIds, ProtocolOptions.Default));
        long now = 1_700_000_000_000_000;
        public readonly List<Transition> Fired = new();
        readonly List<string> problems;

        public OneSeed(List<string> problems)
        {
            this.problems = problems;
            Step(t => new Started(t, 1));
        }

        public Seq<Effect> Step(Func<long, Input> input)
        {
            now += 1_000;
            var i = input(now);
            var next = SeedReducer.Step(State, i);
            problems.AddRange(MachineAudit.Problems(State, next.State, next.Effects, next.Transitions).Select(p => $"[unit seed] {p}"));
            Fired.AddRange(next.Transitions);
            State = next.State;
            return next.Effects;
        }

        public Seq<Effect> From(NodeId sender, Message m) => Step(t => new Received(t, sender, m));

        public string RegistrationProposal(NodeId peer) => State.Registrations[peer].ProposalId;
        public string DeathProposal(NodeId peer) => State.Deaths[peer].ProposalId;

        /// <summary>X and A are members (certificates from the other two seeds).</summary>
        public OneSeed WithMembers()
        {
            From(S1, new RegisterCommit(X, Quorum, 1));
            From(S1, new RegisterCommit(A, Quorum, 1));
            return this;
        }
    }

    public static System.Collections.Generic.HashSet<MachineAudit.Edge> Taken(List<string> problems)
    {
        var fired = new List<Transition>();

        // Registration: the other seeds vote no (Proposed → Rejected); the peer asks again (Rejected → Proposed) and
        // is refused again; then a commit certificate arrives after all (Rejected → Committed).
        var s = new OneSeed(problems);
        s.From(X, new RegisterRequest(1));
        s.From(S1, new RegisterVote(X, s.RegistrationProposal(X), false, "no"));
        s.From(S2, new RegisterVote(X, s.RegistrationProposal(X), false, "no"));
        s.From(X, new RegisterRequest(1));
        s.From(S1, new RegisterVote(X, s.RegistrationProposal(X), false, "no"));
        s.From(S2, new RegisterVote(X, s.RegistrationProposal(X), false, "no"));
        s.From(S1, new RegisterCommit(X, Quorum, 1));
        fired.AddRange(s.Fired);

        // Death votes: no quorum answers in time (Proposed → TimedOut), a new report (TimedOut → Proposed), then the
        // others' certificate (Proposed → Confirmed by observation).
        s = new OneSeed(problems).WithMembers();
        s.From(A, new DeadReport(X, "Dead Node:…"));
        s.Step(t => new TimerFired(t, SeedReducer.DeathTimer(X)));
        s.From(A, new DeadReport(X, "Dead Node:…"));
        s.Step(t => new TimerFired(t, SeedReducer.DeathTimer(X)));
        s.From(S1, new DeadConfirmed(X, Quorum, "crashed", None, 1));   // TimedOut → Confirmed
        fired.AddRange(s.Fired);

        // Death votes: the others find it alive (Proposed → Rejected), then their later vote confirms it (Rejected → Confirmed).
        s = new OneSeed(problems).WithMembers();
        s.From(A, new DeadReport(X, "Dead Node:…"));
        s.From(S1, new DeadVote(X, s.DeathProposal(X), false, "answered PROBE"));
        s.From(S2, new DeadVote(X, s.DeathProposal(X), false, "answered PROBE"));
        s.From(S1, new DeadConfirmed(X, Quorum, "crashed", None, 1));
        fired.AddRange(s.Fired);

        // Suspicion: a neighbour confirmed dead by the seeds before this peer suspected it (Alive → Dead).
        var p = Registered(problems);
        var neighbour = p.State.Neighbours.OrderBy(n => n).First();
        p.Step(t => new Received(t, S0, new DeadConfirmed(neighbour, Quorum, "crashed", None, 1)));
        fired.AddRange(p.Fired);

        // Suspicion: silence asks witnesses (Confirming), and the seeds' confirmation overtakes them (Confirming → Dead).
        p = Registered(problems, known: 3);
        for (long t = 0; t < 3500; t += 250)
        {
            p.Advance(249_000);
            p.Step(now => new TimerFired(now, PeerReducer.SilenceTimer));
        }
        foreach (var (n, w) in p.State.Det.Watches.Where(kv => kv.Value.Phase == SuspicionPhase.Confirming).Take(1))
            p.Step(t => new Received(t, S0, new DeadConfirmed(n, Quorum, "crashed", None, 1)));
        fired.AddRange(p.Fired);

        // Suspicion: reported to the seeds, then the suspect sends something (Reported → Alive).
        p = Registered(problems);
        neighbour = p.State.Neighbours.OrderBy(n => n).First();
        p.Step(t => new Disconnected(t, neighbour, "connection reset"));
        p.Step(t => new Received(t, neighbour, new Heartbeat()));
        fired.AddRange(p.Fired);

        return fired.Select(MachineAudit.EdgeOf).ToHashSet();
    }

    static PeerHarness Registered(List<string> problems, int known = 2)
    {
        var p = new PeerHarness();
        p.Register(7, Enumerable.Range(0, known).Select(i => new PeerEntry(PeerHarness.Other(i), 1)).ToList());
        return p;
    }
}
