using System.Text.Json;
using GossipPure.Shell.Hosting;

namespace GossipPure.Shell.Tests;

/// <summary>
/// The one renderer: every event kind gives its exact line (golden), every kind the core defines has a golden case
/// and a JSON form that reads back equal, and no source outside the renderer speaks the protocol's log wording.
/// </summary>
public class EventTextTests
{
    [Theory]
    [MemberData(nameof(EventGolden.Indexes), MemberType = typeof(EventGolden))]
    public void Every_event_renders_to_its_exact_line(int index)
    {
        var (e, level, line) = EventGolden.Cases[index];
        var rendered = EventText.Render(e);
        Assert.Equal(line, rendered.Line);
        Assert.Equal(level, rendered.Level);
    }

    [Fact]
    public void Every_event_kind_of_the_core_has_a_golden_case_and_a_json_kind()
    {
        var kinds = typeof(NodeEvent).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(NodeEvent)) && !t.IsAbstract).Select(t => t.Name).Order().ToArray();
        Assert.True(kinds.Length > 40, $"only {kinds.Length} event kinds found");
        var golden = EventGolden.Cases.Select(c => c.Event.GetType().Name).Distinct().Order().ToArray();
        Assert.Empty(kinds.Except(golden));
        Assert.Empty(kinds.Except(EventJson.KnownKinds));
    }

    [Theory]
    [MemberData(nameof(EventGolden.Indexes), MemberType = typeof(EventGolden))]
    public void Every_event_reads_back_from_its_json_as_an_equal_value(int index)
    {
        var e = EventGolden.Cases[index].Event;
        using var doc = JsonDocument.Parse(EventJson.Encode(e));
        Assert.True(EventJson.TryRead(EventJson.KindOf(e), doc.RootElement, out var back, out var error), error);
        Assert.Equal(e, back);
        // And through the event log's effect codec.
        Assert.True(EffectCodec.TryDecode(EffectCodec.Encode(e), out var effect, out var codecError), codecError);
        Assert.Equal(e, effect);
    }

    [Fact]
    public void The_json_of_an_event_names_its_facts()
    {
        var e = new Purged(new NodeId("127.0.0.1", 6002), "crashed", 42, Seq1(new NodeId("127.0.0.1", 5011)), 3, new NodeId("127.0.0.1", 5011), true, 2);
        Assert.Equal("""{"fx":"event","kind":"Purged","event":{"node":"127.0.0.1:6002","reason":"crashed","incarnation":42,"voters":["127.0.0.1:5011"],"seeds":3,"from":"127.0.0.1:5011","was_neighbour":true,"degree":2}}""",
            EffectCodec.Encode(e));
        Assert.Equal("""{"node":"127.0.0.1:6002","why":"SentAMessage","denials":0,"witnesses":0,"reason":null,"seed":null}""",
            EventJson.Encode(new SuspicionDropped(new NodeId("127.0.0.1", 6002), DropCause.SentAMessage)));
    }

    [Theory]
    [InlineData("""{"fx":"event","kind":"Nope","event":{}}""", "effect 'event': unknown event kind 'Nope'")]
    [InlineData("""{"fx":"event","kind":"Suspected","event":{"node":"here","evidence":"x","strong":true}}""", "effect 'event': event 'Suspected':")]
    [InlineData("""{"fx":"event","kind":"Suspected"}""", "effect 'event': field 'event' missing")]
    [InlineData("""{"fx":"log","level":"info","text":"x"}""", "unknown effect kind 'log'")]
    public void A_bad_event_is_a_named_one_line_error(string json, string expected)
    {
        Assert.False(EffectCodec.TryDecode(json, out var effect, out var error), $"decoded as {effect}");
        Assert.DoesNotContain('\n', error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void The_lines_a_tool_reads_back_give_their_events()
    {
        var self = new NodeId("127.0.0.1", 6001);
        foreach (var (e, _, line) in EventGolden.Cases)
        {
            var read = EventText.Recognize(line, self);
            switch (e)
            {
                case GossipReceived or GossipTotals or SeedConnected or ShuttingDown:
                    Assert.Equal(e, read);
                    break;
                case GossipMade m:
                    Assert.Equal(m with { Origin = self }, read);
                    break;
                case NodeStarted or Registered:
                    Assert.Equal(e, read);
                    break;
                case PeerRemoved r:
                    Assert.Equal((r.Node, r.Reason), read is PeerRemoved x ? (x.Node, x.Reason) : default);
                    break;
                case Purged p:
                    Assert.Equal((p.Node, p.Reason), read is Purged x2 ? (x2.Node, x2.Reason) : default);
                    break;
                case Rejoining j:
                    Assert.Equal(j.Self, Assert.IsType<Rejoining>(read).Self);
                    break;
                case Suspected s:
                    Assert.Equal(s, read);
                    break;
                case DeadReported d:
                    Assert.Equal(d, read);
                    break;
                default:
                    Assert.True(read is null, $"'{line}' read as {read}");
                    break;
            }
            // With a level mark, as the console and the output file write it.
            if (read is not null) Assert.Equal(read, EventText.Recognize("WARNING: " + line, self));
        }
        // A body may hold the marks the line is read by: the line is read from its ends.
        const string odd = "odd ' body' from x origin y ' (sent to 3 neighbours)";
        Assert.Equal(new GossipMade(self, odd, 7), EventText.Recognize(EventText.Render(new GossipMade(self, odd, 7)).Line, self));
        var g = new GossipReceived(self, odd, new NodeId("::1", 6002));
        Assert.Equal(g, EventText.Recognize(EventText.Render(g).Line, self));
    }

    /// <summary>
    /// No source in src/ outside the renderer speaks the protocol's log wording: rewording a line cannot silently break
    /// metrics, the live view, the bench or the simulator. (The wire type names, <c>"DEAD_CONFIRMED"</c> alone in
    /// the message codec, are not log wording: the patterns below are the lines' own phrases.)
    /// </summary>
    [Fact]
    public void No_source_outside_the_renderer_matches_log_wording()
    {
        // A line's own phrases, and a wire name at the start of a string or before an interpolated value: how the
        // lines begin ("DEAD_CONFIRMED {x} (…"), not the names the codec and the docs use.
        string[] wording =
        [
            "\"DEAD_CONFIRMED ", "DEAD_CONFIRMED {", "\"SUSPECT ", "SUSPECT {", "\"REGISTER_COMMIT ", "REGISTER_COMMIT {", "\"REGISTER_VOTE ",
            "\"DEAD_VOTE ", "DEAD_REPORT sent", "DEAD_REPORT from", "GOSSIP received", "GOSSIP made", "): purged", "peer list now",
            "Registered;", "Shutting down.", "Connected to seed", " started;", "Gossip made ", "names this peer", "first time)", "(LEAVE)",
            "Suspicion of", "weak evidence", "strong evidence", "withheld on", "not a registered peer", "ignored:",
        ];
        var src = Path.Combine(RepoRoot(), "src");
        var renderer = Path.Combine("GossipPure.Shell", "Hosting", "EventText.cs");
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(src, file);
            if (rel == renderer || rel.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")) continue;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var code = lines[i].TrimStart();
                if (code.StartsWith("//", StringComparison.Ordinal)) continue;   // prose may name a line
                foreach (var w in wording)
                    if (code.Contains(w, StringComparison.Ordinal)) found.Add($"{rel}:{i + 1}: '{w}' in {code.Trim()}");
            }
        }
        Assert.True(found.Count == 0, "log wording outside the renderer:\n" + string.Join("\n", found));
    }

    static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Directory.Packages.props"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>The JSON log (CLEF) carries each event's kind and fields beside its line; the text file keeps the line.</summary>
public class NodeLogEventTests
{
    [Fact]
    public void A_json_log_names_the_event_and_its_fields_and_the_text_file_keeps_the_line()
    {
        var dir = Directory.CreateTempSubdirectory("gossip-nodelog-").FullName;
        try
        {
            var path = Path.Combine(dir, "outputfile_peer_6001.txt");
            var e = new Purged(new NodeId("127.0.0.1", 6002), "crashed", 42, Seq1(new NodeId("127.0.0.1", 5011)), 3, new NodeId("127.0.0.1", 5011), true, 2);
            using (var log = new NodeLog(path, null, console: false, LogFormat.Json, "127.0.0.1:6001", "peer"))
            {
                log.Write(e);
                log.Flush();
            }
            Assert.EndsWith(" WARNING: " + EventText.Render(e).Line, Assert.Single(File.ReadAllLines(path)));
            using var clef = JsonDocument.Parse(Assert.Single(File.ReadAllLines(Path.ChangeExtension(path, ".clef"))));
            var root = clef.RootElement;
            Assert.Equal(EventText.Render(e).Line, root.GetProperty("@m").GetString());
            Assert.Equal("Purged", root.GetProperty("event").GetString());
            var fields = root.GetProperty("fields");
            Assert.Equal("127.0.0.1:6002", fields.GetProperty("node").GetString());
            Assert.Equal(42, fields.GetProperty("incarnation").GetInt64());
            Assert.Equal("127.0.0.1:5011", fields.GetProperty("voters")[0].GetString());
            Assert.True(fields.GetProperty("was_neighbour").GetBoolean());
            // The fields read back as the event itself.
            Assert.True(EventJson.TryRead("Purged", fields, out var back, out var error), error);
            Assert.Equal(e, back);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
