namespace GossipPure.Simulation.Tests;

/// <summary>
/// The trace text of every message kind, exactly as it was written when TraceText held a switch over message types:
/// the trace hash of a run must not change because the text now comes from MessageTable.
/// </summary>
public sealed class TraceTextTests
{
    static readonly NodeId A = new("127.0.0.1", 5011);
    static readonly NodeId B = new("127.0.0.1", 5012);
    static readonly NodeId P = new("10.1.2.3", 6001);

    public static TheoryData<Message, string> Golden => new()
    {
        { new Hello(P, Role.Peer), "HELLO 10.1.2.3:6001 Peer" },
        { new Hello(A, Role.Seed), "HELLO 127.0.0.1:5011 Seed" },
        { new RegisterRequest(7), "REGISTER_REQUEST 7" },
        { new RegisterProposal(P, "5011-1", 7), "REGISTER_PROPOSAL 10.1.2.3:6001 5011-1 7" },
        { new RegisterVote(P, "5011-1", false, null), "REGISTER_VOTE 10.1.2.3:6001 5011-1 no -" },
        { new RegisterVote(P, "5011-1", true, "ok"), "REGISTER_VOTE 10.1.2.3:6001 5011-1 yes ok" },
        { new RegisterCommit(P, Seq(A, B), 7), "REGISTER_COMMIT 10.1.2.3:6001 [127.0.0.1:5011,127.0.0.1:5012] 7" },
        { new RegisterRejected("full"), "REGISTER_REJECTED full" },
        { new PeerListRequest(), "PEER_LIST_REQUEST" },
        { new PeerList(Seq(new PeerEntry(P, 3), new PeerEntry(new NodeId("::1", 7000), 0))), "PEER_LIST [10.1.2.3:6001/3,[::1]:7000/0,]" },
        { new PeerList(Seq<PeerEntry>()), "PEER_LIST []" },
        { new DegreeUpdate(Seq(A, B)), "DEGREE_UPDATE [127.0.0.1:5011,127.0.0.1:5012]" },
        { new DegreeUpdate(Seq(A, B)) { Unnamed = 298 }, "DEGREE_UPDATE [127.0.0.1:5011,127.0.0.1:5012] unnamed=298" },
        { new DegreeUpdate(Seq<NodeId>()), "DEGREE_UPDATE []" },
        { new SeedSync(1, 0, 1, false, Seq1(new RegisterCommit(P, Seq1(A), 7)), Seq1(new DeadConfirmed(P, Seq(A, B), "crashed", Some(B), 8))),
            "SEED_SYNC commits=[ 10.1.2.3:6001 [127.0.0.1:5011] 7,] removals=[ 10.1.2.3:6001 [127.0.0.1:5011,127.0.0.1:5012] crashed 127.0.0.1:5012 8,] 1 0 1 last" },
        { new SeedSync(1, 0, 1, false, Seq<RegisterCommit>(), Seq<DeadConfirmed>()), "SEED_SYNC commits=[] removals=[] 1 0 1 last" },
        { new SeedSyncRequest(1795635721402113, 42), "SEED_SYNC_REQUEST 1795635721402113 42" },
        { new Bridge(P), "BRIDGE 10.1.2.3:6001" },
        { new LinkRequest(7), "LINK_REQUEST 7" },
        { new Gossip(P, "1.5:10.1.2.3:1"), "GOSSIP 10.1.2.3:6001 1.5:10.1.2.3:1" },
        { new Heartbeat(), "HEARTBEAT" },
        { new Probe(9), "PROBE 9" },
        { new ProbeAck(-9), "PROBE_ACK -9" },
        { new SuspectRequest(P), "SUSPECT_REQUEST 10.1.2.3:6001" },
        { new SuspectResponse(P, true, "no ack"), "SUSPECT_RESPONSE 10.1.2.3:6001 dead no ack" },
        { new SuspectResponse(P, false, "ack"), "SUSPECT_RESPONSE 10.1.2.3:6001 alive ack" },
        { new DeadReport(P, "Dead Node:x"), "DEAD_REPORT 10.1.2.3:6001 Dead Node:x" },
        { new DeadProposal(P, "d1", "crashed", 7), "DEAD_PROPOSAL 10.1.2.3:6001 d1 crashed 7" },
        { new DeadVote(P, "d1", true, "e"), "DEAD_VOTE 10.1.2.3:6001 d1 yes e" },
        { new DeadVote(P, "d1", false, "e"), "DEAD_VOTE 10.1.2.3:6001 d1 no e" },
        { new DeadConfirmed(P, Seq1(A), "left", None, 7), "DEAD_CONFIRMED 10.1.2.3:6001 [127.0.0.1:5011] left - 7" },
        { new DeadRejected(P, "alive"), "DEAD_REJECTED 10.1.2.3:6001 alive" },
        { new Leave(), "LEAVE" },
        { new KeyChallenge(12), "KEY_CHALLENGE 12" },
        { new KeyProof(12, "c2ln"), "KEY_PROOF 12 c2ln" },
        { new MemberQuery(P), "MEMBER_QUERY 10.1.2.3:6001" },
        { new MemberAnswer(P, false, 0), "MEMBER_ANSWER 10.1.2.3:6001 stranger 0" },
        { new MemberAnswer(P, true, 5), "MEMBER_ANSWER 10.1.2.3:6001 member 5" },
    };

