using System.Text;
using LanguageExt;

namespace GossipPure.Shell.Tests;

public sealed class JsonCodecTests
{
    static readonly NodeId A = new("127.0.0.1", 5011);
    static readonly NodeId B = new("127.0.0.1", 5012);
    static readonly NodeId P = new("10.1.2.3", 6001);
    static readonly NodeId P2 = new("10.1.2.4", 6002);
    /// <summary>A real incarnation: a start time in Unix microseconds.</summary>
    const long I = 1732520000123456;

    static Message Decoded(string json)
    {
        Assert.True(JsonCodec.TryDecode(Encoding.UTF8.GetBytes(json), out var m, out var error), error);
        return m;
    }

    static string Rejected(string json) => Rejected(Encoding.UTF8.GetBytes(json));

    static string Rejected(byte[] utf8)
    {
        Assert.False(JsonCodec.TryDecode(utf8, out var m, out var error), $"decoded as {m}");
        Assert.Null(m);
        Assert.DoesNotContain('\n', error);
        Assert.DoesNotContain('\r', error);
        Assert.DoesNotContain("undecodable", error);
        return error;
    }

    static string Json(Message m) => Encoding.UTF8.GetString(JsonCodec.Encode(m));

    // ---- Round trips --------------------------------------------------------------------------------------

    [Property(MaxTest = 1000)]
    public Property Every_message_round_trips() =>
        Prop.ForAll(Generators.Message.ToArbitrary(), m =>
            JsonCodec.TryDecode(JsonCodec.Encode(m), out var back, out var error)
                ? back.Equals(m).Label($"decoded {back}")
                : false.Label($"rejected: {error}"));

    public static TheoryData<Message> OneOfEach => new()
    {
        new Hello(A, Role.Seed),
        new Hello(P, Role.Peer),
        new RegisterRequest(I),
        new RegisterRequest(0),
        new RegisterRequest(-1),
        new RegisterRequest(long.MinValue),
        new RegisterRequest(long.MaxValue),
        new RegisterProposal(P, "5011-1", I),
        new RegisterProposal(P, "5011-1", long.MinValue),
        new RegisterVote(P, "5011-1", true, null),
        new RegisterVote(P, "5011-1", false, "10.1.2.3:6001 is a seed address"),
        new RegisterCommit(P, Seq(A, B), I),
        new RegisterCommit(P, Seq<NodeId>(), -7),
        new RegisterRejected("refused"),
        new PeerListRequest(),
        new PeerList(Seq(new PeerEntry(P, 3), new PeerEntry(new NodeId("::1", 7000), 0))),
        new PeerList(Seq<PeerEntry>()),
        new DegreeUpdate(Seq<NodeId>()),
        new DegreeUpdate(Seq(P, P2, new NodeId("::1", 7000))),
        new SeedSync(1, 0, 1, false, Seq(new RegisterCommit(P, Seq(A, B), I), new RegisterCommit(P2, Seq1(A), 0)),
            Seq(new DeadConfirmed(P, Seq(A, B), "crashed", Some(P2), I - 1), new DeadConfirmed(P2, Seq<NodeId>(), "left", None, long.MaxValue))),
        new SeedSync(1, 0, 1, false, Seq1(new RegisterCommit(P, Seq(A, B), I)), Seq<DeadConfirmed>()),
        new SeedSync(1, 0, 1, false, Seq<RegisterCommit>(), Seq1(new DeadConfirmed(P, Seq1(A), "crashed", None, I))),
        new SeedSync(1, 0, 1, false, Seq<RegisterCommit>(), Seq<DeadConfirmed>()),
        new Bridge(P),
        new Bridge(new NodeId("2001:db8::5", 65535)),
        new LinkRequest(I),
        new LinkRequest(0),
        new LinkRequest(long.MinValue),
        new Gossip(P, "1732520000.123456:10.1.2.3:1"),
        new Gossip(new NodeId("fe80::1", 9), "\"quotes\" \\ 日本 😀"),
        new Heartbeat(),
        new Probe(long.MinValue),
        new ProbeAck(7),
        new SuspectRequest(P),
        new SuspectResponse(P, true, "no PROBE_ACK within 300ms"),
        new DeadReport(P, "Dead Node:10.1.2.3:6001:1732520000.123456:10.1.2.4"),
        new DeadProposal(P, "5011-d1", "crashed", I),
        new DeadProposal(P, "5011-d1", "left", -1),
        new DeadVote(P, "5011-d1", false, "PROBE_ACK in 0.2ms"),
        new DeadConfirmed(P, Seq(A, B), "crashed", Some(P2), I),
        new DeadConfirmed(P, Seq<NodeId>(), "left", None, 0),
        new DeadConfirmed(P, Seq1(A), "crashed", None, long.MinValue),
        new DeadRejected(P, "alive"),
        new Leave(),
        new KeyChallenge(I),
        new KeyProof(-1, "c2lnbmF0dXJl"),
        new MemberQuery(P),
        new MemberAnswer(P, true, I),
    };

    [Theory]
    [MemberData(nameof(OneOfEach))]
    public void Each_message_type_round_trips(Message m)
    {
        Assert.Equal(m, Decoded(Json(m)));
        Assert.Equal(Json(m), Json(Decoded(Json(m))));
    }

