using System.Text;
using GossipPure.Shell.Hosting;
using LanguageExt;

namespace GossipPure.Shell.Tests;

public sealed class EventLogTests
{
    static readonly NodeId Self = new("127.0.0.1", 6001);
    static readonly Seq<NodeId> Seeds = Seq(new NodeId("127.0.0.1", 5011), new NodeId("127.0.0.1", 5012), new NodeId("127.0.0.1", 5013));
    const long T = 1795635721402113;

    /// <summary>The format-1 header as specs/protocol.md documented it before effects were recorded.</summary>
    const string Format1Header = """{"format":1,"role":"peer","node":"127.0.0.1:6001","seeds":["127.0.0.1:5011","127.0.0.1:5012","127.0.0.1:5013"],"random_seed":"9313127468114711473","options":{"gossip_interval_ms":5000,"gossip_count":10,"register_retry_ms":250,"register_retry_max_ms":4000,"proposal_timeout_ms":2000,"seed_reconnect_ms":250,"pareto_alpha":1.5,"min_neighbours":2,"max_neighbours":16,"backlog_size":256,"overlay_check_ms":500,"degree_report_ms":10000,"heartbeat_interval_ms":1000,"heartbeat_misses":3,"ping_interval_ms":13000,"ping_failures":3,"probe_timeout_ms":300,"witnesses":3,"witness_timeout_ms":1000,"report_retry_ms":2000}}""";

    static NodeConfig Config(ProtocolOptions? o = null) => new(Self, Seeds, o ?? ProtocolOptions.Default);

    static string Header(NodeConfig? c = null) => EventLogHeader.Encode(Role.Peer, c ?? Config(), 42);

    static readonly (Input Input, Seq<Effect> Effects)[] Steps =
    [
        (new Started(T, 42), toSeq(new Effect[] { new NodeStarted(Role.Peer, Self, 3, 2), new Send(Seeds[0], new RegisterRequest(T)), new SetTimer(TimerKey.Parse("register"), 250) })),
        (new Connected(T + 1, Seeds[0]), Seq<Effect>()),
        (new Received(T + 2, Seeds[0], new PeerList(Seq<PeerEntry>())), Seq<Effect>(new Registered(1, 0), new CancelTimer(TimerKey.Parse("register")))),
        (new TimerFired(T + 3, TimerKey.Parse("gossip")), Seq1<Effect>(new GossipMade(Self, "1.0:127.0.0.1:1", 0))),
        (new ShutdownRequested(T + 4), Seq<Effect>(new ShuttingDown(), new Stop(0))),
    ];

    static string[] StepLines => Steps.Select((s, i) => EffectCodec.EncodeStep(i + 1, s.Input, s.Effects)).ToArray();

    static string File(params string[] lines) => string.Concat(lines.Select(l => l + "\n"));

    static EventLog Read(string text)
    {
        Assert.True(EventLog.TryParse(Encoding.UTF8.GetBytes(text), "events.jsonl", out var log, out var error), error);
        return log;
    }

    static string Refused(string text)
    {
        Assert.False(EventLog.TryParse(Encoding.UTF8.GetBytes(text), "events.jsonl", out var log, out var error), $"read {log}");
        Assert.DoesNotContain('\n', error);
        return error;
    }

    // ---- Header -------------------------------------------------------------------------------------------

    [Fact]
    public void The_header_rebuilds_the_node_with_every_option()
    {
        // Every option set to a value unlike its default, so an option the header forgets cannot pass.
        var options = ProtocolOptions.Default with { };
        var n = 0;
        foreach (var (_, p) in EventLogHeader.Options)
        {
            n++;
            object v = p.PropertyType == typeof(long) ? 100_000L + n
                : p.PropertyType == typeof(int) ? 1000 + n
                : p.PropertyType == typeof(double) ? 0.25 + n
                : p.PropertyType == typeof(bool) ? !(bool)p.GetValue(ProtocolOptions.Default)!
                : $"value {n}";
            p.SetValue(options, v);
        }
        Assert.NotEqual(ProtocolOptions.Default, options);
        var config = Config(options);

        Assert.True(EventLogHeader.TryDecode(EventLogHeader.Encode(Role.Seed, config, ulong.MaxValue), out var header, out var warnings, out var error), error);
        Assert.Equal(new EventLogHeader(EventLog.FormatVersion, Role.Seed, config, ulong.MaxValue) { Run = 1, Segment = 1 }, header);
        Assert.Empty(warnings);
    }

