namespace GossipPure.Core;

// Events of a seed: registration votes, death votes, the overlay check.

public sealed record PeerListAtShutdown(int Peers) : NodeEvent;

public sealed record SeedConnected(NodeId Seed) : NodeEvent;

public sealed record RegisterRequested(NodeId Peer, long Incarnation) : NodeEvent;

/// <summary>A request from an incarnation that was removed or replaced: refused without a vote.</summary>
public sealed record RegistrationRefused(NodeId Peer, long Incarnation) : NodeEvent;

/// <summary>With signed membership: a request for an incarnation already registered (or being registered) under another key: refused without a vote.</summary>
public sealed record RegistrationKeyConflict(NodeId Peer, long Incarnation) : NodeEvent;

/// <summary>This seed proposed to register <paramref name="Peer"/>; <paramref name="OwnVote"/> is its own yes or no.</summary>
public sealed record RegisterProposed(string ProposalId, NodeId Peer, int SentTo, bool OwnVote) : NodeEvent;

public sealed record RegisterProposalReceived(string ProposalId, NodeId Peer, NodeId Proposer) : NodeEvent;

/// <summary>This seed's vote on another seed's proposal: yes when <paramref name="No"/> is null, else no with that reason.</summary>
public sealed record RegisterVoteSent(string ProposalId, NodeId Peer, NodeId Proposer, string? No) : NodeEvent;

public sealed record RegisterVoteCounted(string ProposalId, NodeId Peer, NodeId Voter, bool Yes, string? Reason, int YesVotes, int Seeds, int Quorum) : NodeEvent;

/// <summary>A quorum voted yes: <paramref name="Peer"/> is registered, <paramref name="Voters"/> its certificate.</summary>
public sealed record RegisterCommitted(NodeId Peer, Seq<NodeId> Voters, int Seeds, string ProposalId) : NodeEvent;

public sealed record RegisterVotedDown(NodeId Peer, int NoVotes, int Seeds, string Reason) : NodeEvent;

/// <summary>A commit another seed made, with its certificate.</summary>
public sealed record CommitLearned(NodeId Peer, NodeId From, Seq<NodeId> Voters, int Seeds) : NodeEvent;

/// <summary>A REGISTER_COMMIT whose certificate holds fewer than a quorum of distinct seeds.</summary>
public sealed record CommitIgnored(NodeId Peer, NodeId From, int Voters, int Quorum) : NodeEvent;

/// <summary>Anti-entropy taught this seed commits (<paramref name="Learned"/>, in order) and removals.</summary>
public sealed record SyncedFromSeed(NodeId From, Seq<NodeId> Learned, int Removed) : NodeEvent;

/// <summary>
/// A catch-up of several SEED_SYNC chunks ended: this seed has applied <paramref name="From"/>'s changes up to
/// <paramref name="Version"/> of its run <paramref name="Run"/>, in <paramref name="Chunks"/> chunks, which taught it
/// <paramref name="Learned"/> commits and <paramref name="Removed"/> removals. (A catch-up of one chunk says
/// <see cref="SyncedFromSeed"/>, when it taught anything.)
/// </summary>
public sealed record CaughtUpWithSeed(NodeId From, long Run, long Version, int Chunks, int Learned, int Removed) : NodeEvent;

/// <summary>
/// A SEED_SYNC that does not continue what this seed applied from <paramref name="From"/> (it starts after version
/// <paramref name="ExpectedSince"/> of run <paramref name="ExpectedRun"/>, or mid-way in another run): nothing of it
/// is applied; the next request asks again.
/// </summary>
public sealed record SyncChunkIgnored(NodeId From, long Run, long Since, long ExpectedRun, long ExpectedSince) : NodeEvent;

public sealed record RegisterTimedOut(string ProposalId, NodeId Peer, int YesVotes, int Seeds, int Quorum) : NodeEvent;

public sealed record MemberQueryAnswered(NodeId From, NodeId Node, bool Registered) : NodeEvent;

/// <summary>A peer list sent: <paramref name="Peers"/> entries out of <paramref name="Listed"/> (fewer: a sample).</summary>
public sealed record PeerListSent(NodeId To, int Peers, int Listed) : NodeEvent;

/// <summary>A removed peer still reports its degree: its DEAD_CONFIRMED is sent to it again.</summary>
public sealed record DegreeFromRemoved(NodeId From) : NodeEvent;

