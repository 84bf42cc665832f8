using System.Globalization;
using System.Text;
using GossipPure.Core.Identity;

namespace GossipPure.Simulation;

public enum NodeStatus { NotStarted, Up, Hung, Crashed, Stopped }

/// <summary>One reducer step: when, which node, what went in, what came out. <paramref name="Index"/> counts from 0.</summary>
public sealed record TraceStep(long Index, long TimeUs, NodeId Node, Input Input, Seq<Effect> Effects)
{
    /// <summary>The state-machine transitions the step fired (not part of the trace text or its hash).</summary>
    public Seq<Transition> Transitions { get; init; } = Seq<Transition>();

    public override string ToString() => TraceText.Step(TimeUs, Node, Input, Effects).TrimEnd('\n');
}

/// <summary>An event a node emitted, stamped with the virtual time of the step that made it.</summary>
public sealed record LogLine(long TimeUs, NodeEvent Event)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{TimeUs / 1e6:0.000000} {Event}");
}

/// <summary>A node removed (seed: <see cref="PeerRemoved"/>) or purged (peer: <see cref="Purged"/>) that node.</summary>
public sealed record Confirmation(long TimeUs, NodeId At, NodeId Dead, string Reason);

/// <summary>What the network did with the messages; every count is over the whole run.</summary>
public sealed record NetworkStats
{
    public long Sent { get; set; }
    public long Delivered { get; set; }
    public long Lost { get; set; }
    public long Duplicated { get; set; }
    /// <summary>Lost because a partition separated the two ends.</summary>
    public long Cut { get; set; }
    /// <summary>Lost with their connection (reset by a crash or a Disconnect) or at a node that was down.</summary>
    public long Dropped { get; set; }
    public long ConnectFailures { get; set; }
    public long Connections { get; set; }
    public long Injected { get; set; }
    /// <summary>Messages addressed to a node that is not part of the simulation (answers to forgers, say).</summary>
    public long ToOutsiders { get; set; }
    /// <summary>Payload bytes of every message put on the wire (<see cref="FrameSize"/>: what the real codec writes).</summary>
    public long Bytes { get; set; }
    /// <summary>Messages the real transport would have refused to send: encoded over <see cref="FrameSize.MaxPayloadBytes"/>. Not sent.</summary>
    public long OverLimit { get; set; }
    /// <summary>The first of those, named (type, size, from, to); null when there was none.</summary>
    public string? FirstOverLimit { get; set; }
    /// <summary>The largest payload put on the wire (or refused), and its type.</summary>
    public LargestFrame Largest { get; } = new();
}

/// <summary>The largest payload a part of the network carried, and its type.</summary>
public sealed record LargestFrame
{
    public long Bytes { get; private set; }
    public string Type { get; private set; } = "-";

    internal void Offer(long bytes, Message m)
    {
        if (bytes <= Bytes) return;
        Bytes = bytes;
        Type = Wire.TypeName(m);
    }
}

/// <summary>What one seed carried over the run: messages and payload bytes in (delivered to it) and out (put on the wire by it).</summary>
public sealed class SeedLoad
{
    public long MessagesIn { get; set; }
    public long BytesIn { get; set; }
    public long MessagesOut { get; set; }
    public long BytesOut { get; set; }
    /// <summary>The largest payload this seed sent or was sent, and its type.</summary>
    public LargestFrame Largest { get; } = new();
    /// <summary>The most committed peers its table held at once.</summary>
    public int PeakPeers { get; set; }
}

/// <summary>
/// The simulation engine: nodes with their real reducer states, a virtual clock, one event queue ordered by
/// (time, insertion), and the network model. <see cref="Simulator.Run"/> drives one to its end; an observer passed to
/// it sees this object after every step (read only).
/// </summary>
public sealed class Simulation
{
    /// <summary>
    /// One scheduled event for <see cref="Node"/> (-1: for no node), a record per kind. <see cref="Arrived"/> marks an
    /// event held by a hung node: the network is behind it.
    /// </summary>
    abstract record Event(int Node)
    {
        public bool Arrived { get; set; }
    }

    /// <summary>The node starts (or not, if it has already).</summary>
    sealed record StartEvent(int Node) : Event(Node);

    /// <summary>A message sent by node <paramref name="From"/> arrives on <paramref name="Conn"/>, <paramref name="Hop"/> hops from its origin (a gossip's).</summary>
    sealed record DeliverEvent(int Node, int From, Message Message, Conn Conn, int Hop, long Bytes) : Event(Node);

    /// <summary>A timer is due, unless it was set again (<paramref name="Gen"/> is not the current one) or cancelled.</summary>
    sealed record TimerEvent(int Node, TimerKey Key, long Gen) : Event(Node);

    /// <summary>A notice from the node's kernel (connected, disconnected, a ping's result, a shutdown request); none on an aborted connection.</summary>
    sealed record NoticeEvent(int Node, Input Notice, Conn? Conn = null) : Event(Node);

    /// <summary>A message the scenario injects, from an address that need not be a node.</summary>
    sealed record InjectEvent(int Node, NodeId From, Message Message) : Event(Node);

    sealed record FaultEvent(int Node, Fault Fault) : Event(Node);

    /// <summary>The adversary's turn (<see cref="Scenario.Adversary"/>).</summary>
    sealed record AdversaryEvent() : Event(-1);

    /// <summary>The node's dial of <paramref name="To"/> failed: counted, then a notice like any other.</summary>
    sealed record DialFailedEvent(int Node, int To, Input Notice) : Event(Node);

    /// <summary>One connection between two nodes (either may have dialled); aborted ones lose what is in flight.</summary>
    sealed class Conn
    {
        public long ReadyUs;
        public bool Aborted;
        public long LastLowToHighUs;
        public long LastHighToLowUs;
    }

