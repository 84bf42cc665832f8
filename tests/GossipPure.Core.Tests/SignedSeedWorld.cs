using LanguageExt;
using GossipPure.Core.Identity;
using GossipPure.Core.Tests.Support;
using GossipPure.Simulation;

namespace GossipPure.Core.Tests;

/// <summary>
/// Seeds with signed membership (config.csv gives every seed's key), driven through their real reducers like
/// <see cref="World"/>: nothing is delivered by itself, the test picks what comes next. Keys come from the simulator's
/// <see cref="ModelSignatures"/>, one pair per node name, so a test can sign as any seed or peer — an honest one or a
/// dishonest one that holds a single seed key. Sends to nodes outside the world (peers) collect in <see cref="Outbox"/>.
/// </summary>
public sealed class SignedSeedWorld
{
    public ModelSignatures Model { get; } = new();
    public Seq<NodeId> SeedIds { get; }
    public HashMap<NodeId, string> SeedKeys { get; }
    public SortedDictionary<NodeId, SeedState> Seeds { get; } = new();
    public List<Envelope> InFlight { get; } = new();
    public List<Envelope> Outbox { get; } = new();
    public List<StepRecord> Trace { get; } = new();
    /// <summary>Timers set and neither cancelled nor fired yet, in a fixed order. Delays are ignored: the test picks what fires.</summary>
    public List<(NodeId Node, TimerKey Key)> Timers { get; } = new();
    /// <summary>Called after every step; an invariant check that throws fails the test there.</summary>
    public Action<StepRecord>? Observe { get; set; }
    public long NowUs { get; private set; } = 1_700_000_000_000_000;
    /// <summary>Peers answer a seed's KEY_CHALLENGE with their own key (their answers are put in flight like any message).</summary>
    public bool AnswerKeyChecks { get; set; } = true;
    long nextEnvelope;

    public SignedSeedWorld(int seedCount, bool signed = true)
    {
        SeedIds = toSeq(Enumerable.Range(0, seedCount).Select(World.SeedId).ToArray());
        SeedKeys = signed ? toHashMap(SeedIds.Map(id => (id, SignerOf(id).PublicKey))) : HashMap<NodeId, string>();
    }

    public int Quorum => Core.Quorum.Of(SeedIds.Count);

    /// <summary>The key pair of any node, by its address (a seed's is the one config.csv lists).</summary>
    public ISigner SignerOf(NodeId node) => Model.SignerFor(node.ToString());

    public NodeConfig ConfigFor(NodeId self) =>
        new(self, SeedIds, ProtocolOptions.Default) { Security = SeedKeys.IsEmpty ? Security.None : new Security(SeedKeys, Model, SignerOf(self)) };

    public void StartSeeds()
    {
        foreach (var id in SeedIds) StartSeed(id);
    }

    public void StartSeed(NodeId id)
    {
        // A (re)start: the old process's timers and the messages in flight to it are gone.
        InFlight.RemoveAll(e => e.To == id);
        Timers.RemoveAll(t => t.Node == id);
        Seeds[id] = SeedState.Initial(ConfigFor(id));
        Step(id, new Started(Tick(), 0));
    }

    long Tick() => NowUs += 1_000;

    public Seq<Effect> Step(NodeId node, Input input)
    {
        var before = Seeds[node];
        var next = SeedReducer.Step(before, input);
        Seeds[node] = next.State;
        MachineAudit.Check(node, input, before, next.State, next.Effects, next.Transitions);
        foreach (var e in next.Effects)
            switch (e)
            {
                case Send { Message: KeyChallenge kc } send when !Seeds.ContainsKey(send.To) && AnswerKeyChecks:
                    // The peer at that address answers with its own key, as a real peer does.
                    Outbox.Add(new Envelope(nextEnvelope++, node, send.To, send.Message));
                    InFlight.Add(new Envelope(nextEnvelope++, send.To, node, new KeyProof(kc.Nonce, SignerOf(send.To).Sign(Statements.KeyProof(send.To, node, kc.Nonce)))));
                    break;
                case Send send: (Seeds.ContainsKey(send.To) ? InFlight : Outbox).Add(new Envelope(nextEnvelope++, node, send.To, send.Message)); break;
                case SetTimer t when !Timers.Contains((node, t.Key)): Timers.Add((node, t.Key)); break;
                case CancelTimer t: Timers.Remove((node, t.Key)); break;
            }
        var record = new StepRecord(node, input, next.Effects);
        Trace.Add(record);
        Observe?.Invoke(record);
        return next.Effects;
    }

