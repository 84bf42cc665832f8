using LanguageExt;

namespace GossipPure.Shell.Tests;

public sealed class EffectCodecTests
{
    static readonly NodeId A = new("127.0.0.1", 5011);
    static readonly NodeId P = new("10.1.2.3", 6001);
    const long T = 1732520000123456;

    static Gen<Effect> AnyEffect => Gen.OneOf(
        from to in Generators.Address from m in Generators.Message select (Effect)new Send(to, m),
        from to in Generators.Address select (Effect)new Connect(to),
        from n in Generators.Address select (Effect)new Disconnect(n),
        from ip in Generators.Address.Select(a => a.Ip) select (Effect)new PingHost(ip),
        from k in Generators.AnyTimerKey from d in Generators.Incarnation select (Effect)new SetTimer(k, d),
        from k in Generators.AnyTimerKey select (Effect)new CancelTimer(k),
        from e in Gen.Elements(EventGolden.Cases.Select(c => c.Event).ToArray())
        from text in Generators.AnyText
        select (Effect)(e is Suspected s ? s with { Evidence = text } : e),
        Gen.Choose(int.MinValue, int.MaxValue).Select(c => (Effect)new Stop(c)));

    static Gen<Seq<Effect>> Effects =>
        from n in Gen.Choose(0, 8)
        from items in Gen.ArrayOf(AnyEffect, n)
        select new Seq<Effect>(items);

    public static TheoryData<Effect> OneOfEach => new()
    {
        new Send(P, new Gossip(P, "1732520000.123456:10.1.2.3:1")),
        new Send(new NodeId("::1", 5011), new SeedSync(1, 0, 1, false, Seq1(new RegisterCommit(P, Seq1(A), T)), Seq1(new DeadConfirmed(P, Seq(A, P), "crashed", Some(A), T)))),
        new Send(A, new Heartbeat()),
        new Send(A, new RegisterVote(P, "p5011-1", false, null)),
        new Connect(A),
        new Disconnect(P),
        new PingHost("10.1.2.3"),
        new PingHost("::1"),
        new SetTimer(TimerKey.Parse("gossip"), 5000),
        new SetTimer(TimerKey.Parse("witness:10.1.2.3:6001"), 0),
        new SetTimer(TimerKey.Parse("sync"), -1),
        new CancelTimer(TimerKey.Parse("report:10.1.2.3:6001")),
        new PeerListReceived(A, Seq<PeerEntry>(), false),
        new GossipReceived(A, "x", P),
        new Deliver(A, "1732520000.123456:127.0.0.1:a1", "aGVsbG8=", P, 2_500),
        new Suspected(P, "connection broken (closed by remote)", true),
        new FrameRefused("10.1.2.3:40000", "multi\nline \"quoted\" \u0001 é 😀"),
        new Stop(0),
        new Stop(-3),
    };

    [Theory]
    [MemberData(nameof(OneOfEach))]
    public void Each_effect_kind_round_trips(Effect effect)
    {
        var json = EffectCodec.Encode(effect);
        Assert.DoesNotContain('\n', json);
        Assert.True(EffectCodec.TryDecode(json, out var back, out var error), error);
        Assert.Equal(effect, back);
    }

    [Property(MaxTest = 1000)]
    public Property Every_effect_round_trips() =>
        Prop.ForAll(AnyEffect.ToArbitrary(), effect =>
        {
            var json = EffectCodec.Encode(effect);
            return EffectCodec.TryDecode(json, out var back, out var error)
                ? back.Equals(effect).Label($"decoded {back}")
                : false.Label($"rejected: {error}");
        });

    [Property(MaxTest = 300)]
    public Property Every_effect_list_round_trips() =>
        Prop.ForAll(Effects.ToArbitrary(), effects =>
            EffectCodec.TryDecodeList(EffectCodec.EncodeList(effects), out var back, out var error)
                ? back.Equals(effects).Label($"decoded {back}")
                : false.Label($"rejected: {error}"));