    [Fact]
    public void A_format_2_log_replays_its_inputs_and_says_its_log_text_is_not_compared()
    {
        // Format 2 recorded each step's log lines as text ("fx":"log"); this build records events instead.
        var header = Header().Replace("\"format\":4,", "\"format\":2,", StringComparison.Ordinal);
        var step = """{"step":1,"t":1732520000123456,"input":"shutdown","fx":[{"fx":"log","level":"info","text":"Shutting down."},{"fx":"stop","code":0}]}""";
        var log = Read(header + "\n" + step + "\n");
        Assert.Equal(2, log.Header.Format);
        Assert.False(log.HasEffects);
        Assert.Single(log.Steps);
        Assert.True(log.Steps[0].Effects.IsNone);
        Assert.Contains(log.Warnings, w => w.StartsWith("format 2 recorded log text, not events", StringComparison.Ordinal));
    }

    [Fact]
    public void The_header_records_every_ProtocolOptions_property()
    {
        var properties = typeof(ProtocolOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).Order();
        Assert.Equal(properties, EventLogHeader.Options.Select(o => o.Property.Name).Order());
        Assert.Contains(("gossip_interval_ms", typeof(ProtocolOptions).GetProperty(nameof(ProtocolOptions.GossipIntervalMs))!), EventLogHeader.Options);
        Assert.StartsWith("""{"format":4,"role":"peer","node":"127.0.0.1:6001","run":1,"segment":1,"seeds":["127.0.0.1:5011","127.0.0.1:5012","127.0.0.1:5013"],"random_seed":"42","options":{"gossip_interval_ms":5000,""", Header());
    }

    [Fact]
    public void A_format_1_header_still_loads()
    {
        Assert.True(EventLogHeader.TryDecode(Format1Header, out var header, out var warnings, out var error), error);
        Assert.Equal(1, header.Format);
        Assert.Equal(Role.Peer, header.Role);
        Assert.Equal(Config(), header.Config);
        Assert.Equal(9313127468114711473UL, header.RandomSeed);
        // Options added after that file was written are noted and take their defaults; nothing else is.
        // Exactly the options added since, each noted once (an empty list of warnings would hide a loader that stopped noting).
        Assert.All(warnings, w => Assert.Contains("missing; the default", w));
        var noted = warnings.Select(w => System.Text.RegularExpressions.Regex.Match(w, "option '([a-z_]+)'").Groups[1].Value).Order().ToArray();
        Assert.Equal(["dead_holdoff_ms", "degree_report_max", "gossip_future_ms", "gossip_horizon_ms", "health_decay_ms", "health_late_ms", "health_max", "peer_list_max", "report_retry_max_ms", "seed_probe_attempts", "seed_sync_chunk_bytes", "seed_sync_chunk_entries", "seed_sync_ms"], noted);
    }

    [Fact]
    public void A_format_1_file_loads_without_effects()
    {
        var log = Read(File(Format1Header,
            """{"step":1,"t":1795635721402113,"input":"started","seed":"9313127468114711473"}""",
            """{"step":2,"t":1795635721408530,"input":"received","from":"127.0.0.1:5011","msg":{"type":"PEER_LIST","peers":[]}}"""));
        Assert.False(log.HasEffects);
        Assert.Equal(2, log.Steps.Count);
        Assert.True(log.Steps.ForAll(s => s.Effects.IsNone));
        Assert.Equal(new Started(1795635721402113, 9313127468114711473), log.Steps[0].Input);
    }

    [Fact]
    public void Missing_options_take_their_defaults_and_unknown_ones_are_noted()
    {
        var line = """{"format":2,"role":"seed","node":"127.0.0.1:5011","seeds":["127.0.0.1:5011"],"random_seed":"1","options":{"gossip_count":3,"from_the_future":7}}""";
        Assert.True(EventLogHeader.TryDecode(line, out var header, out var warnings, out var error), error);
        Assert.Equal(ProtocolOptions.Default with { GossipCount = 3 }, header.Config.Options);
        Assert.Contains(warnings, w => w.Contains("option 'from_the_future' is not one this build knows"));
        Assert.Contains(warnings, w => w.Contains("option 'gossip_interval_ms' missing; the default (5000) is used"));
        Assert.DoesNotContain(warnings, w => w.Contains("'gossip_count'"));

        Assert.True(EventLogHeader.TryDecode("""{"format":1,"role":"seed","node":"127.0.0.1:5011","seeds":[],"random_seed":"1"}""", out header, out _, out error), error);
        Assert.Equal(ProtocolOptions.Default, header.Config.Options);
    }

