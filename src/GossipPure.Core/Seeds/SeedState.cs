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
    Map<NodeId, PeerRecord> Peers,
    HashMap<NodeId, RegistrationRecord> Registrations,
    long ProposalSeq,
    HashSet<NodeId> SeedsUp,
    HashSet<NodeId> SeedsDown)
{
    public static SeedState Initial(NodeConfig config) =>
        new(config, false, Map<NodeId, PeerRecord>(), HashMap<NodeId, RegistrationRecord>(), 0,
            HashSet<NodeId>(), HashSet<NodeId>());

    /// <summary>
    /// The committed peers. Changed only through <see cref="WithPeer"/>, <see cref="WithoutPeer"/> and
    /// <see cref="WithPeers"/> (or a new state), which keep <see cref="Order"/> in step with it.
    /// </summary>
    public Map<NodeId, PeerRecord> Peers { get; private init; } = Peers;

    PeerOrder order = PeerOrder.Of(Peers.Keys);

    /// <summary>
    /// The keys of <see cref="Peers"/> in address order, by position (what a PEER_LIST sample draws from), each with its
    /// degree (<see cref="DegreeOf"/>). Derived from the table and the reports, so a snapshot does not write it: a
    /// restored state builds it again.
    /// </summary>
    public PeerOrder Order => order;

    /// <summary>This state with <paramref name="peer"/> committed as <paramref name="record"/> (added or replaced).</summary>
    public SeedState WithPeer(NodeId peer, PeerRecord record) =>
        this with { Peers = Peers.AddOrUpdate(peer, record), order = order.Add(peer, DegreeOf(peer)) };

    /// <summary>This state without <paramref name="peer"/> in its table.</summary>
    public SeedState WithoutPeer(NodeId peer) =>
        this with { Peers = Peers.Remove(peer), order = order.Remove(peer) };

    /// <summary>This state with its whole table replaced, its order built again from it.</summary>
    public SeedState WithPeers(Map<NodeId, PeerRecord> peers) =>
        this with { Peers = peers, order = PeerOrder.Of(peers.Keys).WithDegrees(DegreeOf) };

    /// <summary>This state with <paramref name="report"/> as <paramref name="peer"/>'s last (its degree kept in the order too).</summary>
    public SeedState WithReport(NodeId peer, NeighbourReport report) =>
        this with { Reports = Reports.AddOrUpdate(peer, report), order = order.WithDegree(peer, report.Degree) };

    /// <summary>This state without a report of <paramref name="peer"/> (its degree 0 again, if it stays in the table).</summary>
    public SeedState WithoutReport(NodeId peer) =>
        this with { Reports = Reports.Remove(peer), order = order.WithDegree(peer, 0) };

    /// <summary>This state with all its reports replaced (a restored snapshot), the order's degrees taken from them.</summary>
    public SeedState WithReports(HashMap<NodeId, NeighbourReport> reports)
    {
        var next = this with { Reports = reports };
        return next with { order = order.WithDegrees(next.DegreeOf) };
    }

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

    // ---- Anti-entropy by versions (see SeedSync.cs) ----

    /// <summary>This run of the seed: the time it started. Another seed's versions are only compared within one of its runs.</summary>
    public long Run { get; init; }
    /// <summary>The last version given to a change to this seed's table (0: none yet).</summary>
    public long Version { get; init; }
    /// <summary>The version of the last change to each node's entry (its commit or tombstone)...</summary>
    public HashMap<NodeId, long> VersionOf { get; init; } = HashMap<NodeId, long>();
    /// <summary>...and the same, by version: one item per node, so the changes after a version are listed in order without a scan.</summary>
    public Map<long, NodeId> Changes { get; init; } = Map<long, NodeId>();
    /// <summary>How far this seed has applied each other seed's changes.</summary>
    public HashMap<NodeId, SyncCursor> SyncedFrom { get; init; } = HashMap<NodeId, SyncCursor>();

    /// <summary>
    /// The neighbours each peer last reported (DEGREE_UPDATE). Kept apart from the peer list: a report may arrive
    /// before the commit reaches this seed, and peers report again every <see cref="ProtocolOptions.DegreeReportMs"/>.
    /// Changed only through <see cref="WithReport"/>, <see cref="WithoutReport"/> and <see cref="WithReports"/>, which
    /// keep the degrees of <see cref="Order"/> in step with it.
    /// </summary>
    public HashMap<NodeId, NeighbourReport> Reports { get; private init; } = HashMap<NodeId, NeighbourReport>();

    /// <summary>A peer's degree as last reported (0 before its first report).</summary>
    public int DegreeOf(NodeId peer) => Reports.Find(peer).Map(r => r.Degree).IfNone(0);

    /// <summary>When this seed last told a part of the overlay to bridge, keyed by the part's lowest address.</summary>
    public HashMap<NodeId, long> BridgedUs { get; init; } = HashMap<NodeId, long>();

    /// <summary>Counts the DEGREE_UPDATEs that changed a report (a repeated report changes nothing).</summary>
    public long ReportsChanged { get; init; }

    /// <summary>The table version and report count at which the overlay check last found one connected overlay; null until then.</summary>
    public OverlayMark? OverlayWhole { get; init; }

    /// <summary>
    /// The peer list as sent to <paramref name="receiver"/>: every committed peer but itself, in address order — or,
    /// in a network larger than <see cref="ProtocolOptions.PeerListMax"/>, a uniform sample of that many (so the
    /// lists a network hands out grow as N, not N²). The sample is drawn from a hash of the receiver and this seed,
    /// so it is the same every time and different at each seed; picking by degree + 1 within a uniform sample
    /// keeps attachment preferential in expectation. It costs O(max · log N): positions are drawn, not the list sorted.
    /// </summary>
    public PeerList PeerListFor(NodeId receiver)
    {
        var max = Math.Max(1, Config.Options.PeerListMax);
        var others = Peers.Count - (Peers.ContainsKey(receiver) ? 1 : 0);
        var picked = others <= max
            ? Order.Entries.Where(e => e.Key != receiver).ToArray()
            : System.Array.ConvertAll(SampleOfPeers(new Rng(Peers_.Digest.Of(receiver, $"peer-list@{Config.Self}").A), max, receiver), Order.At);
        // With signed membership each entry carries its certificate, so the receiver checks the admission itself.
        var signed = Config.Security.On;
        var entries = new PeerEntry[picked.Length];
        for (var i = 0; i < picked.Length; i++)
        {
            var (n, degree) = picked[i];
            entries[i] = signed
                ? new PeerEntry(n, degree) { Cert = Seq1(CertificateOf(n, Peers[n])) }
                : new PeerEntry(n, degree);
        }
        return new(toSeq(entries));
    }

    /// <summary>
    /// The positions in <see cref="Order"/> of <paramref name="count"/> distinct committed peers other than
    /// <paramref name="skip"/>, uniformly, ascending (there must be more than that many): drawn by Floyd's method, and a
    /// position that names <paramref name="skip"/> replaced by a fresh draw among the positions not taken.
    /// </summary>
    int[] SampleOfPeers(Rng rng, int count, NodeId skip)
    {
        var n = Peers.Count;
        // The positions drawn, kept sorted in a plain array (a draw looks a position up by binary search and inserts it
        // in place): the same set a sorted set would hold, without a tree node per position.
        var at = new int[count];
        var taken = 0;
        for (var j = n - count; j < n; j++)
        {
            (var t, rng) = rng.NextInt(j + 1);
            var where = System.Array.BinarySearch(at, 0, taken, t);
            // t taken already: j instead, which is above every position drawn so far (all are below j), so it goes last.
            var (position, slot) = where >= 0 ? (j, taken) : (t, ~where);
            System.Array.Copy(at, slot, at, slot + 1, taken - slot);
            at[slot] = position;
            taken++;
        }
        var self = Order.IndexOf(skip) is var p and >= 0 ? System.Array.BinarySearch(at, p) : -1;
        if (self < 0) return at;
        int fresh;
        do (fresh, rng) = rng.NextInt(n); while (System.Array.BinarySearch(at, fresh) >= 0);
        // The sample without the skipped peer, the fresh one in its place in address order (position order).
        var list = new System.Collections.Generic.List<int>(at);
        list.RemoveAt(self);
        list.Insert(~list.BinarySearch(fresh), fresh);
        return [.. list];
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

/// <summary>A peer's last DEGREE_UPDATE: its degree, and the neighbours it named (all of them, or a bounded part for a hub).</summary>
public sealed record NeighbourReport(int Degree, HashSet<NodeId> Neighbours);

/// <summary>What the overlay check looked at: the table's version and how many reports had changed.</summary>
public readonly record struct OverlayMark(long Version, long ReportsChanged);
