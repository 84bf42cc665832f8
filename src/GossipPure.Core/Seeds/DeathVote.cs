using Stateless;

namespace GossipPure.Core.Seeds;

/// <summary>Where one removal vote stands at the seed that proposed it.</summary>
public enum DeathPhase { Reported, Proposed, Confirmed, Rejected, TimedOut }

public enum DeathTrigger
{
    /// <summary>This seed sends a removal proposal to the other seeds (after a DEAD_REPORT, a LEAVE or a lost connection).</summary>
    Propose,
    /// <summary>This seed's own proposal gathered ⌊n/2⌋+1 yes votes.</summary>
    QuorumReached,
    /// <summary>A valid DEAD_CONFIRMED for the node arrived from another seed (directly or by sync).</summary>
    ConfirmObserved,
    /// <summary>So many seeds found the node alive that a quorum of yes votes can no longer be reached.</summary>
    QuorumImpossible,
    /// <summary>The proposal timer fired before a quorum answered.</summary>
    Expire,
}

/// <summary>
/// The removal (death vote) machine, one per suspect at the proposing seed. Like the others it only says which
/// transitions exist: its table is built once (see <see cref="Machine{TState, TTrigger}"/>), it has no entry or exit
/// actions, and the seed reducer fires the triggers and decides the effects. A confirmed record leaves the table.
/// </summary>
public static class DeathVote
{
    public static StateMachine<DeathPhase, DeathTrigger> Configure(Func<DeathPhase> read, Action<DeathPhase> write)
    {
        var m = new StateMachine<DeathPhase, DeathTrigger>(read, write);
        m.Configure(DeathPhase.Reported)
            .Permit(DeathTrigger.Propose, DeathPhase.Proposed);
        m.Configure(DeathPhase.Proposed)
            .Permit(DeathTrigger.QuorumReached, DeathPhase.Confirmed)
            .Permit(DeathTrigger.ConfirmObserved, DeathPhase.Confirmed)
            .Permit(DeathTrigger.QuorumImpossible, DeathPhase.Rejected)
            .Permit(DeathTrigger.Expire, DeathPhase.TimedOut);
        m.Configure(DeathPhase.Rejected)
            .Permit(DeathTrigger.Propose, DeathPhase.Proposed)
            .Permit(DeathTrigger.ConfirmObserved, DeathPhase.Confirmed);
        m.Configure(DeathPhase.TimedOut)
            .Permit(DeathTrigger.Propose, DeathPhase.Proposed)
            .Permit(DeathTrigger.ConfirmObserved, DeathPhase.Confirmed);
        m.Configure(DeathPhase.Confirmed);   // final: the record leaves the table
        return m;
    }

    /// <summary>The table, built once and shared (it is read-only).</summary>
    public static readonly Machine<DeathPhase, DeathTrigger> Machine = new("death-vote", DeathPhase.Reported, Configure);

    /// <summary>The phase after <paramref name="trigger"/>, or None when the machine does not allow it; fires nothing.</summary>
    public static Option<DeathPhase> Fire(DeathPhase from, DeathTrigger trigger) => Machine.Next(from, trigger);

    /// <summary>The diagram of the machine in Graphviz DOT, for specs/.</summary>
    public static string ToDot() => Machine.ToDot();
}