    /// <summary>Everything the simulator learns about one gossip message as it spreads.</summary>
    internal sealed class GossipTrack(Gossip message, long madeUs, int peers)
    {
        public readonly Gossip Message = message;
        public long MadeUs = madeUs;
        public readonly long[] FirstUs = Filled(peers, -1L);
        public readonly int[] Hops = Filled(peers, -1);
        static T[] Filled<T>(int n, T v) { var a = new T[n]; System.Array.Fill(a, v); return a; }
    }

    readonly Scenario sc;
    readonly Action<TraceStep, Simulation>? observe;
    readonly int seedCount;
    readonly NodeId[] ids;
    readonly Dictionary<NodeId, int> index = new();
    readonly Dictionary<string, int> byIp = new(StringComparer.Ordinal);
    readonly NodeConfig[] configs;
    readonly SeedState[] seeds;
    readonly PeerState[] peers;
    readonly NodeStatus[] status;
    readonly Dictionary<TimerKey, long>[] timers;
    readonly List<Event>[] held;
    readonly bool[] stalled;
    readonly List<LogLine>[] logs;
    readonly IndexSet[] linked;
    readonly Dictionary<long, Conn> conns = new();
    readonly Route[]?[] routes;
    readonly byte[] routeCounts;
    readonly System.Collections.Generic.HashSet<long> diallingPairs = new();
    readonly EventQueue<Event> queue = new();
    readonly List<(IndexSet A, IndexSet B, long FromUs, long ToUs)> partitions = new();
    readonly List<TraceStep> trace = new();
    readonly TraceHasher hasher = new();
    readonly Adversary? adversary;
    readonly bool[] byzantine;
    readonly SeedLoad[] seedLoad;
    Rng rng;
    long seq;
    long timerGen;
    long steps;

    // What the metrics need, gathered as the run goes.
    readonly long[] impairedSinceUs;
    readonly long[] registeredUs;
    readonly List<Confirmation> confirmations = new();
    readonly Dictionary<Gossip, GossipTrack> gossip = new();
    /// <summary>The same tracks by instance: a forwarded gossip is the instance received, so most lookups need no hashing of its text.</summary>
    readonly Dictionary<Gossip, GossipTrack> gossipByRef = new(ReferenceEqualityComparer.Instance);
    readonly List<GossipTrack> gossipInOrder = new();

    public Scenario Scenario => sc;
    /// <summary>The virtual time of the step being taken (or last taken), in µs since the start.</summary>
    public long NowUs { get; private set; }
    public long Steps => steps;
    public NetworkStats Network { get; } = new();
    public Seq<NodeId> SeedIds { get; }
    public Seq<NodeId> PeerIds { get; }
    /// <summary>With <see cref="Scenario.Signed"/>: every registration statement a seed signed so far; null otherwise.</summary>
    public SignatureLedger? Signatures { get; }

    internal Simulation(Scenario scenario, Action<TraceStep, Simulation>? observe)
    {
        if (scenario.Seeds < 1) throw new ArgumentException("a scenario needs at least one seed", nameof(scenario));
        if (scenario.Peers < 0) throw new ArgumentException("the number of peers cannot be negative", nameof(scenario));
        if (scenario.LatencyMinUs < 0 || scenario.LatencyMaxUs < scenario.LatencyMinUs)
            throw new ArgumentException($"latency range [{scenario.LatencyMinUs}, {scenario.LatencyMaxUs}]µs is not a range", nameof(scenario));
        sc = scenario;
        if (!scenario.NoWarmUp) queue.BucketStarting = WarmUp;
        this.observe = observe;
        if (scenario.ProfileSteps) profile = new StepProfile();
        rng = new Rng(scenario.Seed);
        seedCount = scenario.Seeds;
        SeedIds = scenario.SeedIds;
        PeerIds = scenario.PeerIds;
        ids = [.. SeedIds, .. PeerIds];   // not Seq.Concat: it stops the NativeAOT compiler (specs/aot.md)
        var n = ids.Length;
        configs = new NodeConfig[n];
        seeds = new SeedState[seedCount];
        peers = new PeerState[scenario.Peers];
        status = new NodeStatus[n];
        timers = new Dictionary<TimerKey, long>[n];
        held = new List<Event>[n];
        stalled = new bool[n];
        logs = new List<LogLine>[n];
        linked = new IndexSet[n];
        routes = new Route[]?[n];
        routeCounts = new byte[n];
        impairedSinceUs = new long[n];
        registeredUs = new long[scenario.Peers];
        System.Array.Fill(impairedSinceUs, long.MaxValue);
        System.Array.Fill(registeredUs, -1L);
        byzantine = new bool[n];
        seedLoad = new SeedLoad[seedCount];
        for (var i = 0; i < seedCount; i++) seedLoad[i] = new SeedLoad();
        var security = new Security[n];
        ModelSignatures? scheme = null;
        var seedKeys = HashMap<NodeId, string>();
        if (scenario.Signed)
        {
            // One scheme; each node its own key pair, named by its address; config.csv's keys are the seeds' public ones.
            scheme = new ModelSignatures();
            var seedSet = SeedIds.ToHashSet();
            var ledger = Signatures = new SignatureLedger(seedSet.Contains);
            var signers = ids.Select(id => (ISigner)new RecordingSigner(id, scheme.SignerFor(id.ToString()), ledger)).ToArray();
            for (var i = 0; i < seedCount; i++) seedKeys = seedKeys.Add(ids[i], signers[i].PublicKey);
            for (var i = 0; i < n; i++) security[i] = new Security(seedKeys, scheme, signers[i]);
        }
        // One options record for every peer that only forwards, not a copy each: every step reads its peer's options,
        // and one shared record stays in the cache where 100,000 copies would not.
        var forwarding = scenario.Options with { GossipCount = 0 };
        for (var i = 0; i < n; i++)
        {
            if (!index.TryAdd(ids[i], i)) throw new ArgumentException($"{ids[i]} appears twice", nameof(scenario));
            byIp.TryAdd(ids[i].Ip, i);
            configs[i] = new NodeConfig(ids[i], SeedIds, i < seedCount || scenario.Gossips(i - seedCount) ? scenario.Options : forwarding);
            if (scenario.Signed) configs[i] = configs[i] with { Security = security[i] };
            if (i < seedCount) seeds[i] = SeedState.Initial(configs[i]);
            else peers[i - seedCount] = PeerState.Initial(configs[i]);
            timers[i] = new Dictionary<TimerKey, long>();
            held[i] = new List<Event>();
            logs[i] = new List<LogLine>();
            linked[i] = new IndexSet();
        }

        for (var i = 0; i < seedCount; i++) Schedule(0, new StartEvent(i));
        for (var p = 0; p < scenario.Peers; p++) Schedule(scenario.PeerStartUs(p), new StartEvent(seedCount + p));
        foreach (var f in scenario.Faults)
        {
            if (f is Partition part)
                partitions.Add((Indices(part.SideA), Indices(part.SideB), part.FromUs, part.ToUs));
            Schedule(f.AtUs, new FaultEvent(f is Partition ? -1 : IndexOf(NodeOf(f)), f));
        }
        foreach (var inj in scenario.Injections)
            Schedule(inj.AtUs, new InjectEvent(IndexOf(inj.To), inj.From, inj.Message));

        foreach (var b in scenario.Byzantine) byzantine[IndexOf(b)] = true;
        if (scenario.Adversary is { } make)
        {
            if (scheme is null) throw new ArgumentException("a Byzantine adversary needs signed membership (Scenario.Signed)", nameof(scenario));
            var own = new SortedDictionary<NodeId, ISigner>();
            foreach (var b in scenario.Byzantine) own[b] = configs[IndexOf(b)].Security.Signer!;
            adversary = make(new AdversaryKit(scenario, scheme, seedKeys, own));
            if (adversary.IntervalUs > 0) Schedule(adversary.IntervalUs, new AdversaryEvent());
        }
    }

