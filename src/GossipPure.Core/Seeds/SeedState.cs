namespace GossipPure.Core.Seeds;

/// <summary>A committed peer: its last reported degree and the quorum certificate that admitted it.</summary>
public sealed record PeerRecord(int Degree, Seq<NodeId> Voters);

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

    /// <summary>The peer list as sent to <paramref name="receiver"/>: every committed peer but itself, in address order.</summary>
    public PeerList PeerListFor(NodeId receiver) =>
        new(toSeq(Peers.Filter((n, _) => n != receiver).Map((n, r) => new PeerEntry(n, r.Degree))
            .Values.OrderBy(e => e.Node).ToArray()));

    public RegisterCommit CertificateOf(NodeId peer, PeerRecord r) => new(peer, r.Voters);
}
