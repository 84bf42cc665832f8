using Stateless;

namespace GossipPure.Core.Seeds;

/// <summary>Where one peer's registration stands at one seed.</summary>
public enum RegPhase { Requested, Proposed, Committed, Rejected, TimedOut }

public enum RegTrigger
{
    /// <summary>This seed sends a proposal to the other seeds.</summary>
    Propose,
    /// <summary>This seed's own proposal gathered ⌊n/2⌋+1 yes votes.</summary>
    QuorumReached,
    /// <summary>A valid commit certificate for the peer arrived from another seed.</summary>
    CommitObserved,
    /// <summary>So many seeds voted no that a quorum of yes votes can no longer be reached.</summary>
    QuorumImpossible,
    /// <summary>The proposal timer fired before a quorum answered.</summary>
    Expire,
}

/// <summary>
/// The registration state machine. Its table is built once (see <see cref="Machine{TState, TTrigger}"/>) and it has
/// no entry or exit actions: it only says which transitions exist. The seed reducer fires the triggers and decides
/// the effects. <see cref="Configure"/> is shared with the diagram export.
/// </summary>
public static class Registration
{
    public static StateMachine<RegPhase, RegTrigger> Configure(Func<RegPhase> read, Action<RegPhase> write)
    {
        var m = new StateMachine<RegPhase, RegTrigger>(read, write);
        m.Configure(RegPhase.Requested)
            .Permit(RegTrigger.Propose, RegPhase.Proposed)
            .Permit(RegTrigger.CommitObserved, RegPhase.Committed);
        m.Configure(RegPhase.Proposed)
            .Permit(RegTrigger.QuorumReached, RegPhase.Committed)
            .Permit(RegTrigger.CommitObserved, RegPhase.Committed)
            .Permit(RegTrigger.QuorumImpossible, RegPhase.Rejected)
            .Permit(RegTrigger.Expire, RegPhase.TimedOut);
        m.Configure(RegPhase.TimedOut)
            .Permit(RegTrigger.Propose, RegPhase.Proposed)
            .Permit(RegTrigger.CommitObserved, RegPhase.Committed);
        m.Configure(RegPhase.Rejected)
            .Permit(RegTrigger.Propose, RegPhase.Proposed)
            .Permit(RegTrigger.CommitObserved, RegPhase.Committed);
        m.Configure(RegPhase.Committed);   // final: the record leaves the table
        return m;
    }

    /// <summary>The phase after <paramref name="trigger"/>, or None when the machine does not allow it.</summary>
    public static Option<RegPhase> Fire(RegPhase from, RegTrigger trigger) => Machine.Next(from, trigger);

    /// <summary>The table, built once and shared (it is read-only).</summary>
    public static readonly Machine<RegPhase, RegTrigger> Machine = new("registration", RegPhase.Requested, Configure);

    /// <summary>The diagram of the machine in Graphviz DOT, for specs/.</summary>
    public static string ToDot() => Machine.ToDot();
}

/// <summary>One peer's registration as this seed sees it; only the phase enum is machine state.</summary>
public sealed record RegistrationRecord(
    NodeId Peer,
    long Incarnation,
    RegPhase Phase,
    string ProposalId,
    HashSet<NodeId> Yes,
    HashSet<NodeId> No,
    HashSet<NodeId> Waiting,
    string? LastNoReason)
{
    /// <summary>With signed membership: the key the peer asked to be admitted with (its signed REGISTER_REQUEST's).</summary>
    public string? Key { get; init; }
    /// <summary>With signed membership: each yes voter's verified signature on the current proposal (the commit's certificate).</summary>
    public HashMap<NodeId, string> Sigs { get; init; } = HashMap<NodeId, string>();
}
