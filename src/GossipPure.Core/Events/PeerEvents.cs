namespace GossipPure.Core;

// Events of a peer: registration, the overlay, gossip, membership checks, suspicion and removal.

public sealed record LeaveSent(int Neighbours, int Seeds) : NodeEvent;

/// <summary>The gossip counters at shutdown.</summary>
public sealed record GossipTotals(int Made, long FirstTime, long Duplicates, long Stale, int Degree) : NodeEvent;

/// <summary>A registration round: <paramref name="Attempt"/> counts from 1.</summary>
public sealed record RegisterRequestSent(Seq<NodeId> To, int Attempt) : NodeEvent;

public sealed record RegisterRequestRedirected(NodeId To, NodeId Instead) : NodeEvent;

public sealed record NoQuorumReachable(int Reachable, int Seeds, int Quorum, long RetryMs) : NodeEvent;

/// <summary>A seed's peer list (this peer left out); news while <paramref name="Registering"/>, a refresh after.</summary>
public sealed record PeerListReceived(NodeId Seed, Seq<PeerEntry> Entries, bool Registering) : NodeEvent;

/// <summary>Registered: the union of <paramref name="Lists"/> seeds' lists names <paramref name="Peers"/> peers.</summary>
public sealed record Registered(int Lists, int Peers) : NodeEvent;

/// <summary>Registered as the first peer: nobody to link to yet.</summary>
public sealed record FirstPeer : NodeEvent;

/// <summary>The neighbours picked out of <paramref name="Known"/> peers, with the degrees they were picked by.</summary>
public sealed record NeighboursChosen(Seq<PeerEntry> Picked, int Known) : NodeEvent;

public sealed record BridgeReceived(NodeId Seed, NodeId Target) : NodeEvent;

/// <summary>A seed refused this peer's registration: it stops.</summary>
public sealed record RegistrationRejected(NodeId Seed, string Reason) : NodeEvent;

public sealed record NeighbourAdded(NodeId Node, int Degree) : NodeEvent;

/// <summary>This peer made a gossip message and sent it to <paramref name="SentTo"/> neighbours.</summary>
public sealed record GossipMade(NodeId Origin, string Body, int SentTo) : NodeEvent;

/// <summary>A gossip message received for the first time, from <paramref name="From"/>.</summary>
public sealed record GossipReceived(NodeId Origin, string Body, NodeId From) : NodeEvent;

/// <summary>This peer gossiped an application message handed to it (<c>gossip publish</c>): its id and size, never its content.</summary>
public sealed record AppMade(string Id, int Size, int SentTo) : NodeEvent;

/// <summary>
/// An application message received for the first time: its id, its size (not its content, which goes only to
/// subscribers), who sent it here, and how long after it was made (by the maker's clock).
/// </summary>
public sealed record AppReceived(NodeId Origin, string Id, int Size, NodeId From, long LatencyUs) : NodeEvent;

/// <summary>An application message handed to this peer was not gossiped, and why.</summary>
public sealed record PublishRefused(int Size, string Why) : NodeEvent;

/// <summary>A gossip message outside the time horizon (or with no timestamp): dropped.</summary>
public sealed record GossipStale(NodeId Origin, string Body, NodeId From, string Why) : NodeEvent;

public enum DroppedBecause { HeldFull, ChecksFull }

/// <summary>A message from a stranger dropped because the membership checks are at their limit.</summary>
public sealed record MessageDropped(string Message, NodeId From, DroppedBecause Why, int Limit) : NodeEvent;

/// <summary>No seed asked knows <paramref name="Node"/>: the messages held from it are dropped.</summary>
public sealed record StrangerRefused(NodeId Node, int Asked, int Dropped) : NodeEvent;

public enum QueryBecause { Stranger, NoAnswer, NotOnList }

/// <summary>
/// A MEMBER_QUERY about <paramref name="Node"/>: it sent <paramref name="Message"/> as a stranger, or a seed did not
/// answer in time, or <paramref name="AnsweredBy"/> does not know it.
/// </summary>
public sealed record MemberQuerySent(NodeId Node, NodeId Seed, QueryBecause Why, string? Message, NodeId? AnsweredBy) : NodeEvent;

