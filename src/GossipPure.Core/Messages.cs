namespace GossipPure.Core;

public enum Role { Seed, Peer }

/// <summary>
/// Everything that crosses the wire. The sender of a message is never a field of it: it is the identity
/// the connection announced in its <see cref="Hello"/>, and the shell hands it to the reducer beside the message.
/// </summary>
public abstract record Message;

/// <summary>First frame on every connection: who is speaking (its listening address) and as what.</summary>
public sealed record Hello(NodeId From, Role Role) : Message
{
    /// <summary>With signed membership: the dialler's public key (base64).</summary>
    public string? Key { get; init; }
    /// <summary>...its signature of <see cref="Identity.Statements.Hello"/> over the acceptor's challenge.</summary>
    public string? Proof { get; init; }
    /// <summary>...and, for a registered peer, its registration certificate, which binds the key to its address (0 or 1 item).</summary>
    public Seq<RegisterCommit> Cert { get; init; } = Seq<RegisterCommit>();
}

/// <summary>
/// Peer → seed: admit me (the connection's identity) into the peer list. <paramref name="Incarnation"/> tells this
/// run of the peer from earlier ones on the same address (its start time, in Unix microseconds).
/// </summary>
public sealed record RegisterRequest(long Incarnation) : Message
{
    /// <summary>With signed membership: the key the peer is admitted with...</summary>
    public string? Key { get; init; }
    /// <summary>...and its signature of <see cref="Identity.Statements.Join"/>, which proves it holds that key.</summary>
    public string? Sig { get; init; }
}

/// <summary>Seed → seeds: vote on admitting <paramref name="Peer"/>.</summary>
public sealed record RegisterProposal(NodeId Peer, string ProposalId, long Incarnation) : Message
{
    /// <summary>With signed membership: the key the peer asked to be admitted with (what a yes vote signs).</summary>
    public string? Key { get; init; }
}

/// <summary>Seed → proposing seed: its vote on a proposal; a no carries the reason.</summary>
public sealed record RegisterVote(NodeId Peer, string ProposalId, bool Yes, string? Reason) : Message
{
    /// <summary>With signed membership, on a yes: the voter's signature of <see cref="Identity.Statements.Register"/>.</summary>
    public string? Sig { get; init; }
}

/// <summary>Seed → seeds: <paramref name="Peer"/> is committed; <paramref name="Voters"/> is the quorum certificate.</summary>
public sealed record RegisterCommit(NodeId Peer, Seq<NodeId> Voters, long Incarnation) : Message
{
    /// <summary>With signed membership: the peer's public key, bound to its address and incarnation...</summary>
    public string? Key { get; init; }
    /// <summary>...the proposal the seeds voted on...</summary>
    public string? ProposalId { get; init; }
    /// <summary>...and ⌊n/2⌋+1 seed signatures of <see cref="Identity.Statements.Register"/> (the voters are their signers).</summary>
    public Seq<Identity.SeedSignature> Signatures { get; init; } = Seq<Identity.SeedSignature>();
}

/// <summary>Seed → peer: the seeds refused the registration.</summary>
public sealed record RegisterRejected(string Reason) : Message;

/// <summary>Registered peer → seed: send me the current peer list. (Seeds answer it; peers today get their list with registration.)</summary>
public sealed record PeerListRequest : Message;

/// <summary>A peer-list entry: a registered peer and the degree the seed last heard from it.</summary>
public readonly record struct PeerEntry(NodeId Node, int Degree)
{
    /// <summary>With signed membership: the peer's registration certificate (0 or 1 item), so the receiver can check its admission and learn its key.</summary>
    public Seq<RegisterCommit> Cert { get; init; }
}

/// <summary>Seed → peer: the committed peers (without the receiver) and their degrees.</summary>
public sealed record PeerList(Seq<PeerEntry> Peers) : Message;

/// <summary>
/// Peer → seeds: my current neighbours. Seeds hand out degrees (so newcomers attach preferentially) and watch
/// the overlay's shape (so they can bridge parts that are not connected). A hub names at most
/// <see cref="ProtocolOptions.DegreeReportMax"/> of its neighbours (the lowest addresses) and counts the rest in
/// <see cref="Unnamed"/>: its degree is still whole, and a link it leaves out still counts from the other end's report.
/// </summary>
public sealed record DegreeUpdate(Seq<NodeId> Neighbours) : Message
{
    /// <summary>How many neighbours the report leaves out (0, and absent from the wire, but for a hub).</summary>
    public int Unnamed { get; init; }
    public int Degree => Neighbours.Count + Unnamed;
}

