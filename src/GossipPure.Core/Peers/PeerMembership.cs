namespace GossipPure.Core.Peers;

/// <summary>A node not on this peer's list that sent something: the seeds are asked whether it is registered.</summary>
/// <param name="Asked">The seeds asked so far (one at a time; another after a timeout or a "no").</param>
/// <param name="Held">What it sent meanwhile, in order, taken once it is known to be a member (at most <see cref="PeerReducer.HeldLimit"/>).</param>
public sealed record PendingMember(HashSet<NodeId> Asked, Que<Message> Held);

/// <summary>
/// Membership is enforced, not assumed: a peer takes a link, gossip, heartbeats or a suspicion request only from a
/// node on its peer list (every entry of a seed's PEER_LIST was committed by a seed quorum) or one a seed vouches
/// for (MEMBER_ANSWER). A node it does not know — one that registered after this peer got its list, or a stranger —
/// is looked up with MEMBER_QUERY, one seed at a time, while what it sends is held; a member's held messages are
/// then taken in order, a non-member's dropped. PROBE and PROBE_ACK are answered and taken from anyone: they carry
/// nothing but liveness, and a witness may probe a suspect that does not know it.
/// </summary>
public static partial class PeerReducer
{
    static TimerKey MemberTimer(NodeId n) => new TimerKey.Member(n);
    /// <summary>Messages held per unverified sender; later ones are dropped.</summary>
    public const int HeldLimit = 256;
    /// <summary>Unverified senders looked up at once; more are dropped until one is settled.</summary>
    public const int PendingLimit = 64;

    /// <summary>
    /// Nodes that asked to link to this peer and are still being checked: they get this peer's heartbeats like its
    /// neighbours (a HEARTBEAT tells nothing; what they send is still held), so a check that waits on a late seed
    /// does not look like this peer's silence to them.
    /// </summary>
    static System.Collections.Generic.IEnumerable<NodeId> LinkedUnchecked(PeerState s) =>
        s.Pending.Filter(p => p.Held.Exists(m => m is LinkRequest)).Keys.Where(n => !s.IsNeighbour(n)).OrderBy(n => n);

    // Most frames are from neighbours, and a neighbour's watch that has not ended says so: the lookup a frame makes
    // anyway to note its sign of life (Heard) then answers this too, and the neighbour index is not read.
    static bool IsMember(PeerState s, NodeId n) =>
        s.Heard.Find(n).Case is LastHeard { Ended: false } || s.IsNeighbour(n) || s.Known.ContainsKey(n);

    /// <summary>True when <paramref name="m"/> from <paramref name="from"/> must wait for (or fail) the membership check.</summary>
    static bool NeedsMembership(PeerState s, NodeId from, Message m) =>
        // Membership first: the answer for nearly every frame, from state the step reads anyway (this peer's own
        // address and the seeds' come after, for the few frames from strangers and seeds).
        m is not (Probe or ProbeAck) && !IsMember(s, from) && !s.Config.IsSeed(from) && from != s.Config.Self;

    static PeerState OnStranger(PeerState s, NodeId from, Message m, EffectList fx)
    {
        // A node that links to this one judges its silence from now on, and the check may outlast that window
        // (seeds late or away, this peer stalled): it hears this peer's heartbeats meanwhile (see LinkedUnchecked).
        if (m is LinkRequest) fx.Send(from, new Heartbeat());
        if (s.Pending.Find(from).Case is PendingMember p)
        {
            if (p.Held.Count >= HeldLimit)
            {
                fx.Add(new MessageDropped(Wire.TypeName(m), from, DroppedBecause.HeldFull, HeldLimit));
                return s;
            }
            return s with { Pending = s.Pending.SetItem(from, p with { Held = p.Held.Enqueue(m) }) };
        }
        if (m is Leave or Heartbeat) return s;   // nothing to take from a stranger that is going, or just alive
        if (s.Pending.Count >= PendingLimit)
        {
            fx.Add(new MessageDropped(Wire.TypeName(m), from, DroppedBecause.ChecksFull, PendingLimit));
            return s;
        }
        var pending = new PendingMember(HashSet<NodeId>(), Que<Message>.Empty.Enqueue(m));
        return AskSeed(s with { Pending = s.Pending.AddOrUpdate(from, pending) }, from, QueryBecause.Stranger, Wire.TypeName(m), null, fx);
    }

    /// <summary>Sends MEMBER_QUERY about <paramref name="x"/> to a seed not yet asked, or gives up when none is left.</summary>
    static PeerState AskSeed(PeerState s, NodeId x, QueryBecause why, string? message, NodeId? answeredBy, EffectList fx)
    {
        var p = s.Pending[x];
        var untried = s.Config.Seeds.Filter(seed => !p.Asked.Contains(seed));
        if (untried.IsEmpty)
        {
            fx.Add(new StrangerRefused(x, p.Asked.Count, p.Held.Count));
            fx.Add(new CancelTimer(MemberTimer(x)));
            return s with { Pending = s.Pending.Remove(x) };
        }
        var (pick, rng) = s.Rng.Sample(untried, 1);
        var seed = pick.Head;
        fx.Add(new MemberQuerySent(x, seed, why, message, answeredBy));
        fx.Send(seed, new MemberQuery(x));
        fx.Timer(MemberTimer(x), s.Config.Options.ProbeTimeoutMs * 3);
        return s with { Rng = rng, Pending = s.Pending.SetItem(x, p with { Asked = p.Asked.TryAdd(seed) }) };
    }

    static PeerState OnMemberTimer(PeerState s, NodeId x, EffectList fx)
    {
        return s.Pending.ContainsKey(x) ? AskSeed(s, x, QueryBecause.NoAnswer, null, null, fx) : s;
    }

    static PeerState OnMemberAnswer(PeerState s, NodeId seed, MemberAnswer a, EffectList fx)
    {
        if (s.Pending.Find(a.Node).Case is not PendingMember p || !p.Asked.Contains(seed)) return s;
        if (!a.Member) return AskSeed(s, a.Node, QueryBecause.NotOnList, null, seed, fx);
        if (Signed(s))
        {
            // A "yes" without a valid certificate for the node vouches for nothing: it counts as a "no".
            if (VouchedFor(s, seed, a, fx) is not { } vouched) return AskSeed(s, a.Node, QueryBecause.NotOnList, null, seed, fx);
            s = vouched;
        }
        fx.Add(new CancelTimer(MemberTimer(a.Node)));
        fx.Add(new MemberConfirmed(seed, a.Node, a.Incarnation, p.Held.Count));
        s = s with
        {
            Pending = s.Pending.Remove(a.Node),
            Known = s.Known.AddOrUpdate(a.Node, s.Known.Find(a.Node).IfNone(0)),
        };
        foreach (var m in p.Held) s = Dispatch(s, a.Node, m, fx);
        return s;
    }
}