    [Theory]
    [InlineData("""{"format":5,"role":"peer","node":"127.0.0.1:6001","seeds":[],"random_seed":"1"}""", "format 5 is not one this build reads (1 to 4)")]
    [InlineData("""{"format":4,"role":"peer","node":"127.0.0.1:6001","run":0,"seeds":[],"random_seed":"1"}""", "header: field 'run' is not a positive integer")]
    [InlineData("""{"role":"peer","node":"127.0.0.1:6001","seeds":[],"random_seed":"1"}""", "field 'format' missing")]
    [InlineData("""{"format":"2","role":"peer","node":"127.0.0.1:6001","seeds":[],"random_seed":"1"}""", "header: field 'format' missing or not an integer")]
    [InlineData("""{"step":1,"t":2,"input":"shutdown","fx":[]}""", "the first line is an input, not a header")]
    [InlineData("""{"format":2,"role":"client","node":"127.0.0.1:6001","seeds":[],"random_seed":"1"}""", "field 'role': 'client' is neither")]
    [InlineData("""{"format":2,"role":"peer","node":"here","seeds":[],"random_seed":"1"}""", "field 'node': 'here' is not IP:Port")]
    [InlineData("""{"format":2,"role":"peer","node":"127.0.0.1:6001","seeds":["x"],"random_seed":"1"}""", "field 'seeds[0]': 'x' is not IP:Port")]
    [InlineData("""{"format":2,"role":"peer","node":"127.0.0.1:6001","seeds":[],"random_seed":"-1"}""", "field 'random_seed': '-1' is not an unsigned 64-bit integer")]
    [InlineData("""{"format":2,"role":"peer","node":"127.0.0.1:6001","seeds":[],"random_seed":"1","options":{"gossip_count":"ten"}}""", "option 'gossip_count' is not a Int32")]
    [InlineData("""{"format":2,"role":"peer",""", "header: malformed JSON")]
    public void A_bad_header_is_refused_naming_the_problem(string line, string expected) =>
        Assert.Contains(expected, Refused(File(line)));

    // ---- Lines --------------------------------------------------------------------------------------------

    [Fact]
    public void A_whole_file_reads_back_every_step()
    {
        var log = Read(File([Header(), .. StepLines]));
        Assert.True(log.HasEffects);
        Assert.True(log.Torn.IsNone);
        Assert.Equal(Steps.Length, log.Steps.Count);
        for (var i = 0; i < Steps.Length; i++)
        {
            Assert.Equal(i + 1, log.Steps[i].Step);
            Assert.Equal(i + 2, log.Steps[i].Line);
            Assert.Equal(Steps[i].Input, log.Steps[i].Input);
            Assert.Equal(Some(Steps[i].Effects), log.Steps[i].Effects);
        }
    }

    [Fact]
    public void A_header_alone_is_a_log_of_no_steps() =>
        Assert.Empty(Read(File(Header())).Steps);

    [Fact]
    public void An_empty_file_is_refused() =>
        Assert.Contains("empty file", Refused(""));