/// <summary>
/// Seed → seed, when a link to another seed comes up and every <see cref="ProtocolOptions.SeedSyncMs"/>: send me the
/// changes to your table after version <paramref name="Since"/> of your run <paramref name="Run"/> (the run as the
/// asker last learned it, 0 when it knows none; a run that is not the answerer's own asks for everything).
/// </summary>
public sealed record SeedSyncRequest(long Run, long Since) : Message;

/// <summary>
/// Seed → seed, the answer to a <see cref="SeedSyncRequest"/>: the commit certificates and removals of the nodes whose
/// entry changed after version <paramref name="Since"/> of the sender's run <paramref name="Run"/>, in version order, up
/// to version <paramref name="Upto"/>; at most a chunk (bounded in entries and bytes, see
/// <see cref="ProtocolOptions.SeedSyncChunkEntries"/>), with <paramref name="More"/> when changes after
/// <paramref name="Upto"/> remain. So a seed that was down catches up in bounded chunks, and no removal is undone by
/// an older commit.
/// </summary>
public sealed record SeedSync(long Run, long Since, long Upto, bool More, Seq<RegisterCommit> Commits, Seq<DeadConfirmed> Removals) : Message;

/// <summary>Seed → peer: link to <paramref name="Target"/>; the part of the overlay you are in is cut off from the rest.</summary>
public sealed record Bridge(NodeId Target) : Message;

/// <summary>Peer → peer: make the connection a two-way neighbour link (the sender's incarnation, see <see cref="RegisterRequest"/>).</summary>
public sealed record LinkRequest(long Incarnation) : Message;

/// <summary>A gossip message <c>&lt;timestamp&gt;:&lt;IP&gt;:&lt;MsgNo&gt;</c> made by <paramref name="Origin"/>.</summary>
public sealed record Gossip(NodeId Origin, string Body) : Message
{
    // The identity hash, worked out once per message object (a function of Origin and Body alone; a reference,
    // so a reader on another thread sees either nothing or the whole digest).
    Peers.Digest? digest;

    Gossip(Gossip original) : base(original)
    {
        Origin = original.Origin;
        Body = original.Body;   // `with` makes a new message: its digest is worked out anew
        Sig = original.Sig;
        Cert = original.Cert;
        Data = original.Data;
    }

    /// <summary>
    /// An application message's payload (<c>gossip publish</c>), as base64; null for the reference design's
    /// <c>&lt;timestamp&gt;:&lt;IP&gt;:&lt;MsgNo&gt;</c> messages. Its body is then <c>&lt;timestamp&gt;:&lt;IP&gt;:a&lt;n&gt;</c>, its id.
    /// </summary>
    public string? Data { get; init; }

    /// <summary>With signed membership: the origin's signature of <see cref="Identity.Statements.Gossip"/>...</summary>
    public string? Sig { get; init; }
    /// <summary>...and the origin's registration certificate (0 or 1 item), which gives its key to receivers that never met it.</summary>
    public Seq<RegisterCommit> Cert { get; init; } = Seq<RegisterCommit>();

    /// <summary>SHA-256 of origin and body: what dedup keys on (<see cref="Peers.Digest.Of"/>).</summary>
    public Peers.Digest Digest => digest ??= Peers.Digest.Of(Origin, Body);

    public bool Equals(Gossip? other) =>
        other is not null && (ReferenceEquals(this, other) || (Origin == other.Origin && string.Equals(Body, other.Body, StringComparison.Ordinal)));

    public override int GetHashCode() => HashCode.Combine(Origin, Body);
}

// ---- Failure detection ----------------------------------------------------------------------------------------

/// <summary>Peer → neighbour, every heartbeat interval: I am alive. Any frame counts as a sign of life.</summary>
public sealed record Heartbeat : Message;

/// <summary>Anyone → node: answer with <see cref="ProbeAck"/> carrying the same nonce.</summary>
public sealed record Probe(long Nonce) : Message;

