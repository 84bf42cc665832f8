using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Core.Tests.Support;

namespace GossipPure.Core.Tests;

/// <summary>
/// The machines against the reducers. Each machine's table is read once from its Stateless configuration; these
/// properties check (1) that the table fires as Stateless itself would on any trigger sequence, and (2) that the real
/// seed reducers, driven through random runs of registrations, reports, departures, lost and late messages, probe
/// answers and timers, only ever change a phase by firing a transition of that table — never by hand, never after a
/// refusal (every step of the world is audited by <see cref="MachineAudit"/>).
/// </summary>
public sealed class MachineModelProperties
{
    /// <summary>Random trigger sequences: the table and a fresh Stateless machine agree on every step.</summary>
    static Property AgreesWithStateless<TState, TTrigger>(Machine<TState, TTrigger> machine, Machines.Configuration<TState, TTrigger> configure)
        where TState : struct, Enum where TTrigger : struct, Enum =>
        Prop.ForAll(Gen.ArrayOf(Gen.Elements(Enum.GetValues<TTrigger>())).ToArbitrary(), triggers =>
        {
            var state = machine.Initial;
            var reference = configure(() => state, s => state = s);
            var tableState = machine.Initial;
            for (var i = 0; i < triggers.Length; i++)
            {
                var allowed = reference.CanFire(triggers[i]);
                var next = machine.Next(tableState, triggers[i]);
                Assert.True(allowed == next.IsSome,
                    $"step {i}: {triggers[i]} from {tableState}: Stateless {(allowed ? "allows" : "refuses")}, the table {(next.IsSome ? "allows" : "refuses")}");
                if (!allowed) continue;
                reference.Fire(triggers[i]);
                Assert.Equal(state, next.IfNone(tableState));
                tableState = state;
            }
        });

    [Property(MaxTest = 300)]
    public Property Registration_table_fires_as_Stateless_does() => AgreesWithStateless(Registration.Machine, Registration.Configure);

    [Property(MaxTest = 300)]
    public Property Death_vote_table_fires_as_Stateless_does() => AgreesWithStateless(DeathVote.Machine, DeathVote.Configure);

    [Property(MaxTest = 300)]
    public Property Suspicion_table_fires_as_Stateless_does() => AgreesWithStateless(Suspicion.Machine, Suspicion.Configure);

    [Fact]
    public void A_refused_trigger_is_an_event_and_leaves_the_phase()
    {
        var fx = new EffectList();
        Assert.False(DeathVote.Machine.Fire(DeathPhase.Confirmed, DeathTrigger.Propose, "10.0.0.9:6001", fx, out var to));
        Assert.Equal(DeathPhase.Confirmed, to);
        Assert.Equal(new TransitionRefused("death-vote", "Confirmed", "Propose", "10.0.0.9:6001"), Assert.Single(fx.ToSeq()));
        Assert.Empty(fx.Transitions());
        Assert.True(DeathVote.Machine.Fire(DeathPhase.Reported, DeathTrigger.Propose, "10.0.0.9:6001", fx, out to));
        Assert.Equal(new Transition("death-vote", "10.0.0.9:6001", "Reported", "Propose", "Proposed"), Assert.Single(fx.Transitions()));
    }

    // ---- The seed reducers against the tables ---------------------------------------------------------------

    [Fact]
    public void A_removal_vote_no_quorum_answers_times_out_by_its_transition()
    {
        var w = new World(3);   // audited: a phase set without its transition fails here
        var s0 = w.SeedIds[0];
        w.StartSeed(s0);
        var (x, a) = (World.PeerId(0), World.PeerId(1));
        var quorum = toSeq([w.SeedIds[1], w.SeedIds[2]]);
        w.Inject(w.SeedIds[1], s0, new RegisterCommit(x, quorum, 1));
        w.Inject(w.SeedIds[1], s0, new RegisterCommit(a, quorum, 1));
        w.Inject(a, s0, new DeadReport(x, "Dead Node:…"));
        w.Fire(s0, SeedReducer.DeathTimer(x));
        Assert.Equal(DeathPhase.TimedOut, w.Seeds[s0].Deaths[x].Phase);
        Assert.Equal(new Transition("death-vote", x.ToString(), "Proposed", "Expire", "TimedOut"), w.Fired[^1]);
    }