    [Fact]
    public void A_torn_header_is_refused() =>
        Assert.Contains("line 1: header: malformed JSON", Refused(Header()[..40]));

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(-1)]
    public void A_last_line_cut_short_by_a_crash_is_reported_and_skipped(int keep)
    {
        // The file as a crash leaves it: the last line written only in part, with no line break after it.
        var lines = StepLines;
        var last = lines[^1];
        var cut = keep > 0 ? last[..keep] : last[..^1];
        var log = Read(File([Header(), .. lines[..^1]]) + cut);
        Assert.Equal(lines.Length - 1, log.Steps.Count);
        Assert.Equal(Steps[..^1].Select(s => s.Input), log.Steps.Map(s => s.Input));
        var torn = Assert.IsType<TornLine>(log.Torn.Case);
        Assert.Equal(lines.Length + 1, torn.Line);
        Assert.Contains("no line break at its end", torn.Reason);
    }

    [Fact]
    public void A_whole_last_line_without_its_line_break_is_still_torn()
    {
        var log = Read(File([Header(), .. StepLines[..^1]]) + StepLines[^1]);
        Assert.Equal(StepLines.Length - 1, log.Steps.Count);
        Assert.Equal(StepLines.Length + 1, Assert.IsType<TornLine>(log.Torn.Case).Line);
    }

    [Fact]
    public void An_undecodable_last_line_is_reported_and_skipped()
    {
        var log = Read(File([Header(), .. StepLines[..2], """{"step":3,"t":5,"input":"timer","key":"gossip","fx":[{"fx":"timer","key":"gossip"}]}"""]));
        Assert.Equal(2, log.Steps.Count);
        var torn = Assert.IsType<TornLine>(log.Torn.Case);
        Assert.Equal(4, torn.Line);
        Assert.Contains("fx[0] 'timer': field 'delay_ms' missing", torn.Reason);
    }

    [Fact]
    public void A_bad_line_in_the_middle_is_an_error_naming_it()
    {
        var lines = StepLines;
        var error = Refused(File([Header(), lines[0], lines[1][..30], .. lines[2..]]));
        Assert.StartsWith("events.jsonl line 3: malformed JSON", error);
    }

    [Fact]
    public void A_blank_line_in_the_middle_is_an_error_naming_it() =>
        Assert.StartsWith("events.jsonl line 3: malformed JSON", Refused(File([Header(), StepLines[0], "", .. StepLines[1..]])));

    [Fact]
    public void A_missing_step_is_an_error_naming_the_line() =>
        Assert.Equal("events.jsonl line 3: step 3 where step 2 was expected", Refused(File([Header(), StepLines[0], .. StepLines[2..]])));

    [Fact]
    public void A_whole_last_line_with_the_wrong_step_is_an_error_not_a_tear() =>
        Assert.Equal("events.jsonl line 4: step 4 where step 3 was expected", Refused(File(Header(), StepLines[0], StepLines[1], StepLines[3])));

    [Fact]
    public void A_format_2_line_without_effects_is_an_error() =>
        Assert.Contains("line 2: field 'fx' missing", Refused(File(Header(), JsonCodec.EncodeInput(1, Steps[0].Input), StepLines[1])));

    [Fact]
    public void Invalid_UTF8_in_the_middle_is_an_error()
    {
        var bytes = Encoding.UTF8.GetBytes(File(Header(), StepLines[0])).Concat(new byte[] { 0xC3, 0x28, (byte)'\n' })
            .Concat(Encoding.UTF8.GetBytes(File(StepLines[1..]))).ToArray();
        Assert.False(EventLog.TryParse(bytes, "events.jsonl", out _, out var error));
        Assert.Equal("events.jsonl line 3: not valid UTF-8", error);
    }

    [Fact]
    public void Windows_line_breaks_are_read_too()
    {
        var log = Read(string.Concat(new[] { Header() }.Concat(StepLines).Select(l => l + "\r\n")));
        Assert.Equal(Steps.Length, log.Steps.Count);
        Assert.True(log.Torn.IsNone);
    }

    // ---- Recorder and reader together ----------------------------------------------------------------------

    [Fact]
    public void What_the_recorder_writes_the_reader_reads_even_while_it_is_open()
    {
        var path = Path.Combine(Path.GetTempPath(), $"events-test-{Guid.NewGuid():N}.jsonl");
        try
        {
            var config = Config(ProtocolOptions.Default with { GossipIntervalMs = 200, GossipCount = 3 });
            using (var recorder = new InputRecorder(path, Role.Peer, config, 42))
            {
                foreach (var (input, effects) in Steps) recorder.Append(input, effects);
                // Readable while the node runs (and so after a crash), once flushed: the node loop flushes each
                // time its inbox is empty.
                recorder.Flush();
                Assert.True(EventLog.TryRead(path, out var live, out var liveError), liveError);
                Assert.Equal(Steps.Length, live.Steps.Count);
            }
            Assert.True(EventLog.TryRead(path, out var log, out var error), error);
            Assert.Equal(new EventLogHeader(EventLog.FormatVersion, Role.Peer, config, 42) { Run = 1, Segment = 1 }, log.Header);
            Assert.Equal(Steps.Select(s => s.Input), log.Steps.Map(s => s.Input));
            Assert.Equal(Steps.Select(s => Some(s.Effects)), log.Steps.Map(s => s.Effects));
            Assert.EndsWith("\n", System.IO.File.ReadAllText(path));
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_file_is_one_line_of_error()
    {
        Assert.False(EventLog.TryRead("/nonexistent/events_peer_1.jsonl", out _, out var error));
        Assert.Equal("/nonexistent/events_peer_1.jsonl: no such file", error);
    }
}
