namespace GossipPure.Core.Tests.Support;

/// <summary>Drives one peer reducer by hand: it answers the peer's registration itself, reading the peer's effects.</summary>
public sealed class PeerHarness
{
    public static readonly NodeId Self = new("127.0.0.1", 7000);
    public static NodeId Other(int i) => new("127.0.0.1", 7001 + i);
    public static readonly LanguageExt.Seq<NodeId> SeedIds =
        toSeq([new NodeId("127.0.0.1", 5001), new NodeId("127.0.0.1", 5002), new NodeId("127.0.0.1", 5003)]);

    public PeerState State { get; private set; }
    public List<(PeerState Before, Input Input, LanguageExt.Seq<Effect> Effects, PeerState After)> Trace { get; } = new();
    /// <summary>Every state-machine transition the steps fired, in order.</summary>
    public List<Transition> Fired { get; } = new();
    long nowUs = 1_700_000_000_000_000;

    public PeerHarness(ProtocolOptions? options = null) : this(new NodeConfig(Self, SeedIds, options ?? ProtocolOptions.Default)) { }

    /// <summary>A peer of its own configuration (signed membership, say).</summary>
    public PeerHarness(NodeConfig config) => State = PeerState.Initial(config);

    /// <summary>Answers each MEMBER_QUERY among <paramref name="effects"/> as the seed it went to: a member (or not).</summary>
    public void Vouch(LanguageExt.Seq<Effect> effects, long incarnation = 1, bool member = true)
    {
        foreach (var e in effects)
            if (e is Send { Message: MemberQuery q } send)
                Vouch(Step(now => new Received(now, send.To, new MemberAnswer(q.Node, member, member ? incarnation : 0))), incarnation, member);
    }

    /// <summary>Moves the clock on without an input (the next step sees the later time).</summary>
    public void Advance(long us) => nowUs += us;

    /// <summary>A message from <paramref name="from"/>, received now.</summary>
    public LanguageExt.Seq<Effect> From(NodeId from, Message m) => Step(now => new Received(now, from, m));

    public LanguageExt.Seq<Effect> Step(Func<long, Input> input)
    {
        nowUs += 1_000;
        var before = State;
        var i = input(nowUs);
        var next = PeerReducer.Step(before, i);
        MachineAudit.Check(before.Config.Self, i, before, next.State, next.Effects, next.Transitions);
        Fired.AddRange(next.Transitions);
        State = next.State;
        Trace.Add((before, i, next.Effects, next.State));
        return next.Effects;
    }

    /// <summary>
    /// Starts the peer and answers every REGISTER_REQUEST it sends with a PEER_LIST of <paramref name="known"/>, which
    /// registers it (and, with known peers, links it to some). Returns the seeds it asked.
    /// </summary>
    public IReadOnlyList<NodeId> Register(ulong randomSeed, IReadOnlyList<PeerEntry> known)
    {
        var asked = Step(now => new Started(now, randomSeed))
            .OfType<Send>().Where(s => s.Message is RegisterRequest).Select(s => s.To).ToList();
        var list = new PeerList(toSeq(known.ToArray()));
        foreach (var seed in asked) Step(now => new Received(now, seed, list));
        Assert.Equal(PeerPhase.Registered, State.Phase);
        return asked;
    }
}
