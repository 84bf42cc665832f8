using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Core;
using GossipPure.Shell.Wire;
using LanguageExt;
using static LanguageExt.Prelude;
using Xunit;

namespace GossipPure.Shell.Tests;

public sealed class JsonCodecTests
{
    static readonly NodeId A = new("127.0.0.1", 5011);
    static readonly NodeId B = new("127.0.0.1", 5012);
    static readonly NodeId P = new("10.1.2.3", 6001);

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
        new RegisterRequest(),
        new RegisterProposal(P, "5011-1"),
        new RegisterVote(P, "5011-1", true, null),
        new RegisterVote(P, "5011-1", false, "10.1.2.3:6001 is a seed address"),
        new RegisterCommit(P, Seq(A, B)),
        new RegisterCommit(P, Seq<NodeId>()),
        new RegisterRejected("refused"),
        new PeerListRequest(),
        new PeerList(Seq(new PeerEntry(P, 3), new PeerEntry(new NodeId("::1", 7000), 0))),
        new PeerList(Seq<PeerEntry>()),
        new DegreeUpdate(0),
        new DegreeUpdate(int.MaxValue),
        new SeedSync(Seq(new RegisterCommit(P, Seq(A, B)), new RegisterCommit(new NodeId("10.1.2.4", 6002), Seq1(A)))),
        new SeedSync(Seq<RegisterCommit>()),
        new LinkRequest(),
        new Gossip(P, "1732520000.123456:10.1.2.3:1"),
        new Gossip(new NodeId("fe80::1", 9), "\"quotes\" \\ 日本 😀"),
        new Heartbeat(),
        new Probe(long.MinValue),
        new ProbeAck(7),
        new SuspectRequest(P),
        new SuspectResponse(P, true, "no PROBE_ACK within 300ms"),
        new DeadReport(P, "Dead Node:10.1.2.3:6001:1732520000.123456:10.1.2.4"),
        new DeadProposal(P, "5011-d1", "crashed"),
        new DeadVote(P, "5011-d1", false, "PROBE_ACK in 0.2ms"),
        new DeadConfirmed(P, Seq(A, B), "crashed", Some(new NodeId("10.1.2.4", 6002))),
        new DeadConfirmed(P, Seq<NodeId>(), "left", None),
        new DeadRejected(P, "alive"),
        new Leave(),
    };

    [Theory]
    [MemberData(nameof(OneOfEach))]
    public void Each_message_type_round_trips(Message m)
    {
        Assert.Equal(m, Decoded(Json(m)));
        Assert.Equal(Json(m), Json(Decoded(Json(m))));
    }

    // ---- The shapes on the wire ---------------------------------------------------------------------------

    [Fact]
    public void The_json_shapes_are_the_documented_ones()
    {
        Assert.Equal("""{"type":"HELLO","from":"127.0.0.1:5011","role":"seed"}""", Json(new Hello(A, Role.Seed)));
        Assert.Equal("""{"type":"HELLO","from":"[::1]:7000","role":"peer"}""", Json(new Hello(new NodeId("::1", 7000), Role.Peer)));
        Assert.Equal("""{"type":"REGISTER_REQUEST"}""", Json(new RegisterRequest()));
        Assert.Equal("""{"type":"REGISTER_PROPOSAL","peer":"10.1.2.3:6001","proposal":"5011-1"}""", Json(new RegisterProposal(P, "5011-1")));
        Assert.Equal("""{"type":"REGISTER_VOTE","peer":"10.1.2.3:6001","proposal":"5011-1","yes":true,"reason":null}""",
            Json(new RegisterVote(P, "5011-1", true, null)));
        Assert.Equal("""{"type":"REGISTER_VOTE","peer":"10.1.2.3:6001","proposal":"5011-1","yes":false,"reason":"no"}""",
            Json(new RegisterVote(P, "5011-1", false, "no")));
        Assert.Equal("""{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001","voters":["127.0.0.1:5011","127.0.0.1:5012"]}""",
            Json(new RegisterCommit(P, Seq(A, B))));
        Assert.Equal("""{"type":"REGISTER_REJECTED","reason":"refused"}""", Json(new RegisterRejected("refused")));
        Assert.Equal("""{"type":"PEER_LIST_REQUEST"}""", Json(new PeerListRequest()));
        Assert.Equal("""{"type":"PEER_LIST","peers":[{"node":"10.1.2.3:6001","degree":3}]}""",
            Json(new PeerList(Seq1(new PeerEntry(P, 3)))));
        Assert.Equal("""{"type":"DEGREE_UPDATE","degree":4}""", Json(new DegreeUpdate(4)));
        Assert.Equal("""{"type":"SEED_SYNC","commits":[{"peer":"10.1.2.3:6001","voters":["127.0.0.1:5011"]}]}""",
            Json(new SeedSync(Seq1(new RegisterCommit(P, Seq1(A))))));
        Assert.Equal("""{"type":"LINK_REQUEST"}""", Json(new LinkRequest()));
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
        Assert.Equal("""{"type":"DEAD_PROPOSAL","suspect":"10.1.2.3:6001","proposal":"5011-1","reason":"crashed"}""",
            Json(new DeadProposal(P, "5011-1", "crashed")));
        Assert.Equal("""{"type":"DEAD_VOTE","suspect":"10.1.2.3:6001","proposal":"5011-1","yes":true,"evidence":"e"}""",
            Json(new DeadVote(P, "5011-1", true, "e")));
        Assert.Equal("""{"type":"DEAD_CONFIRMED","node":"10.1.2.3:6001","voters":["127.0.0.1:5011"],"reason":"left","rendezvous":"127.0.0.1:5012"}""",
            Json(new DeadConfirmed(P, Seq1(A), "left", Some(B))));
        Assert.Equal("""{"type":"DEAD_CONFIRMED","node":"10.1.2.3:6001","voters":[],"reason":"crashed","rendezvous":null}""",
            Json(new DeadConfirmed(P, Seq<NodeId>(), "crashed", None)));
        Assert.Equal("""{"type":"DEAD_REJECTED","suspect":"10.1.2.3:6001","reason":"alive"}""", Json(new DeadRejected(P, "alive")));
        Assert.Equal("""{"type":"LEAVE"}""", Json(new Leave()));
    }

    [Fact]
    public void Unknown_fields_and_whitespace_are_ignored()
    {
        Assert.Equal(new DegreeUpdate(3), Decoded(""" { "extra" : {"a":[1,{"b":null}]}, "type" : "DEGREE_UPDATE", "degree" : 3 } """));
        Assert.Equal(new LinkRequest(), Decoded("""{"type":"LINK_REQUEST","peer":"not even an address"}"""));
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
        // The object is depth 1, then 7 arrays: 8 in all.
        Assert.Equal(new LinkRequest(), Decoded("""{"type":"LINK_REQUEST","x":[[[[[[[]]]]]]]}"""));
    }

    // ---- Rejections ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("{not json", "malformed JSON")]
    [InlineData("", "malformed JSON")]
    [InlineData("""{"type":"LINK_REQUEST"} x""", "malformed JSON")]
    [InlineData("""{"type":"LINK_REQUEST",}""", "malformed JSON")]
    [InlineData("""{"type":"LINK_REQUEST"} /* c */""", "malformed JSON")]
    [InlineData("""{"type":"LINK_REQUEST","type":"GOSSIP"}""", "malformed JSON")]
    [InlineData("""[{"type":"LINK_REQUEST"}]""", "message is not a JSON object (got an array)")]
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
    [InlineData("""{"type":"REGISTER_PROPOSAL","peer":"10.1.2.3:6001"}""", "REGISTER_PROPOSAL: field 'proposal' missing or not a string")]
    [InlineData("""{"type":"REGISTER_PROPOSAL","peer":"10.1.2.3:6001","proposal":""}""", "REGISTER_PROPOSAL: field 'proposal' is empty")]
    [InlineData("""{"type":"REGISTER_VOTE","peer":"10.1.2.3:6001","proposal":"5011-1"}""", "REGISTER_VOTE: field 'yes' missing or not a boolean")]
    [InlineData("""{"type":"REGISTER_VOTE","peer":"10.1.2.3:6001","proposal":"5011-1","yes":"true"}""", "REGISTER_VOTE: field 'yes' missing or not a boolean")]
    [InlineData("""{"type":"REGISTER_VOTE","peer":"10.1.2.3:6001","proposal":"5011-1","yes":1}""", "REGISTER_VOTE: field 'yes' missing or not a boolean")]
    [InlineData("""{"type":"REGISTER_VOTE","peer":"10.1.2.3:6001","proposal":"5011-1","yes":false,"reason":5}""", "REGISTER_VOTE: field 'reason' is not a string or null")]
    [InlineData("""{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001"}""", "REGISTER_COMMIT: field 'voters' missing or not an array")]
    [InlineData("""{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001","voters":"127.0.0.1:5011"}""", "REGISTER_COMMIT: field 'voters' missing or not an array")]
    [InlineData("""{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001","voters":["127.0.0.1:5011",5]}""", "REGISTER_COMMIT: field 'voters[1]' is not a string")]
    [InlineData("""{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001","voters":["nope"]}""", "REGISTER_COMMIT: field 'voters[0]': 'nope' is not IP:Port")]
    [InlineData("""{"type":"REGISTER_REJECTED"}""", "REGISTER_REJECTED: field 'reason' missing or not a string")]
    [InlineData("""{"type":"PEER_LIST"}""", "PEER_LIST: field 'peers' missing or not an array")]
    [InlineData("""{"type":"PEER_LIST","peers":[5]}""", "PEER_LIST: field 'peers[0]' is not an object")]
    [InlineData("""{"type":"PEER_LIST","peers":[{"node":"10.1.2.3:6001","degree":1},{"node":"10.1.2.3:6002","degree":-2}]}""", "PEER_LIST: field 'peers[1].degree' is negative (-2)")]
    [InlineData("""{"type":"PEER_LIST","peers":[{"node":"10.1.2.3","degree":1}]}""", "PEER_LIST: field 'peers[0].node': '10.1.2.3' is not IP:Port")]
    [InlineData("""{"type":"PEER_LIST","peers":[{"node":"10.1.2.3:6001"}]}""", "PEER_LIST: field 'peers[0].degree' missing or not a 32-bit integer")]
    [InlineData("""{"type":"DEGREE_UPDATE","degree":-1}""", "DEGREE_UPDATE: field 'degree' is negative (-1)")]
    [InlineData("""{"type":"DEGREE_UPDATE","degree":1.5}""", "DEGREE_UPDATE: field 'degree' missing or not a 32-bit integer")]
    [InlineData("""{"type":"DEGREE_UPDATE","degree":"3"}""", "DEGREE_UPDATE: field 'degree' missing or not a 32-bit integer")]
    [InlineData("""{"type":"DEGREE_UPDATE","degree":2147483648}""", "DEGREE_UPDATE: field 'degree' missing or not a 32-bit integer")]
    [InlineData("""{"type":"DEGREE_UPDATE"}""", "DEGREE_UPDATE: field 'degree' missing or not a 32-bit integer")]
    [InlineData("""{"type":"SEED_SYNC","commits":[{"peer":"10.1.2.3:6001"}]}""", "SEED_SYNC: field 'commits[0].voters' missing or not an array")]
    [InlineData("""{"type":"SEED_SYNC","commits":[{"peer":"10.1.2.3:6001","voters":["x"]}]}""", "SEED_SYNC: field 'commits[0].voters[0]': 'x' is not IP:Port")]
    [InlineData("""{"type":"SEED_SYNC","commits":[[]]}""", "SEED_SYNC: field 'commits[0]' is not an object")]
    [InlineData("""{"type":"GOSSIP","origin":"10.1.2.3:6001"}""", "GOSSIP: field 'body' missing or not a string")]
    [InlineData("""{"type":"GOSSIP","body":"hi"}""", "GOSSIP: field 'origin' missing or not a string")]
    [InlineData("""{"type":"GOSSIP","origin":"10.1.2.3:6001","body":"a\nfake log line"}""", "GOSSIP: field 'body' contains a control or line-break character (U+000A)")]
    [InlineData("""{"type":"GOSSIP","origin":"10.1.2.3:6001","body":"a\u2028b"}""", "GOSSIP: field 'body' contains a control or line-break character (U+2028)")]
    [InlineData("""{"type":"GOSSIP","origin":"10.1.2.3:6001","body":"\ud800"}""", "malformed JSON")]
    [InlineData("""{"type":"GOSSIP","x":[[[[[[[[]]]]]]]]}""", "malformed JSON")]
    [InlineData("""{"type":"PROBE","nonce":1.5}""", "PROBE: field 'nonce' missing or not a 64-bit integer")]
    [InlineData("""{"type":"SUSPECT_RESPONSE","suspect":"10.1.2.3:6001","evidence":"e"}""", "SUSPECT_RESPONSE: field 'dead' missing or not a boolean")]
    [InlineData("""{"type":"DEAD_VOTE","suspect":"10.1.2.3:6001","proposal":"","yes":true,"evidence":"e"}""", "DEAD_VOTE: field 'proposal' is empty")]
    [InlineData("""{"type":"DEAD_CONFIRMED","node":"10.1.2.3:6001","voters":[],"reason":"left","rendezvous":"x"}""", "DEAD_CONFIRMED: field 'rendezvous': 'x' is not IP:Port")]
    [InlineData("""{"type":"DEAD_CONFIRMED","node":"10.1.2.3:6001","voters":[],"reason":"left","rendezvous":3}""", "DEAD_CONFIRMED: field 'rendezvous' is not a string or null")]
    public void Bad_messages_are_rejected_with_a_named_error(string json, string expected) =>
        Assert.Contains(expected, Rejected(json));

    [Fact]
    public void Nesting_deeper_than_eight_names_the_depth() =>
        Assert.Contains("depth", Rejected("""{"type":"GOSSIP","x":[[[[[[[[]]]]]]]]}"""));

    [Fact]
    public void Long_strings_are_rejected()
    {
        Assert.Equal($"GOSSIP: field 'body' is {JsonCodec.MaxBodyChars + 1} characters long, over the 65536-character limit",
            Rejected(Json(new Gossip(P, new string('x', JsonCodec.MaxBodyChars + 1)))));
        Assert.Equal("REGISTER_REJECTED: field 'reason' is 1025 characters long, over the 1024-character limit",
            Rejected(Json(new RegisterRejected(new string('r', 1025)))));
        Assert.Contains("REGISTER_PROPOSAL: field 'proposal' is 5000 characters long",
            Rejected(Json(new RegisterProposal(P, new string('p', 5000)))));
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
            Rejected($$"""{"type":"REGISTER_COMMIT","peer":"10.1.2.3:6001","voters":[{{voters}}]}"""));
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
            "PEER_LIST_REQUEST", "PEER_LIST", "DEGREE_UPDATE", "SEED_SYNC", "LINK_REQUEST", "GOSSIP", "HEARTBEAT", "PROBE", "PROBE_ACK",
            "SUSPECT_REQUEST", "SUSPECT_RESPONSE", "DEAD_REPORT", "DEAD_PROPOSAL", "DEAD_VOTE", "DEAD_CONFIRMED", "DEAD_REJECTED", "LEAVE" };
        var fields = new[] { "from", "role", "peer", "proposal", "yes", "reason", "voters", "peers", "node", "degree", "commits", "origin", "body",
            "nonce", "suspect", "dead", "evidence", "report", "rendezvous" };
        var leaf = Gen.Elements("null", "true", "false", "0", "-1", "1e400", "2147483648", "\"\"", "\"seed\"", "\"peer\"",
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
