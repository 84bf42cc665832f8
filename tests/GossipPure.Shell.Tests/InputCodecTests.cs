using LanguageExt;

namespace GossipPure.Shell.Tests;

public sealed class InputCodecTests
{
    static readonly NodeId A = new("127.0.0.1", 5011);
    static readonly NodeId P = new("10.1.2.3", 6001);
    const long T = 1732520000123456;

    static (long Step, Input Input) Decoded(string line)
    {
        Assert.True(JsonCodec.TryDecodeInput(line, out var step, out var input, out var error), error);
        return (step, input);
    }

    static string Rejected(string line)
    {
        Assert.False(JsonCodec.TryDecodeInput(line, out _, out var input, out var error), $"decoded as {input}");
        Assert.Null(input);
        Assert.DoesNotContain('\n', error);
        return error;
    }

    public static TheoryData<Input> OneOfEach => new()
    {
        new Started(T, 0),
        new Started(T, ulong.MaxValue),
        new Received(T, A, new RegisterCommit(P, Seq(A, new NodeId("127.0.0.1", 5012)), T)),
        new Received(T, P, new SeedSync(1, 0, 1, false, Seq1(new RegisterCommit(P, Seq1(A), T)), Seq<DeadConfirmed>())),
        new Received(T, A, new SeedSync(1, 0, 1, false, Seq<RegisterCommit>(), Seq1(new DeadConfirmed(P, Seq(A, new NodeId("127.0.0.1", 5012)), "crashed", Some(A), T)))),
        new Received(T, P, new RegisterRequest(long.MinValue)),
        new Received(T, P, new LinkRequest(0)),
        new Received(T, A, new DegreeUpdate(Seq(P, new NodeId("::1", 7000)))),
        new Received(T, A, new Bridge(P)),
        new Received(T, P, new Gossip(P, "1732520000.123456:10.1.2.3:1")),
        new Connected(T, A),
        new Disconnected(T, A, "connection reset"),
        new ConnectFailed(T, new NodeId("::1", 5011), "connection refused"),
        new TimerFired(T, TimerKey.Parse("proposal:10.1.2.3:6001")),
        new BadFrame(T, "127.0.0.1:40000", "frame length 4294967295 exceeds the 1048576-byte limit"),
        new BadFrame(-1, "", "multi\nline\treason"),
        new ShutdownRequested(0),
        new PingResult(T, "10.1.2.3", PingOutcome.Reply, "0.1ms"),
        new PingResult(T, "::1", PingOutcome.NoReply, "timed out"),
        new PingResult(T, "10.1.2.3", PingOutcome.Unavailable, "raw sockets not permitted"),
        new HealthSample(T, 0, 0),
        new HealthSample(T, 2500, long.MaxValue),
        new HealthSample(T, -3, long.MinValue),
        new Publish(T, "aGVsbG8="),
        new Publish(T, Convert.ToBase64String(new byte[AppMessage.MaxBytes])),
        new Received(T, A, new Gossip(A, "1732520000.123456:127.0.0.1:a1") { Data = "aGVsbG8=" }),
    };

    [Theory]
    [MemberData(nameof(OneOfEach))]
    public void Each_input_kind_round_trips(Input input)
    {
        var line = JsonCodec.EncodeInput(42, input);
        Assert.DoesNotContain('\n', line);
        var (step, back) = Decoded(line);
        Assert.Equal(42, step);
        Assert.Equal(input, back);
    }

    [Property(MaxTest = 1000)]
    public Property Every_input_round_trips() =>
        Prop.ForAll(Gen.Zip(Generators.Step, Generators.Input).ToArbitrary(), p =>
        {
            var line = JsonCodec.EncodeInput(p.Item1, p.Item2);
            if (line.Contains('\n')) return false.Label("a line break in the line");
            return JsonCodec.TryDecodeInput(line, out var step, out var back, out var error)
                ? (step == p.Item1 && back.Equals(p.Item2)).Label($"decoded {step} {back}")
                : false.Label($"rejected: {error}");
        });

