using Stateless;

namespace GossipPure.Core.Peers;

/// <summary>Where one neighbour stands in this peer's eyes.</summary>
public enum SuspicionPhase { Alive, Suspected, Confirming, Reported, Dead }

public enum SuspicionTrigger
{
    /// <summary>Local evidence: the TCP connection broke, heartbeats stopped, or pings failed.</summary>
    Evidence,
    /// <summary>SUSPECT_REQUESTs went to other peers.</summary>
    AskWitnesses,
    /// <summary>No other peer to ask: the seeds decide (they probe before they vote).</summary>
    NoWitnesses,
    /// <summary>A majority of the witnesses confirmed the death.</summary>
    Confirmed,
    /// <summary>The witnesses did not all answer in time: the seeds decide.</summary>
    Inconclusive,
    /// <summary>So many witnesses reached the suspect that a majority can no longer confirm.</summary>
    Refuted,
    /// <summary>The suspect itself sent something.</summary>
    ProvenAlive,
    /// <summary>A quorum of seeds found the suspect alive.</summary>
    SeedsRejected,
    /// <summary>DEAD_CONFIRMED arrived with a valid quorum certificate.</summary>
    DeadConfirmed,
}

/// <summary>
/// The suspicion state machine, one per watched neighbour. As with registration, the machine only says which
/// transitions exist; it is built afresh over a local variable for each transition and has no entry or exit
/// actions. The peer reducer derives the effects.
/// </summary>
public static class Suspicion
{
    public static StateMachine<SuspicionPhase, SuspicionTrigger> Configure(Func<SuspicionPhase> read, Action<SuspicionPhase> write)
    {
        var m = new StateMachine<SuspicionPhase, SuspicionTrigger>(read, write);
        m.Configure(SuspicionPhase.Alive)
            .Permit(SuspicionTrigger.Evidence, SuspicionPhase.Suspected)
            .Permit(SuspicionTrigger.DeadConfirmed, SuspicionPhase.Dead)
            .Ignore(SuspicionTrigger.ProvenAlive);
        m.Configure(SuspicionPhase.Suspected)
            .Permit(SuspicionTrigger.AskWitnesses, SuspicionPhase.Confirming)
            .Permit(SuspicionTrigger.NoWitnesses, SuspicionPhase.Reported)
            .Permit(SuspicionTrigger.ProvenAlive, SuspicionPhase.Alive)
            .Permit(SuspicionTrigger.DeadConfirmed, SuspicionPhase.Dead);
        m.Configure(SuspicionPhase.Confirming)
            .Permit(SuspicionTrigger.Confirmed, SuspicionPhase.Reported)
            .Permit(SuspicionTrigger.Inconclusive, SuspicionPhase.Reported)
            .Permit(SuspicionTrigger.Refuted, SuspicionPhase.Alive)
            .Permit(SuspicionTrigger.ProvenAlive, SuspicionPhase.Alive)
            .Permit(SuspicionTrigger.DeadConfirmed, SuspicionPhase.Dead);
        m.Configure(SuspicionPhase.Reported)
            .Permit(SuspicionTrigger.ProvenAlive, SuspicionPhase.Alive)
            .Permit(SuspicionTrigger.SeedsRejected, SuspicionPhase.Alive)
            .Permit(SuspicionTrigger.DeadConfirmed, SuspicionPhase.Dead);
        m.Configure(SuspicionPhase.Dead)
            .Ignore(SuspicionTrigger.DeadConfirmed);
        return m;
    }

    public static Option<SuspicionPhase> Fire(SuspicionPhase from, SuspicionTrigger trigger) => Machines.Fire(Configure, from, trigger);

    public static string ToDot() => Machines.ToDot<SuspicionPhase, SuspicionTrigger>(Configure, SuspicionPhase.Alive);
}

/// <summary>One watched neighbour: when it was last heard from, and the suspicion round if there is one.</summary>
public sealed record Watch(
    SuspicionPhase Phase,
    long LastHeardUs,
    string Evidence,
    HashSet<NodeId> Witnesses,
    HashSet<NodeId> Confirms,
    HashSet<NodeId> Denials,
    int Needed)
{
    public static Watch AliveSince(long nowUs) =>
        new(SuspicionPhase.Alive, nowUs, "", HashSet<NodeId>(), HashSet<NodeId>(), HashSet<NodeId>(), 0);

    /// <summary>When the suspicion round started (the witness wait counts from here).</summary>
    public long SinceUs { get; init; }

    /// <summary>DEAD_REPORTs sent about this suspect so far (the re-send backs off with each).</summary>
    public int Reports { get; init; }

    public bool IsSuspected => Phase is SuspicionPhase.Suspected or SuspicionPhase.Confirming or SuspicionPhase.Reported;
}

/// <summary>Everything a peer knows about the liveness of others.</summary>
public sealed record Detection(
    HashMap<NodeId, Watch> Watches,
    HashMap<NodeId, PendingProbe<NodeId>> Probes,
    long NextNonce,
    HashMap<NodeId, long> Dead,
    HashMap<string, int> PingFailures,
    HashMap<NodeId, long> Incarnations)
{
    public static readonly Detection Empty = new(HashMap<NodeId, Watch>(), HashMap<NodeId, PendingProbe<NodeId>>(), 1,
        HashMap<NodeId, long>(), HashMap<string, int>(), HashMap<NodeId, long>());

    /// <summary>Confirmed dead (the incarnation the seeds removed, and any older one).</summary>
    public bool IsDead(NodeId n) => Dead.ContainsKey(n);
}