    [Theory]
    [MemberData(nameof(Golden))]
    public void Message_text_is_as_it_was(Message message, string expected)
    {
        Assert.Equal(expected, TraceText.Message(message));
    }

    [Fact]
    public void Every_message_kind_has_a_golden_line()
    {
        var covered = Golden.Select(row => ((Message)row[0]).GetType()).ToHashSet();
        Assert.Equal(MessageTable.Kinds.Select(k => k.Type).OrderBy(t => t.Name), covered.OrderBy(t => t.Name));
    }

    /// <summary>The first-receipt event is written without its record's string, but must read exactly as that string.</summary>
    [Theory]
    [InlineData("1700000001.000000:10.1.2.3:1")]
    [InlineData("body with { braces }, commas = and ünïcode")]
    public void A_first_receipt_event_reads_as_its_record(string body)
    {
        var e = new GossipReceived(P, body, new NodeId("::1", 7000));
        Assert.Equal("Event " + e, TraceText.Effect(e));
    }

    /// <summary>
    /// A peer list's events are written without their records' strings, but must read exactly as those strings (which
    /// name at most 50 entries), in both sinks: the one for people and the UTF-8 one the hash is taken over.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(49)]
    [InlineData(50)]
    [InlineData(51)]
    [InlineData(128)]
    public void A_peer_list_event_reads_as_its_record(int count)
    {
        var entries = toSeq(Enumerable.Range(0, count)
            .Select(i => new PeerEntry(i % 3 == 0 ? new NodeId($"fd00::{i:x}", 6000 + i) : new NodeId($"10.0.{i / 250}.{i % 250}", 6000 + i), i * 7 % 40))
            .ToArray());
        // A list held whole, and a lazy one (a filter's, as a PEER_LIST's entries are): LanguageExt writes their ends differently.
        var lazy = entries.Filter(e => e.Degree >= 0);
        foreach (var e in new NodeEvent[]
                 {
                     new PeerListReceived(A, entries, count % 2 == 0), new NeighboursChosen(entries, count + 3),
                     new PeerListReceived(B, lazy, true), new NeighboursChosen(lazy.Map(e => e with { Degree = 1 }), count),
                 })
        {
            var expected = "Event " + e;
            Assert.Equal(expected, TraceText.Effect(e));
            var utf8 = new Utf8Sink();
            TraceText.AppendEffect(utf8, e);
            Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(utf8.Written));
        }
    }

    /// <summary>With a certificate in an entry the record's own text is written (the shortcut knows only empty ones).</summary>
    [Fact]
    public void A_peer_list_event_with_certificates_reads_as_its_record()
    {
        var cert = new RegisterCommit(P, Seq1(A), 1) { Key = "key" };
        var e = new PeerListReceived(A, Seq1(new PeerEntry(P, 2) { Cert = Seq1(cert) }), false);
        Assert.Equal("Event " + e, TraceText.Effect(e));
    }
}
