using BenchmarkDotNet.Attributes;
using GossipPure.Core;
using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;
using GossipPure.Shell.Hosting;
using GossipPure.Simulation;
using LanguageExt;

namespace GossipPure.Benchmarks;

/// <summary>
/// Issue 17: what rolling an event-log segment costs the node's loop. A roll (<see cref="InputRecorder"/>) encodes the
/// snapshot of the state before the step (<see cref="StateSnapshot"/>), closes the current segment, renames it to
/// its number, deletes the oldest segments past the share (<see cref="Segments"/>), and opens the new file with its
/// header and snapshot. What of that runs on the loop thread is what a node's latency pays; the rest runs on the
/// recorder's writer. Each measured call is one step, from the moment the loop records it to the moment the loop is
/// free again (<see cref="InputRecorder.Append"/>, then <see cref="InputRecorder.HandOver"/>, as the node loop calls
/// them), with the writer idle before it (<see cref="IterationSetupAttribute"/>, one call per iteration), so that a
/// writer still busy with the previous roll is not counted, nor the loop waiting for it. States come from
/// deterministic simulated runs (as in SegmentTests):
/// <list type="bullet">
/// <item><c>peer</c>: a peer of 20 after 30 s of everyone gossiping every 200 ms (its backlog full, its seen set busy);</item>
/// <item><c>seed-1000</c>: a seed with 1,000 registered peers (no gossip: only registration, overlay and health).</item>
/// </list>
/// Run: dotnet run -c Release --project tests/GossipPure.Benchmarks -- --filter '*SegmentSnapshot*' --job short --iterationCount 41
/// </summary>
[MemoryDiagnoser, MedianColumn]
public class SegmentSnapshotBenchmarks
{
    [Params("peer", "seed-1000")]
    public string State { get; set; } = "peer";

    object state = null!;
    NodeConfig config = null!;
    Role role;
    string dir = "";
    InputRecorder? rolling;
    InputRecorder? plain;
    Input bigInput = null!;
    string plainPath = "";
    long plainSteps;
    readonly DiskBudget budget = new(64 * 1024);

    /// <summary>A peer of a 20-peer network after 30 s of gossip every 200 ms by every peer.</summary>
    public static PeerState BusyPeer()
    {
        var result = Simulator.Run(new Scenario
        {
            Seed = 17, Seeds = 3, Peers = 20, RunUntilUs = 30_000_000, KeepTrace = false, KeepLogs = false,
            Options = ProtocolOptions.Default with { GossipIntervalMs = 200, GossipCount = 1000 },
        });
        var peer = result.Peers[Addresses.Peer(0)];
        if (peer.Backlog.Count < peer.Config.Options.BacklogSize)
            throw new InvalidOperationException($"the busy peer's backlog holds {peer.Backlog.Count}, not {peer.Config.Options.BacklogSize}");
        return peer;
    }

    /// <summary>A seed of a network of 3 seeds and 1,000 peers once all have registered.</summary>
    public static SeedState SeedOf1000()
    {
        var result = Simulator.Run(new Scenario
        {
            Seed = 17, Seeds = 3, Peers = 1000, Gossipers = 0, RunUntilUs = 30_000_000, KeepTrace = false, KeepLogs = false,
        });
        var seed = result.Seeds[Addresses.Seed(0)];
        if (seed.Peers.Count < 1000) throw new InvalidOperationException($"the seed has {seed.Peers.Count} registered peers, not 1,000");
        return seed;
    }