    static NodeId NodeOf(Fault f) => f switch
    {
        Crash c => c.Node,
        Hang h => h.Node,
        Resume r => r.Node,
        Restart r => r.Node,
        Shutdown s => s.Node,
        Stall s => s.Node,
        StallEnd e => e.Node,
        _ => throw new ArgumentException($"unknown fault {f}"),
    };

    int IndexOf(NodeId id) =>
        index.TryGetValue(id, out var i) ? i : throw new ArgumentException($"{id} is not a node of the scenario");

    IndexSet Indices(Seq<NodeId> nodes) => new(nodes.Map(IndexOf));

    // ---- Read-only view for observers -------------------------------------------------------------------------

    public bool IsSeed(NodeId id) => index.TryGetValue(id, out var i) && i < seedCount;
    public bool IsByzantine(NodeId id) => index.TryGetValue(id, out var i) && byzantine[i];
    public SeedState SeedAt(NodeId id) => seeds[IndexOf(id)];
    public PeerState PeerAt(NodeId id) => peers[IndexOf(id) - seedCount];
    public NodeStatus Status(NodeId id) => status[IndexOf(id)];
    public IReadOnlyList<LogLine> LogOf(NodeId id) => logs[IndexOf(id)];

    // ---- The run ----------------------------------------------------------------------------------------------

    internal SimResult Run()
    {
        try
        {
            profiledUntil = System.Diagnostics.Stopwatch.GetTimestamp();
            while (queue.TryPeekTime(out var at) && at <= sc.RunUntilUs)
            {
                var ev = queue.Dequeue();
                NowUs = at;
                if (profile is null) Handle(ev);
                else HandleTimed(profile, ev);
                if (steps > sc.MaxSteps)
                    throw new InvalidOperationException($"the run took more than {sc.MaxSteps} steps by {NowUs}µs (seed {sc.Seed})");
            }
            NowUs = sc.RunUntilUs;
            return Result();
        }
        finally { hasher.Dispose(); }   // a run that throws stops the hashing thread too
    }

    readonly StepProfile? profile;
    Func<Event, string>? kindOf;
    long profiledUntil;   // when the last profiled step ended (Stopwatch ticks)

