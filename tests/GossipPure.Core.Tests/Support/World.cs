using LanguageExt;

namespace GossipPure.Core.Tests.Support;

/// <summary>A message in flight from one node of the world to another (or to a node outside it).</summary>
public sealed record Envelope(long Id, NodeId From, NodeId To, Message Message)
{
    public override string ToString() => $"#{Id} {From}->{To} {Wire.TypeName(Message)}";
}

/// <summary>One reducer step as the world saw it: which node, what went in, what came out.</summary>
public sealed record StepRecord(NodeId Node, Input Input, Seq<Effect> Effects);

/// <summary>
/// A deterministic in-memory network of seeds and peers driven by their real reducers. Nothing is delivered by
/// itself: the test decides which message or timer comes next, so any order, loss or duplication can be scripted.
/// Sends to a node that is not part of the world (a scripted peer, a colluding seed) collect in <see cref="Outbox"/>.
/// </summary>
public sealed class World
{
    public static NodeId SeedId(int i) => new("127.0.0.1", 5001 + i);
    public static NodeId PeerId(int i) => new("127.0.0.1", 6001 + i);

    public Seq<NodeId> SeedIds { get; }
    public ProtocolOptions Options { get; }
    public SortedDictionary<NodeId, SeedState> Seeds { get; } = new();
    public SortedDictionary<NodeId, PeerState> Peers { get; } = new();
    public List<Envelope> InFlight { get; } = new();
    public List<Envelope> Outbox { get; } = new();
    /// <summary>Timers set and neither cancelled nor fired yet. Delays are ignored: the test picks what fires.</summary>
    public SortedSet<(NodeId Node, TimerKey Key)> Timers { get; } =
        new(Comparer<(NodeId Node, TimerKey Key)>.Create((a, b) => a.Node.CompareTo(b.Node) is var c and not 0 ? c : string.CompareOrdinal(a.Key.ToString(), b.Key.ToString())));
    public List<StepRecord> Trace { get; } = new();
    /// <summary>Every state-machine transition the steps fired, in order.</summary>
    public List<Transition> Fired { get; } = new();
    /// <summary>Called after every step, with the step; an invariant check that throws fails the test there.</summary>
    public Action<StepRecord>? Observe { get; set; }
    public long NowUs { get; private set; } = 1_700_000_000_000_000;
    long nextEnvelope;

    public World(int seedCount, ProtocolOptions? options = null)
    {
        SeedIds = toSeq(Enumerable.Range(0, seedCount).Select(SeedId).ToArray());
        Options = options ?? ProtocolOptions.Default;
    }

    public NodeConfig ConfigFor(NodeId self) => new(self, SeedIds, Options);
    public int Quorum => Core.Quorum.Of(SeedIds.Count);

    public void StartSeed(NodeId id)
    {
        Seeds.Add(id, SeedState.Initial(ConfigFor(id)));
        Step(id, new Started(Tick(), 0));
    }

    /// <summary>
    /// A seed crashes and a new process starts at its address: the old state, its timers and every message in flight
    /// to it are gone (they travelled on the connections that died with it).
    /// </summary>
    public void RestartSeed(NodeId id)
    {
        if (!Seeds.ContainsKey(id)) throw new InvalidOperationException($"{id} is not a seed of the world");
        InFlight.RemoveAll(e => e.To == id);
        Timers.RemoveWhere(t => t.Node == id);
        Seeds[id] = SeedState.Initial(ConfigFor(id));
        Step(id, new Started(Tick(), 0));
    }

    public void StartPeer(NodeId id, ulong randomSeed)
    {
        Peers.Add(id, PeerState.Initial(ConfigFor(id)));
        Step(id, new Started(Tick(), randomSeed));
    }

    long Tick() => NowUs += 1_000;

    /// <summary>Runs one reducer step of <paramref name="node"/> and performs its effects on the world.</summary>
    public Seq<Effect> Step(NodeId node, Input input)
    {
        Seq<Effect> effects;
        if (Seeds.TryGetValue(node, out var seed))
        {
            var next = SeedReducer.Step(seed, input);
            Seeds[node] = next.State;
            effects = next.Effects;
            MachineAudit.Check(node, input, seed, next.State, effects, next.Transitions);
            Fired.AddRange(next.Transitions);
        }
        else if (Peers.TryGetValue(node, out var peer))
        {
            var next = PeerReducer.Step(peer, input);
            Peers[node] = next.State;
            effects = next.Effects;
            MachineAudit.Check(node, input, peer, next.State, effects, next.Transitions);
            Fired.AddRange(next.Transitions);
        }
        else throw new InvalidOperationException($"{node} is not in the world");

        foreach (var e in effects)
        {
            switch (e)
            {
                case Send send:
                    var env = new Envelope(nextEnvelope++, node, send.To, send.Message);
                    (Has(send.To) ? InFlight : Outbox).Add(env);
                    break;
                case SetTimer t: Timers.Add((node, t.Key)); break;
                case CancelTimer t: Timers.Remove((node, t.Key)); break;
            }
        }
        var record = new StepRecord(node, input, effects);
        Trace.Add(record);
        Observe?.Invoke(record);
        return effects;
    }

    public bool Has(NodeId node) => Seeds.ContainsKey(node) || Peers.ContainsKey(node);

    /// <summary>Delivers a message in flight; with <paramref name="duplicate"/> a copy is delivered and the original stays.</summary>
    public void Deliver(Envelope e, bool duplicate = false)
    {
        if (!duplicate) InFlight.Remove(e);
        Step(e.To, new Received(Tick(), e.From, e.Message));
    }

    public void Drop(Envelope e) => InFlight.Remove(e);

    /// <summary>A message from outside the world (a scripted peer, a forging seed) arrives at <paramref name="to"/>.</summary>
    public Seq<Effect> Inject(NodeId from, NodeId to, Message m) => Step(to, new Received(Tick(), from, m));

    public void Fire(NodeId node, TimerKey key)
    {
        Timers.Remove((node, key));
        Step(node, new TimerFired(Tick(), key));
    }

    public void Connected(NodeId at, NodeId other) => Step(at, new Connected(Tick(), other));

    /// <summary>Delivers everything in flight, oldest first, until nothing is left; fails if it never settles.</summary>
    public void Drain(int maxSteps = 100_000)
    {
        for (var i = 0; InFlight.Count > 0; i++)
        {
            if (i >= maxSteps) throw new InvalidOperationException($"the network did not settle in {maxSteps} deliveries");
            Deliver(InFlight[0]);
        }
    }

    public static string Describe(Input input) => input switch
    {
        Received r => $"{Wire.TypeName(r.Message)} from {r.From}",
        TimerFired t => $"timer {t.Key}",
        Connected c => $"connected to {c.Node}",
        _ => input.GetType().Name,
    };

    /// <summary>Every Send a node emitted, in order.</summary>
    public IEnumerable<(NodeId From, Send Send)> SendsBy(Func<NodeId, bool> node) =>
        Trace.Where(r => node(r.Node)).SelectMany(r => r.Effects.OfType<Send>().Select(s => (r.Node, s)));
}
