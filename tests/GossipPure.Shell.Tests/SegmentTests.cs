using System.Reflection;
using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;
using GossipPure.Shell.Hosting;
using GossipPure.Simulation;
using LanguageExt;

namespace GossipPure.Shell.Tests;

/// <summary>
/// Issue 17: the state snapshot that opens an event-log segment, and segments that replay alone. Runs come from the
/// simulator: one node's inputs, stepped through its reducer and recorded by the shell's own recorder with a small
/// disk budget, so the log rolls many times.
/// </summary>
public sealed class SegmentTests
{
    // ---- The codec covers the state ---------------------------------------------------------------------------

    /// <summary>
    /// Every record the state holds (PeerState, SeedState and the records reachable from them), and every property of
    /// each, is one the snapshot writes: a field added to a state record and not to <see cref="StateSnapshot"/> fails here.
    /// Messages are the wire codec's (its own tests cover them); addresses, enums, timer keys and the config have their own forms.
    /// </summary>
    [Fact]
    public void Every_property_of_every_state_record_is_written_by_the_snapshot()
    {
        var missing = new List<string>();
        var seen = new System.Collections.Generic.HashSet<Type>();
        void Visit(Type t)
        {
            if (!seen.Add(t)) return;
            // A collection (LanguageExt's, or the core's own map by address): what it holds is what is written.
            if (t.IsGenericType && (t.Assembly != typeof(PeerState).Assembly || t.GetGenericTypeDefinition() == typeof(NodeMap<>)))
            {
                foreach (var a in t.GetGenericArguments()) Visit(a);
                return;
            }
            if (t.Assembly != typeof(PeerState).Assembly || t.IsEnum || typeof(Message).IsAssignableFrom(t) || typeof(TimerKey).IsAssignableFrom(t)
                || t == typeof(NodeId) || t == typeof(NodeConfig) || t == typeof(PeerEntry) || t == typeof(Core.Identity.SeedSignature))
                return;
            if (!StateSnapshot.Written.TryGetValue(t, out var written))
            {
                missing.Add($"{t.Name} (a record the state holds) is not written by the snapshot");
                return;
            }
            foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null))
            {
                if (!written.Contains(p.Name)) missing.Add($"{t.Name}.{p.Name} is not written by the snapshot");
                Visit(p.PropertyType);
            }
        }
        Visit(typeof(PeerState));
        Visit(typeof(SeedState));
        Assert.True(missing.Count == 0, string.Join("\n", missing));
        // And the list names nothing that is not there (a renamed property must be renamed here too).
        foreach (var (t, names) in StateSnapshot.Written)
            foreach (var n in names)
                Assert.True(t.GetProperty(n) is not null, $"StateSnapshot.Written names {t.Name}.{n}, which does not exist");
    }

    /// <summary>decode(encode(s)) == s for every state of every node of simulated runs, signed or not.</summary>
    [Property(MaxTest = 8)]
    public Property Snapshot_round_trips_every_state_of_a_run() =>
        Prop.ForAll(Gen.Choose(1, 1_000_000).Select(i => (ulong)i).ToArbitrary(), Gen.Elements(false, true).ToArbitrary(), (seed, signed) =>
        {
            var checkedStates = 0;
            Simulator.Run(Scenario(seed, signed, 25_000_000), (step, sim) =>
            {
                if (step.Index % 11 != 0) return;
                object state = sim.SeedIds.Contains(step.Node) ? sim.SeedAt(step.Node) : sim.PeerAt(step.Node);
                var config = state is PeerState p ? p.Config : ((SeedState)state).Config;
                var line = StateSnapshot.Encode(step.Index, state);
                Assert.True(StateSnapshot.TryDecode(line, state is PeerState ? Role.Peer : Role.Seed, config, out var at, out var back, out var error), error);
                Assert.Equal(step.Index, at);
                Assert.Equal(state, back);
                checkedStates++;
            });
            Assert.True(checkedStates > 100, $"only {checkedStates} states checked");
        });

    [Fact]
    public void A_damaged_snapshot_is_a_one_line_error()
    {
        var config = new NodeConfig(new NodeId("127.0.0.1", 6001), Seq1(new NodeId("127.0.0.1", 5011)), ProtocolOptions.Default);
        var line = StateSnapshot.Encode(5, PeerState.Initial(config));
        Assert.False(StateSnapshot.TryDecode(line.Replace("\"made\":0", "\"made\":\"x\""), Role.Peer, config, out _, out _, out var error));
        Assert.Equal("snapshot: snapshot.state.made: not a 32-bit integer", error);
        Assert.False(StateSnapshot.TryDecode(line, Role.Seed, config, out _, out _, out error));
        Assert.Contains("the header's node is a seed", error);
        Assert.False(StateSnapshot.TryDecode(line[..40], Role.Peer, config, out _, out _, out error));
        Assert.DoesNotContain("\n", error);
    }

    // ---- Segments replay alone ---------------------------------------------------------------------------------

    /// <summary>
    /// For any run: replaying segment k from its snapshot gives the same effects, at every step, and the same final
    /// state as replaying the whole run and looking at the same steps; and the files never pass the event log's share
    /// (plus one record).
    /// </summary>
    [Property(MaxTest = 8)]
    public Property Replaying_a_segment_from_its_snapshot_matches_replaying_the_whole_log() =>
        Prop.ForAll(Gen.Choose(1, 1_000_000).Select(i => (ulong)i).ToArbitrary(), Gen.Elements(false, true).ToArbitrary(), (seed, signed) =>
        {
            var result = Simulator.Run(Scenario(seed, signed));
            var dir = Directory.CreateTempSubdirectory("gossip-segments-").FullName;
            try
            {
                foreach (var node in new[] { Addresses.Peer(0), Addresses.Seed(0) })
                {
                    var isSeed = node == Addresses.Seed(0);
                    var inputs = result.Trace.Where(s => s.Node == node).Select(s => s.Input).ToList();
                    // A seed takes far fewer steps than a busy peer: a smaller budget rolls its log too. Its snapshot is
                    // near a segment of it: the folder must keep room for the next one, so a budget of 24 KiB kept a
                    // single segment once the oldest were deleted ahead of time (Segments.TrimAhead).
                    if (isSeed) CheckSegments(dir, Role.Seed, result.Seeds[node].Config, SeedState.Initial(result.Seeds[node].Config), SeedReducer.Step, inputs, new DiskBudget(32 * 1024), 2);
                    else CheckSegments(dir, Role.Peer, result.Peers[node].Config, PeerState.Initial(result.Peers[node].Config), PeerReducer.Step, inputs, new DiskBudget(400 * 1024), 3);
                }
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        });

    static void CheckSegments<TState>(string dir, Role role, NodeConfig config, TState initial, Func<TState, Input, Step<TState>> reduce, List<Input> inputs,
        DiskBudget budget, int segmentsAtLeast) where TState : notnull
    {
        var path = Path.Combine(dir, $"events_{(role == Role.Seed ? "seed" : "peer")}_{config.Self.Port}.jsonl");
        var states = new List<TState> { initial };
        var effects = new List<Seq<Effect>> { Seq<Effect>() };
        var longest = 0;
        using (var recorder = new InputRecorder(path, role, config, 42, budget, problem => throw new InvalidOperationException(problem)))
        {
            var state = initial;
            foreach (var input in inputs)
            {
                var result = reduce(state, input);
                recorder.Append(input, result.Effects, state);
                longest = Math.Max(longest, EffectCodec.EncodeStep(states.Count, input, result.Effects).Length + 1);
                state = result.State;
                states.Add(state);
                effects.Add(result.Effects);
                if (states.Count % 50 == 0)
                {
                    // Within the share at any time, not only at the end (a record and the current snapshot's twin at most above it).
                    recorder.Flush();
                    var onDisk = Directory.EnumerateFiles(dir, $"events_*_{config.Self.Port}*").Sum(f => new FileInfo(f).Length);
                    Assert.True(onDisk <= Math.Max(budget.EventsShare, 0) + longest + LargestHead(dir, config.Self.Port),
                        $"{onDisk} bytes on disk, over the share of {budget.EventsShare}");
                }
            }
        }
        var segments = new Segments(path, budget.EventsShare);
        var files = segments.Rolled().Select(r => r.Path).Append(path).ToList();
        Assert.True(files.Count >= segmentsAtLeast, $"{role}: only {files.Count} segments ({inputs.Count} steps, {new FileInfo(path).Length} bytes, head {LargestHead(dir, config.Self.Port)} bytes): the log did not roll");
        foreach (var file in files)
        {
            Assert.True(EventLog.TryRead(file, out var log, out var error), error);
            Assert.True(log.Torn.IsNone);
            Assert.Equal(1, log.Header.Run);
            var state = initial;
            if (log.Snapshot is { } snap)
            {
                Assert.True(StateSnapshot.TryDecode(snap, role, config, out var after, out var decoded, out var snapError), snapError);
                Assert.Equal(log.SnapshotStep, after);
                state = (TState)decoded;
                Assert.Equal(states[(int)after], state);
            }
            else Assert.Equal(0, log.SnapshotStep);
            foreach (var s in log.Steps)
            {
                var result = reduce(state, s.Input);
                Assert.Equal(effects[(int)s.Step], result.Effects);
                Assert.Equal(s.Effects, Some(result.Effects));
                state = result.State;
            }
            Assert.Equal(states[(int)(log.SnapshotStep + log.Steps.Count)], state);
        }
        Assert.Equal(states.Count - 1, (int)(EventLog.TryRead(path, out var last, out _) ? last!.SnapshotStep + last.Steps.Count : -1));
        foreach (var f in files) File.Delete(f);
    }

    static long LargestHead(string dir, int port) =>
        Directory.EnumerateFiles(dir, $"events_*_{port}*").Select(f => File.ReadLines(f).Take(2).Sum(l => (long)l.Length + 1)).DefaultIfEmpty(0).Max();

    // ---- Runs and budgets --------------------------------------------------------------------------------------

    // Busy gossip with a short horizon and backlog: small snapshots, many steps, so the log rolls many times.
    static Scenario Scenario(ulong seed, bool signed, long runUs = 60_000_000) => new()
    {
        Seed = seed,
        Seeds = 2,
        Peers = 5,
        Signed = signed,
        RunUntilUs = runUs,
        Options = ProtocolOptions.Default with { GossipIntervalMs = 300, GossipCount = 1000, BacklogSize = 16, GossipHorizonMs = 10_000, GossipFutureMs = 5_000 },
    };

    // ---- The share's accounting: deleting ahead of time ---------------------------------------------------------

    [Theory]
    [InlineData(new long[] { }, 50, 40, 0)]
    [InlineData(new long[] { 10, 10, 10 }, 10, 40, 0)]
    [InlineData(new long[] { 10, 10, 10 }, 11, 40, 1)]
    [InlineData(new long[] { 10, 10, 10 }, 30, 40, 2)]
    [InlineData(new long[] { 10, 10, 10 }, 50, 40, 3)]
    [InlineData(new long[] { 30, 5, 5 }, 5, 40, 1)]
    public void Excess_is_the_oldest_segments_that_must_go_for_the_reserved_bytes_to_fit(long[] rolled, long reserved, long share, int expected) =>
        Assert.Equal(expected, Segments.Excess(rolled, reserved, share));

    /// <summary>
    /// A writer of random records that rolls at the segment size and trims ahead as the output file does: the
    /// folder never holds more than the share (+ the record just written), even while the thread pool deletes (a
    /// segment counts until it is gone); no roll has anything left to delete; and the folder still keeps all but a
    /// segment and the reserve. Segments here are a few KiB: a deletion may well not be done by the time an eighth of
    /// one is written, which is when the writer waits for it.
    /// </summary>
    [Property(MaxTest = 12)]
    public Property Segments_deleted_ahead_keep_the_share_and_leave_the_roll_nothing_to_delete() =>
        Prop.ForAll(Gen.Choose(1, 1_000_000).ToArbitrary(), Gen.Choose(16, 96).ToArbitrary(), (seed, shareKb) =>
        {
            InTempDir("gossip-ahead-", dir =>
            {
                var share = shareKb * 1024L;
                var path = Path.Combine(dir, "outputfile_peer_6001.txt");
                var segments = new Segments(path, share);
                var random = new Random(seed);
                var (current, rolls, most) = (0L, 0, 0L);
                var record = new byte[segments.SegmentBytes / 8];
                var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);
                for (var i = 0; i < 400; i++)
                {
                    var size = random.Next(1, record.Length + 1);
                    if (current > 0 && current + size > segments.SegmentBytes)
                    {
                        file.Dispose();
                        segments.Roll();
                        rolls++;
                        file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);
                        current = 0;
                    }
                    file.Write(record, 0, size);
                    current += size;
                    segments.Grew(current, segments.Reserve(0));
                    var onDisk = FolderBytes(dir);
                    most = Math.Max(most, onDisk);
                    Assert.True(onDisk <= share + size, $"record {i}: {onDisk} bytes on disk, over the share of {share} (+ {size})");
                }
                file.Dispose();
                segments.WaitForDeletions();
                Assert.True(rolls >= 2 * DiskBudget.SegmentsPerShare, $"only {rolls} rolls");
                Assert.Equal(0, segments.DeletedAtRoll);
                Assert.True(most >= share - segments.SegmentBytes - segments.Reserve(0) - record.Length,
                    $"the folder held at most {most} bytes of a share of {share}: deleting ahead kept too little");
            });
        });

    static void InTempDir(string prefix, Action<string> test)
    {
        var dir = Directory.CreateTempSubdirectory(prefix).FullName;
        try
        {
            test(dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    static long FolderBytes(string dir) =>
        Directory.EnumerateFiles(dir).Sum(f => { try { return new FileInfo(f).Length; } catch (FileNotFoundException) { return 0; } });

    /// <summary>A busy peer's event log at a budget that rolls it often: every old segment was deleted ahead of time, none by a roll.</summary>
    [Fact]
    public void The_event_log_deletes_its_old_segments_ahead_of_time_never_at_the_roll()
    {
        var result = Simulator.Run(Scenario(17, signed: false, runUs: 120_000_000));
        var node = Addresses.Peer(0);
        var config = result.Peers[node].Config;
        InTempDir("gossip-ahead-log-", dir =>
        {
        var path = Path.Combine(dir, "events_peer_6001.jsonl");
        var budget = new DiskBudget(400 * 1024);
        var state = PeerState.Initial(config);
        using (var recorder = new InputRecorder(path, Role.Peer, config, 42, budget, problem => throw new InvalidOperationException(problem)))
        {
            foreach (var input in result.Trace.Where(s => s.Node == node).Select(s => s.Input))
            {
                var step = PeerReducer.Step(state, input);
                recorder.Append(input, step.Effects, state);
                state = step.State;
            }
            recorder.Flush();
            var rolled = recorder.Segments.Rolled();
            Assert.True(rolled[0].Number > 1, $"no segment was deleted: {rolled.Count} rolled, the oldest {rolled[0].Number}");
            Assert.True(FolderBytes(dir) <= budget.EventsShare, $"{FolderBytes(dir)} bytes, over the share of {budget.EventsShare}");
            Assert.Equal(0, recorder.Segments.DeletedAtRoll);
        }
        });
    }

    /// <summary>Issue 17, a restart: the output file's earlier run becomes a numbered segment; the new run starts the file anew.</summary>
    [Fact]
    public void A_restarted_node_log_starts_a_new_segment_and_keeps_the_earlier_runs()
    {
        InTempDir("gossip-restart-log-", dir =>
        {
        var path = Path.Combine(dir, "outputfile_peer_6001.txt");
        for (var run = 1; run <= 3; run++)
            using (var log = new NodeLog(path, null, console: false))
                log.Write(Core.LogLevel.Info, $"run {run}");
        Assert.EndsWith(" run 3", Assert.Single(File.ReadAllLines(path)));
        var segments = new Segments(path, DiskBudget.Default.TextShare).Rolled();
        Assert.Equal(new long[] { 1, 2 }, segments.Select(r => r.Number));
        Assert.EndsWith(" run 1", Assert.Single(File.ReadAllLines(segments[0].Path)));
        Assert.EndsWith(" run 2", Assert.Single(File.ReadAllLines(segments[1].Path)));
        });
    }

    [Fact]
    public void A_restarted_recorder_continues_the_numbering_and_names_its_run()
    {
        InTempDir("gossip-restart-", dir =>
        {
        var config = new NodeConfig(new NodeId("127.0.0.1", 6001), Seq1(new NodeId("127.0.0.1", 5011)), ProtocolOptions.Default);
        var path = Path.Combine(dir, "events_peer_6001.jsonl");
        for (var run = 1; run <= 3; run++)
        {
            using var recorder = new InputRecorder(path, Role.Peer, config, 42, new DiskBudget(1024 * 1024));
            Assert.Equal(run, recorder.Run);
            recorder.Append(new Started(1, 7), Seq<Effect>(), PeerState.Initial(config));
        }
        var segments = new Segments(path, 1024 * 1024);
        Assert.Equal(new long[] { 1, 2 }, segments.Rolled().Select(r => r.Number));
        var runs = segments.Rolled().Select(r => r.Path).Append(path)
            .Select(f => EventLog.TryRead(f, out var log, out var e) ? log.Header.Run : throw new Exception(e)).ToArray();
        Assert.Equal(new[] { 1, 2, 3 }, runs);
        });
    }
}
