namespace GossipPure.Core;

public enum LogLevel { Debug, Info, Warning, Error }

/// <summary>What a reducer asks the shell to do. The shell performs effects in order and decides nothing.</summary>
public abstract record Effect;

/// <summary>Deliver a message to a node, over its connection, dialling it first if there is none.</summary>
public sealed record Send(NodeId To, Message Message) : Effect;

/// <summary>Open (and keep) a connection to a node without sending anything yet.</summary>
public sealed record Connect(NodeId To) : Effect;

/// <summary>Close every connection to a node (it was removed from the network).</summary>
public sealed record Disconnect(NodeId Node) : Effect;

/// <summary>
/// Present <paramref name="Cert"/>, this peer's registration certificate, in the HELLO of every connection it dials
/// from now on (signed membership: it binds this peer's key to its address and incarnation).
/// </summary>
public sealed record UseCertificate(RegisterCommit Cert) : Effect;

/// <summary>
/// Hand an application message received for the first time, with its payload (<paramref name="Data"/>, base64), to
/// whoever subscribed to this node (<c>gossip subscribe</c>, the library's deliveries). Its log line is the
/// <see cref="AppReceived"/> event, which names it without its content.
/// </summary>
public sealed record Deliver(NodeId Origin, string Id, string Data, NodeId From, long LatencyUs) : Effect;

/// <summary>Send one ICMP echo to a host; the answer comes back as <see cref="PingResult"/>.</summary>
public sealed record PingHost(string Ip) : Effect;

/// <summary>Fire <see cref="TimerFired"/> with <paramref name="Key"/> after the delay; replaces a timer with that key.</summary>
public sealed record SetTimer(TimerKey Key, long DelayMs) : Effect;

public sealed record CancelTimer(TimerKey Key) : Effect;

/// <summary>Close every connection, flush, and exit the process (or the hosted node) with this code.</summary>
public sealed record Stop(int ExitCode) : Effect;

/// <summary>A reducer's result: the next state and what to do.</summary>
public readonly record struct Step<TState>(TState State, Seq<Effect> Effects)
{
    /// <summary>The state-machine transitions the step fired, in order (tests check them; the shell does not need them).</summary>
    public Seq<Transition> Transitions { get; init; } = Seq<Transition>();
}

/// <summary>An append-only list of effects, local to one step.</summary>
public sealed class EffectList
{
    // Made on the first effect: a step that does nothing (a duplicate, say) allocates no list.
    System.Collections.Generic.List<Effect>? items;

    System.Collections.Generic.List<Effect> Items => items ??= new(8);

    public EffectList Add(Effect e) { Items.Add(e); return this; }
    public EffectList Send(NodeId to, Message m) => Add(new Send(to, m));
    public EffectList SendAll(Seq<NodeId> to, Message m) { foreach (var n in to) Items.Add(new Send(n, m)); return this; }
    public EffectList Timer(TimerKey key, long delayMs) => Add(new SetTimer(key, delayMs));

    System.Collections.Generic.List<Transition>? taken;

    /// <summary>Notes a transition a machine fired in this step (see <see cref="Machine{TState, TTrigger}.Fire"/>).</summary>
    public void Took(Transition t) => (taken ??= new(2)).Add(t);

    public Seq<Transition> Transitions() => taken is null ? Seq<Transition>() : toSeq(taken.ToArray());

    static readonly Seq<Effect> Empty = toSeq(System.Array.Empty<Effect>());

    public Seq<Effect> ToSeq() => items is null || items.Count == 0 ? Empty : toSeq(items.ToArray());
    public Step<T> With<T>(T state) => new(state, ToSeq()) { Transitions = Transitions() };

    /// <summary>
    /// Ends a node's step: its effects, and <paramref name="next"/> with its <paramref name="health"/> tracked over
    /// them (<see cref="Health.Track"/>); <paramref name="withHealth"/> sets the tracked health, only when it changed.
    /// </summary>
    public Step<T> Finish<T>(T next, Health health, long nowUs, Func<T, Health, T> withHealth)
    {
        var array = items is null || items.Count == 0 ? System.Array.Empty<Effect>() : items.ToArray();
        var effects = array.Length == 0 ? Empty : toSeq(array);
        var tracked = Health.Track(health, nowUs, array);
        return new(ReferenceEquals(tracked, health) ? next : withHealth(next, tracked), effects) { Transitions = Transitions() };
    }
}
