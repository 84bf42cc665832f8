using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace GossipPure.Core.Tests;

/// <summary>
/// Model-based tests of the two Stateless machines: random trigger sequences go through the machine (as the reducers
/// use it, one throwaway machine per step) and through an independent reference model written as a plain table;
/// after every trigger both must agree on whether it was allowed and on the resulting state.
/// </summary>
public sealed class MachineModelProperties
{
    internal static readonly System.Collections.Generic.Dictionary<(RegPhase, RegTrigger), RegPhase> RegistrationModel = new()
    {
        [(RegPhase.Requested, RegTrigger.Propose)] = RegPhase.Proposed,
        [(RegPhase.Requested, RegTrigger.CommitObserved)] = RegPhase.Committed,
        [(RegPhase.Requested, RegTrigger.QuorumImpossible)] = RegPhase.Rejected,
        [(RegPhase.Proposed, RegTrigger.QuorumReached)] = RegPhase.Committed,
        [(RegPhase.Proposed, RegTrigger.CommitObserved)] = RegPhase.Committed,
        [(RegPhase.Proposed, RegTrigger.QuorumImpossible)] = RegPhase.Rejected,
        [(RegPhase.Proposed, RegTrigger.Expire)] = RegPhase.TimedOut,
        [(RegPhase.TimedOut, RegTrigger.Propose)] = RegPhase.Proposed,
        [(RegPhase.TimedOut, RegTrigger.CommitObserved)] = RegPhase.Committed,
        [(RegPhase.Rejected, RegTrigger.Propose)] = RegPhase.Proposed,
        [(RegPhase.Rejected, RegTrigger.CommitObserved)] = RegPhase.Committed,
        [(RegPhase.Committed, RegTrigger.CommitObserved)] = RegPhase.Committed,   // ignored: stays
    };

    static readonly System.Collections.Generic.Dictionary<(SuspicionPhase, SuspicionTrigger), SuspicionPhase> SuspicionModel = new()
    {
        [(SuspicionPhase.Alive, SuspicionTrigger.Evidence)] = SuspicionPhase.Suspected,
        [(SuspicionPhase.Alive, SuspicionTrigger.DeadConfirmed)] = SuspicionPhase.Dead,
        [(SuspicionPhase.Alive, SuspicionTrigger.ProvenAlive)] = SuspicionPhase.Alive,
        [(SuspicionPhase.Suspected, SuspicionTrigger.AskWitnesses)] = SuspicionPhase.Confirming,
        [(SuspicionPhase.Suspected, SuspicionTrigger.NoWitnesses)] = SuspicionPhase.Reported,
        [(SuspicionPhase.Suspected, SuspicionTrigger.ProvenAlive)] = SuspicionPhase.Alive,
        [(SuspicionPhase.Suspected, SuspicionTrigger.DeadConfirmed)] = SuspicionPhase.Dead,
        [(SuspicionPhase.Confirming, SuspicionTrigger.Confirmed)] = SuspicionPhase.Reported,
        [(SuspicionPhase.Confirming, SuspicionTrigger.Inconclusive)] = SuspicionPhase.Reported,
        [(SuspicionPhase.Confirming, SuspicionTrigger.Refuted)] = SuspicionPhase.Alive,
        [(SuspicionPhase.Confirming, SuspicionTrigger.ProvenAlive)] = SuspicionPhase.Alive,
        [(SuspicionPhase.Confirming, SuspicionTrigger.DeadConfirmed)] = SuspicionPhase.Dead,
        [(SuspicionPhase.Reported, SuspicionTrigger.ProvenAlive)] = SuspicionPhase.Alive,
        [(SuspicionPhase.Reported, SuspicionTrigger.SeedsRejected)] = SuspicionPhase.Alive,
        [(SuspicionPhase.Reported, SuspicionTrigger.DeadConfirmed)] = SuspicionPhase.Dead,
        [(SuspicionPhase.Dead, SuspicionTrigger.DeadConfirmed)] = SuspicionPhase.Dead,   // ignored: stays
    };

    static Property Agrees<TState, TTrigger>(
        TState initial, Func<TState, TTrigger, LanguageExt.Option<TState>> fire,
        System.Collections.Generic.Dictionary<(TState, TTrigger), TState> model)
        where TState : struct, Enum where TTrigger : struct, Enum =>
        Prop.ForAll(Gen.ArrayOf(Gen.Elements(Enum.GetValues<TTrigger>())).ToArbitrary(), triggers =>
        {
            var state = initial;
            for (var i = 0; i < triggers.Length; i++)
            {
                var expected = model.TryGetValue((state, triggers[i]), out var next) ? next : (TState?)null;
                var actual = fire(state, triggers[i]);
                Assert.True(actual.IsSome == expected.HasValue,
                    $"step {i}: {triggers[i]} from {state}: machine {(actual.IsSome ? "allows" : "refuses")}, model {(expected.HasValue ? "allows" : "refuses")}");
                if (expected is { } e)
                {
                    Assert.Equal(e, actual.IfNone(default(TState)));
                    state = e;
                }
            }
        });

    [Property(MaxTest = 300)]
    public Property Registration_machine_agrees_with_its_model_on_any_trigger_sequence() =>
        Agrees<RegPhase, RegTrigger>(RegPhase.Requested, Registration.Fire, RegistrationModel);

    [Property(MaxTest = 300)]
    public Property Suspicion_machine_agrees_with_its_model_on_any_trigger_sequence() =>
        Agrees<SuspicionPhase, SuspicionTrigger>(SuspicionPhase.Alive, Suspicion.Fire, SuspicionModel);

    /// <summary>Once committed, a registration stays committed whatever comes; once dead, a suspect stays dead.</summary>
    [Property(MaxTest = 300)]
    public Property Committed_and_Dead_are_final() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Elements(Enum.GetValues<RegTrigger>())).ToArbitrary(),
            Gen.ArrayOf(Gen.Elements(Enum.GetValues<SuspicionTrigger>())).ToArbitrary(), (rs, ss) =>
        {
            var r = RegPhase.Committed;
            foreach (var t in rs) r = Registration.Fire(r, t).IfNone(r);
            var s = SuspicionPhase.Dead;
            foreach (var t in ss) s = Suspicion.Fire(s, t).IfNone(s);
            Assert.Equal(RegPhase.Committed, r);
            Assert.Equal(SuspicionPhase.Dead, s);
        });
}
