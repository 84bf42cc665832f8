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
    /// <summary>A newer incarnation of the dead node's address linked to this peer: it is watched afresh.</summary>
    Rejoined,
}

/// <summary>
/// The suspicion state machine, one per watched neighbour. As with registration, the machine only says which
/// transitions exist (its table is built once, see <see cref="Machine{TState, TTrigger}"/>) and has no entry or exit
/// actions. The peer reducer fires the triggers and derives the effects; every phase a watch takes is a destination.
/// </summary>
public static class Suspicion
{
    public static StateMachine<SuspicionPhase, SuspicionTrigger> Configure(Func<SuspicionPhase> read, Action<SuspicionPhase> write)
    {
        var m = new StateMachine<SuspicionPhase, SuspicionTrigger>(read, write);
        m.Configure(SuspicionPhase.Alive)
            .Permit(SuspicionTrigger.Evidence, SuspicionPhase.Suspected)
            .Permit(SuspicionTrigger.DeadConfirmed, SuspicionPhase.Dead);
        // Suspected lasts within one step: the evidence goes to witnesses or straight to the seeds.
        m.Configure(SuspicionPhase.Suspected)
            .Permit(SuspicionTrigger.AskWitnesses, SuspicionPhase.Confirming)
            .Permit(SuspicionTrigger.NoWitnesses, SuspicionPhase.Reported);
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
            .Permit(SuspicionTrigger.Rejoined, SuspicionPhase.Alive);
        return m;
    }

    /// <summary>The table, built once and shared (it is read-only).</summary>
    public static readonly Machine<SuspicionPhase, SuspicionTrigger> Machine = new("suspicion", SuspicionPhase.Alive, Configure);

    /// <summary>The phase after <paramref name="trigger"/>, or None when the machine does not allow it; fires nothing.</summary>
    public static Option<SuspicionPhase> Fire(SuspicionPhase from, SuspicionTrigger trigger) => Machine.Next(from, trigger);

    public static string ToDot() => Machine.ToDot();
}

/// <summary>
/// One watched neighbour's suspicion round, if there is one. When it was last heard from is kept apart, in
/// <see cref="PeerState.Heard"/>: that changes with nearly every frame, this only when a suspicion starts or moves on.
/// </summary>
public sealed record Watch(
    SuspicionPhase Phase,
    string Evidence,
    HashSet<NodeId> Witnesses,
    HashSet<NodeId> Confirms,
    HashSet<NodeId> Denials,
    int Needed)
{
    /// <summary>No suspicion: one instance serves every watch in this phase (a value; equal to any other).</summary>
    public static readonly Watch Alive = new(SuspicionPhase.Alive, "", HashSet<NodeId>(), HashSet<NodeId>(), HashSet<NodeId>(), 0);

    /// <summary>When the suspicion round started (the witness wait counts from here).</summary>
    public long SinceUs { get; init; }

    /// <summary>DEAD_REPORTs sent about this suspect so far (the re-send backs off with each).</summary>
    public int Reports { get; init; }

    public bool IsSuspected => Phase is SuspicionPhase.Suspected or SuspicionPhase.Confirming or SuspicionPhase.Reported;
}

/// <summary>
/// When a watched node was last heard from, and what its watch says in brief: under suspicion (the same as
/// <see cref="Watch.IsSuspected"/>), or ended (the node was confirmed dead; the watch stays until a newer run links).
/// A watch that has not ended is a neighbour's. What a frame received reads, in the table's own array, without the watch.
/// </summary>
public readonly record struct LastHeard
{
    // One word: the time shifted left, the two marks in the low bits. The table's array of these is copied whenever a
    // time moves, so it is kept as small as an array of references.
    readonly long bits;

    public LastHeard(long us, bool suspected, bool ended = false) => bits = (us << 2) | (ended ? 2L : 0L) | (suspected ? 1L : 0L);

    /// <summary>Heard at <paramref name="us"/>, marked as <paramref name="w"/> says.</summary>
    public static LastHeard Of(long us, Watch w) => new(us, w.IsSuspected, w.Phase == SuspicionPhase.Dead);

    public long Us => bits >> 2;
    public bool Suspected => (bits & 1) != 0;
    public bool Ended => (bits & 2) != 0;

    public LastHeard With(long us) => new(us, Suspected, Ended);

    /// <summary>The same time, marked as <paramref name="w"/> says.</summary>
    public LastHeard With(Watch w) => Of(Us, w);

    public override string ToString() => $"{Us}{(Suspected ? " (suspected)" : "")}{(Ended ? " (ended)" : "")}";
}

/// <summary>Everything a peer knows about the liveness of others.</summary>
public sealed record Detection(
    NodeMap<Watch> Watches,
    HashMap<NodeId, PendingProbe<NodeId>> Probes,
    long NextNonce,
    HashMap<NodeId, long> Dead,
    HashMap<string, int> PingFailures,
    HashMap<NodeId, long> Incarnations)
{
    public static readonly Detection Empty = new(NodeMap<Watch>.Empty, HashMap<NodeId, PendingProbe<NodeId>>(), 1,
        HashMap<NodeId, long>(), HashMap<string, int>(), HashMap<NodeId, long>());

    /// <summary>
    /// When a silence check last found a neighbour silent past the limit, awaiting the second check that judges it
    /// (0: none; see PeerDetection.cs, <c>OnSilenceTimer</c>).
    /// </summary>
    public long SilenceSeenUs { get; init; }

    /// <summary>Confirmed dead (the incarnation the seeds removed, and any older one).</summary>
    public bool IsDead(NodeId n) => Dead.ContainsKey(n);
}
