namespace GossipPure.Core;

/// <summary>
/// Everything a reducer can learn. Each input carries the time it happened (Unix microseconds, read by the
/// shell); nothing in the core reads a clock.
/// </summary>
public abstract record Input(long NowUs);

/// <summary>The node starts; <paramref name="RandomSeed"/> seeds every random choice it will make.</summary>
public sealed record Started(long NowUs, ulong RandomSeed) : Input(NowUs);

/// <summary>A message arrived on a connection whose handshake named <paramref name="From"/>.</summary>
public sealed record Received(long NowUs, NodeId From, Message Message) : Input(NowUs);

/// <summary>The first connection to <paramref name="Node"/> completed its handshake (either direction).</summary>
public sealed record Connected(long NowUs, NodeId Node) : Input(NowUs);

/// <summary>The last connection to <paramref name="Node"/> closed or broke.</summary>
public sealed record Disconnected(long NowUs, NodeId Node, string Reason) : Input(NowUs);

/// <summary>A dial to <paramref name="Node"/> failed; anything queued for it was dropped.</summary>
public sealed record ConnectFailed(long NowUs, NodeId Node, string Reason) : Input(NowUs);

/// <summary>A timer the reducer set has fired.</summary>
public sealed record TimerFired(long NowUs, TimerKey Key) : Input(NowUs);

/// <summary>A connection sent something that is not a valid frame; the shell dropped that connection.</summary>
public sealed record BadFrame(long NowUs, string Remote, string Reason) : Input(NowUs);

/// <summary>
/// Someone on this machine handed the peer an application message to gossip (<c>gossip publish</c>, through the
/// control socket): <paramref name="Data"/> is its payload as base64, at most <see cref="AppMessage.MaxBytes"/> bytes.
/// </summary>
public sealed record Publish(long NowUs, string Data) : Input(NowUs);

/// <summary>The operator asked the node to stop (Ctrl+C, SIGTERM).</summary>
public sealed record ShutdownRequested(long NowUs) : Input(NowUs);

/// <summary>The answer to a <see cref="PingHost"/>: an ICMP echo reply came back, or not, or ICMP is not available here.</summary>
public sealed record PingResult(long NowUs, string Ip, PingOutcome Outcome, string Detail) : Input(NowUs);

public enum PingOutcome { Reply, NoReply, Unavailable }

/// <summary>
/// The shell's measure of this node's own timeliness (see <see cref="Health"/>): how late its timers fire on its
/// monotonic clock, and how long the oldest input waiting in its queue has waited, both in ms.
/// </summary>
public sealed record HealthSample(long NowUs, long TimerLateMs, long InboxAgeMs) : Input(NowUs);
