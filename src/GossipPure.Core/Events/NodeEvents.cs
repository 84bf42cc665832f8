namespace GossipPure.Core;

// Events both roles emit. Each carries the facts as fields; the shell's one renderer (EventText) words them.

/// <summary>The node started: its role, its address, the seeds it knows and their quorum.</summary>
public sealed record NodeStarted(Role Role, NodeId Self, int Seeds, int Quorum) : NodeEvent;

/// <summary>The node is stopping (the last event of a run).</summary>
public sealed record ShuttingDown : NodeEvent;

/// <summary>A frame that does not parse: its connection is dropped.</summary>
public sealed record FrameRefused(string Remote, string Reason) : NodeEvent;

/// <summary>Why a well-formed message was not taken.</summary>
public enum IgnoredBecause { SeedsDoNotRegister, SenderNotASeed, NotASeedMessage, NotAPeerMessage, NotRegistered, FromSelfOrSeed, IncarnationDead }

/// <summary>A message (named by its wire type) that the node does not take from that sender.</summary>
public sealed record MessageIgnored(string Message, NodeId From, IgnoredBecause Why) : NodeEvent;

/// <summary>A DEAD_CONFIRMED whose certificate holds fewer than a quorum of distinct seeds.</summary>
public sealed record ConfirmationIgnored(NodeId Node, NodeId From, int Voters, int Quorum) : NodeEvent;

/// <summary>
/// A certificate (of a REGISTER_COMMIT, SEED_SYNC entry, PEER_LIST admission, MEMBER_ANSWER, HELLO, gossip or
/// DEAD_CONFIRMED, named by <paramref name="Message"/>) about <paramref name="Subject"/> that does not hold: fewer than
/// <paramref name="Needed"/> distinct valid seed signatures, no key bound, or another subject. Nothing of it is applied.
/// </summary>
public sealed record CertificateRefused(string Message, NodeId Subject, NodeId From, int Valid, int Needed,
    Identity.CertificateFault Fault, NodeId? BadSigner) : NodeEvent;

/// <summary>A signed statement (a vote, a gossip, a report, an answer, a registration request) whose signature by <paramref name="Author"/> does not verify.</summary>
public sealed record SignatureRefused(string Message, NodeId From, NodeId Author) : NodeEvent;

/// <summary>A valid certificate about an incarnation older than the one this node knows: a replay, not applied.</summary>
public sealed record StaleCertificateRefused(string Message, NodeId Node, NodeId From, long Incarnation, long Current) : NodeEvent;

/// <summary>
/// The node found itself late and raised its health score: <paramref name="Timer"/> names the late timer (or null:
/// a sample of the loop's lateness, <paramref name="TimerLateMs"/> and <paramref name="InboxAgeMs"/>).
/// </summary>
public sealed record HealthWorse(int Score, int Max, long LateMs, TimerKey? Timer, long TimerLateMs, long InboxAgeMs) : NodeEvent;

/// <summary>On time for <paramref name="DecayMs"/>: the health score went down one step.</summary>
public sealed record HealthBetter(int Score, int Max, long DecayMs) : NodeEvent;

/// <summary>A seed could not be reached; a seed retries every <paramref name="RetryMs"/> (null at a peer).</summary>
public sealed record SeedUnreachable(NodeId Seed, string Reason, long? RetryMs) : NodeEvent;
