namespace GossipPure.Core;

/// <summary>The wire names of the message types, as they appear in the JSON <c>type</c> field and in log lines.</summary>
public static class Wire
{
    public static string TypeName(Message m) => m switch
    {
        Hello => "HELLO",
        RegisterRequest => "REGISTER_REQUEST",
        RegisterProposal => "REGISTER_PROPOSAL",
        RegisterVote => "REGISTER_VOTE",
        RegisterCommit => "REGISTER_COMMIT",
        RegisterRejected => "REGISTER_REJECTED",
        PeerListRequest => "PEER_LIST_REQUEST",
        PeerList => "PEER_LIST",
        DegreeUpdate => "DEGREE_UPDATE",
        SeedSync => "SEED_SYNC",
        Bridge => "BRIDGE",
        LinkRequest => "LINK_REQUEST",
        Gossip => "GOSSIP",
        Heartbeat => "HEARTBEAT",
        Probe => "PROBE",
        ProbeAck => "PROBE_ACK",
        SuspectRequest => "SUSPECT_REQUEST",
        SuspectResponse => "SUSPECT_RESPONSE",
        DeadReport => "DEAD_REPORT",
        DeadProposal => "DEAD_PROPOSAL",
        DeadVote => "DEAD_VOTE",
        DeadConfirmed => "DEAD_CONFIRMED",
        DeadRejected => "DEAD_REJECTED",
        Leave => "LEAVE",
        MemberQuery => "MEMBER_QUERY",
        MemberAnswer => "MEMBER_ANSWER",
        _ => m.GetType().Name,
    };
}