    [Fact]
    public void The_line_shapes_are_the_documented_ones()
    {
        Assert.Equal("""{"step":3,"t":1732520000123456,"input":"received","from":"127.0.0.1:5011","msg":{"type":"DEGREE_UPDATE","neighbours":["10.1.2.3:6001","127.0.0.1:5011"]}}""",
            JsonCodec.EncodeInput(3, new Received(T, A, new DegreeUpdate(Seq(P, A)))));
        Assert.Equal("""{"step":3,"t":1732520000123456,"input":"received","from":"127.0.0.1:5011","msg":{"type":"BRIDGE","target":"10.1.2.3:6001"}}""",
            JsonCodec.EncodeInput(3, new Received(T, A, new Bridge(P))));
        Assert.Equal("""{"step":3,"t":1732520000123456,"input":"received","from":"10.1.2.3:6001","msg":{"type":"REGISTER_REQUEST","incarnation":-1}}""",
            JsonCodec.EncodeInput(3, new Received(T, P, new RegisterRequest(-1))));
        // The deepest line: a removal's voters inside a SEED_SYNC inside the line (5 levels).
        Assert.Equal("""{"step":3,"t":1732520000123456,"input":"received","from":"127.0.0.1:5011","msg":{"type":"SEED_SYNC","commits":[],"removals":[{"node":"10.1.2.3:6001","voters":["127.0.0.1:5011"],"reason":"left","rendezvous":null,"incarnation":1732520000123456}],"run":1,"since":0,"upto":1,"more":false}}""",
            JsonCodec.EncodeInput(3, new Received(T, A, new SeedSync(1, 0, 1, false, Seq<RegisterCommit>(), Seq1(new DeadConfirmed(P, Seq1(A), "left", None, T))))));
        Assert.Equal("""{"step":1,"t":1732520000123456,"input":"started","seed":"18446744073709551615"}""",
            JsonCodec.EncodeInput(1, new Started(T, ulong.MaxValue)));
        Assert.Equal("""{"step":2,"t":1732520000123456,"input":"connected","node":"127.0.0.1:5011"}""",
            JsonCodec.EncodeInput(2, new Connected(T, A)));
        Assert.Equal("""{"step":4,"t":1732520000123456,"input":"disconnected","node":"127.0.0.1:5011","reason":"closed by remote"}""",
            JsonCodec.EncodeInput(4, new Disconnected(T, A, "closed by remote")));
        Assert.Equal("""{"step":5,"t":1732520000123456,"input":"connect_failed","node":"127.0.0.1:5011","reason":"connection refused"}""",
            JsonCodec.EncodeInput(5, new ConnectFailed(T, A, "connection refused")));
        Assert.Equal("""{"step":6,"t":1732520000123456,"input":"timer","key":"gossip"}""",
            JsonCodec.EncodeInput(6, new TimerFired(T, TimerKey.Parse("gossip"))));
        Assert.Equal("""{"step":7,"t":1732520000123456,"input":"bad_frame","remote":"127.0.0.1:40000","reason":"r"}""",
            JsonCodec.EncodeInput(7, new BadFrame(T, "127.0.0.1:40000", "r")));
        Assert.Equal("""{"step":8,"t":1732520000123456,"input":"shutdown"}""",
            JsonCodec.EncodeInput(8, new ShutdownRequested(T)));
        Assert.Equal("""{"step":9,"t":1732520000123456,"input":"ping_result","ip":"10.1.2.3","outcome":"no_reply","detail":"timed out"}""",
            JsonCodec.EncodeInput(9, new PingResult(T, "10.1.2.3", PingOutcome.NoReply, "timed out")));
        Assert.Equal("""{"step":10,"t":1732520000123456,"input":"health","timer_late_ms":1200,"inbox_age_ms":35}""",
            JsonCodec.EncodeInput(10, new HealthSample(T, 1200, 35)));
    }