    public Seq<Effect> Inject(NodeId from, NodeId to, Message m) => Step(to, new Received(Tick(), from, m));

    public Seq<Effect> ConnectFailed(NodeId at, NodeId node, string reason) => Step(at, new Core.ConnectFailed(Tick(), node, reason));

    /// <summary>Delivers a message in flight; with <paramref name="duplicate"/> a copy is delivered and the original stays.</summary>
    public void Deliver(Envelope e, bool duplicate = false)
    {
        if (!duplicate) InFlight.Remove(e);
        Step(e.To, new Received(Tick(), e.From, e.Message));
    }

    public void Fire(NodeId node, TimerKey key)
    {
        Timers.Remove((node, key));
        Step(node, new TimerFired(Tick(), key));
    }

    /// <summary>Delivers everything in flight, oldest first (optionally only what <paramref name="which"/> picks).</summary>
    public void Drain(Func<Envelope, bool>? which = null)
    {
        for (var i = 0; i < 10_000; i++)
        {
            var next = InFlight.FirstOrDefault(e => which?.Invoke(e) ?? true);
            if (next is null) return;
            Deliver(next);
        }
        throw new InvalidOperationException("the seeds did not settle");
    }

    /// <summary>A peer's signed REGISTER_REQUEST (its own key pair; <paramref name="signer"/> another one to forge).</summary>
    public RegisterRequest Request(NodeId peer, long incarnation, ISigner? signer = null)
    {
        var key = SignerOf(peer).PublicKey;
        return new RegisterRequest(incarnation) { Key = key, Sig = (signer ?? SignerOf(peer)).Sign(Statements.Join(peer, key, incarnation)) };
    }

    /// <summary>A registration certificate signed by <paramref name="signers"/> (by their own keys), listing <paramref name="voters"/>.</summary>
    public RegisterCommit Commit(NodeId peer, long incarnation, string key, string proposalId, Seq<NodeId> voters, params NodeId[] signers) =>
        new(peer, voters, incarnation)
        {
            Key = key, ProposalId = proposalId,
            Signatures = toSeq(signers.Select(s => new SeedSignature(s, SignerOf(s).Sign(Statements.Register(peer, key, incarnation, proposalId))))),
        };

    /// <summary>A removal certificate signed by <paramref name="signers"/>, listing them as voters.</summary>
    public DeadConfirmed Removal(NodeId node, long incarnation, string proposalId, params NodeId[] signers) =>
        new(node, toSeq(signers), DeathReasons.Crashed, None, incarnation)
        {
            ProposalId = proposalId,
            Signatures = toSeq(signers.Select(s => new SeedSignature(s, SignerOf(s).Sign(Statements.Dead(node, incarnation, DeathReasons.Crashed, proposalId))))),
        };

    /// <summary>A peer's signed DEAD_REPORT about <paramref name="suspect"/>.</summary>
    public DeadReport Report(NodeId reporter, NodeId suspect, ISigner? signer = null)
    {
        var text = $"Dead Node:{suspect.Ip}:{suspect.Port}:1700000000.000000:{reporter.Ip}";
        return new DeadReport(suspect, text) { Sig = (signer ?? SignerOf(reporter)).Sign(Statements.DeadReport(reporter, suspect, text)) };
    }

    /// <summary>Registers <paramref name="peer"/> as <paramref name="incarnation"/> through seed <paramref name="via"/>, everything delivered.</summary>
    public void Register(NodeId peer, long incarnation, int via = 0)
    {
        Inject(peer, SeedIds[via], Request(peer, incarnation));
        Drain();
        foreach (var (id, s) in Seeds)
            Assert.True(s.Peers.Find(peer).Map(r => r.Incarnation == incarnation).IfNone(false), $"{id} did not commit {peer} as incarnation {incarnation}");
    }

    /// <summary>What seed <paramref name="from"/> sent to <paramref name="to"/> (a node outside the world), in order.</summary>
    public IEnumerable<Message> SentTo(NodeId to, NodeId? from = null) =>
        Outbox.Where(e => e.To == to && (from is null || e.From == from)).Select(e => e.Message);
}
