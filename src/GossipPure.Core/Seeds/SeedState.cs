using Peers_ = GossipPure.Core.Peers;
namespace GossipPure.Core.Seeds;

/// <summary>A committed peer: the incarnation admitted and the quorum certificate that admitted it.</summary>
public sealed record PeerRecord(Seq<NodeId> Voters, long Incarnation)
{
    /// <summary>With signed membership: the key the peer was admitted with (what its DEAD_REPORTs are checked with)...</summary>
    public string? Key { get; init; }
    /// <summary>...the proposal the seeds voted on...</summary>
    public string? ProposalId { get; init; }
    /// <summary>...and the seeds' signatures: with the fields above, the whole certificate, served again as it came.</summary>
    public Seq<Identity.SeedSignature> Signatures { get; init; } = Seq<Identity.SeedSignature>();

    /// <summary>The record of a commit whose certificate holds (the certificate kept whole).</summary>
    public static PeerRecord Of(RegisterCommit c) =>
        new(c.Voters, c.Incarnation) { Key = c.Key, ProposalId = c.ProposalId, Signatures = c.Signatures };
}

public sealed record SeedState(
    NodeConfig Config,
    bool Running,
    HashMap<NodeId, PeerRecord> Peers,
    HashMap<NodeId, RegistrationRecord> Registrations,
    long ProposalSeq,
    HashSet<NodeId> SeedsUp,
    HashSet<NodeId> SeedsDown)
{
    public static SeedState Initial(NodeConfig config) =>
        new(config, false, HashMap<NodeId, PeerRecord>(), HashMap<NodeId, RegistrationRecord>(), 0,
            HashSet<NodeId>(), HashSet<NodeId>());

    /// <summary>The time of the input being handled.</summary>
    public long NowUs { get; init; }

    /// <summary>How late this seed itself is (see <see cref="Core.Health"/>).</summary>
    public Health Health { get; init; } = Health.Zero;

    /// <summary>Removal votes in progress, keyed by the suspect.</summary>
    public HashMap<NodeId, DeathRecord> Deaths { get; init; } = HashMap<NodeId, DeathRecord>();

    /// <summary>Probes this seed runs before it votes, with the votes waiting on each.</summary>
    public HashMap<NodeId, PendingProbe<BallotRef>> Probes { get; init; } = HashMap<NodeId, PendingProbe<BallotRef>>();

    public long NextNonce { get; init; } = 1;

    /// <summary>Peers that told this seed themselves that they are leaving.</summary>
    public HashSet<NodeId> Left { get; init; } = HashSet<NodeId>();
    /// <summary>Signed membership: peers asked to prove the key of a registration other seeds proposed, with the votes waiting on each.</summary>
    public HashMap<NodeId, KeyCheckRecord> KeyChecks { get; init; } = HashMap<NodeId, KeyCheckRecord>();

    /// <summary>Tombstones: the last removal of each address. An incarnation at or below it never comes back.</summary>
    public HashMap<NodeId, DeadConfirmed> Removed { get; init; } = HashMap<NodeId, DeadConfirmed>();

    /// <summary>
    /// The neighbours each peer last reported (DEGREE_UPDATE). Kept apart from the peer list: a report may arrive
    /// before the commit reaches this seed, and peers report again every <see cref="ProtocolOptions.DegreeReportMs"/>.
    /// </summary>
    public HashMap<NodeId, HashSet<NodeId>> Reports { get; init; } = HashMap<NodeId, HashSet<NodeId>>();

    /// <summary>A peer's degree as last reported (0 before its first report).</summary>
    public int DegreeOf(NodeId peer) => Reports.Find(peer).Map(r => r.Count).IfNone(0);

    /// <summary>When this seed last told a part of the overlay to bridge, keyed by the part's lowest address.</summary>
    public HashMap<NodeId, long> BridgedUs { get; init; } = HashMap<NodeId, long>();

    /// <summary>
    /// The peer list as sent to <paramref name="receiver"/>: every committed peer but itself, in address order — or,
    /// in a network larger than <see cref="ProtocolOptions.PeerListMax"/>, a uniform sample of that many (so the
    /// lists a network hands out grow as N, not N²). The sample is drawn from a hash of the receiver and this seed,
    /// so it is the same every time and different at each seed; picking by degree + 1 within a uniform sample
    /// keeps attachment preferential in expectation.
    /// </summary>
    public PeerList PeerListFor(NodeId receiver)
    {
        var all = Peers.Keys.Filter(n => n != receiver).OrderBy(n => n).ToArray();
        var max = Math.Max(1, Config.Options.PeerListMax);
        if (all.Length > max)
        {
            var draw = new Rng(Peers_.Digest.Of(receiver, $"peer-list@{Config.Self}").A);
            all = draw.Sample(toSeq(all), max).Picked.OrderBy(n => n).ToArray();
        }
        // With signed membership each entry carries its certificate, so the receiver checks the admission itself.
        var signed = Config.Security.On;
        return new(toSeq(all.Select(n => signed
            ? new PeerEntry(n, DegreeOf(n)) { Cert = Seq1(CertificateOf(n, Peers[n])) }
            : new PeerEntry(n, DegreeOf(n))).ToArray()));
    }

    /// <summary>The certificate that admitted <paramref name="peer"/>, whole (key, proposal id and signatures when signed).</summary>
    public RegisterCommit CertificateOf(NodeId peer, PeerRecord r) =>
        new(peer, r.Voters, r.Incarnation) { Key = r.Key, ProposalId = r.ProposalId, Signatures = r.Signatures };

    /// <summary>True when <paramref name="incarnation"/> of <paramref name="peer"/> is already removed or replaced by a newer one.</summary>
    public bool IsSuperseded(NodeId peer, long incarnation) =>
        Removed.Find(peer).Map(t => t.Incarnation >= incarnation).IfNone(false)
        || Peers.Find(peer).Map(r => r.Incarnation > incarnation).IfNone(false);
}

/// <summary>A vote this seed owes: on <paramref name="ProposalId"/>, to <paramref name="Proposer"/> (itself for its own).</summary>
public readonly record struct BallotRef(NodeId Proposer, string ProposalId)
{
    /// <summary>The incarnation the proposal would remove (a signed yes vote signs it).</summary>
    public long Incarnation { get; init; }
    /// <summary>The proposal's reason, "crashed" or "left" (a signed yes vote signs it).</summary>
    public string Reason { get; init; } = "";
}

/// <summary>One removal vote at its proposing seed; only the phase enum is machine state (see <see cref="DeathVote"/>).</summary>
public sealed record DeathRecord(
    NodeId Suspect,
    DeathPhase Phase,
    string ProposalId,
    string Reason,
    long Incarnation,
    HashSet<NodeId> Yes,
    HashSet<NodeId> No,
    HashSet<NodeId> Reporters,
    string LastEvidence)
{
    /// <summary>When the vote was decided (set when the suspect was found alive: reports are merged for a while after).</summary>
    public long DecidedUs { get; init; }

    /// <summary>With signed membership: each yes voter's verified signature (the certificate the DEAD_CONFIRMED carries).</summary>
    public HashMap<NodeId, string> Sigs { get; init; } = HashMap<NodeId, string>();
}
