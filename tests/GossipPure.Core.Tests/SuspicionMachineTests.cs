namespace GossipPure.Core.Tests;

/// <summary>The suspicion machine says which transitions exist and nothing else.</summary>
public sealed class SuspicionMachineTests
{
    [Fact]
    public void Machine_has_no_actions()
    {
        var phase = SuspicionPhase.Alive;
        var info = Suspicion.Configure(() => phase, p => phase = p).GetInfo();
        Assert.Equal(Enum.GetValues<SuspicionPhase>().Length, info.States.Count());
        foreach (var st in info.States)
        {
            Assert.Empty(st.EntryActions);
            Assert.Empty(st.ExitActions);
            Assert.Empty(st.ActivateActions);
            Assert.Empty(st.DeactivateActions);
            Assert.Empty(st.DynamicTransitions);
        }
    }

    [Theory]
    [InlineData(SuspicionPhase.Alive, SuspicionTrigger.Evidence, SuspicionPhase.Suspected)]
    [InlineData(SuspicionPhase.Suspected, SuspicionTrigger.AskWitnesses, SuspicionPhase.Confirming)]
    [InlineData(SuspicionPhase.Suspected, SuspicionTrigger.NoWitnesses, SuspicionPhase.Reported)]
    [InlineData(SuspicionPhase.Confirming, SuspicionTrigger.Confirmed, SuspicionPhase.Reported)]
    [InlineData(SuspicionPhase.Confirming, SuspicionTrigger.Inconclusive, SuspicionPhase.Reported)]
    [InlineData(SuspicionPhase.Confirming, SuspicionTrigger.Refuted, SuspicionPhase.Alive)]
    [InlineData(SuspicionPhase.Reported, SuspicionTrigger.SeedsRejected, SuspicionPhase.Alive)]
    [InlineData(SuspicionPhase.Reported, SuspicionTrigger.ProvenAlive, SuspicionPhase.Alive)]
    [InlineData(SuspicionPhase.Reported, SuspicionTrigger.DeadConfirmed, SuspicionPhase.Dead)]
    [InlineData(SuspicionPhase.Dead, SuspicionTrigger.Rejoined, SuspicionPhase.Alive)]
    public void Allowed_transitions(SuspicionPhase from, SuspicionTrigger trigger, SuspicionPhase to) =>
        Assert.Equal(Some(to), Suspicion.Fire(from, trigger));

    [Theory]
    [InlineData(SuspicionPhase.Alive, SuspicionTrigger.Confirmed)]        // no report without a suspicion round
    [InlineData(SuspicionPhase.Alive, SuspicionTrigger.AskWitnesses)]
    [InlineData(SuspicionPhase.Suspected, SuspicionTrigger.Confirmed)]    // confirmations need witnesses asked
    [InlineData(SuspicionPhase.Reported, SuspicionTrigger.Evidence)]
    [InlineData(SuspicionPhase.Dead, SuspicionTrigger.ProvenAlive)]       // the dead do not come back here: a new incarnation does
    [InlineData(SuspicionPhase.Dead, SuspicionTrigger.Evidence)]
    [InlineData(SuspicionPhase.Dead, SuspicionTrigger.DeadConfirmed)]     // the reducer drops a repeated confirmation before the machine
    [InlineData(SuspicionPhase.Alive, SuspicionTrigger.ProvenAlive)]      // nothing to prove: the reducer only revives suspects
    [InlineData(SuspicionPhase.Alive, SuspicionTrigger.Rejoined)]
    public void Forbidden_transitions(SuspicionPhase from, SuspicionTrigger trigger) =>
        Assert.True(Suspicion.Fire(from, trigger).IsNone);
}