    [Property(MaxTest = 500)]
    public Property Every_step_line_round_trips() =>
        Prop.ForAll((from st in Generators.Step from i in Generators.Input from fx in Effects select (st, i, fx)).ToArbitrary(), p =>
        {
            var (step, input, effects) = p;
            var line = EffectCodec.EncodeStep(step, input, effects);
            if (line.Contains('\n')) return false.Label("a line break in the line");
            if (!EffectCodec.TryDecodeStep(line, out var backStep, out var backInput, out var backEffects, out var error))
                return false.Label($"rejected: {error}");
            return (backStep == step && backInput.Equals(input) && backEffects.Equals(Some(effects)))
                .Label($"decoded {backStep} {backInput} {backEffects}");
        });

    [Fact]
    public void The_effect_shapes_are_the_documented_ones()
    {
        Assert.Equal("""{"fx":"send","to":"10.1.2.3:6001","msg":{"type":"SUSPECT_REQUEST","suspect":"127.0.0.1:5011"}}""",
            EffectCodec.Encode(new Send(P, new SuspectRequest(A))));
        Assert.Equal("""{"fx":"event","kind":"Registered","event":{"lists":2,"peers":5}}""", EffectCodec.Encode(new Registered(2, 5)));
        Assert.Equal("""{"fx":"event","kind":"Suspected","event":{"node":"10.1.2.3:6001","evidence":"x","strong":false}}""", EffectCodec.Encode(new Suspected(P, "x", false)));
        Assert.Equal("""{"fx":"timer","key":"gossip","delay_ms":5000}""", EffectCodec.Encode(new SetTimer(TimerKey.Parse("gossip"), 5000)));
        Assert.Equal("""{"fx":"cancel_timer","key":"witness:10.1.2.3:6001"}""", EffectCodec.Encode(new CancelTimer(TimerKey.Parse("witness:10.1.2.3:6001"))));
        Assert.Equal("""{"fx":"connect","to":"127.0.0.1:5011"}""", EffectCodec.Encode(new Connect(A)));
        Assert.Equal("""{"fx":"disconnect","node":"10.1.2.3:6001"}""", EffectCodec.Encode(new Disconnect(P)));
        Assert.Equal("""{"fx":"ping","ip":"10.1.2.3"}""", EffectCodec.Encode(new PingHost("10.1.2.3")));
        Assert.Equal("""{"fx":"stop","code":0}""", EffectCodec.Encode(new Stop(0)));
    }

    [Fact]
    public void A_step_line_is_the_input_line_with_fx_last()
    {
        Assert.Equal("""{"step":8,"t":1732520000123456,"input":"shutdown","fx":[{"fx":"event","kind":"ShuttingDown","event":{}},{"fx":"stop","code":0}]}""",
            EffectCodec.EncodeStep(8, new ShutdownRequested(T), Seq<Effect>(new ShuttingDown(), new Stop(0))));
        Assert.Equal("""{"step":2,"t":1732520000123456,"input":"connected","node":"127.0.0.1:5011","fx":[]}""",
            EffectCodec.EncodeStep(2, new Connected(T, A), Seq<Effect>()));
    }

    [Fact]
    public void The_deepest_step_line_decodes()
    {
        // A SEED_SYNC sent by a seed that was itself handed one: the line's deepest nesting on both sides.
        var sync = new SeedSync(1, 0, 1, false, Seq1(new RegisterCommit(P, Seq(A, P), T)), Seq1(new DeadConfirmed(P, Seq(A, P), "left", None, T)));
        var line = EffectCodec.EncodeStep(3, new Received(T, A, sync), Seq<Effect>(new Send(A, sync), new Send(P, sync)));
        Assert.True(EffectCodec.TryDecodeStep(line, out _, out var input, out var effects, out var error), error);
        Assert.Equal(new Received(T, A, sync), input);
        Assert.Equal(Some(Seq<Effect>(new Send(A, sync), new Send(P, sync))), effects);
    }

