using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using GossipPure.Core;
using GossipPure.Shell.Wire;
using LanguageExt;

namespace GossipPure.Shell.Hosting;

/// <summary>
/// Appends every input handed to the reducer, with its time and the effects the reducer produced for it, to
/// <c>events_&lt;role&gt;_&lt;port&gt;.jsonl</c>, one JSON line each. Lines are buffered and reach the file at
/// <see cref="Flush"/> (the node loop calls it when its inbox is empty), when the buffer passes
/// <see cref="BufferBytes"/>, and when the recorder is disposed: a <c>kill -9</c> loses at most the steps of the batch
/// under way, and the reader skips a torn last line. The first line is the header (<see cref="EventLogHeader"/>);
/// the file is read back by <see cref="EventLog"/>.
/// The file rolls into numbered segments within the event log's share of the node's disk budget
/// (<see cref="Segments"/>): a step that would pass the segment size starts a new segment, whose header names the run
/// and the segment and whose second line is the snapshot of the state before that step (<see cref="StateSnapshot"/>),
/// so any segment replays alone. A write the disk refuses loses the batch, not the node: what is on disk stays whole,
/// the problem is said once a minute, and a new segment is tried every <see cref="RetryEvery"/>.
/// </summary>
/// <remarks>
/// A step is written as UTF-8 straight into the buffer (<see cref="EffectCodec.WriteStep"/>): no string is made of
/// it, and a gossip message's JSON is copied from its frame, however many of the step's sends carry it. A node
/// records every input, duplicates included, so this is on its hottest path.
/// </remarks>
public sealed class InputRecorder : IDisposable
{
    public const int FormatVersion = EventLog.FormatVersion;

    /// <summary>Buffered bytes past which the lines go to the file without waiting for <see cref="Flush"/>.</summary>
    public const int BufferBytes = 16 * 1024;