    [Theory]
    [InlineData("", "malformed JSON")]
    [InlineData("[]", "event is not a JSON object (got an array)")]
    [InlineData("""{"step":1,"t":2}""", "event: field 'input' missing or not a string")]
    [InlineData("""{"step":1,"t":2,"input":"exploded"}""", "unknown input kind 'exploded'")]
    [InlineData("""{"step":1,"t":2,"input":"timer","key":"probe:nowhere"}""", "field 'key' is not a timer key")]
    [InlineData("""{"t":2,"input":"shutdown"}""", "event 'shutdown': field 'step' missing or not a 64-bit integer")]
    [InlineData("""{"step":-1,"t":2,"input":"shutdown"}""", "event 'shutdown': field 'step' is negative (-1)")]
    [InlineData("""{"step":1,"input":"shutdown"}""", "event 'shutdown': field 't' missing or not a 64-bit integer")]
    [InlineData("""{"step":1,"t":2,"input":"started","seed":5}""", "event 'started': field 'seed' missing or not a string")]
    [InlineData("""{"step":1,"t":2,"input":"started","seed":"-5"}""", "event 'started': field 'seed': '-5' is not an unsigned 64-bit integer")]
    [InlineData("""{"step":1,"t":2,"input":"started","seed":"18446744073709551616"}""", "is not an unsigned 64-bit integer")]
    [InlineData("""{"step":1,"t":2,"input":"received","from":"127.0.0.1:5011"}""", "event 'received': field 'msg' missing")]
    [InlineData("""{"step":1,"t":2,"input":"received","from":"127.0.0.1:5011","msg":{"type":"NOPE"}}""", "unknown message type 'NOPE'")]
    [InlineData("""{"step":1,"t":2,"input":"received","from":"127.0.0.1:5011","msg":7}""", "event 'received': field 'msg' is not a JSON object (got a number)")]
    [InlineData("""{"step":1,"t":2,"input":"received","from":"x","msg":{"type":"LINK_REQUEST","incarnation":1}}""", "event 'received': field 'from': 'x' is not IP:Port")]
    [InlineData("""{"step":1,"t":2,"input":"received","from":"127.0.0.1:5011","msg":{"type":"LINK_REQUEST"}}""", "LINK_REQUEST: field 'incarnation' missing or not a 64-bit integer")]
    [InlineData("""{"step":1,"t":2,"input":"received","from":"127.0.0.1:5011","msg":{"type":"DEGREE_UPDATE","degree":2}}""", "DEGREE_UPDATE: field 'neighbours' missing or not an array")]
    [InlineData("""{"step":1,"t":2,"input":"received","from":"127.0.0.1:5011","msg":{"type":"BRIDGE","target":"nowhere"}}""", "BRIDGE: field 'target': 'nowhere' is not IP:Port")]
    [InlineData("""{"step":1,"t":2,"input":"connected"}""", "event 'connected': field 'node' missing or not a string")]
    [InlineData("""{"step":1,"t":2,"input":"disconnected","node":"127.0.0.1:5011"}""", "event 'disconnected': field 'reason' missing or not a string")]
    [InlineData("""{"step":1,"t":2,"input":"timer"}""", "event 'timer': field 'key' missing or not a string")]
    [InlineData("""{"step":1,"t":2,"input":"bad_frame","reason":"r"}""", "event 'bad_frame': field 'remote' missing or not a string")]
    [InlineData("""{"step":1,"t":2,"input":"ping_result","ip":"1.2.3.4","outcome":"maybe","detail":""}""", "event 'ping_result': field 'outcome': 'maybe' is not reply, no_reply or unavailable")]
    [InlineData("""{"step":1,"t":2,"input":"health","timer_late_ms":5}""", "event 'health': field 'inbox_age_ms' missing or not a 64-bit integer")]
    [InlineData("""{"step":1,"t":2,"input":"health","timer_late_ms":"5","inbox_age_ms":0}""", "event 'health': field 'timer_late_ms' missing or not a 64-bit integer")]
    public void Bad_lines_are_rejected_with_a_named_error(string line, string expected) =>
        Assert.Contains(expected, Rejected(line));

    [Fact]
    public void A_header_line_is_not_an_input() =>
        Assert.Contains("field 'input' missing", Rejected("""{"format":1,"role":"seed","node":"127.0.0.1:5011","seeds":["127.0.0.1:5011"]}"""));
}