public sealed record MemberConfirmed(NodeId Seed, NodeId Node, long Incarnation, int Held) : NodeEvent;

/// <summary>
/// Signed membership: <paramref name="Seed"/> sent this peer's registration certificate for its current run
/// (<paramref name="Incarnation"/>), valid with <paramref name="Signers"/>' signatures; the peer keeps it, signs its
/// gossip under it and presents it in every HELLO from now on.
/// </summary>
public sealed record CertificateKept(NodeId Seed, long Incarnation, Seq<NodeId> Signers) : NodeEvent;

/// <summary>
/// A neighbour is suspected on <paramref name="Evidence"/>: strong evidence goes to the seeds at once, weak evidence
/// to witnesses first.
/// </summary>
public sealed record Suspected(NodeId Node, string Evidence, bool Strong) : NodeEvent;

public sealed record NoWitnesses(NodeId Node) : NodeEvent;

public sealed record WitnessesAsked(NodeId Node, Seq<NodeId> Witnesses, int Needed) : NodeEvent;

/// <summary>Links made while <paramref name="Suspect"/> is suspected, to keep the degree of live neighbours.</summary>
public sealed record DegreeToppedUp(int Active, int Min, NodeId Suspect, Seq<NodeId> Picked) : NodeEvent;

public sealed record WitnessAnswered(NodeId Node, NodeId Witness, bool Dead, string Evidence, int Confirms, int Needed) : NodeEvent;

public sealed record WitnessesInconclusive(NodeId Node, int Confirms, int Needed, int Denials) : NodeEvent;

/// <summary>A removal report went to <paramref name="Seeds"/> seeds; <paramref name="Report"/> is the text the report carries.</summary>
public sealed record DeadReported(NodeId Node, int Seeds, string Report) : NodeEvent;

public sealed record DeadReportResent(NodeId Node, long NextMs, string Report) : NodeEvent;

public enum DropCause { SentAMessage, WitnessesReachedIt, SeedsFoundItAlive }

/// <summary>
/// A suspicion ended: the suspect spoke, or <paramref name="Denials"/> of <paramref name="Witnesses"/> reached it,
/// or <paramref name="Seed"/> said the seeds found it alive (<paramref name="Reason"/>).
/// </summary>
public sealed record SuspicionDropped(NodeId Node, DropCause Why, int Denials = 0, int Witnesses = 0, string? Reason = null, NodeId? Seed = null) : NodeEvent;

/// <summary>Asked about <paramref name="Node"/>, this peer answers dead at once from what it knows.</summary>
public sealed record WitnessVerdict(NodeId Node, NodeId Asker, string Verdict) : NodeEvent;

public sealed record WitnessProbing(NodeId Node, NodeId Asker) : NodeEvent;

public sealed record WitnessWithheld(NodeId Node, long WindowMs, int Health, int HealthMax) : NodeEvent;

public sealed record WitnessAnswerSent(NodeId Node, NodeId Asker, bool Dead, string Evidence) : NodeEvent;

public sealed record PingUnavailable(string Ip, string Detail) : NodeEvent;

public sealed record PingUnanswered(string Ip, string Detail, int Failures, int Limit) : NodeEvent;

public sealed record NeighbourLeft(NodeId Node) : NodeEvent;

/// <summary>The seeds confirmed <paramref name="Node"/> dead (or gone): it leaves this peer's view.</summary>
public sealed record Purged(NodeId Node, string Reason, long Incarnation, Seq<NodeId> Voters, int Seeds, NodeId From, bool WasNeighbour, int Degree) : NodeEvent;

/// <summary>The seeds removed this very peer: it registers again as a new incarnation.</summary>
public sealed record Rejoining(NodeId Self, string Reason, NodeId From, long Incarnation) : NodeEvent;

public sealed record RendezvousLinked(NodeId Rendezvous) : NodeEvent;

public sealed record DegreeRepaired(int Degree, int Min, Seq<NodeId> Picked) : NodeEvent;