    /// <summary>How often a recorder whose writes failed tries again (a new segment, which starts with a snapshot).</summary>
    public static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);

    static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    readonly Role role;
    readonly NodeConfig config;
    readonly ulong randomSeed;
    readonly Segments segments;
    readonly Action<string> problem;
    readonly OncePerMinute notices = new();
    FileStream? stream;          // null while the disk refuses: steps are dropped until a new segment opens
    long written;                // bytes of the current segment on disk (whole lines only)
    int segment;
    long stepsInSegment;
    long headBytes;              // the current segment's header and snapshot
    long lastTryTicks;
    ArrayBufferWriter<byte> pending = new(BufferBytes * 2);
    readonly Utf8JsonWriter json;
    long step;

    /// <param name="budget">The node's disk budget: the event log rolls into segments of its share (<see cref="DiskBudget"/>).</param>
    /// <param name="problem">Told (at most once a minute) when the file cannot be written; the node goes on.</param>
    public InputRecorder(string path, Role role, NodeConfig config, ulong randomSeed, DiskBudget? budget = null, Action<string>? problem = null)
    {
        this.role = role;
        this.config = config;
        this.randomSeed = randomSeed;
        this.problem = problem ?? (_ => { });
        segments = new Segments(path, (budget ?? DiskBudget.Default).EventsShare);
        json = new Utf8JsonWriter(pending, Options);
        Path = path;
        Run = PreviousRun(segments) + 1;
        // An earlier run's file becomes a numbered segment: a restart never overwrites what a run wrote.
        TryOpen(null);
    }

    public string Path { get; }

    /// <summary>Which run of this node in its folder this is (the header's <c>run</c>).</summary>
    public int Run { get; }

    /// <summary>The run number in the header of the newest file an earlier run left (0: none).</summary>
    static int PreviousRun(Segments segments)
    {
        var newest = File.Exists(segments.Path) ? segments.Path : segments.Rolled().LastOrDefault().Path;
        if (newest is null) return 0;
        try
        {
            using var reader = new StreamReader(new FileStream(newest, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            var first = reader.ReadLine();
            return first is not null && EventLogHeader.TryDecode(first, out var header, out _, out _) ? Math.Max(header.Run, 1) : 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 1;
        }
    }

    /// <summary>
    /// The next segment's first lines: its header and, after the first segment, the snapshot of <paramref name="state"/>,
    /// the state after the step before the one being recorded.
    /// </summary>
    byte[] Head(object? state) =>
        Encoding.UTF8.GetBytes(EventLogHeader.Encode(role, config, randomSeed, Run, segment + 1) + "\n"
            + (state is null ? "" : StateSnapshot.Encode(step - 1, state) + "\n"));

    void Open(byte[] bytes)
    {
        var s = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, 1);
        try
        {
            s.Write(bytes);
        }
        catch
        {
            s.Dispose();
            File.Delete(Path);
            throw;
        }
        stream = s;
        written = headBytes = bytes.Length;
        segment++;
        stepsInSegment = 0;
    }

    /// <summary>
    /// Records one step: the input the reducer took and the effects it returned, in order. <paramref name="before"/> is
    /// the state the step started from: the snapshot that opens the next segment when this step does not fit in the
    /// current one (it is written only then; without it the file does not roll).
    /// </summary>
    public void Append(Input input, Seq<Effect> effects, object? before = null)
    {
        var start = pending.WrittenCount;
        json.Reset(pending);
        EffectCodec.WriteStep(json, ++step, input, effects);
        json.Flush();
        pending.GetSpan(1)[0] = (byte)'\n';
        pending.Advance(1);
        // A segment is full past its size, but holds at least as many bytes of steps as of its header and snapshot
        // (a snapshot near the segment size would otherwise make a segment per step).
        var full = before is not null && stepsInSegment > 0 && written + pending.WrittenCount > segments.SegmentBytes
            && written + pending.WrittenCount - headBytes >= headBytes;
        if (stream is null || full)
        {
            var record = pending.WrittenSpan[start..].ToArray();
            var earlier = pending.WrittenSpan[..start].ToArray();
            pending.ResetWrittenCount();
            if (stream is null && (before is null || System.Diagnostics.Stopwatch.GetElapsedTime(lastTryTicks) < RetryEvery)) return;
            // The step opens a new segment that starts from the state before it.
            Write(earlier);
            Close(truncate: false);
            lastTryTicks = System.Diagnostics.Stopwatch.GetTimestamp();
            if (!TryOpen(before)) return;
            pending.Write(record);
        }
        stepsInSegment++;
        if (pending.WrittenCount >= BufferBytes) Flush();
    }

    /// <summary>Hands the buffered lines to the operating system.</summary>
    public void Flush()
    {
        if (pending.WrittenCount == 0) return;
        Write(pending.WrittenSpan);
        // A buffer grown by one huge step (a seed's SEED_SYNC) is not kept at that size.
        if (pending.Capacity > 4 * BufferBytes) pending = new(BufferBytes * 2); else pending.ResetWrittenCount();
    }

    void Write(ReadOnlySpan<byte> lines)
    {
        if (stream is null) return;
        try
        {
            stream.Write(lines);
            written += lines.Length;
        }
        catch (IOException e)
        {
            // Disk full or a write error: what is on disk stays whole (a partial write is cut off), the steps of this
            // batch are lost, and the node goes on; a new segment, from a snapshot, is tried at the next steps.
            Say($"cannot write the event log {Path}: {e.Message.ReplaceLineEndings(" ")}; the node goes on without it and retries");
            Close(truncate: true);
            lastTryTicks = System.Diagnostics.Stopwatch.GetTimestamp();
        }
    }

    bool TryOpen(object? state)
    {
        try
        {
            // The new segment may grow to twice its snapshot: the oldest go first to make room for that.
            var head = Head(state);
            segments.Roll(2L * head.Length);
            Open(head);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Say($"cannot start a new segment of the event log {Path}: {e.Message.ReplaceLineEndings(" ")}; the node goes on without it and retries");
            return false;
        }
    }

    void Close(bool truncate)
    {
        if (stream is not { } s) return;
        stream = null;
        try
        {
            if (truncate) s.SetLength(written);
        }
        catch (IOException) { }
        try { s.Dispose(); } catch (IOException) { }
    }

    void Say(string line)
    {
        if (notices.Take(line) is { } text) problem(text);
    }

    public void Dispose()
    {
        Flush();
        json.Dispose();
        Close(truncate: false);
    }
}