    public abstract record Op;
    public sealed record Register(int Peer, int Seed) : Op;
    public sealed record Report(int Reporter, int Suspect, int Seed) : Op;
    public sealed record Depart(int Peer, int Seed) : Op;
    public sealed record Lost(int Peer, int Seed) : Op;
    public sealed record AnswerProbe(int Pick) : Op;
    public sealed record Deliver(int Pick) : Op;
    public sealed record Drop(int Pick) : Op;
    public sealed record Fire(int Pick) : Op;

    const int Peers = 4;

    static Arbitrary<Op[]> Ops()
    {
        var peer = Gen.Choose(0, Peers - 1);
        var seed = Gen.Choose(0, 2);
        var pick = Gen.Choose(0, 1000);
        var op = Gen.Frequency(
            (3, from p in peer from s in seed select (Op)new Register(p, s)),
            (2, from r in peer from x in peer from s in seed select (Op)new Report(r, x, s)),
            (1, from p in peer from s in seed select (Op)new Depart(p, s)),
            (1, from p in peer from s in seed select (Op)new Lost(p, s)),
            (2, pick.Select(i => (Op)new AnswerProbe(i))),
            (8, pick.Select(i => (Op)new Deliver(i))),
            (2, pick.Select(i => (Op)new Drop(i))),
            (3, pick.Select(i => (Op)new Fire(i))));
        return Gen.ArrayOf(op).Select(ops => ops.Take(150).ToArray()).ToArbitrary();
    }

    [Property(MaxTest = 200)]
    public Property Seed_reducers_change_phases_only_by_transitions_of_the_table() =>
        Prop.ForAll(Ops(), ops =>
        {
            var w = new World(3);   // every step is audited (World.Step → MachineAudit.Check)
            foreach (var id in w.SeedIds) w.StartSeed(id);
            NodeId Peer(int i) => World.PeerId(i);
            NodeId Seed(int i) => w.SeedIds[i];
            foreach (var op in ops)
            {
                switch (op)
                {
                    case Register r: w.Inject(Peer(r.Peer), Seed(r.Seed), new RegisterRequest(1)); break;
                    case Report r when r.Reporter != r.Suspect: w.Inject(Peer(r.Reporter), Seed(r.Seed), new DeadReport(Peer(r.Suspect), "Dead Node:…")); break;
                    case Depart d: w.Inject(Peer(d.Peer), Seed(d.Seed), new Leave()); break;
                    case Lost l: w.Step(Seed(l.Seed), new Disconnected(w.NowUs + 1, Peer(l.Peer), "connection reset by peer")); break;
                    case AnswerProbe a:
                        var probes = w.Outbox.Where(e => e.Message is Probe).ToList();
                        if (probes.Count == 0) break;
                        var e = probes[a.Pick % probes.Count];
                        w.Outbox.Remove(e);
                        w.Inject(e.To, e.From, new ProbeAck(((Probe)e.Message).Nonce));
                        break;
                    case Deliver d when w.InFlight.Count > 0: w.Deliver(w.InFlight[d.Pick % w.InFlight.Count]); break;
                    case Drop d when w.InFlight.Count > 0: w.Drop(w.InFlight[d.Pick % w.InFlight.Count]); break;
                    case Fire f when w.Timers.Count > 0:
                        var (node, key) = w.Timers.ElementAt(f.Pick % w.Timers.Count);
                        w.Fire(node, key);
                        break;
                }
            }
            w.Drain();
            // Not vacuous: a run that registered anyone fired registration transitions.
            Assert.True(!ops.OfType<Register>().Any() || w.Fired.Any(t => t.Machine == Registration.Machine.Name));
        });
}
