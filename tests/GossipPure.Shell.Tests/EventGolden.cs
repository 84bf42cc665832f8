using GossipPure.Core;

namespace GossipPure.Shell.Tests;

/// <summary>
/// One case of every event kind with the exact line the output file carries for it (the reference design's lines,
/// as the core wrote them before it spoke in events) and its level. EventTextTests renders each and checks that every
/// concrete <see cref="NodeEvent"/> of the core has a case here.
/// </summary>
public static class EventGolden
{
    static readonly NodeId S1 = new("127.0.0.1", 5011), S2 = new("127.0.0.1", 5012), S3 = new("127.0.0.1", 5013);
    static readonly NodeId P1 = new("127.0.0.1", 6001), P2 = new("127.0.0.1", 6002), P3 = new("127.0.0.1", 6003), V6 = new("::1", 6004);
    const string Report = "Dead Node:127.0.0.1:6002:1732520000.123456:127.0.0.1";

    public static readonly (NodeEvent Event, LogLevel Level, string Line)[] Cases =
    [
        (new NodeStarted(Role.Seed, S1, 3, 2), LogLevel.Info, "Seed 127.0.0.1:5011 started; 3 seeds in config, quorum 2"),
        (new NodeStarted(Role.Peer, V6, 3, 2), LogLevel.Info, "Peer [::1]:6004 started; 3 seeds in config, quorum 2"),
        (new ShuttingDown(), LogLevel.Info, "Shutting down."),
        (new FrameRefused("127.0.0.1:40000", "bad JSON"), LogLevel.Warning, "Bad frame from 127.0.0.1:40000: bad JSON; connection dropped"),
        (new MessageIgnored("REGISTER_REQUEST", S2, IgnoredBecause.SeedsDoNotRegister), LogLevel.Warning, "REGISTER_REQUEST from seed 127.0.0.1:5012 ignored: seeds do not register as peers"),
        (new MessageIgnored("DEAD_VOTE", P1, IgnoredBecause.SenderNotASeed), LogLevel.Warning, "DEAD_VOTE from 127.0.0.1:6001 ignored: sender is not a seed in config"),
        (new MessageIgnored("GOSSIP", P1, IgnoredBecause.NotASeedMessage), LogLevel.Warning, "GOSSIP from 127.0.0.1:6001 ignored: not a seed message"),
        (new MessageIgnored("REGISTER_PROPOSAL", S1, IgnoredBecause.NotAPeerMessage), LogLevel.Warning, "REGISTER_PROPOSAL from 127.0.0.1:5011 ignored: not a peer message"),
        (new MessageIgnored("PEER_LIST_REQUEST", P1, IgnoredBecause.NotRegistered), LogLevel.Warning, "PEER_LIST_REQUEST from 127.0.0.1:6001 ignored: not a registered peer"),
        (new MessageIgnored("LINK_REQUEST", S1, IgnoredBecause.FromSelfOrSeed), LogLevel.Warning, "LINK_REQUEST from 127.0.0.1:5011 ignored"),
        (new MessageIgnored("LINK_REQUEST", P2, IgnoredBecause.IncarnationDead), LogLevel.Warning, "LINK_REQUEST from 127.0.0.1:6002 ignored: that incarnation was confirmed dead"),
        (new ConfirmationIgnored(P2, S1, 1, 2), LogLevel.Warning, "DEAD_CONFIRMED 127.0.0.1:6002 from 127.0.0.1:5011 ignored: 1 voters, quorum is 2"),
        (new CertificateRefused("DEAD_CONFIRMED", P2, S1, 1, 2, Core.Identity.CertificateFault.TooFewSignatures, S2), LogLevel.Warning, "DEAD_CONFIRMED about 127.0.0.1:6002 from 127.0.0.1:5011 refused: 1 valid seed signatures, 2 needed (127.0.0.1:5012: no valid signature); nothing applied"),
        (new CertificateRefused("REGISTER_COMMIT", P1, S2, 0, 2, Core.Identity.CertificateFault.TooFewSignatures, null), LogLevel.Warning, "REGISTER_COMMIT about 127.0.0.1:6001 from 127.0.0.1:5012 refused: 0 valid seed signatures, 2 needed; nothing applied"),
        (new CertificateRefused("PEER_LIST", P1, S2, 0, 2, Core.Identity.CertificateFault.Unbound, null), LogLevel.Warning, "PEER_LIST about 127.0.0.1:6001 from 127.0.0.1:5012 refused: its certificate binds no key; nothing applied"),
        (new CertificateRefused("GOSSIP", P1, P2, 2, 2, Core.Identity.CertificateFault.WrongSubject, null), LogLevel.Warning, "GOSSIP about 127.0.0.1:6001 from 127.0.0.1:6002 refused: its certificate is for another address or key; nothing applied"),
        (new SignatureRefused("GOSSIP", P2, P1), LogLevel.Warning, "GOSSIP from 127.0.0.1:6002 refused: the signature of 127.0.0.1:6001 does not verify; nothing applied"),
        (new StaleCertificateRefused("DEAD_CONFIRMED", P1, S1, 5, 7), LogLevel.Warning, "DEAD_CONFIRMED about 127.0.0.1:6001 from 127.0.0.1:5011 refused: incarnation 5 is older than the current 7; nothing applied"),
        (new HealthWorse(2, 8, 600, TimerKey.Parse("heartbeat"), 0, 0), LogLevel.Warning, "Health 2/8: this node is late (timer 'heartbeat' fired 600ms late); its windows are stretched ×3 and it accuses no one on silence or timeouts"),
        (new HealthWorse(8, 8, 10_000, null, 120, 10_000), LogLevel.Warning, "Health 8/8: this node is late (timers 120ms late, oldest queued input 10000ms old); its windows are stretched ×9 and it accuses no one on silence or timeouts"),
        (new HealthBetter(0, 8, 1000), LogLevel.Info, "Health 0/8: on time again; windows back to normal"),
        (new HealthBetter(1, 8, 1000), LogLevel.Info, "Health 1/8: on time for 1000ms; windows stretched ×2"),
        (new SeedUnreachable(S2, "connection refused", 250), LogLevel.Warning, "Seed 127.0.0.1:5012 unreachable: connection refused; retrying every 250ms"),
        (new SeedUnreachable(S2, "connection refused", null), LogLevel.Warning, "Seed 127.0.0.1:5012 unreachable: connection refused"),
        (new TransitionRefused("suspicion", "Alive", "Confirmed", "127.0.0.1:6002"), LogLevel.Error, "BUG: the suspicion machine refused Confirmed in Alive for 127.0.0.1:6002; the code fired a transition its table does not allow"),

        (new PeerListAtShutdown(4), LogLevel.Info, "Peer list at shutdown: 4 peers"),
        (new SeedConnected(S2), LogLevel.Info, "Connected to seed 127.0.0.1:5012"),
        (new RegisterRequested(P1, 42), LogLevel.Info, "REGISTER_REQUEST from 127.0.0.1:6001 (incarnation 42)"),
        (new RegistrationRefused(P1, 42), LogLevel.Warning, "REGISTER_REJECTED 127.0.0.1:6001: incarnation 42 was removed or replaced"),
        (new RegistrationKeyConflict(P1, 42), LogLevel.Warning, "REGISTER_REJECTED 127.0.0.1:6001: incarnation 42 is registered under another key"),
        (new RegisterProposed("5011-1", P1, 2, true), LogLevel.Info, "REGISTER_PROPOSAL 5011-1 for 127.0.0.1:6001 sent to 2 seeds (own vote: yes)"),
        (new RegisterProposed("5011-1", P1, 2, false), LogLevel.Info, "REGISTER_PROPOSAL 5011-1 for 127.0.0.1:6001 sent to 2 seeds (own vote: no)"),
        (new RegisterProposalReceived("5011-1", P1, S1), LogLevel.Info, "REGISTER_PROPOSAL 5011-1 for 127.0.0.1:6001 from 127.0.0.1:5011"),
        (new RegisterVoteSent("5011-1", P1, S1, null), LogLevel.Info, "REGISTER_VOTE yes on 5011-1 for 127.0.0.1:6001 sent to 127.0.0.1:5011"),
        (new RegisterVoteSent("5011-1", P1, S1, "127.0.0.1:6001 is a seed address"), LogLevel.Info, "REGISTER_VOTE no (127.0.0.1:6001 is a seed address) on 5011-1 for 127.0.0.1:6001 sent to 127.0.0.1:5011"),
        (new RegisterVoteCounted("5011-1", P1, S2, true, null, 2, 3, 2), LogLevel.Info, "REGISTER_VOTE yes on 5011-1 for 127.0.0.1:6001 from 127.0.0.1:5012 (2/3 yes, quorum 2)"),
        (new RegisterVoteCounted("5011-1", P1, S2, false, "replaced", 1, 3, 2), LogLevel.Info, "REGISTER_VOTE no (replaced) on 5011-1 for 127.0.0.1:6001 from 127.0.0.1:5012 (1/3 yes, quorum 2)"),
        (new RegisterCommitted(P1, Seq(S1, S2), 3, "5011-1"), LogLevel.Info, "REGISTER_COMMIT 127.0.0.1:6001 with 2/3 votes (127.0.0.1:5011, 127.0.0.1:5012); proposal 5011-1"),
        (new RegisterVotedDown(P1, 2, 3, "replaced"), LogLevel.Warning, "REGISTER_REJECTED 127.0.0.1:6001: 2/3 seeds voted no (replaced)"),
        (new CommitLearned(P1, S2, Seq(S1, S2, S2), 3), LogLevel.Info, "REGISTER_COMMIT 127.0.0.1:6001 learned from 127.0.0.1:5012 (2/3 votes: 127.0.0.1:5011, 127.0.0.1:5012, 127.0.0.1:5012)"),
        (new CommitIgnored(P1, S2, 1, 2), LogLevel.Warning, "REGISTER_COMMIT for 127.0.0.1:6001 from 127.0.0.1:5012 ignored: 1 voters, quorum is 2"),
        (new SyncedFromSeed(S2, Seq(P1, P2), 1), LogLevel.Info, "Synced from seed 127.0.0.1:5012: 2 committed peers learned (127.0.0.1:6001, 127.0.0.1:6002), 1 removals applied"),
        (new SyncedFromSeed(S2, Seq<NodeId>(), 3), LogLevel.Info, "Synced from seed 127.0.0.1:5012: 0 committed peers learned, 3 removals applied"),
        (new SyncedFromSeed(S2, toSeq(Enumerable.Range(1, 10).Select(i => new NodeId("10.0.0.1", i)).ToArray()), 0), LogLevel.Info,
            "Synced from seed 127.0.0.1:5012: 10 committed peers learned (10.0.0.1:1, 10.0.0.1:2, 10.0.0.1:3, 10.0.0.1:4, 10.0.0.1:5, 10.0.0.1:6, 10.0.0.1:7, 10.0.0.1:8 and 2 more), 0 removals applied"),
        (new RegisterTimedOut("5011-1", P1, 1, 3, 2), LogLevel.Warning, "REGISTER_TIMEOUT 5011-1 for 127.0.0.1:6001: 1/3 yes votes, quorum 2 not reached; no quorum of seeds is reachable, the peer will retry"),
        (new MemberQueryAnswered(P1, P2, true), LogLevel.Debug, "MEMBER_QUERY from 127.0.0.1:6001 about 127.0.0.1:6002: registered"),
        (new MemberQueryAnswered(P1, P2, false), LogLevel.Debug, "MEMBER_QUERY from 127.0.0.1:6001 about 127.0.0.1:6002: not on the list"),
        (new PeerListSent(P1, 3, 3), LogLevel.Info, "PEER_LIST sent to 127.0.0.1:6001: 3 peers"),
        (new PeerListSent(P1, 3, 7), LogLevel.Info, "PEER_LIST sent to 127.0.0.1:6001: 3 peers (a sample of 7)"),
        (new DegreeFromRemoved(P2), LogLevel.Info, "DEGREE_UPDATE from removed 127.0.0.1:6002: DEAD_CONFIRMED sent to it again"),
        (new DegreeUpdateIgnored(P2), LogLevel.Debug, "DEGREE_UPDATE from 127.0.0.1:6002 ignored: not a registered peer"),
        (new DeadReportReceived(P1, P2, Report), LogLevel.Info, $"DEAD_REPORT from 127.0.0.1:6001: {Report}"),
        (new DeadReportIgnored(P1, P2, ReportIgnoredBecause.ReporterRemoved), LogLevel.Warning, "DEAD_REPORT from removed 127.0.0.1:6001 ignored: DEAD_CONFIRMED sent to it again"),
        (new DeadReportIgnored(P1, P2, ReportIgnoredBecause.ReporterNotRegistered), LogLevel.Warning, "DEAD_REPORT from 127.0.0.1:6001 ignored: not a registered peer"),
        (new DeadReportIgnored(P1, P2, ReportIgnoredBecause.SuspectNotListed), LogLevel.Warning, "DEAD_REPORT about 127.0.0.1:6002 ignored: it is not in the peer list"),
        (new DeadReportIgnored(P1, P2, ReportIgnoredBecause.SuspectRemoved), LogLevel.Warning, "DEAD_REPORT about removed 127.0.0.1:6002 from 127.0.0.1:6001: DEAD_CONFIRMED sent to it again"),
        (new DeadReportIgnored(P1, P1, ReportIgnoredBecause.AboutItself), LogLevel.Warning, "DEAD_REPORT from 127.0.0.1:6001 about itself ignored"),
        (new LeaveReceived(P1), LogLevel.Info, "LEAVE from 127.0.0.1:6001: it is shutting down"),
        (new DeadReportMerged(P2, P1, 350, "answered PROBE in 1.2ms"), LogLevel.Debug, "DEAD_REPORT about 127.0.0.1:6002 from 127.0.0.1:6001 merged: the seeds found it alive 350ms ago (answered PROBE in 1.2ms)"),
        (new DeadProposed("d5011-3", P2, "crashed", 42, P1, 2), LogLevel.Info, "DEAD_PROPOSAL d5011-3 for 127.0.0.1:6002 (crashed) sent to 2 seeds"),
        (new DeadProposalReceived("d5011-3", P2, "left", S1), LogLevel.Info, "DEAD_PROPOSAL d5011-3 for 127.0.0.1:6002 (left) from 127.0.0.1:5011"),
        (new DeadVoteSent("d5011-3", P2, true, "cannot connect (connection refused)", S1), LogLevel.Info, "DEAD_VOTE yes on d5011-3 for 127.0.0.1:6002 (cannot connect (connection refused)) sent to 127.0.0.1:5011"),
        (new DeadVoteSent("d5011-3", P2, false, "answered PROBE in 0.4ms", S1), LogLevel.Info, "DEAD_VOTE no on d5011-3 for 127.0.0.1:6002 (answered PROBE in 0.4ms) sent to 127.0.0.1:5011"),
        (new PeerConnectionLost(P2, "connection reset"), LogLevel.Info, "Connection from registered peer 127.0.0.1:6002 lost (connection reset): asking the seeds whether it is alive"),
        (new DeadVoteWithheld("d5011-3", P2, 600, 1, 8), LogLevel.Warning, "DEAD_VOTE withheld on d5011-3 for 127.0.0.1:6002: no answer to PROBE within 600ms, but this seed is itself late (health 1/8)"),
        (new DeadVoteCounted("d5011-3", P2, S2, true, "no answer to 3 PROBEs within 300ms", 2, 3, 2), LogLevel.Info, "DEAD_VOTE yes on d5011-3 for 127.0.0.1:6002 from 127.0.0.1:5012 (no answer to 3 PROBEs within 300ms); 2/3 yes, quorum 2"),
        (new DeadVotedDown(P2, 2, 3, "answered PROBE in 0.4ms"), LogLevel.Warning, "DEAD_REJECTED 127.0.0.1:6002: 2/3 seeds found it alive (answered PROBE in 0.4ms); it stays"),
        (new PeerRemoved(P2, "crashed", 42, Seq(S1, S2), 3, RemovedBy.Vote, "d5011-3", null, 3), LogLevel.Warning, "DEAD_CONFIRMED 127.0.0.1:6002 (crashed) with 2/3 votes (127.0.0.1:5011, 127.0.0.1:5012); proposal d5011-3; peer list now 3"),
        (new PeerRemoved(P2, "left", 42, Seq(S1, S2, S2), 3, RemovedBy.Confirmation, null, S2, 3), LogLevel.Warning, "DEAD_CONFIRMED 127.0.0.1:6002 (left) learned from 127.0.0.1:5012 (2/3 votes); peer list now 3"),
        (new PeerRemoved(P2, "crashed", 42, Seq(S1, S2), 3, RemovedBy.Sync, null, S3, 2), LogLevel.Warning, "DEAD_CONFIRMED 127.0.0.1:6002 (crashed) learned from seed 127.0.0.1:5013 by sync; peer list now 2"),
        (new DeadTimedOut("d5011-3", P2, 1, 3, 2), LogLevel.Warning, "DEAD_TIMEOUT d5011-3 for 127.0.0.1:6002: 1/3 yes votes, quorum 2 not reached; no quorum of seeds is reachable, waiting for the next report"),
        (new OverlayBridged(2, 3, P3, P1, 5), LogLevel.Warning, "OVERLAY in 2 parts: bridging the part of 3 peers around 127.0.0.1:6003 to 127.0.0.1:6001 (degree 5)"),

        (new LeaveSent(3, 3), LogLevel.Info, "LEAVE sent to 3 neighbours and 3 seeds"),
        (new GossipTotals(5, 40, 120, 1, 3), LogLevel.Info, "Gossip made 5, received first-time 40, duplicates dropped 120, stale dropped 1; degree 3"),
        (new RegisterRequestSent(Seq(S1, S3), 1), LogLevel.Info, "REGISTER_REQUEST sent to 127.0.0.1:5011, 127.0.0.1:5013 (attempt 1)"),
        (new RegisterRequestRedirected(S2, S1), LogLevel.Info, "REGISTER_REQUEST sent to 127.0.0.1:5012 (instead of 127.0.0.1:5011)"),
        (new NoQuorumReachable(1, 3, 2, 500), LogLevel.Warning, "No quorum reachable: 1 of 3 seeds answer, 2 needed; retrying in 500ms"),
        (new PeerListReceived(S1, Seq(new PeerEntry(P2, 2), new PeerEntry(P3, 0)), true), LogLevel.Info, "PEER_LIST from 127.0.0.1:5011: [127.0.0.1:6002 (degree 2), 127.0.0.1:6003 (degree 0)]"),
        (new PeerListReceived(S1, Seq<PeerEntry>(), false), LogLevel.Debug, "PEER_LIST from 127.0.0.1:5011: []"),
        (new Registered(2, 5), LogLevel.Info, "Registered; peer list is the union of 2 seeds' lists: 5 peers"),
        (new FirstPeer(), LogLevel.Info, "No other peer registered yet: waiting for neighbours to link to this peer"),
        (new NeighboursChosen(Seq(new PeerEntry(P2, 3), new PeerEntry(P3, 1)), 5), LogLevel.Info, "Neighbours chosen (2 of 5, preferential attachment): [127.0.0.1:6002 (degree 3), 127.0.0.1:6003 (degree 1)]"),
        (new BridgeReceived(S1, P3), LogLevel.Info, "BRIDGE from 127.0.0.1:5011: linking to 127.0.0.1:6003 to join a part of the overlay this peer was cut off from"),
        (new RegistrationRejected(S1, "incarnation 1 of 127.0.0.1:6001 was removed or replaced; start the peer again"), LogLevel.Error, "REGISTER_REJECTED by 127.0.0.1:5011: incarnation 1 of 127.0.0.1:6001 was removed or replaced; start the peer again; this peer cannot join and stops"),
        (new NeighbourAdded(P2, 4), LogLevel.Info, "Neighbour added: 127.0.0.1:6002 linked to this peer (degree now 4)"),
        (new GossipMade(P1, "1732520000.123456:127.0.0.1:1", 3), LogLevel.Info, "GOSSIP made: '1732520000.123456:127.0.0.1:1' (sent to 3 neighbours)"),
        (new GossipReceived(P1, "1732520000.123456:127.0.0.1:1", P2), LogLevel.Info, "GOSSIP received (first time): '1732520000.123456:127.0.0.1:1' from 127.0.0.1:6002 origin 127.0.0.1:6001"),
        (new AppMade("1732520000.123456:127.0.0.1:a1", 5, 3), LogLevel.Info, "Application message made: 1732520000.123456:127.0.0.1:a1 (5 bytes, sent to 3 neighbours)"),
        (new AppReceived(P1, "1732520000.123456:127.0.0.1:a1", 5, P2, 2_500), LogLevel.Info, "Application message received (first time): 1732520000.123456:127.0.0.1:a1 (5 bytes) from 127.0.0.1:6002 origin 127.0.0.1:6001, 2.5ms after it was made"),
        (new PublishRefused(65537, "65537 bytes, more than 65536"), LogLevel.Warning, "Application message of 65537 bytes not gossiped: 65537 bytes, more than 65536"),
        (new GossipStale(P1, "1.0:127.0.0.1:1", P2, "made 1732520000s ago, beyond the 600s horizon"), LogLevel.Debug, "GOSSIP '1.0:127.0.0.1:1' from 127.0.0.1:6002 origin 127.0.0.1:6001 dropped: made 1732520000s ago, beyond the 600s horizon"),
        (new GossipStale(P1, new string('x', 90), P2, "its body is not <timestamp>:<IP>:<MsgNo>"), LogLevel.Debug, $"GOSSIP '{new string('x', 80)}…' from 127.0.0.1:6002 origin 127.0.0.1:6001 dropped: its body is not <timestamp>:<IP>:<MsgNo>"),
        (new MessageDropped("GOSSIP", P3, DroppedBecause.HeldFull, 64), LogLevel.Debug, "GOSSIP from 127.0.0.1:6003 dropped: 64 messages already wait for its membership check"),
        (new MessageDropped("LINK_REQUEST", P3, DroppedBecause.ChecksFull, 256), LogLevel.Debug, "LINK_REQUEST from 127.0.0.1:6003 dropped: 256 membership checks under way"),
        (new StrangerRefused(P3, 3, 2), LogLevel.Warning, "127.0.0.1:6003 is not a registered peer (no seed of 3 asked knows it): 2 messages from it dropped"),
        (new MemberQuerySent(P3, S1, QueryBecause.Stranger, "LINK_REQUEST", null), LogLevel.Info, "LINK_REQUEST from 127.0.0.1:6003, which is not on this peer's list: MEMBER_QUERY sent to 127.0.0.1:5011"),
        (new MemberQuerySent(P3, S2, QueryBecause.NoAnswer, null, null), LogLevel.Info, "no MEMBER_ANSWER about 127.0.0.1:6003 in time: MEMBER_QUERY sent to 127.0.0.1:5012"),
        (new MemberQuerySent(P3, S3, QueryBecause.NotOnList, null, S1), LogLevel.Info, "MEMBER_ANSWER from 127.0.0.1:5011: 127.0.0.1:6003 is not on its list: MEMBER_QUERY sent to 127.0.0.1:5013"),
        (new MemberConfirmed(S1, P3, 42, 2), LogLevel.Info, "MEMBER_ANSWER from 127.0.0.1:5011: 127.0.0.1:6003 is registered (incarnation 42); taking its 2 held messages"),
        (new CertificateKept(S1, 42, toSeq(new[] { S1, S2 })), LogLevel.Info, "REGISTER_COMMIT from 127.0.0.1:5011: this peer's certificate for incarnation 42, signed by 127.0.0.1:5011, 127.0.0.1:5012; its gossip and HELLOs carry it from now on"),
        (new Suspected(P2, "connection broken (connection reset)", true), LogLevel.Warning, "SUSPECT 127.0.0.1:6002: connection broken (connection reset); strong evidence: the seeds decide"),
        (new Suspected(P2, "no heartbeat for 3200ms (3 missed)", false), LogLevel.Warning, "SUSPECT 127.0.0.1:6002: no heartbeat for 3200ms (3 missed); weak evidence: asking witnesses"),
        (new NoWitnesses(P2), LogLevel.Info, "No other peer can witness 127.0.0.1:6002: the seeds decide (they probe it before they vote)"),
        (new WitnessesAsked(P2, Seq(P1, P3), 2), LogLevel.Info, "SUSPECT_REQUEST about 127.0.0.1:6002 sent to 127.0.0.1:6001, 127.0.0.1:6003 (2 of 2 confirmations needed)"),
        (new DegreeToppedUp(1, 2, P2, Seq1(P3)), LogLevel.Info, "Below the minimum degree (1 neighbours not under suspicion < 2; 127.0.0.1:6002 is suspected): linking to 127.0.0.1:6003 (preferential attachment)"),
        (new WitnessAnswered(P2, P3, true, "no answer to PROBE within 400ms", 1, 2), LogLevel.Info, "SUSPECT_RESPONSE about 127.0.0.1:6002 from 127.0.0.1:6003: dead (no answer to PROBE within 400ms); 1/2 confirmations"),
        (new WitnessAnswered(P2, P3, false, "answered PROBE in 0.3ms", 0, 2), LogLevel.Info, "SUSPECT_RESPONSE about 127.0.0.1:6002 from 127.0.0.1:6003: alive (answered PROBE in 0.3ms); 0/2 confirmations"),
        (new WitnessesInconclusive(P2, 1, 2, 0), LogLevel.Info, "Peer-level consensus on 127.0.0.1:6002 incomplete (1/2 confirmations, 0 alive, the rest silent): the seeds decide"),
        (new DeadReported(P2, 3, Report), LogLevel.Warning, $"DEAD_REPORT sent to 3 seeds: {Report}"),
        (new DeadReportResent(P2, 1000, Report), LogLevel.Warning, $"DEAD_REPORT for 127.0.0.1:6002 not confirmed yet; sent again (next in 1000ms unless it shows life): {Report}"),
        (new SuspicionDropped(P2, DropCause.SentAMessage), LogLevel.Info, "Suspicion of 127.0.0.1:6002 dropped: it sent a message"),
        (new SuspicionDropped(P2, DropCause.WitnessesReachedIt, 2, 3), LogLevel.Info, "Suspicion of 127.0.0.1:6002 dropped: 2 of 3 witnesses reached it"),
        (new SuspicionDropped(P2, DropCause.SeedsFoundItAlive, Reason: "answered PROBE in 0.4ms", Seed: S1), LogLevel.Info, "Suspicion of 127.0.0.1:6002 dropped: the seeds found it alive (answered PROBE in 0.4ms, from 127.0.0.1:5011)"),
        (new WitnessVerdict(P2, P1, "confirmed dead by the seeds"), LogLevel.Info, "SUSPECT_REQUEST about 127.0.0.1:6002 from 127.0.0.1:6001: dead (confirmed dead by the seeds)"),
        (new WitnessProbing(P2, P1), LogLevel.Info, "SUSPECT_REQUEST about 127.0.0.1:6002 from 127.0.0.1:6001: probing 127.0.0.1:6002"),
        (new WitnessWithheld(P2, 800, 1, 8), LogLevel.Info, "SUSPECT_RESPONSE about 127.0.0.1:6002 withheld: no answer to PROBE within 800ms, but this peer is itself late (health 1/8)"),
        (new WitnessAnswerSent(P2, P1, true, "no answer to PROBE within 400ms"), LogLevel.Info, "SUSPECT_RESPONSE about 127.0.0.1:6002 to 127.0.0.1:6001: dead (no answer to PROBE within 400ms)"),
        (new WitnessAnswerSent(P2, P1, false, "answered PROBE in 0.3ms"), LogLevel.Info, "SUSPECT_RESPONSE about 127.0.0.1:6002 to 127.0.0.1:6001: alive (answered PROBE in 0.3ms)"),
        (new PingUnavailable("127.0.0.1", "no raw socket"), LogLevel.Warning, "ICMP echo to 127.0.0.1 is not available here (no raw socket); TCP and heartbeats still watch its peers"),
        (new PingUnanswered("127.0.0.1", "timed out", 2, 3), LogLevel.Warning, "ICMP echo to 127.0.0.1 unanswered (timed out); 2/3 failures"),
        (new NeighbourLeft(P2), LogLevel.Info, "Neighbour 127.0.0.1:6002 left (LEAVE)"),
        (new Purged(P2, "crashed", 42, Seq(S1, S2, S2), 3, S1, true, 2), LogLevel.Warning, "DEAD_CONFIRMED 127.0.0.1:6002 (crashed; 2/3 seed votes, from 127.0.0.1:5011): purged, degree now 2"),
        (new Purged(P2, "left", 42, Seq(S1, S2), 3, S1, false, 2), LogLevel.Warning, "DEAD_CONFIRMED 127.0.0.1:6002 (left; 2/3 seed votes, from 127.0.0.1:5011): purged"),
        (new Rejoining(P1, "crashed", S1, 42), LogLevel.Warning, "DEAD_CONFIRMED 127.0.0.1:6001 names this peer (crashed, from 127.0.0.1:5011): registering again as a new incarnation"),
        (new RendezvousLinked(P3), LogLevel.Info, "Linking to rendezvous peer 127.0.0.1:6003 (named by the seeds) so the overlay stays connected"),
        (new DegreeRepaired(1, 2, Seq1(P3)), LogLevel.Info, "Below the minimum degree (1 < 2): linking to 127.0.0.1:6003 (preferential attachment)"),
    ];

    /// <summary>The cases as xUnit theory data (the event only).</summary>
    public static TheoryData<int> Indexes
    {
        get
        {
            var data = new TheoryData<int>();
            for (var i = 0; i < Cases.Length; i++) data.Add(i);
            return data;
        }
    }
}