    [Fact]
    public void A_format_1_line_decodes_without_effects()
    {
        Assert.True(EffectCodec.TryDecodeStep("""{"step":6,"t":1732520000123456,"input":"timer","key":"gossip"}""",
            out var step, out var input, out var effects, out var error), error);
        Assert.Equal(6, step);
        Assert.Equal(new TimerFired(T, TimerKey.Parse("gossip")), input);
        Assert.True(effects.IsNone);
    }

    [Theory]
    [InlineData("""[]""", "effect is not a JSON object")]
    [InlineData("""{"to":"127.0.0.1:5011"}""", "effect: field 'fx' missing or not a string")]
    [InlineData("""{"fx":"explode"}""", "effect: unknown effect kind 'explode'")]
    [InlineData("""{"fx":"send","to":"nowhere","msg":{"type":"HEARTBEAT"}}""", "effect 'send': field 'to': 'nowhere' is not IP:Port")]
    [InlineData("""{"fx":"send","to":"127.0.0.1:5011"}""", "effect 'send': field 'msg' missing")]
    [InlineData("""{"fx":"send","to":"127.0.0.1:5011","msg":{"type":"NOPE"}}""", "effect 'send': field 'msg': unknown message type 'NOPE'")]
    [InlineData("""{"fx":"send","to":"127.0.0.1:5011","msg":{"type":"GOSSIP","origin":"127.0.0.1:5011"}}""", "effect 'send': field 'msg': GOSSIP: field 'body' missing or not a string")]
    [InlineData("""{"fx":"event","kind":"Registered"}""", "effect 'event': field 'event' missing")]
    [InlineData("""{"fx":"event","event":{}}""", "effect 'event': field 'kind' missing or not a string")]
    [InlineData("""{"fx":"timer","key":"gossip"}""", "effect 'timer': field 'delay_ms' missing or not a 64-bit integer")]
    [InlineData("""{"fx":"timer","key":"gossip","delay_ms":1.5}""", "effect 'timer': field 'delay_ms' missing or not a 64-bit integer")]
    [InlineData("""{"fx":"cancel_timer"}""", "effect 'cancel_timer': field 'key' missing or not a string")]
    [InlineData("""{"fx":"timer","key":"k","delay_ms":1}""", "effect 'timer': field 'key' is not a timer key")]
    [InlineData("""{"fx":"cancel_timer","key":"probe:nowhere"}""", "effect 'cancel_timer': field 'key' is not a timer key")]
    [InlineData("""{"fx":"connect","to":5}""", "effect 'connect': field 'to' missing or not a string")]
    [InlineData("""{"fx":"disconnect","to":"127.0.0.1:5011"}""", "effect 'disconnect': field 'node' missing or not a string")]
    [InlineData("""{"fx":"ping"}""", "effect 'ping': field 'ip' missing or not a string")]
    [InlineData("""{"fx":"stop","code":4294967296}""", "effect 'stop': field 'code' missing or not a 32-bit integer")]
    [InlineData("""{"fx":"stop","code":0""", "malformed JSON")]
    public void Bad_effects_are_rejected_with_a_named_error(string json, string expected)
    {
        Assert.False(EffectCodec.TryDecode(json, out var effect, out var error), $"decoded as {effect}");
        Assert.DoesNotContain('\n', error);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("""{"step":1,"t":2,"input":"shutdown","fx":{}}""", "field 'fx' is not an array")]
    [InlineData("""{"step":1,"t":2,"input":"shutdown","fx":[{"fx":"stop","code":0},{"fx":"timer","key":"gossip"}]}""", "fx[1] 'timer': field 'delay_ms' missing or not a 64-bit integer")]
    [InlineData("""{"step":1,"t":2,"input":"exploded","fx":[]}""", "unknown input kind 'exploded'")]
    public void Bad_step_lines_are_rejected_with_a_named_error(string line, string expected)
    {
        Assert.False(EffectCodec.TryDecodeStep(line, out _, out var input, out _, out var error), $"decoded as {input}");
        Assert.Contains(expected, error);
    }
}
