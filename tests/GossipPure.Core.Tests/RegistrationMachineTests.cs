namespace GossipPure.Core.Tests;

/// <summary>The registration machine says which transitions exist and nothing else: no actions, a fixed table.</summary>
public sealed class RegistrationMachineTests
{
    static Stateless.Reflection.StateMachineInfo Info()
    {
        var phase = RegPhase.Requested;
        return Registration.Configure(() => phase, p => phase = p).GetInfo();
    }

    [Fact]
    public void Machine_has_no_entry_exit_activate_or_deactivate_actions()
    {
        var states = Info().States.ToList();
        Assert.Equal(Enum.GetValues<RegPhase>().Length, states.Count);
        foreach (var st in states)
        {
            Assert.True(!st.EntryActions.Any(), $"{st.UnderlyingState} has entry actions: {string.Join(", ", st.EntryActions.Select(a => a.Method.Description))}");
            Assert.True(!st.ExitActions.Any(), $"{st.UnderlyingState} has exit actions");
            Assert.True(!st.ActivateActions.Any(), $"{st.UnderlyingState} has activate actions");
            Assert.True(!st.DeactivateActions.Any(), $"{st.UnderlyingState} has deactivate actions");
            Assert.True(!st.DynamicTransitions.Any(), $"{st.UnderlyingState} has dynamic transitions");
        }
    }

    [Fact]
    public void Disallowed_transitions_return_None()
    {
        Assert.True(Registration.Fire(RegPhase.Committed, RegTrigger.Propose).IsNone);
        Assert.True(Registration.Fire(RegPhase.Committed, RegTrigger.Expire).IsNone);
        Assert.True(Registration.Fire(RegPhase.Proposed, RegTrigger.Propose).IsNone);
        Assert.True(Registration.Fire(RegPhase.Requested, RegTrigger.QuorumReached).IsNone);
        Assert.True(Registration.Fire(RegPhase.TimedOut, RegTrigger.Expire).IsNone);
    }

    [Fact]
    public void Committed_is_final()
    {
        var committed = Info().States.Single(s => (RegPhase)s.UnderlyingState == RegPhase.Committed);
        Assert.Empty(committed.FixedTransitions);
        Assert.Empty(committed.IgnoredTriggers);
    }

    [Fact]
    public void Dot_export_names_every_phase()
    {
        var dot = Registration.ToDot();
        foreach (var p in Enum.GetNames<RegPhase>()) Assert.Contains(p, dot, StringComparison.Ordinal);
    }
}