public sealed record ProbeAck(long Nonce) : Message;

/// <summary>Peer → witness peer: is <paramref name="Suspect"/> dead by your own evidence? (You may probe it for me.)</summary>
public sealed record SuspectRequest(NodeId Suspect) : Message;

/// <summary>
/// Peer → seed: is <paramref name="Node"/> a registered peer? Asked before a peer takes a link, gossip or a
/// suspicion request from a node that is not on its peer list (one that registered after it, say).
/// </summary>
public sealed record MemberQuery(NodeId Node) : Message;

/// <summary>Seed → peer: whether <paramref name="Node"/> is on its list, and as which incarnation (0 when not).</summary>
public sealed record MemberAnswer(NodeId Node, bool Member, long Incarnation) : Message
{
    /// <summary>With signed membership, for a member: its registration certificate (0 or 1 item).</summary>
    public Seq<RegisterCommit> Cert { get; init; } = Seq<RegisterCommit>();
}

/// <summary>Witness → asking peer: its verdict on the suspect and the evidence behind it.</summary>
public sealed record SuspectResponse(NodeId Suspect, bool Dead, string Evidence) : Message
{
    /// <summary>With signed membership: the witness's signature of <see cref="Identity.Statements.SuspectResponse"/>.</summary>
    public string? Sig { get; init; }
}

/// <summary>Peer → seeds: <c>Dead Node:&lt;IP&gt;:&lt;Port&gt;:&lt;timestamp&gt;:&lt;reporter.IP&gt;</c>.</summary>
public sealed record DeadReport(NodeId Suspect, string Report) : Message
{
    /// <summary>With signed membership: the reporter's signature of <see cref="Identity.Statements.DeadReport"/>.</summary>
    public string? Sig { get; init; }
}

/// <summary>Seed → seeds: vote on removing <paramref name="Suspect"/>; <paramref name="Reason"/> is "crashed" or "left".</summary>
public sealed record DeadProposal(NodeId Suspect, string ProposalId, string Reason, long Incarnation) : Message;

/// <summary>Seed → proposing seed: its vote, from its own probe of the suspect (or the suspect's own LEAVE).</summary>
public sealed record DeadVote(NodeId Suspect, string ProposalId, bool Yes, string Evidence) : Message
{
    /// <summary>With signed membership, on a yes: the voter's signature of <see cref="Identity.Statements.Dead"/>.</summary>
    public string? Sig { get; init; }
}

/// <summary>
/// Seed → seeds and peers: <paramref name="Incarnation"/> of <paramref name="Node"/> (and any older one) is removed;
/// <paramref name="Voters"/> is the quorum certificate. Former neighbours of the node link to
/// <paramref name="Rendezvous"/> (the live peer of highest degree), so the parts a dead hub leaves behind join at once.
/// </summary>
public sealed record DeadConfirmed(NodeId Node, Seq<NodeId> Voters, string Reason, Option<NodeId> Rendezvous, long Incarnation) : Message
{
    /// <summary>With signed membership: the proposal the seeds voted on...</summary>
    public string? ProposalId { get; init; }
    /// <summary>...and ⌊n/2⌋+1 seed signatures of <see cref="Identity.Statements.Dead"/>. The rendezvous is a hint, not signed.</summary>
    public Seq<Identity.SeedSignature> Signatures { get; init; } = Seq<Identity.SeedSignature>();
}

/// <summary>Seed → reporting peers: a quorum of seeds found the suspect alive.</summary>
public sealed record DeadRejected(NodeId Suspect, string Reason) : Message;

/// <summary>
/// Signed membership, seed → peer: before a seed signs a registration another seed proposed, it asks the peer, at its
/// address, to prove the key the proposal binds (a dishonest seed could otherwise propose any address with its own key).
/// </summary>
public sealed record KeyChallenge(long Nonce) : Message;

/// <summary>Peer → seed: its signature of <see cref="Identity.Statements.KeyProof"/> over the challenge.</summary>
public sealed record KeyProof(long Nonce, string Sig) : Message;

/// <summary>Peer → neighbours and seeds on Ctrl+C: a departure, not a crash.</summary>
public sealed record Leave : Message;