    [Fact]
    public void The_generator_covers_every_message_type_and_every_kind_of_incarnation()
    {
        var types = typeof(Message).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(Message)) && !t.IsAbstract).Select(t => t.Name).ToHashSet();
        var seen = Gen.Sample(Generators.Message, size: 20, seed: new Rnd(20241125UL), numberOfSamples: 5000).Select(m => m.GetType().Name).ToHashSet();
        Assert.Contains(nameof(Bridge), types);
        Assert.Empty(types.Except(seen));
        var incarnations = Gen.Sample(Generators.Incarnation, size: 20, seed: new Rnd(20241125UL), numberOfSamples: 5000);
        Assert.Contains(0L, incarnations);
        Assert.Contains(long.MinValue, incarnations);
        Assert.Contains(long.MaxValue, incarnations);
        Assert.Contains(incarnations, i => i is < 0 and > long.MinValue);
        Assert.Contains(incarnations, i => i > int.MaxValue && i < long.MaxValue);
    }

    // ---- The shapes on the wire ---------------------------------------------------------------------------

    [Fact]
    public void The_json_shapes_are_the_documented_ones()
    {
        Assert.Equal("""{"type":"HELLO","from":"127.0.0.1:5011","role":"seed"}""", Json(new Hello(A, Role.Seed)));
        Assert.Equal("""{"type":"HELLO","from":"[::1]:7000","role":"peer"}""", Json(new Hello(new NodeId("::1", 7000), Role.Peer)));
        Assert.Equal("""{"type":"REGISTER_REQUEST","incarnation":1732520000123456}""", Json(new RegisterRequest(I)));
        Assert.Equal("""{"type":"REGISTER_PROPOSAL","peer":"10.1.2.3:6001","proposal":"5011-1","incarnation":1732520000123456}""",
            Json(new RegisterProposal(P, "5011-1", I)));
        Assert.Equal("""{"type":"REGISTER_VOTE","peer":"10.1.2.3:6001","proposal":"5011-1","yes":true,"reason":null}""",
            Json(new RegisterVote(P, "5011-1", true, null)));
        Assert.Equal("""{"type":"REGISTER_VOTE","peer":"10.1.2.3:6001","proposal":"5011-1","yes":false,"reason":"no"}""",
            Json(new RegisterVote(P, "5011-1", false, "no")));
        Assert.Equal("""{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001","voters":["127.0.0.1:5011","127.0.0.1:5012"],"incarnation":1732520000123456}""",
            Json(new RegisterCommit(P, Seq(A, B), I)));
        Assert.Equal("""{"type":"REGISTER_REJECTED","reason":"refused"}""", Json(new RegisterRejected("refused")));
        Assert.Equal("""{"type":"PEER_LIST_REQUEST"}""", Json(new PeerListRequest()));
        Assert.Equal("""{"type":"PEER_LIST","peers":[{"node":"10.1.2.3:6001","degree":3}]}""",
            Json(new PeerList(Seq1(new PeerEntry(P, 3)))));
        Assert.Equal("""{"type":"DEGREE_UPDATE","neighbours":["10.1.2.3:6001","[::1]:7000"]}""",
            Json(new DegreeUpdate(Seq(P, new NodeId("::1", 7000)))));
        Assert.Equal("""{"type":"DEGREE_UPDATE","neighbours":[]}""", Json(new DegreeUpdate(Seq<NodeId>())));
        Assert.Equal("""{"type":"SEED_SYNC","commits":[{"peer":"10.1.2.3:6001","voters":["127.0.0.1:5011"],"incarnation":1732520000123456}],"removals":[],"run":1,"since":0,"upto":1,"more":false}""",
            Json(new SeedSync(1, 0, 1, false, Seq1(new RegisterCommit(P, Seq1(A), I)), Seq<DeadConfirmed>())));
        Assert.Equal("""{"type":"SEED_SYNC","commits":[],"removals":[{"node":"10.1.2.4:6002","voters":["127.0.0.1:5011","127.0.0.1:5012"],"reason":"crashed","rendezvous":"10.1.2.3:6001","incarnation":5},{"node":"10.1.2.3:6001","voters":[],"reason":"left","rendezvous":null,"incarnation":-5}],"run":1,"since":0,"upto":1,"more":false}""",
            Json(new SeedSync(1, 0, 1, false, Seq<RegisterCommit>(), Seq(new DeadConfirmed(P2, Seq(A, B), "crashed", Some(P), 5), new DeadConfirmed(P, Seq<NodeId>(), "left", None, -5)))));
        Assert.Equal("""{"type":"BRIDGE","target":"10.1.2.3:6001"}""", Json(new Bridge(P)));
        Assert.Equal("""{"type":"LINK_REQUEST","incarnation":1732520000123456}""", Json(new LinkRequest(I)));
        Assert.Equal("""{"type":"GOSSIP","origin":"10.1.2.3:6001","body":"1.5:10.1.2.3:1"}""", Json(new Gossip(P, "1.5:10.1.2.3:1")));
    }

    [Fact]
    public void The_failure_detection_shapes()
    {
        Assert.Equal("""{"type":"HEARTBEAT"}""", Json(new Heartbeat()));
        Assert.Equal("""{"type":"PROBE","nonce":5}""", Json(new Probe(5)));
        Assert.Equal("""{"type":"PROBE_ACK","nonce":5}""", Json(new ProbeAck(5)));
        Assert.Equal("""{"type":"SUSPECT_REQUEST","suspect":"10.1.2.3:6001"}""", Json(new SuspectRequest(P)));
        Assert.Equal("""{"type":"SUSPECT_RESPONSE","suspect":"10.1.2.3:6001","dead":true,"evidence":"e"}""", Json(new SuspectResponse(P, true, "e")));
        Assert.Equal("""{"type":"DEAD_REPORT","suspect":"10.1.2.3:6001","report":"Dead Node:10.1.2.3:6001:1.5:10.1.2.4"}""",
            Json(new DeadReport(P, "Dead Node:10.1.2.3:6001:1.5:10.1.2.4")));
        Assert.Equal("""{"type":"DEAD_PROPOSAL","suspect":"10.1.2.3:6001","proposal":"5011-1","reason":"crashed","incarnation":1732520000123456}""",
            Json(new DeadProposal(P, "5011-1", "crashed", I)));
        Assert.Equal("""{"type":"DEAD_VOTE","suspect":"10.1.2.3:6001","proposal":"5011-1","yes":true,"evidence":"e"}""",
            Json(new DeadVote(P, "5011-1", true, "e")));
        Assert.Equal("""{"type":"DEAD_CONFIRMED","node":"10.1.2.3:6001","voters":["127.0.0.1:5011"],"reason":"left","rendezvous":"127.0.0.1:5012","incarnation":1732520000123456}""",
            Json(new DeadConfirmed(P, Seq1(A), "left", Some(B), I)));
        Assert.Equal("""{"type":"DEAD_CONFIRMED","node":"10.1.2.3:6001","voters":[],"reason":"crashed","rendezvous":null,"incarnation":0}""",
            Json(new DeadConfirmed(P, Seq<NodeId>(), "crashed", None, 0)));
        Assert.Equal("""{"type":"DEAD_REJECTED","suspect":"10.1.2.3:6001","reason":"alive"}""", Json(new DeadRejected(P, "alive")));
        Assert.Equal("""{"type":"LEAVE"}""", Json(new Leave()));
    }

    [Fact]
    public void The_bridge_shape()
    {
        Assert.Equal("""{"type":"BRIDGE","target":"10.1.2.3:6001"}""", Json(new Bridge(P)));
        Assert.Equal("""{"type":"BRIDGE","target":"[2001:db8::5]:6001"}""", Json(new Bridge(new NodeId("2001:db8::5", 6001))));
        Assert.Equal(new Bridge(P), Decoded("""{"type":"BRIDGE","target":"10.1.2.3:6001"}"""));
        Assert.Equal(new Bridge(new NodeId("::1", 7000)), Decoded("""{"type":"BRIDGE","target":"[::1]:7000"}"""));
    }

    [Theory]
    [InlineData("0", 0L)]
    [InlineData("-0", 0L)]
    [InlineData("-1", -1L)]
    [InlineData("1732520000123456", 1732520000123456L)]
    [InlineData("9007199254740993", 9007199254740993L)]   // 2^53 + 1: kept exact, not read through a double
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void Incarnations_are_any_64_bit_integer(string json, long expected)
    {
        Assert.Equal(new RegisterRequest(expected), Decoded($$"""{"type":"REGISTER_REQUEST","incarnation":{{json}}}"""));
        Assert.Equal(new LinkRequest(expected), Decoded($$"""{"type":"LINK_REQUEST","incarnation":{{json}}}"""));
        Assert.Equal(new RegisterProposal(P, "x", expected),
            Decoded($$"""{"type":"REGISTER_PROPOSAL","peer":"10.1.2.3:6001","proposal":"x","incarnation":{{json}}}"""));
        Assert.Equal(new RegisterCommit(P, Seq1(A), expected),
            Decoded($$"""{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001","voters":["127.0.0.1:5011"],"incarnation":{{json}}}"""));
        Assert.Equal(new DeadProposal(P, "x", "left", expected),
            Decoded($$"""{"type":"DEAD_PROPOSAL","suspect":"10.1.2.3:6001","proposal":"x","reason":"left","incarnation":{{json}}}"""));
        Assert.Equal(new DeadConfirmed(P, Seq1(A), "left", None, expected),
            Decoded($$"""{"type":"DEAD_CONFIRMED","node":"10.1.2.3:6001","voters":["127.0.0.1:5011"],"reason":"left","rendezvous":null,"incarnation":{{json}}}"""));
        Assert.Equal(new SeedSync(1, 0, 1, false, Seq1(new RegisterCommit(P, Seq<NodeId>(), expected)), Seq1(new DeadConfirmed(A, Seq<NodeId>(), "left", None, expected))),
            Decoded($$"""{"type":"SEED_SYNC","commits":[{"peer":"10.1.2.3:6001","voters":[],"incarnation":{{json}}}],"removals":[{"node":"127.0.0.1:5011","voters":[],"reason":"left","rendezvous":null,"incarnation":{{json}}}],"run":1,"since":0,"upto":1,"more":false}"""));
    }

    [Fact]
    public void The_degree_of_a_degree_update_is_the_number_of_its_neighbours()
    {
        Assert.Equal(0, ((DegreeUpdate)Decoded("""{"type":"DEGREE_UPDATE","neighbours":[]}""")).Degree);
        var d = (DegreeUpdate)Decoded("""{"type":"DEGREE_UPDATE","neighbours":["10.1.2.3:6001","10.1.2.4:6002","[::1]:7000"]}""");
        Assert.Equal(Seq(P, P2, new NodeId("::1", 7000)), d.Neighbours);
        Assert.Equal(3, d.Degree);
        // A "degree" field (the old shape) is ignored like any unknown field: only the neighbours count.
        Assert.Equal(1, ((DegreeUpdate)Decoded("""{"type":"DEGREE_UPDATE","degree":9,"neighbours":["10.1.2.3:6001"]}""")).Degree);
    }

    [Fact]
    public void A_removal_inside_seed_sync_has_no_type_and_equals_the_dead_confirmed_it_came_from()
    {
        var dc = new DeadConfirmed(P, Seq(A, B), "crashed", Some(P2), I);
        var json = Json(new SeedSync(1, 0, 1, false, Seq<RegisterCommit>(), Seq1(dc)));
        Assert.Equal(1, json.Split("\"type\"").Length - 1);   // only the SEED_SYNC's own
        var removal = Json(dc)["{\"type\":\"DEAD_CONFIRMED\",".Length..];
        Assert.Contains("\"removals\":[{" + removal + "]", json);
        Assert.Equal(dc, ((SeedSync)Decoded(json)).Removals.Single());
        // A "type" inside a removal is an unknown field, ignored.
        Assert.Equal(dc, ((SeedSync)Decoded(json.Replace("\"removals\":[{", "\"removals\":[{\"type\":\"DEAD_CONFIRMED\","))).Removals.Single());
    }

    [Fact]
    public void Unknown_fields_and_whitespace_are_ignored()
    {
        Assert.Equal(new DegreeUpdate(Seq1(P)),
            Decoded(""" { "extra" : {"a":[1,{"b":null}]}, "type" : "DEGREE_UPDATE", "neighbours" : [ "10.1.2.3:6001" ] } """));
        Assert.Equal(new LinkRequest(3), Decoded("""{"type":"LINK_REQUEST","peer":"not even an address","incarnation":3}"""));
        Assert.Equal(new Bridge(P), Decoded("""{"type":"BRIDGE","target":"10.1.2.3:6001","incarnation":"not even a number"}"""));
    }

    [Fact]
    public void A_vote_without_a_reason_field_has_a_null_reason() =>
        Assert.Equal(new RegisterVote(P, "x", true, null), Decoded("""{"type":"REGISTER_VOTE","peer":"10.1.2.3:6001","proposal":"x","yes":true}"""));

    [Fact]
    public void Bodies_up_to_the_limit_are_accepted()
    {
        var body = new string('x', JsonCodec.MaxBodyChars);
        Assert.Equal(new Gossip(P, body), Decoded(Json(new Gossip(P, body))));
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_accepted()
    {
        // The object is depth 1, then 9 arrays: 10 in all.
        Assert.Equal(new LinkRequest(1), Decoded("""{"type":"LINK_REQUEST","incarnation":1,"x":[[[[[[[[[]]]]]]]]]}"""));
    }

    // ---- Rejections ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("{not json", "malformed JSON")]
    [InlineData("", "malformed JSON")]
    [InlineData("""{"type":"LINK_REQUEST","incarnation":1} x""", "malformed JSON")]
    [InlineData("""{"type":"LINK_REQUEST","incarnation":1,}""", "malformed JSON")]
    [InlineData("""{"type":"LINK_REQUEST","incarnation":1} /* c */""", "malformed JSON")]
    [InlineData("""{"type":"LINK_REQUEST","incarnation":1,"type":"GOSSIP"}""", "malformed JSON")]
    [InlineData("""{"type":"LINK_REQUEST","incarnation":1,"incarnation":2}""", "malformed JSON")]
    [InlineData("""[{"type":"LINK_REQUEST","incarnation":1}]""", "message is not a JSON object (got an array)")]
    [InlineData("\"HELLO\"", "message is not a JSON object (got a string)")]
    [InlineData("null", "message is not a JSON object (got null)")]
    [InlineData("{}", "message: field 'type' missing or not a string")]
    [InlineData("""{"type":5}""", "message: field 'type' missing or not a string")]
    [InlineData("""{"type":"PING"}""", "unknown message type 'PING'")]
    [InlineData("""{"type":"hello","from":"127.0.0.1:5011","role":"seed"}""", "unknown message type 'hello'")]
    [InlineData("""{"type":"HELLO","role":"seed"}""", "HELLO: field 'from' missing or not a string")]
    [InlineData("""{"type":"HELLO","from":"x","role":"seed"}""", "HELLO: field 'from': 'x' is not IP:Port")]
    [InlineData("""{"type":"HELLO","from":"127.0.0.1","role":"seed"}""", "'127.0.0.1' is not IP:Port")]
    [InlineData("""{"type":"HELLO","from":"127.0.0.1:0","role":"seed"}""", "'127.0.0.1:0' is not IP:Port")]
    [InlineData("""{"type":"HELLO","from":"127.0.0.1:65536","role":"seed"}""", "'127.0.0.1:65536' is not IP:Port")]
    [InlineData("""{"type":"HELLO","from":"127.0.0.1:+80","role":"seed"}""", "'127.0.0.1:+80' is not IP:Port")]
    [InlineData("""{"type":"HELLO","from":"256.0.0.1:80","role":"seed"}""", "'256.0.0.1:80' is not IP:Port")]
    [InlineData("""{"type":"HELLO","from":"localhost:80","role":"seed"}""", "'localhost:80' is not IP:Port")]
    [InlineData("""{"type":"HELLO","from":"[zz::1]:80","role":"seed"}""", "'[zz::1]:80' is not IP:Port")]
    [InlineData("""{"type":"HELLO","from":"127.0.0.1:5011","role":"boss"}""", "HELLO: field 'role': 'boss' is neither \"seed\" nor \"peer\"")]
    [InlineData("""{"type":"HELLO","from":"127.0.0.1:5011"}""", "HELLO: field 'role' missing or not a string")]
    [InlineData("""{"type":"REGISTER_PROPOSAL","peer":"10.1.2.3:6001","incarnation":1}""", "REGISTER_PROPOSAL: field 'proposal' missing or not a string")]
    [InlineData("""{"type":"REGISTER_PROPOSAL","peer":"10.1.2.3:6001","proposal":"","incarnation":1}""", "REGISTER_PROPOSAL: field 'proposal' is empty")]
    [InlineData("""{"type":"REGISTER_VOTE","peer":"10.1.2.3:6001","proposal":"5011-1"}""", "REGISTER_VOTE: field 'yes' missing or not a boolean")]
    [InlineData("""{"type":"REGISTER_VOTE","peer":"10.1.2.3:6001","proposal":"5011-1","yes":"true"}""", "REGISTER_VOTE: field 'yes' missing or not a boolean")]
    [InlineData("""{"type":"REGISTER_VOTE","peer":"10.1.2.3:6001","proposal":"5011-1","yes":1}""", "REGISTER_VOTE: field 'yes' missing or not a boolean")]
    [InlineData("""{"type":"REGISTER_VOTE","peer":"10.1.2.3:6001","proposal":"5011-1","yes":false,"reason":5}""", "REGISTER_VOTE: field 'reason' is not a string or null")]
    [InlineData("""{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001","incarnation":1}""", "REGISTER_COMMIT: field 'voters' missing or not an array")]
    [InlineData("""{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001","voters":"127.0.0.1:5011","incarnation":1}""", "REGISTER_COMMIT: field 'voters' missing or not an array")]
    [InlineData("""{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001","voters":["127.0.0.1:5011",5],"incarnation":1}""", "REGISTER_COMMIT: field 'voters[1]' is not a string")]
    [InlineData("""{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001","voters":["nope"],"incarnation":1}""", "REGISTER_COMMIT: field 'voters[0]': 'nope' is not IP:Port")]
    [InlineData("""{"type":"REGISTER_REJECTED"}""", "REGISTER_REJECTED: field 'reason' missing or not a string")]
    [InlineData("""{"type":"PEER_LIST"}""", "PEER_LIST: field 'peers' missing or not an array")]
    [InlineData("""{"type":"PEER_LIST","peers":[5]}""", "PEER_LIST: field 'peers[0]' is not an object")]
    [InlineData("""{"type":"PEER_LIST","peers":[{"node":"10.1.2.3:6001","degree":1},{"node":"10.1.2.3:6002","degree":-2}]}""", "PEER_LIST: field 'peers[1].degree' is negative (-2)")]
    [InlineData("""{"type":"PEER_LIST","peers":[{"node":"10.1.2.3","degree":1}]}""", "PEER_LIST: field 'peers[0].node': '10.1.2.3' is not IP:Port")]
    [InlineData("""{"type":"PEER_LIST","peers":[{"node":"10.1.2.3:6001"}]}""", "PEER_LIST: field 'peers[0].degree' missing or not a 32-bit integer")]
    [InlineData("""{"type":"DEGREE_UPDATE"}""", "DEGREE_UPDATE: field 'neighbours' missing or not an array")]
    [InlineData("""{"type":"DEGREE_UPDATE","degree":3}""", "DEGREE_UPDATE: field 'neighbours' missing or not an array")]
    [InlineData("""{"type":"DEGREE_UPDATE","neighbours":3}""", "DEGREE_UPDATE: field 'neighbours' missing or not an array")]
    [InlineData("""{"type":"DEGREE_UPDATE","neighbours":"10.1.2.3:6001"}""", "DEGREE_UPDATE: field 'neighbours' missing or not an array")]
    [InlineData("""{"type":"DEGREE_UPDATE","neighbours":{"0":"10.1.2.3:6001"}}""", "DEGREE_UPDATE: field 'neighbours' missing or not an array")]
    [InlineData("""{"type":"DEGREE_UPDATE","neighbours":null}""", "DEGREE_UPDATE: field 'neighbours' missing or not an array")]
    [InlineData("""{"type":"DEGREE_UPDATE","neighbours":["10.1.2.3:6001",5]}""", "DEGREE_UPDATE: field 'neighbours[1]' is not a string")]
    [InlineData("""{"type":"DEGREE_UPDATE","neighbours":[null]}""", "DEGREE_UPDATE: field 'neighbours[0]' is not a string")]
    [InlineData("""{"type":"DEGREE_UPDATE","neighbours":[["10.1.2.3:6001"]]}""", "DEGREE_UPDATE: field 'neighbours[0]' is not a string")]
    [InlineData("""{"type":"DEGREE_UPDATE","neighbours":["10.1.2.3:6001","10.1.2.3"]}""", "DEGREE_UPDATE: field 'neighbours[1]': '10.1.2.3' is not IP:Port")]
    [InlineData("""{"type":"DEGREE_UPDATE","neighbours":["localhost:80"]}""", "DEGREE_UPDATE: field 'neighbours[0]': 'localhost:80' is not IP:Port")]
    [InlineData("""{"type":"SEED_SYNC","removals":[]}""", "SEED_SYNC: field 'commits' missing or not an array")]
    [InlineData("""{"type":"SEED_SYNC","commits":{},"removals":[]}""", "SEED_SYNC: field 'commits' missing or not an array")]
    [InlineData("""{"type":"SEED_SYNC","commits":[{"peer":"10.1.2.3:6001","incarnation":1}],"removals":[]}""", "SEED_SYNC: field 'commits[0].voters' missing or not an array")]
    [InlineData("""{"type":"SEED_SYNC","commits":[{"peer":"10.1.2.3:6001","voters":["x"],"incarnation":1}],"removals":[]}""", "SEED_SYNC: field 'commits[0].voters[0]': 'x' is not IP:Port")]
    [InlineData("""{"type":"SEED_SYNC","commits":[[]],"removals":[]}""", "SEED_SYNC: field 'commits[0]' is not an object")]
    [InlineData("""{"type":"SEED_SYNC","commits":[]}""", "SEED_SYNC: field 'removals' missing or not an array")]
    [InlineData("""{"type":"SEED_SYNC","commits":[],"removals":null}""", "SEED_SYNC: field 'removals' missing or not an array")]
    [InlineData("""{"type":"SEED_SYNC","commits":[],"removals":5}""", "SEED_SYNC: field 'removals' missing or not an array")]
    [InlineData("""{"type":"SEED_SYNC","commits":[],"removals":"10.1.2.3:6001"}""", "SEED_SYNC: field 'removals' missing or not an array")]
    [InlineData("""{"type":"SEED_SYNC","commits":[],"removals":{"node":"10.1.2.3:6001","voters":[],"reason":"left","rendezvous":null,"incarnation":1}}""", "SEED_SYNC: field 'removals' missing or not an array")]
    [InlineData("""{"type":"SEED_SYNC","commits":[],"removals":["10.1.2.3:6001"]}""", "SEED_SYNC: field 'removals[0]' is not an object")]
    [InlineData("""{"type":"SEED_SYNC","commits":[],"removals":[{"node":"10.1.2.3:6001","voters":[],"reason":"left","rendezvous":null,"incarnation":1},[]]}""", "SEED_SYNC: field 'removals[1]' is not an object")]
    [InlineData("""{"type":"SEED_SYNC","commits":[],"removals":[{"voters":[],"reason":"left","rendezvous":null,"incarnation":1}]}""", "SEED_SYNC: field 'removals[0].node' missing or not a string")]
    [InlineData("""{"type":"SEED_SYNC","commits":[],"removals":[{"node":"10.1.2.3:6001","voters":["x"],"reason":"left","rendezvous":null,"incarnation":1}]}""", "SEED_SYNC: field 'removals[0].voters[0]': 'x' is not IP:Port")]
    [InlineData("""{"type":"SEED_SYNC","commits":[],"removals":[{"node":"10.1.2.3:6001","voters":[],"rendezvous":null,"incarnation":1}]}""", "SEED_SYNC: field 'removals[0].reason' missing or not a string")]
    [InlineData("""{"type":"SEED_SYNC","commits":[],"removals":[{"node":"10.1.2.3:6001","voters":[],"reason":"left","rendezvous":"x","incarnation":1}]}""", "SEED_SYNC: field 'removals[0].rendezvous': 'x' is not IP:Port")]
    [InlineData("""{"type":"BRIDGE"}""", "BRIDGE: field 'target' missing or not a string")]
    [InlineData("""{"type":"BRIDGE","target":null}""", "BRIDGE: field 'target' missing or not a string")]
    [InlineData("""{"type":"BRIDGE","target":6001}""", "BRIDGE: field 'target' missing or not a string")]
    [InlineData("""{"type":"BRIDGE","target":["10.1.2.3:6001"]}""", "BRIDGE: field 'target' missing or not a string")]
    [InlineData("""{"type":"BRIDGE","target":"x"}""", "BRIDGE: field 'target': 'x' is not IP:Port")]
    [InlineData("""{"type":"BRIDGE","target":""}""", "BRIDGE: field 'target': '' is not IP:Port")]
    [InlineData("""{"type":"BRIDGE","target":"10.1.2.3"}""", "BRIDGE: field 'target': '10.1.2.3' is not IP:Port")]
    [InlineData("""{"type":"BRIDGE","target":"10.1.2.3:0"}""", "BRIDGE: field 'target': '10.1.2.3:0' is not IP:Port")]
    [InlineData("""{"type":"BRIDGE","target":"10.1.2.3:65536"}""", "BRIDGE: field 'target': '10.1.2.3:65536' is not IP:Port")]
    [InlineData("""{"type":"BRIDGE","target":"localhost:6001"}""", "BRIDGE: field 'target': 'localhost:6001' is not IP:Port")]
    [InlineData("""{"type":"GOSSIP","origin":"10.1.2.3:6001"}""", "GOSSIP: field 'body' missing or not a string")]
    [InlineData("""{"type":"GOSSIP","body":"hi"}""", "GOSSIP: field 'origin' missing or not a string")]
    [InlineData("""{"type":"GOSSIP","origin":"10.1.2.3:6001","body":"a\nfake log line"}""", "GOSSIP: field 'body' contains a control or line-break character (U+000A)")]
    [InlineData("""{"type":"GOSSIP","origin":"10.1.2.3:6001","body":"a\u2028b"}""", "GOSSIP: field 'body' contains a control or line-break character (U+2028)")]
    [InlineData("""{"type":"GOSSIP","origin":"10.1.2.3:6001","body":"\ud800"}""", "malformed JSON")]
    [InlineData("""{"type":"GOSSIP","x":[[[[[[[[[[]]]]]]]]]]}""", "malformed JSON")]
    [InlineData("""{"type":"PROBE","nonce":1.5}""", "PROBE: field 'nonce' missing or not a 64-bit integer")]
    [InlineData("""{"type":"SUSPECT_RESPONSE","suspect":"10.1.2.3:6001","evidence":"e"}""", "SUSPECT_RESPONSE: field 'dead' missing or not a boolean")]
    [InlineData("""{"type":"DEAD_VOTE","suspect":"10.1.2.3:6001","proposal":"","yes":true,"evidence":"e"}""", "DEAD_VOTE: field 'proposal' is empty")]
    [InlineData("""{"type":"DEAD_CONFIRMED","node":"10.1.2.3:6001","voters":[],"reason":"left","rendezvous":"x","incarnation":1}""", "DEAD_CONFIRMED: field 'rendezvous': 'x' is not IP:Port")]
    [InlineData("""{"type":"DEAD_CONFIRMED","node":"10.1.2.3:6001","voters":[],"reason":"left","rendezvous":3,"incarnation":1}""", "DEAD_CONFIRMED: field 'rendezvous' is not a string or null")]
    public void Bad_messages_are_rejected_with_a_named_error(string json, string expected) =>
        Assert.Contains(expected, Rejected(json));

    /// <summary>Every message that carries an incarnation, with it left out (as <c>{0}</c>'s place shows).</summary>
    public static TheoryData<string, string> WithIncarnation => new()
    {
        { """{"type":"REGISTER_REQUEST"{0}}""", "REGISTER_REQUEST: field 'incarnation'" },
        { """{"type":"REGISTER_PROPOSAL","peer":"10.1.2.3:6001","proposal":"5011-1"{0}}""", "REGISTER_PROPOSAL: field 'incarnation'" },
        { """{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001","voters":["127.0.0.1:5011"]{0}}""", "REGISTER_COMMIT: field 'incarnation'" },
        { """{"type":"LINK_REQUEST"{0}}""", "LINK_REQUEST: field 'incarnation'" },
        { """{"type":"DEAD_PROPOSAL","suspect":"10.1.2.3:6001","proposal":"5011-d1","reason":"crashed"{0}}""", "DEAD_PROPOSAL: field 'incarnation'" },
        { """{"type":"DEAD_CONFIRMED","node":"10.1.2.3:6001","voters":[],"reason":"left","rendezvous":null{0}}""", "DEAD_CONFIRMED: field 'incarnation'" },
        { """{"type":"SEED_SYNC","commits":[{"peer":"10.1.2.3:6001","voters":[]{0}}],"removals":[],"run":1,"since":0,"upto":1,"more":false}""", "SEED_SYNC: field 'commits[0].incarnation'" },
        { """{"type":"SEED_SYNC","commits":[],"removals":[{"node":"10.1.2.3:6001","voters":[],"reason":"left","rendezvous":null{0}}],"run":1,"since":0,"upto":1,"more":false}""", "SEED_SYNC: field 'removals[0].incarnation'" },
    };

    [Theory]
    [MemberData(nameof(WithIncarnation))]
    public void A_missing_or_wrongly_typed_incarnation_is_rejected(string template, string field)
    {
        string With(string value) => template.Replace("{0}", value);
        Assert.True(JsonCodec.TryDecode(Encoding.UTF8.GetBytes(With(""","incarnation":1""")), out _, out var error), error);
        var expected = field + " missing or not a 64-bit integer";
        Assert.Equal(expected, Rejected(With("")));
        foreach (var bad in new[] { "null", "true", "false", "\"1\"", "\"1732520000123456\"", "1.5", "1.0", "1e3", "[1]", "{}",
                     "9223372036854775808", "-9223372036854775809", "18446744073709551615", "1e400" })
            Assert.Equal(expected, Rejected(With(",\"incarnation\":" + bad)));
    }

    [Fact]
    public void Nesting_deeper_than_ten_names_the_depth() =>
        Assert.Contains("depth", Rejected("""{"type":"GOSSIP","x":[[[[[[[[[[]]]]]]]]]]}"""));

    [Fact]
    public void Long_strings_are_rejected()
    {
        Assert.Equal($"GOSSIP: field 'body' is {JsonCodec.MaxBodyChars + 1} characters long, over the 65536-character limit",
            Rejected(Json(new Gossip(P, new string('x', JsonCodec.MaxBodyChars + 1)))));
        Assert.Equal("REGISTER_REJECTED: field 'reason' is 1025 characters long, over the 1024-character limit",
            Rejected(Json(new RegisterRejected(new string('r', 1025)))));
        Assert.Contains("REGISTER_PROPOSAL: field 'proposal' is 5000 characters long",
            Rejected(Json(new RegisterProposal(P, new string('p', 5000), I))));
        Assert.Equal("SEED_SYNC: field 'removals[0].reason' is 1025 characters long, over the 1024-character limit",
            Rejected(Json(new SeedSync(1, 0, 1, false, Seq<RegisterCommit>(), Seq1(new DeadConfirmed(P, Seq<NodeId>(), new string('r', 1025), None, I))))));
        var longType = new string('T', 5000);
        var error = Rejected($$"""{"type":"{{longType}}"}""");
        Assert.StartsWith("unknown message type 'TTTT", error);
        Assert.True(error.Length < 100, "the quoted value is cut short");
    }

    [Fact]
    public void Long_arrays_are_rejected()
    {
        var voters = string.Join(",", Enumerable.Repeat("0", JsonCodec.MaxArrayItems + 1));
        Assert.Equal("REGISTER_COMMIT: field 'voters' has 100001 items, over the 100000-item limit",
            Rejected($$"""{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001","voters":[{{voters}}],"incarnation":1}"""));
        Assert.Equal("DEGREE_UPDATE: field 'neighbours' has 100001 items, over the 100000-item limit",
            Rejected($$"""{"type":"DEGREE_UPDATE","neighbours":[{{voters}}]}"""));
        Assert.Equal("SEED_SYNC: field 'removals' has 100001 items, over the 100000-item limit",
            Rejected($$"""{"type":"SEED_SYNC","commits":[],"removals":[{{voters}}]}"""));
    }

    [Fact]
    public void Invalid_utf8_is_rejected()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"type":"GOSSIP","origin":"10.1.2.3:6001","body":"ab"}""").ToList();
        bytes.Insert(bytes.Count - 3, 0xFF);
        Assert.Contains("malformed JSON", Rejected(bytes.ToArray()));
    }

    [Fact]
    public void Quoted_values_in_errors_stay_on_one_line()
    {
        Assert.Equal(@"unknown message type 'X\u000AY\u0000'", Rejected("""{"type":"X\nY\u0000"}"""));
    }

    // ---- Reading order, duplicates, escapes -----------------------------------------------------------------

    [Fact]
    public void The_type_need_not_come_first()
    {
        Assert.Equal(new Gossip(P, "b"), Decoded("""{"origin":"10.1.2.3:6001","body":"b","type":"GOSSIP"}"""));
        Assert.Equal(new DegreeUpdate(Seq1(P)), Decoded("""{"x":{"type":"LEAVE"},"neighbours":["10.1.2.3:6001"],"type":"DEGREE_UPDATE"}"""));
    }

    [Fact]
    public void Field_errors_are_reported_in_the_message_order_whatever_the_order_on_the_wire()
    {
        // origin comes before body in a GOSSIP, so its error is the one named, though body is read first.
        Assert.Equal("GOSSIP: field 'origin': 'x' is not IP:Port", Rejected("""{"type":"GOSSIP","body":"a\nb","origin":"x"}"""));
        Assert.Equal("GOSSIP: field 'origin' missing or not a string", Rejected("""{"type":"GOSSIP","body":"a\nb"}"""));
        Assert.Equal("SEED_SYNC: field 'commits[1].peer' missing or not a string",
            Rejected("""{"type":"SEED_SYNC","removals":[{"node":"x"}],"commits":[{"peer":"10.1.2.3:6001","voters":[],"incarnation":1},{"voters":[5]}]}"""));
        Assert.Equal("PEER_LIST: field 'peers[0].node' missing or not a string", Rejected("""{"type":"PEER_LIST","peers":[{"degree":-1},{"node":"x"}]}"""));
    }

    [Fact]
    public void A_syntax_error_anywhere_wins_over_a_field_error()
    {
        Assert.StartsWith("malformed JSON", Rejected("""{"type":"GOSSIP","origin":"x","body":"b"} {"""));
        Assert.StartsWith("malformed JSON", Rejected("""{"type":"GOSSIP","origin":"x","body":"b","z":[1,]}"""));
        Assert.StartsWith("malformed JSON", Rejected("""{"type":"PING","z":{"a":1,"a":2}}"""));
        Assert.StartsWith("malformed JSON", Rejected("""[{"a":1,"a":2}]"""));
    }

    [Theory]
    [InlineData("""{"type":"HEARTBEAT","x":1,"x":2}""")]
    [InlineData("""{"type":"HEARTBEAT","x":1,"\u0078":2}""")]
    [InlineData("""{"type":"HEARTBEAT","x":{"a":[{"b":1,"c":2,"b":3}]}}""")]
    [InlineData("""{"type":"HEARTBEAT","\u0074ype":"HEARTBEAT"}""")]
    [InlineData("""{"type":"GOSSIP","origin":"10.1.2.3:6001","body":"a","b\u006fdy":"b"}""")]
    [InlineData("""{"type":"PEER_LIST","peers":[{"node":"10.1.2.3:6001","degree":1,"degree":2}]}""")]
    [InlineData("""{"type":"PEER_LIST","peers":[{"node":"10.1.2.3:6001","degree":1,"x":1,"x":1}]}""")]
    [InlineData("""{"type":"SEED_SYNC","commits":[],"removals":[],"commits":[]}""")]
    public void A_name_twice_in_one_object_is_malformed_json(string json) =>
        Assert.StartsWith("malformed JSON: Duplicate property", Rejected(json));

    [Fact]
    public void The_same_name_in_different_objects_is_fine()
    {
        Assert.Equal(new Heartbeat(), Decoded("""{"type":"HEARTBEAT","x":{"a":1,"b":{"a":2}},"y":{"a":1},"z":[{"a":1},{"a":1}]}"""));
        Assert.Equal(new PeerList(Seq(new PeerEntry(P, 1), new PeerEntry(P2, 2))),
            Decoded("""{"type":"PEER_LIST","peers":[{"node":"10.1.2.3:6001","degree":1,"x":0},{"node":"10.1.2.4:6002","degree":2,"x":0}]}"""));
    }

    [Fact]
    public void Many_unknown_names_are_checked_for_duplicates_however_many()
    {
        var names = string.Concat(Enumerable.Range(0, 20_000).Select(i => $",\"n{i}\":{i}"));
        Assert.Equal(new Heartbeat(), Decoded("{\"type\":\"HEARTBEAT\"" + names + "}"));
        Assert.Equal("malformed JSON: Duplicate property 'n12345' in one object.",
            Rejected("{\"type\":\"HEARTBEAT\"" + names + ",\"n12345\":0}"));
    }

    [Fact]
    public void Escaped_text_decodes_to_what_it_means()
    {
        Assert.Equal(new Gossip(P, "café \"x\" / 😀"),
            Decoded("""{"type":"GOSSIP","origin":"10.1.2.3\u003a6001","body":"caf\u00e9 \"x\" \/ \ud83d\ude00"}"""));
        Assert.Equal(new Hello(A, Role.Seed), Decoded("""{"\u0074ype":"HELL\u004f","from":"127.0.0.1:5011","role":"se\u0065d"}"""));
        Assert.Equal("GOSSIP: field 'body' contains a control or line-break character (U+0085)",
            Rejected("""{"type":"GOSSIP","origin":"10.1.2.3:6001","body":"a\u0085"}"""));
        Assert.Equal("GOSSIP: field 'body' contains a control or line-break character (U+007F)",
            Rejected("{\"type\":\"GOSSIP\",\"origin\":\"10.1.2.3:6001\",\"body\":\"a\u007f\"}"));
        Assert.Equal("GOSSIP: field 'body' contains a control or line-break character (U+2029)",
            Rejected("{\"type\":\"GOSSIP\",\"origin\":\"10.1.2.3:6001\",\"body\":\"a\u2029\"}"));
    }

    [Fact]
    public void An_address_with_an_ip_longer_than_any_ip_is_refused()
    {
        Assert.Equal(45, "0000:0000:0000:0000:0000:ffff:255.255.255.255".Length);
        Assert.Equal(new Bridge(new NodeId("0000:0000:0000:0000:0000:ffff:255.255.255.255", 1)),
            Decoded("""{"type":"BRIDGE","target":"[0000:0000:0000:0000:0000:ffff:255.255.255.255]:1"}"""));
        Assert.Equal("BRIDGE: field 'target': '[00000:0000:0000:0000:0000:ffff:255.255.255.255]:1' is not IP:Port",
            Rejected("""{"type":"BRIDGE","target":"[00000:0000:0000:0000:0000:ffff:255.255.255.255]:1"}"""));
        // A port may carry leading zeros, as config.csv's may: the whole text is limited, not the port.
        Assert.Equal(new Bridge(P), Decoded($$"""{"type":"BRIDGE","target":"10.1.2.3:{{new string('0', 1000)}}6001"}"""));
        Assert.Contains("is not IP:Port", Rejected($$"""{"type":"BRIDGE","target":"10.1.2.3:{{new string('0', 1020)}}6001"}"""));
    }

    [Fact]
    public void The_parsers_reason_is_cut_short()
    {
        // The reader quotes the literal it could not read: a payload can make that as long as the frame.
        var error = Rejected("""{"type":"HEARTBEAT","x":n""" + new string('u', 100_000) + "}");
        Assert.StartsWith("malformed JSON: ", error);
        Assert.True(error.Length < 300, $"{error.Length} characters");
    }

    [Fact]
    public void Encoding_an_unknown_message_type_is_a_programming_error() =>
        Assert.Throws<ArgumentException>(() => JsonCodec.Encode(new Stranger()));

    sealed record Stranger : Message;

    // ---- Never throws -------------------------------------------------------------------------------------

    static bool NeverThrows(byte[] bytes)
    {
        var ok = JsonCodec.TryDecode(bytes, out var m, out var error);
        return ok ? m is not null && error is null
                  : m is null && error is not null && !error.Contains('\n') && !error.StartsWith("undecodable");
    }

    [Property(MaxTest = 2000)]
    public Property Random_bytes_never_throw() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)).ToArbitrary(), NeverThrows);

    static readonly byte[] Significant = "{}[]\":,\\0-1.etrfnu \u00ff"u8.ToArray();

    /// <summary>Valid messages with bytes overwritten, inserted or cut: near misses reach the field checks.</summary>
    [Property(MaxTest = 3000)]
    public Property Mutated_messages_never_throw() =>
        Prop.ForAll(
            (from m in Generators.Message
             from edits in Gen.ArrayOf(Gen.Zip(Gen.Choose(0, 1_000_000), Gen.Choose(0, 3)), 3)
             from junk in Gen.ArrayOf(Gen.Elements(Significant), 3)
             select Mutate(JsonCodec.Encode(m), edits, junk)).ToArbitrary(),
            NeverThrows);

    static byte[] Mutate(byte[] json, (int Pos, int Kind)[] edits, byte[] junk)
    {
        var bytes = json.ToList();
        for (var i = 0; i < edits.Length; i++)
        {
            if (bytes.Count == 0) break;
            var at = edits[i].Pos % bytes.Count;
            switch (edits[i].Kind)
            {
                case 0: bytes[at] = junk[i]; break;
                case 1: bytes.Insert(at, junk[i]); break;
                case 2: bytes.RemoveAt(at); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return bytes.ToArray();
    }

    /// <summary>Well-formed JSON objects with a real type name and fields of the wrong kinds.</summary>
    [Property(MaxTest = 2000)]
    public Property Wrongly_typed_fields_never_throw()
    {
        var names = new[] { "HELLO", "REGISTER_REQUEST", "REGISTER_PROPOSAL", "REGISTER_VOTE", "REGISTER_COMMIT", "REGISTER_REJECTED",
            "PEER_LIST_REQUEST", "PEER_LIST", "DEGREE_UPDATE", "SEED_SYNC_REQUEST", "SEED_SYNC", "BRIDGE", "LINK_REQUEST", "GOSSIP", "HEARTBEAT", "PROBE", "PROBE_ACK",
            "SUSPECT_REQUEST", "SUSPECT_RESPONSE", "DEAD_REPORT", "DEAD_PROPOSAL", "DEAD_VOTE", "DEAD_CONFIRMED", "DEAD_REJECTED", "LEAVE" };
        var fields = new[] { "from", "role", "peer", "proposal", "yes", "reason", "voters", "peers", "node", "degree", "commits", "origin", "body",
            "nonce", "suspect", "dead", "evidence", "report", "rendezvous", "incarnation", "neighbours", "removals", "target" };
        var leaf = Gen.Elements("null", "true", "false", "0", "-1", "1e400", "2147483648", "9223372036854775808", "-9223372036854775809",
            "1732520000123456", "1.5", "\"\"", "\"seed\"", "\"peer\"",
            "\"127.0.0.1:5011\"", "\"[::1]:1\"", "\"x\"", "\"\\u0000\"", "\"\\udc00\"");
        Gen<string> Value(int depth) => depth == 0 ? leaf : Gen.Frequency(
            (4, leaf),
            (1, Gen.ArrayOf(Value(depth - 1), 3).Select(a => "[" + string.Join(",", a) + "]")),
            (1, Gen.ArrayOf(Gen.Zip(Gen.Elements(fields), Value(depth - 1)), 3)
                .Select(a => "{" + string.Join(",", a.DistinctBy(p => p.Item1).Select(p => $"\"{p.Item1}\":{p.Item2}")) + "}")));
        var obj = from type in Gen.Elements(names)
                  from props in Gen.ArrayOf(Gen.Zip(Gen.Elements(fields), Value(3)), 5)
                  select "{\"type\":\"" + type + "\"" + string.Concat(props.DistinctBy(p => p.Item1).Select(p => $",\"{p.Item1}\":{p.Item2}")) + "}";
        return Prop.ForAll(obj.ToArbitrary(), json => NeverThrows(Encoding.UTF8.GetBytes(json)));
    }
}