    /// <summary>
    /// <see cref="Handle"/>, timed for the profile: the queue's turn (since the last step ended) and the step itself, by
    /// kind (<see cref="StepProfile"/>).
    /// </summary>
    void HandleTimed(StepProfile p, Event ev)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        p.AddQueue(start - profiledUntil);
        var collections = GC.CollectionCount(0);
        Handle(ev);
        profiledUntil = System.Diagnostics.Stopwatch.GetTimestamp();
        var who = ev.Node < 0 ? 0 : ev.Node < seedCount ? 1 : 2;
        var what = ev switch
        {
            DeliverEvent d => d.Message.GetType(),
            InjectEvent i => i.Message.GetType(),
            TimerEvent t => t.Key.GetType(),
            NoticeEvent n => n.Notice.GetType(),
            _ => ev.GetType(),
        };
        p.Add(who, what, ev, kindOf ??= KindOf, profiledUntil - start, GC.CollectionCount(0) != collections);
    }

    /// <summary>The kind of step an event makes, as the profile names it: whose, and on what.</summary>
    string KindOf(Event ev)
    {
        var who = ev.Node < 0 ? "" : ev.Node < seedCount ? "seed: " : "peer: ";
        return ev switch
        {
            DeliverEvent d => who + Wire.TypeName(d.Message),
            InjectEvent i => who + Wire.TypeName(i.Message) + " (injected)",
            TimerEvent t => who + "timer " + t.Key.GetType().Name,
            NoticeEvent n => who + n.Notice.GetType().Name,
            _ => who + ev.GetType().Name,
        };
    }

    /// <summary>
    /// Brings what the steps of a bucket about to be played will read first into the processor's cache, all of it at
    /// once. A large run is bound by cache misses, not by arithmetic: a step reads a dozen objects of its peer's state,
    /// scattered over a heap of gigabytes, each one waiting for the one before it (a heartbeat's reducer step takes
    /// ~1 µs on a warm state and 4–10 µs inside a 10,000-peer run). Here every loop reads one level of those objects
    /// (the states, then their cold parts, then what those hold) for all of a bucket's peers (~50 at 20,000 peers,
    /// ~160 at 100,000), and the loads of one level do not wait for each other: the processor keeps many in flight.
    /// It only reads, so the run, its steps and its hash are the same with it or without it (<see cref="Scenario.NoWarmUp"/>).
    /// </summary>
    void WarmUp(Event[] events, int count)
    {
        if (warming.Length < count)
        {
            warming = new PeerState[Math.Max(count, warming.Length * 2)];
            warmingKinds = new byte[warming.Length];
        }
        var states = warming;
        var kinds = warmingKinds;
        var n = 0;
        long sum = 0;
        for (var i = 0; i < count; i++)
        {
            var ev = events[i];
            if (ev.Node < seedCount) continue;   // the seeds' states are stepped all the time: in the cache already
            byte kind = Other;
            if (ev is DeliverEvent d)
            {
                sum += ids[d.From].GetHashCode() + (d.Conn.Aborted ? 1 : 0);   // the sender's address, hashed at every lookup; the link
                kind = d.Hop > 0 ? GossipFrame : Frame;   // only a gossip has a hop count (Transmit)
            }
            else if (ev is TimerEvent) sum += timers[ev.Node].Count + (routes[ev.Node]?.Length ?? 0);   // a heartbeat round sends
            kinds[n] = kind;
            states[n++] = peers[ev.Node - seedCount];
        }
        // A frame reads the state, its cold part and the last-heard table; a gossip the dedup set too; anything else
        // (a timer, a notice) more of the state: what the step will read, level by level.
        for (var i = 0; i < n; i++) sum += states[i].NowUs;
        for (var i = 0; i < n; i++)
        {
            var s = states[i];
            sum += (int)s.Phase + s.Heard.Count;   // the cold part; the table and its array of addresses
            if (kinds[i] != Frame) sum += s.Seen.RotatedUs;
            if (kinds[i] == Other) sum += s.Health.Score;
        }
        for (var i = 0; i < n; i++)
        {
            var s = states[i];
            sum += s.Heard.Touch();
            if (kinds[i] != Frame) sum += s.Seen.Current.Count + s.Seen.Previous.Count;
            if (kinds[i] == Other) sum += s.Det.SilenceSeenUs + s.Config.Self.Port + s.Health.DueUs.Count;
        }
        for (var i = 0; i < n; i++)
            if (kinds[i] == Other) sum += states[i].Det.Probes.Count;
        warmSum += sum;   // kept, so that no read above is optimised away
        Warmed += n;
        System.Array.Clear(states, 0, n);
    }

    const byte Frame = 0, GossipFrame = 1, Other = 2;
    byte[] warmingKinds = new byte[256];
    PeerState[] warming = new PeerState[256];
    long warmSum;

    /// <summary>How many peer states the warm-up has read so far (one per event of a bucket for a peer).</summary>
    internal long Warmed { get; private set; }

    void Schedule(long timeUs, Event ev) => queue.Enqueue(ev, timeUs, seq++);

    void Handle(Event ev)
    {
        switch (ev)
        {
            case StartEvent:
                if (status[ev.Node] != NodeStatus.NotStarted) return;
                status[ev.Node] = NodeStatus.Up;
                Step(ev.Node, new Started(Abs(NowUs), NextSeed()), null);
                return;

            case FaultEvent f:
                ApplyFault(f.Fault);
                return;

            case TimerEvent t:
                {
                    var table = timers[t.Node];
                    if (!table.TryGetValue(t.Key, out var gen) || gen != t.Gen) return;   // replaced or cancelled
                    if (status[t.Node] == NodeStatus.Hung) { held[t.Node].Add(t); return; }
                    if (status[t.Node] != NodeStatus.Up) return;
                    table.Remove(t.Key);
                    Step(t.Node, new TimerFired(Abs(NowUs), t.Key), null);
                    return;
                }

            case DialFailedEvent d:
                diallingPairs.Remove(Directed(d.Node, d.To));
                Network.ConnectFailures++;
                Notify(d.Node, d.Notice, null);
                return;

            case NoticeEvent n:
                if (n.Conn is { Aborted: true } && !n.Arrived) return;
                Notify(n.Node, n.Notice, n);
                return;

            case AdversaryEvent:
                foreach (var (from, to, m) in adversary!.Act(NowUs)) Forge(from, to, m);
                Schedule(NowUs + adversary.IntervalUs, ev);
                return;

            case InjectEvent i:
                if (!i.Arrived) Network.Injected++;
                Receive(i, i.From, i.Message);
                return;

            case DeliverEvent d:
                if (!d.Arrived)
                {
                    if (d.Conn.Aborted) { Network.Dropped++; return; }
                    if (IsCut(d.From, d.Node)) { Network.Cut++; return; }
                }
                Receive(d, ids[d.From], d.Message);
                return;
        }
    }

    /// <summary>Hands a notice to an up node, or holds it for a hung one (<paramref name="ev"/>: the event that carried it, held as it is).</summary>
    void Notify(int node, Input notice, NoticeEvent? ev)
    {
        switch (status[node])
        {
            case NodeStatus.Up: Step(node, notice with { NowUs = Abs(NowUs) }, null); return;
            case NodeStatus.Hung:
                // Held as a plain notice: a dial's failure is counted and forgotten now, not again at the resume.
                var kept = ev ?? new NoticeEvent(node, notice);
                kept.Arrived = true;
                held[node].Add(kept);
                return;
        }
    }

    void Receive(Event ev, NodeId from, Message message)
    {
        switch (status[ev.Node])
        {
            case NodeStatus.Up:
                if (ev is DeliverEvent delivered)
                {
                    Network.Delivered++;
                    if (ev.Node < seedCount) { seedLoad[ev.Node].MessagesIn++; seedLoad[ev.Node].BytesIn += delivered.Bytes; }
                }
                if (adversary is not null && byzantine[ev.Node]) adversary.Saw(NowUs, ids[ev.Node], from, message);
                Step(ev.Node, new Received(Abs(NowUs), from, message), ev);
                return;
            case NodeStatus.Hung:
                ev.Arrived = true;
                held[ev.Node].Add(ev);
                return;
            default:
                if (ev is DeliverEvent) Network.Dropped++;
                return;
        }
    }

    long Abs(long virtualUs) => sc.EpochUs + virtualUs;

    ulong NextSeed()
    {
        (var v, rng) = rng.NextUInt64();
        return v;
    }

    long Latency()
    {
        var span = sc.LatencyMaxUs - sc.LatencyMinUs;
        if (span == 0) return sc.LatencyMinUs;
        (var v, rng) = rng.NextUInt64();
        return sc.LatencyMinUs + (long)(v % (ulong)(span + 1));
    }

    bool Chance(double percent)
    {
        if (percent <= 0) return false;
        (var u, rng) = rng.NextDouble();
        return u * 100.0 < percent;
    }

    bool IsCut(int a, int b)
    {
        if (a < 0 || b < 0) return false;
        foreach (var (sideA, sideB, fromUs, toUs) in partitions)
            if (NowUs >= fromUs && NowUs < toUs
                && ((sideA.Contains(a) && sideB.Contains(b)) || (sideB.Contains(a) && sideA.Contains(b))))
                return true;
        return false;
    }

    static long Pair(int a, int b) => a < b ? ((long)a << 32) | (uint)b : ((long)b << 32) | (uint)a;
    static long Directed(int from, int to) => ((long)from << 32) | (uint)to;

    // ---- One reducer step -------------------------------------------------------------------------------------

    void Step(int node, Input input, Event? cause)
    {
        Seq<Effect> effects;
        Seq<Transition> transitions;
        if (node < seedCount)
        {
            var next = SeedReducer.Step(seeds[node], input);
            seeds[node] = next.State;
            seedLoad[node].PeakPeers = Math.Max(seedLoad[node].PeakPeers, next.State.Peers.Count);
            effects = next.Effects;
            transitions = next.Transitions;
        }
        else
        {
            var p = node - seedCount;
            var before = peers[p];
            var next = PeerReducer.Step(before, input);
            peers[p] = next.State;
            effects = next.Effects;
            transitions = next.Transitions;
            Track(p, before, next.State, input, effects, cause);
        }

        var index = steps++;
        hasher.Add(NowUs, ids[node], input, effects);
        if (sc.KeepTrace || observe is not null)   // the step as an object: only for whoever reads it
        {
            var step = new TraceStep(index, NowUs, ids[node], input, effects) { Transitions = transitions };
            if (sc.KeepTrace) trace.Add(step);
            observe?.Invoke(step, this);
        }

        // By index: a Seq's enumerator is an object, and this loop runs for every step.
        for (var i = 0; i < effects.Count; i++)
        {
            switch (effects[i])
            {
                case Send s: Send(node, s.To, s.Message); break;
                case Connect c: Connect(node, c.To); break;
                case Disconnect d: Disconnect(node, d.Node); break;
                case UseCertificate: break;   // the simulated network authenticates every link by construction
                case Deliver: break;          // no subscribers in the simulator: AppReceived is the record
                case PingHost ping: Ping(node, ping.Ip); break;
                case SetTimer t:
                    {
                        var gen = ++timerGen;
                        timers[node][t.Key] = gen;
                        Schedule(NowUs + Math.Max(0, t.DelayMs) * 1000, new TimerEvent(node, t.Key, gen));
                        break;
                    }
                case CancelTimer t: timers[node].Remove(t.Key); break;
                case NodeEvent ev: OnEvent(node, ev); break;
                case Stop: StopNode(node); break;
            }
        }
    }

    /// <summary>Registration times and the spread of gossip, read from the peer's state before and after the step.</summary>
    void Track(int p, PeerState before, PeerState after, Input input, Seq<Effect> effects, Event? cause)
    {
        // The phases first: they are in the cache (the step read them), the table of times is not.
        if (before.Phase != PeerPhase.Registered && after.Phase == PeerPhase.Registered && registeredUs[p] < 0) registeredUs[p] = NowUs;
        if (after.Made > before.Made)
        {
            // The message made is named by the line the peer logs for it.
            foreach (var e in effects)
            {
                if (e is not GossipMade made) continue;
                var t = TrackOf(new Gossip(made.Origin, made.Body));
                if (t.MadeUs < 0) t.MadeUs = NowUs;
                t.FirstUs[p] = NowUs;
                t.Hops[p] = 0;
            }
        }
        if (after.FirstTime > before.FirstTime && input is Received { Message: Gossip rg })
        {
            var t = TrackOf(rg);
            if (t.FirstUs[p] < 0)
            {
                t.FirstUs[p] = NowUs;
                // A copy a Byzantine node injected counts as one hop: hop 0 is only the maker's (and a receipt with hop 0
                // would be taken for the maker's and not counted as a delivery at all).
                t.Hops[p] = cause switch { DeliverEvent d => Math.Max(1, d.Hop), _ => 1 };
            }
        }
        else if (after.FirstTime > before.FirstTime)
        {
            // Gossip held while its sender's membership was checked, taken now (the input is the seed's answer):
            // named by its first-time events.
            foreach (var e in effects)
            {
                if (e is not GossipReceived g) continue;
                var t = TrackOf(new Gossip(g.Origin, g.Body));
                if (t.FirstUs[p] >= 0) continue;
                t.FirstUs[p] = NowUs;
                t.Hops[p] = Math.Max(1, t.Hops.Max() + 1);   // its path is not known: counted as one more than the longest
            }
        }
    }

    GossipTrack TrackOf(Gossip g)
    {
        if (FindTrack(g) is { } t) return t;
        t = new GossipTrack(g, -1, peers.Length);
        gossip.Add(g, t);
        gossipByRef[g] = t;
        gossipInOrder.Add(t);
        return t;
    }

    GossipTrack? FindTrack(Gossip g)
    {
        if (gossipByRef.TryGetValue(g, out var t)) return t;
        if (!gossip.TryGetValue(g, out t)) return null;
        if (gossipByRef.Count < 1 << 20) gossipByRef[g] = t;   // a copy made elsewhere (a tamper, a replay): found by value, then by instance
        return t;
    }

    void OnEvent(int node, NodeEvent e)
    {
        if (sc.KeepLogs && (sc.KeepEvents is null || sc.KeepEvents(e))) logs[node].Add(new LogLine(NowUs, e));
        // The removal (seed) or purge (peer): the simulator's verdicts count these.
        switch (e)
        {
            case PeerRemoved r: confirmations.Add(new Confirmation(NowUs, ids[node], r.Node, r.Reason)); break;
            case Purged r: confirmations.Add(new Confirmation(NowUs, ids[node], r.Node, r.Reason)); break;
            // A machine refused a trigger the reducer fired: a bug in the reducer, never a network condition. The run
            // stops here, so every test over the simulator fails on it and the CLI names it.
            case TransitionRefused x: throw new MachineRefusedException(NowUs, ids[node], x);
        }
    }

    // ---- The network ------------------------------------------------------------------------------------------

    void Send(int from, NodeId toId, Message m)
    {
        if (status[from] != NodeStatus.Up) return;   // effects after the node's own Stop
        if (sc.Tamper is { } tamper)
        {
            var changed = tamper(ids[from], toId, m);
            if (changed is null) return;
            m = changed;
        }
        if (adversary is not null && byzantine[from])
        {
            foreach (var sent in adversary.Outgoing(NowUs, ids[from], toId, m)) Transmit(from, toId, sent);
            return;
        }
        Transmit(from, toId, m);
    }

    void Transmit(int from, NodeId toId, Message m)
    {
        Network.Sent++;
        var routed = FindRoute(from, toId, out var to, out var conn);
        if (!routed && !index.TryGetValue(toId, out to))
        {
            // Nobody listens there: the dial is refused.
            Network.ToOutsiders++;
            return;
        }
        if (to == from) { Network.Dropped++; return; }
        // The real transport encodes before it sends, and refuses a message over the frame limit (Framing.TryFrame).
        if (!ReferenceEquals(m, sized)) (sized, sizedBytes) = (m, FrameSize.Of(m));   // a flood sends one message to every neighbour
        var bytes = sizedBytes;
        Network.Largest.Offer(bytes, m);
        if (from < seedCount) seedLoad[from].Largest.Offer(bytes, m);
        if (to < seedCount) seedLoad[to].Largest.Offer(bytes, m);
        if (bytes > FrameSize.MaxPayloadBytes)
        {
            Network.OverLimit++;
            Network.FirstOverLimit ??= $"{Wire.TypeName(m)} of {bytes} bytes from {ids[from]} to {ids[to]} at {NowUs / 1e6:0.000000}s";
            return;
        }
        Network.Bytes += bytes;
        if (from < seedCount) { seedLoad[from].MessagesOut++; seedLoad[from].BytesOut += bytes; }
        if (!routed)
        {
            conn = conns.GetValueOrDefault(Pair(from, to)) ?? Dial(from, to);
            if (conn is null) { Network.Dropped++; return; }   // the dial fails; what was queued on it is lost with it
            AddRoute(from, toId, to, conn);
        }
        if (IsCut(from, to)) { Network.Cut++; return; }
        if (Chance(sc.LossPercent)) { Network.Lost++; return; }
        // Hop 0 is the maker's own; a gossip relayed by a seed (a Byzantine one may) or by a peer that never logged it counts one.
        var hop = m is not Gossip g ? 0 : from >= seedCount && FindTrack(g) is { } t ? Math.Max(0, t.Hops[from - seedCount]) + 1 : 1;
        Schedule(Arrival(conn, from, to), new DeliverEvent(to, from, m, conn, hop, bytes));
        if (Chance(sc.DuplicatePercent))
        {
            Network.Duplicated++;
            Schedule(Arrival(conn, from, to), new DeliverEvent(to, from, m, conn, hop, bytes));
        }
    }

    Message? sized;
    long sizedBytes;

    /// <summary>
    /// One node's way to another it has sent to: the address object its reducer named (compared by reference, so a
    /// send finds it without hashing the address), the other node's index, and their connection. A node's first
    /// <see cref="MaxRoutes"/> routes are kept (its neighbours and the seeds, for most peers); a route goes when its
    /// connection closes, so a route's connection is always the one <c>conns</c> holds for the pair.
    /// </summary>
    struct Route
    {
        public NodeId Id;
        public int To;
        public Conn Conn;
    }

    const int MaxRoutes = 32;

    bool FindRoute(int from, NodeId id, out int to, out Conn conn)
    {
        if (routes[from] is { } table)
            for (var i = 0; i < routeCounts[from]; i++)
                if (ReferenceEquals(table[i].Id, id)) { to = table[i].To; conn = table[i].Conn; return true; }
        to = -1;
        conn = null!;
        return false;
    }

    void AddRoute(int from, NodeId id, int to, Conn conn)
    {
        var count = routeCounts[from];
        if (count == MaxRoutes) return;
        ref var table = ref routes[from];
        table ??= new Route[4];
        if (count == table.Length) System.Array.Resize(ref table, count * 2);
        table[count] = new Route { Id = id, To = to, Conn = conn };
        routeCounts[from] = (byte)(count + 1);
    }

    void DropRoutes(int from, int to)
    {
        if (routes[from] is not { } table) return;
        var kept = 0;
        for (var i = 0; i < routeCounts[from]; i++)
            if (table[i].To != to) table[kept++] = table[i];
        System.Array.Clear(table, kept, routeCounts[from] - kept);
        routeCounts[from] = (byte)kept;
    }

    /// <summary>
    /// A message the adversary sends as one of its own nodes: it arrives after a latency with that node as its sender
    /// (the links are authenticated: the adversary can never send as a node it does not control).
    /// </summary>
    void Forge(NodeId fromId, NodeId toId, Message m)
    {
        var from = IndexOf(fromId);
        if (!byzantine[from]) throw new InvalidOperationException($"the adversary sent as {fromId}, a node it does not control");
        if (status[from] != NodeStatus.Up) return;
        if (!index.TryGetValue(toId, out var to)) { Network.ToOutsiders++; return; }
        if (to == from || IsCut(from, to)) return;
        Schedule(NowUs + Latency(), new InjectEvent(to, fromId, m));
    }

    long Arrival(Conn conn, int from, int to)
    {
        var at = Math.Max(NowUs + Latency(), conn.ReadyUs);
        if (!sc.FifoLinks) return at;
        if (from < to) { at = Math.Max(at, conn.LastLowToHighUs); conn.LastLowToHighUs = at; }
        else { at = Math.Max(at, conn.LastHighToLowUs); conn.LastHighToLowUs = at; }
        return at;
    }

    void Connect(int from, NodeId toId)
    {
        if (status[from] != NodeStatus.Up) return;
        if (!index.TryGetValue(toId, out var to) || to == from) return;
        if (!conns.ContainsKey(Pair(from, to))) Dial(from, to);
    }

    /// <summary>
    /// Opens a connection, or schedules its failure: refused at once by a node that is down (one round trip), timed
    /// out across a partition. While a dial is failing, more sends on it are lost with it (one ConnectFailed).
    /// A hung node's kernel still accepts: the dialler sees Connected, the hung node will see it when it resumes.
    /// </summary>
    Conn? Dial(int from, int to)
    {
        var key = Directed(from, to);
        if (diallingPairs.Contains(key)) return null;
        var down = status[to] is NodeStatus.Crashed or NodeStatus.Stopped or NodeStatus.NotStarted;
        if (down || IsCut(from, to))
        {
            diallingPairs.Add(key);
            var (delay, reason) = down ? (Latency() + Latency(), "connection refused") : (sc.ConnectTimeoutUs, "connection timed out");
            Schedule(NowUs + delay, new DialFailedEvent(from, to, new ConnectFailed(0, ids[to], reason)));
            return null;
        }
        var conn = new Conn { ReadyUs = NowUs + Latency() };
        conns[Pair(from, to)] = conn;
        linked[from].Add(to);
        linked[to].Add(from);
        Network.Connections++;
        Schedule(conn.ReadyUs, new NoticeEvent(from, new Connected(0, ids[to]), conn));
        Schedule(conn.ReadyUs, new NoticeEvent(to, new Connected(0, ids[from]), conn));
        return conn;
    }

    /// <summary>Ends the connection between two nodes; <paramref name="notify"/> (if any) hears of it after a latency, with <paramref name="reason"/>.</summary>
    void Close(int a, int b, bool abort, int notify, string reason, long delayUs)
    {
        if (!conns.Remove(Pair(a, b), out var conn)) return;
        DropRoutes(a, b);
        DropRoutes(b, a);
        if (abort) conn.Aborted = true;
        linked[a].Remove(b);
        linked[b].Remove(a);
        if (notify >= 0 && !IsCut(a, b))
            Schedule(NowUs + delayUs, new NoticeEvent(notify, new Disconnected(0, ids[notify == a ? b : a], reason)));
    }

    /// <summary>The node closes its connections to <paramref name="xId"/> (abortively); the other end sees them reset.</summary>
    void Disconnect(int node, NodeId xId)
    {
        if (!index.TryGetValue(xId, out var x) || x == node) return;
        if (conns.ContainsKey(Pair(node, x))) Close(node, x, abort: true, notify: x, "connection reset by peer", Latency());
    }

    void Ping(int node, string ip)
    {
        var lost = Chance(sc.LossPercent) || Chance(sc.LossPercent);   // the echo, then the reply
        var answers = byIp.TryGetValue(ip, out var host)
            && status[host] is NodeStatus.Up or NodeStatus.Hung   // a hung process's kernel still answers ICMP
            && !IsCut(node, host) && !lost;
        var (delay, result) = answers
            ? (Latency() + Latency(), (Input)new PingResult(0, ip, PingOutcome.Reply, "echo reply"))
            : (sc.PingTimeoutUs, new PingResult(0, ip, PingOutcome.NoReply, "TimedOut"));
        Schedule(NowUs + delay, new NoticeEvent(node, result));
    }

    // ---- Faults -----------------------------------------------------------------------------------------------

    void Impair(int node) => impairedSinceUs[node] = Math.Min(impairedSinceUs[node], NowUs);

    void ApplyFault(Fault f)
    {
        switch (f)
        {
            case Crash c: CrashNode(IndexOf(c.Node)); break;
            case Hang h:
                {
                    var i = IndexOf(h.Node);
                    if (status[i] == NodeStatus.Hung && stalled[i]) stalled[i] = false;   // a stall turned into a hang
                    else if (status[i] != NodeStatus.Up) return;
                    Impair(i);
                    status[i] = NodeStatus.Hung;
                    break;
                }
            case Resume r:
                {
                    var i = IndexOf(r.Node);
                    if (status[i] != NodeStatus.Hung || stalled[i]) return;
                    ResumeNode(i, timersFirst: false);
                    break;
                }
            case Stall st:
                {
                    var i = IndexOf(st.Node);
                    if (status[i] != NodeStatus.Up) return;
                    status[i] = NodeStatus.Hung;
                    stalled[i] = true;
                    Schedule(NowUs + Math.Max(0, st.ForUs), new FaultEvent(i, new StallEnd(st.Node, NowUs + Math.Max(0, st.ForUs))));
                    break;
                }
            case StallEnd e:
                {
                    var i = IndexOf(e.Node);
                    if (status[i] != NodeStatus.Hung || !stalled[i]) return;
                    stalled[i] = false;
                    ResumeNode(i, timersFirst: true);
                    break;
                }
            case Restart r:
                {
                    var i = IndexOf(r.Node);
                    if (status[i] is NodeStatus.Up or NodeStatus.Hung) CrashNode(i);
                    if (status[i] == NodeStatus.NotStarted) return;
                    if (i < seedCount) seeds[i] = SeedState.Initial(configs[i]);
                    else peers[i - seedCount] = PeerState.Initial(configs[i]);
                    status[i] = NodeStatus.Up;
                    Step(i, new Started(Abs(NowUs), NextSeed()), null);
                    break;
                }
            case Shutdown s:
                {
                    var i = IndexOf(s.Node);
                    if (status[i] is not (NodeStatus.Up or NodeStatus.Hung)) return;
                    Impair(i);
                    Notify(i, new ShutdownRequested(0), null);
                    break;
                }
            case Partition p:
                // Cut off is the side without a quorum of the seeds: the seeds there cannot reach the others, and the
                // seeds elsewhere may rightly remove its peers. (Both sides, when neither holds a quorum.)
                foreach (var side in new[] { p.SideA, p.SideB })
                    if (side.Count(n => IndexOf(n) < seedCount) < Quorum.Of(seedCount))
                        foreach (var n in side) Impair(IndexOf(n));
                break;
        }
    }

    /// <summary>Hands a hung or stalled node everything held for it, in arrival order (its due timers first, after a stall).</summary>
    void ResumeNode(int i, bool timersFirst)
    {
        status[i] = NodeStatus.Up;
        var waiting = held[i].ToArray();
        held[i].Clear();
        if (timersFirst) waiting = waiting.Where(ev => ev is TimerEvent).Concat(waiting.Where(ev => ev is not TimerEvent)).ToArray();
        foreach (var ev in waiting) Schedule(NowUs, ev);
    }

    /// <summary>kill -9: the process is gone, the kernel resets its connections (each other end hears it shortly).</summary>
    void CrashNode(int i)
    {
        if (status[i] is not (NodeStatus.Up or NodeStatus.Hung)) return;
        Impair(i);
        status[i] = NodeStatus.Crashed;
        stalled[i] = false;
        timers[i].Clear();
        held[i].Clear();
        foreach (var other in linked[i].OrderBy(n => n).ToArray())
            Close(i, other, abort: true, notify: other, "connection reset", Latency());
    }

    /// <summary>The node stopped itself (Stop effect): its connections close after what it sent is flushed.</summary>
    void StopNode(int i)
    {
        if (status[i] != NodeStatus.Up) return;
        Impair(i);
        status[i] = NodeStatus.Stopped;
        timers[i].Clear();
        held[i].Clear();
        foreach (var other in linked[i].OrderBy(n => n).ToArray())
            Close(i, other, abort: false, notify: other, "connection closed", sc.LatencyMaxUs + 1);
    }

    // ---- The result -------------------------------------------------------------------------------------------

    SimResult Result()
    {
        var seedStates = new SortedDictionary<NodeId, SeedState>();
        var peerStates = new SortedDictionary<NodeId, PeerState>();
        var statuses = new SortedDictionary<NodeId, NodeStatus>();
        var logLines = new SortedDictionary<NodeId, IReadOnlyList<LogLine>>();
        var impaired = new SortedDictionary<NodeId, long>();
        var registered = new SortedDictionary<NodeId, long>();
        for (var i = 0; i < ids.Length; i++)
        {
            if (i < seedCount) seedStates.Add(ids[i], seeds[i]);
            else
            {
                peerStates.Add(ids[i], peers[i - seedCount]);
                if (registeredUs[i - seedCount] >= 0) registered.Add(ids[i], registeredUs[i - seedCount]);
            }
            statuses.Add(ids[i], status[i]);
            logLines.Add(ids[i], logs[i]);
            if (impairedSinceUs[i] != long.MaxValue) impaired.Add(ids[i], impairedSinceUs[i]);
        }
        var digest = hasher.Finish();
        var spread = gossipInOrder.Select(t => new GossipSpread(t.Message, t.MadeUs,
            PeerIds.Zip(t.FirstUs, t.Hops).Where(x => x.Item2 >= 0 && x.Item3 != 0)
                .Select(x => new Receipt(x.Item1, x.Item2, x.Item3)).ToArray())).ToArray();
        return new SimResult(sc, seedStates, peerStates, statuses, logLines, trace, digest, steps, sc.RunUntilUs,
            Network, confirmations, impaired, registered, spread)
        {
            Signatures = Signatures,
            Profile = profile,
            SeedLoads = Enumerable.Range(0, seedCount).ToDictionary(i => ids[i], i => seedLoad[i]),
        };
    }
}

/// <summary>A state machine refused a trigger a reducer fired (a bug): the simulation stops at that step.</summary>
public sealed class MachineRefusedException(long timeUs, NodeId node, TransitionRefused refusal)
    : Exception($"at {timeUs / 1e6:0.000000}s {node}: the {refusal.Machine} machine refused {refusal.Trigger} in {refusal.From} for {refusal.Subject}")
{
    public long TimeUs { get; } = timeUs;
    public NodeId Node { get; } = node;
    public TransitionRefused Refusal { get; } = refusal;
}

/// <summary>Runs scenarios.</summary>
public static class Simulator
{
    /// <summary>
    /// Plays <paramref name="scenario"/> to its end. <paramref name="observe"/>, if given, is called after every step
    /// with the step and the simulation (for invariants checked from outside the nodes); an exception it throws
    /// stops the run and propagates.
    /// </summary>
    public static SimResult Run(Scenario scenario, Action<TraceStep, Simulation>? observe = null) =>
        new Simulation(scenario, observe).Run();
}