public sealed record DegreeUpdateIgnored(NodeId From) : NodeEvent;

/// <summary>A DEAD_REPORT arrived: <paramref name="Report"/> is the reporter's own line (<c>Dead Node:…</c>).</summary>
public sealed record DeadReportReceived(NodeId Reporter, NodeId Suspect, string Report) : NodeEvent;

/// <summary>Why a DEAD_REPORT starts no vote; <c>SuspectRemoved</c>: the suspect was removed already, and the reporter gets its DEAD_CONFIRMED again.</summary>
public enum ReportIgnoredBecause { ReporterRemoved, ReporterNotRegistered, SuspectNotListed, AboutItself, SuspectRemoved }

public sealed record DeadReportIgnored(NodeId Reporter, NodeId Suspect, ReportIgnoredBecause Why) : NodeEvent;

public sealed record LeaveReceived(NodeId Peer) : NodeEvent;

/// <summary>A report about a node the seeds found alive <paramref name="AliveAgoMs"/> ago: answered with that, no new vote.</summary>
public sealed record DeadReportMerged(NodeId Suspect, NodeId Reporter, long AliveAgoMs, string Evidence) : NodeEvent;

/// <summary>This seed proposed to remove <paramref name="Suspect"/> (reported by <paramref name="Reporter"/>).</summary>
public sealed record DeadProposed(string ProposalId, NodeId Suspect, string Reason, long Incarnation, NodeId Reporter, int SentTo) : NodeEvent;

public sealed record DeadProposalReceived(string ProposalId, NodeId Suspect, string Reason, NodeId Proposer) : NodeEvent;

/// <summary>This seed's vote on another seed's removal proposal, from its own evidence.</summary>
public sealed record DeadVoteSent(string ProposalId, NodeId Suspect, bool Yes, string Evidence, NodeId Proposer) : NodeEvent;

/// <summary>A registered peer's connection to this seed broke: the seed asks the seeds itself.</summary>
public sealed record PeerConnectionLost(NodeId Peer, string Reason) : NodeEvent;

/// <summary>A late seed gives no vote on an unanswered probe.</summary>
public sealed record DeadVoteWithheld(string ProposalId, NodeId Suspect, long WindowMs, int Health, int HealthMax) : NodeEvent;

public sealed record DeadVoteCounted(string ProposalId, NodeId Suspect, NodeId Voter, bool Yes, string Evidence, int YesVotes, int Seeds, int Quorum) : NodeEvent;

public sealed record DeadVotedDown(NodeId Suspect, int NoVotes, int Seeds, string Evidence) : NodeEvent;

/// <summary>How a seed came to remove a peer: its own vote's quorum, another seed's DEAD_CONFIRMED, or a sync.</summary>
public enum RemovedBy { Vote, Confirmation, Sync }

/// <summary>
/// A confirmed death (or departure) taken out of this seed's peer list. <paramref name="ProposalId"/> is set when this
/// seed's own vote decided it, <paramref name="From"/> when another seed's did.
/// </summary>
public sealed record PeerRemoved(NodeId Node, string Reason, long Incarnation, Seq<NodeId> Voters, int Seeds, RemovedBy By,
    string? ProposalId, NodeId? From, int PeersLeft) : NodeEvent;

public sealed record DeadTimedOut(string ProposalId, NodeId Suspect, int YesVotes, int Seeds, int Quorum) : NodeEvent;

/// <summary>The overlay is in <paramref name="Parts"/> parts: the part around <paramref name="Head"/> is told to link to <paramref name="Target"/>.</summary>
public sealed record OverlayBridged(int Parts, int PartSize, NodeId Head, NodeId Target, int TargetDegree) : NodeEvent;

/// <summary>
/// The reasons a removal carries (the <c>Reason</c> of DEAD_PROPOSAL and DEAD_CONFIRMED on the wire): a crash the
/// seeds confirmed by probing, or a departure the peer announced with LEAVE. Read them with these, not by spelling.
/// </summary>
public static class DeathReasons
{
    public const string Crashed = "crashed";
    public const string Left = "left";

    /// <summary>True for a departure (LEAVE), not a death.</summary>
    public static bool IsDeparture(string reason) => reason == Left;
}