    [GlobalSetup]
    public void Setup()
    {
        state = State == "peer" ? BusyPeer() : SeedOf1000();
        (config, role) = state is PeerState p ? (p.Config, Role.Peer) : (((SeedState)state).Config, Role.Seed);
        var bytes = System.Text.Encoding.UTF8.GetByteCount(StateSnapshot.Encode(1, state)) + 1;
        Console.WriteLine($"// snapshot of {State}: {bytes} bytes"
            + (state is SeedState s ? $" ({s.Peers.Count} peers)" : $" (backlog {((PeerState)state).Backlog.Count}, known {((PeerState)state).Known.Count})"));
        dir = Directory.CreateTempSubdirectory("gossip-bench-roll-").FullName;
        // A step of more bytes than the snapshot: with segments this small, every such step recorded with its
        // state rolls (a segment holds at least as many bytes of steps as of snapshot), and without it never does.
        var from = new NodeId("127.0.0.1", 6002);
        bigInput = new Received(1_700_000_000_000_000, from, new Gossip(from, "1700000000.000001:127.0.0.1:" + new string('x', bytes + 4096)));
        rolling = new InputRecorder(Path.Combine(dir, "events_rolling.jsonl"), role, config, 42, budget);
        plainPath = Path.Combine(dir, "events_plain.jsonl");
        plain = new InputRecorder(plainPath, role, config, 42, budget);
        rolling.Append(bigInput, Prelude.Seq<Effect>(), state);
        rolling.Append(bigInput, Prelude.Seq<Effect>(), state);
        rolling.Flush();
        // The roll renamed the first segment and, the share being this small, deleted it: the file is the second.
        using (var reader = new StreamReader(new FileStream(Path.Combine(dir, "events_rolling.jsonl"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete)))
            if (!reader.ReadLine()!.Contains("\"segment\":2") || !StateSnapshot.IsSnapshot(reader.ReadLine() ?? ""))
                throw new InvalidOperationException("the rolling recorder did not roll");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        rolling?.Dispose();
        plain?.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    [Benchmark(Description = "snapshot encode")]
    public string Encode() => StateSnapshot.Encode(1234, state);

    /// <summary>
    /// The writers idle before each measured step. So that the plain file does not grow without end, every 16th time
    /// the recorder starts over in an empty file (the old one deleted), as a roll deletes an old segment.
    /// </summary>
    [IterationSetup(Targets = [nameof(LoopPlain), nameof(LoopRoll), nameof(LoopAndWriterRoll)])]
    public void WritersIdle()
    {
        rolling!.Flush();
        plain!.Flush();
        if (++plainSteps % 16 != 0) return;
        plain.Dispose();
        File.Delete(plainPath);
        plain = new InputRecorder(plainPath, role, config, 42, budget);
    }

    /// <summary>A large step recorded without its state: it never rolls (the baseline of <see cref="LoopRoll"/>).</summary>
    [Benchmark(Description = "loop: a large step, no roll"), InvocationCount(1)]
    public void LoopPlain()
    {
        plain!.Append(bigInput, Prelude.Seq<Effect>());
        plain.HandOver();
    }

    /// <summary>The same step with its state: it rolls (closes the segment, renames and trims, opens a new one with the snapshot).</summary>
    [Benchmark(Description = "loop: a large step + roll"), InvocationCount(1)]
    public void LoopRoll()
    {
        rolling!.Append(bigInput, Prelude.Seq<Effect>(), state);
        rolling.HandOver();
    }

    /// <summary>The same, until the writer has done the roll too: the whole roll, wherever it runs.</summary>
    [Benchmark(Description = "loop + writer: a large step + roll"), InvocationCount(1)]
    public void LoopAndWriterRoll()
    {
        rolling!.Append(bigInput, Prelude.Seq<Effect>(), state);
        rolling.Flush();
    }
}

/// <summary>
/// What recording one ordinary step costs the loop (<see cref="InputRecorder.Append"/>, buffered; the buffer goes to the
/// writer every 16 KiB): a peer's first receipt of a GOSSIP (forwarded to 7, logged), into a temp folder, with its state, at
/// the default budget, as a node records it (so it rolls every 48 MiB, with this small peer's snapshot).
/// </summary>
[MemoryDiagnoser, MedianColumn]
public class SegmentRecordStepBenchmarks
{
    string dir = "";
    InputRecorder recorder = null!;
    Input input = null!;
    Seq<Effect> effects;
    PeerState peer = null!;

    [GlobalSetup]
    public void Setup()
    {
        peer = Fixtures.RegisteredPeer(out var from);
        input = new Received(1_700_000_002_000_000, from, new Gossip(from, "1700000001.511801:127.0.0.1:7"));
        effects = PeerReducer.Step(peer, input).Effects;
        if (!effects.Any(e => e is GossipReceived)) throw new InvalidOperationException("not a first receipt");
        Console.WriteLine($"// step: {GossipPure.Shell.Wire.EffectCodec.EncodeStep(1, input, effects).Length + 1} bytes, {effects.Count} effects");
        dir = Directory.CreateTempSubdirectory("gossip-bench-step-").FullName;
        recorder = new InputRecorder(Path.Combine(dir, "events_peer_7000.jsonl"), Role.Peer, peer.Config, 42);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        recorder.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    [Benchmark(Description = "record one step (first-time GOSSIP)")]
    public void Record() => recorder.Append(input, effects, peer);
}
