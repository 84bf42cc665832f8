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
/// <c>events_&lt;role&gt;_&lt;port&gt;.jsonl</c>, one JSON line each. The node's loop encodes each step into a buffer
/// (<see cref="Append"/>) and hands the buffer to the recorder's writer (<see cref="HandOver"/>: the node loop calls it
/// when its inbox is empty, and the recorder when the buffer passes <see cref="BufferBytes"/>); the writer, on the
/// thread pool, writes the buffers to the file in the order they were handed over, one write each. A <c>kill -9</c>
/// loses at most the steps of the batch under way and of the buffers not yet written (the writer is a write behind
/// at most, a few milliseconds), and the reader skips a torn last line. <see cref="Flush"/> and <see cref="Dispose"/>
/// wait for the writer: nothing handed over is lost at a stop. The first line is the header
/// (<see cref="EventLogHeader"/>); the file is read back by <see cref="EventLog"/>.
/// The file rolls into numbered segments within the event log's share of the node's disk budget
/// (<see cref="Segments"/>): a step that would pass the segment size starts a new segment, whose header names the run
/// and the segment and whose second line is the snapshot of the state before that step (<see cref="StateSnapshot"/>),
/// so any segment replays alone. The roll is the writer's: the loop hands over, with each step, the reference to the
/// state the step started from (immutable, so the writer may read it while the loop goes on), and the writer decides
/// where the segment ends, writes the snapshot straight into UTF-8, renames and opens the files; the oldest segments
/// were deleted ahead of time (<see cref="Segments.TrimAhead"/>). A write the disk refuses loses the batch, not the
/// node: what is on disk stays whole, the problem is said once a minute, and a new segment is tried every
/// <see cref="RetryEvery"/>.
/// </summary>
/// <remarks>
/// A step is written as UTF-8 straight into the buffer (<see cref="EffectCodec.WriteStep"/>): no string is made of
/// it, and a gossip message's JSON is copied from its frame, however many of the step's sends carry it. A node
/// records every input, duplicates included, so this is on its hottest path. At most <see cref="MaxQueued"/> buffers
/// wait for the writer; past that the loop waits (a disk slower than the node: nothing is dropped). The writer runs
/// on the thread pool, one buffer after the other, so a process that hosts a thousand nodes has no thread per node.
/// </remarks>
public sealed class InputRecorder : IDisposable
{
    public const int FormatVersion = EventLog.FormatVersion;

    /// <summary>Buffered bytes past which the loop hands the lines to the writer without waiting for the inbox to empty.</summary>
    public const int BufferBytes = 16 * 1024;

    /// <summary>Buffers handed to the writer and not yet written past which the loop waits for it.</summary>
    public const int MaxQueued = 64;

    /// <summary>How often a recorder whose writes failed tries again (a new segment, which starts with a snapshot).</summary>
    public static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);

    static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    // The header and the snapshot: as EventLogHeader.Encode and StateSnapshot.Encode write them.
    static readonly JsonWriterOptions HeadOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    readonly Role role;
    readonly NodeConfig config;
    readonly ulong randomSeed;
    readonly Segments segments;
    readonly Action<string> problem;

    // ---- The loop's side: one thread at a time (the node's loop) ----
    Chunk filling = new();
    readonly Utf8JsonWriter json;
    long step;

    // ---- Between the two ----
    readonly object gate = new();
    readonly Queue<Chunk> queued = new();    // under gate: handed over, not yet written (the writer's is the first)
    readonly Stack<Chunk> spare = new();     // under gate: written, ready for the loop to fill again
    bool writing;                            // under gate: a pool thread is writing the queue
    Exception? fault;                        // under gate: what the writer threw, thrown again on the loop's next call

    // ---- The writer's side: one pool thread at a time (and the constructor, before anything is handed over) ----
    readonly OncePerMinute notices = new();
    FileStream? stream;          // null while the disk refuses: steps are dropped until a new segment opens
    long written;                // bytes of the current segment on disk (whole lines only)
    int segment;
    long stepsInSegment;
    long headBytes;              // the current segment's header and snapshot
    long lastTryTicks;
    ArrayBufferWriter<byte> head = new(4096);
    readonly Utf8JsonWriter headJson;
    readonly Writer writer;

    /// <param name="budget">The node's disk budget: the event log rolls into segments of its share (<see cref="DiskBudget"/>).</param>
    /// <param name="problem">Told (at most once a minute, on the writer's thread) when the file cannot be written; the node goes on.</param>
    public InputRecorder(string path, Role role, NodeConfig config, ulong randomSeed, DiskBudget? budget = null, Action<string>? problem = null)
    {
        this.role = role;
        this.config = config;
        this.randomSeed = randomSeed;
        this.problem = problem ?? (_ => { });
        segments = new Segments(path, (budget ?? DiskBudget.Default).EventsShare);
        json = new Utf8JsonWriter(filling.Bytes, Options);
        headJson = new Utf8JsonWriter(head, HeadOptions);
        writer = new Writer(this);
        Path = path;
        Run = PreviousRun(segments) + 1;
        // An earlier run's file becomes a numbered segment: a restart never overwrites what a run wrote.
        TryOpen(null, 0);
    }

    public string Path { get; }

    /// <summary>Which run of this node in its folder this is (the header's <c>run</c>).</summary>
    public int Run { get; }

    /// <summary>The segments of the file (their accounting: <see cref="Segments.DeletedAtRoll"/>).</summary>
    public Segments Segments => segments;

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
    /// Records one step: the input the reducer took and the effects it returned, in order. <paramref name="before"/> is
    /// the state the step started from: the snapshot that opens the next segment when this step does not fit in the
    /// current one (the writer encodes it only then; without it the file does not roll). Loop thread.
    /// </summary>
    public void Append(Input input, Seq<Effect> effects, object? before = null)
    {
        json.Reset(filling.Bytes);
        EffectCodec.WriteStep(json, ++step, input, effects);
        json.Flush();
        filling.Bytes.GetSpan(1)[0] = (byte)'\n';
        filling.Bytes.Advance(1);
        filling.Steps.Add(new StepMark(filling.Bytes.WrittenCount, step, before));
        if (filling.Bytes.WrittenCount >= BufferBytes) HandOver();
    }

    /// <summary>
    /// Hands the buffered steps to the writer and returns (the node loop calls it when its inbox is empty); waits only
    /// while <see cref="MaxQueued"/> buffers are still to be written. Throws what the writer threw. Loop thread.
    /// </summary>
    public void HandOver()
    {
        lock (gate)
        {
            ThrowFault();
            if (filling.Steps.Count == 0) return;
            while (queued.Count >= MaxQueued && fault is null) Monitor.Wait(gate);
            ThrowFault();
            queued.Enqueue(filling);
            filling = spare.Count > 0 ? spare.Pop() : new Chunk();
            if (writing) return;
            writing = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(writer, preferLocal: false);
    }

    /// <summary>
    /// Hands the buffered steps to the writer and waits until it has written everything and the old segments it
    /// handed out are deleted (tests, a stop). Loop thread.
    /// </summary>
    public void Flush()
    {
        try
        {
            HandOver();
        }
        finally
        {
            lock (gate)
                while (writing) Monitor.Wait(gate);
            segments.WaitForDeletions();
        }
        lock (gate) ThrowFault();
    }

    void ThrowFault()
    {
        if (fault is not { } e) return;
        fault = null;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
    }

    /// <summary>The writer: writes the queued buffers in order, then lets go of the pool thread.</summary>
    sealed class Writer(InputRecorder owner) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            while (true)
            {
                Chunk chunk;
                lock (owner.gate)
                {
                    if (owner.queued.Count == 0 || owner.fault is not null)
                    {
                        owner.queued.Clear();
                        owner.writing = false;
                        Monitor.PulseAll(owner.gate);
                        return;
                    }
                    chunk = owner.queued.Peek();
                }
                Exception? error = null;
                try
                {
                    owner.Write(chunk);
                }
                catch (Exception e)
                {
                    error = e;
                }
                chunk.Clear();
                lock (owner.gate)
                {
                    owner.queued.Dequeue();
                    owner.fault ??= error;
                    owner.spare.Push(chunk);
                    Monitor.PulseAll(owner.gate);
                }
            }
        }
    }

    /// <summary>
    /// Writes one buffer of steps (writer thread). A step that does not fit in the current segment, recorded with its
    /// state, opens the next segment, which starts from that state.
    /// </summary>
    void Write(Chunk chunk)
    {
        var bytes = chunk.Bytes.WrittenSpan;
        var from = 0;    // the start of what is not yet written (or dropped)
        var start = 0;   // the start of the step at hand
        foreach (var (end, number, before) in chunk.Steps)
        {
            // A segment is full past its size, but holds at least as many bytes of steps as of its header and snapshot
            // (a snapshot near the segment size would otherwise make a segment per step).
            var pending = end - from;
            var full = before is not null && stepsInSegment > 0 && written + pending > segments.SegmentBytes
                && written + pending - headBytes >= headBytes;
            if (stream is null || full)
            {
                var dropped = stream is null && (before is null || System.Diagnostics.Stopwatch.GetElapsedTime(lastTryTicks) < RetryEvery);
                if (!dropped)
                {
                    // The step opens a new segment that starts from the state before it.
                    WriteOut(bytes[from..start]);
                    Close(truncate: false);
                    lastTryTicks = System.Diagnostics.Stopwatch.GetTimestamp();
                }
                from = start;
                if (dropped || !TryOpen(before, number - 1)) from = end;
            }
            if (from < end)
            {
                stepsInSegment++;
                // Past its threshold, the oldest segments go now, off this thread, so that the roll has nothing to delete.
                segments.Grew(written + end - from, Reserve);
            }
            start = end;
        }
        WriteOut(bytes[from..]);
    }

    /// <summary>What the writer keeps free of the share: the next segment's head (as large as this one's) and a margin.</summary>
    long Reserve => segments.Reserve(headBytes);

    void WriteOut(ReadOnlySpan<byte> lines)
    {
        if (stream is null || lines.IsEmpty) return;
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

    /// <summary>
    /// Opens the next segment: its header and, after the first segment, the snapshot of <paramref name="state"/>, the
    /// state after step <paramref name="after"/>, written straight into UTF-8.
    /// </summary>
    bool TryOpen(object? state, long after)
    {
        try
        {
            head.ResetWrittenCount();
            headJson.Reset(head);
            EventLogHeader.Write(headJson, role, config, randomSeed, Run, segment + 1);
            headJson.Flush();
            head.Write("\n"u8);
            if (state is not null)
            {
                headJson.Reset(head);
                StateSnapshot.Write(headJson, after, state);
                headJson.Flush();
                head.Write("\n"u8);
            }
            // If the oldest segments still pass the share with the new head, they go now (the deletions ahead of
            // time normally left nothing to delete).
            segments.Roll(head.WrittenCount);
            Open(head.WrittenSpan);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Say($"cannot start a new segment of the event log {Path}: {e.Message.ReplaceLineEndings(" ")}; the node goes on without it and retries");
            return false;
        }
        finally
        {
            // A seed's snapshot can be megabytes: the buffer is not kept at that size.
            if (head.Capacity > 4 * BufferBytes) head = new(4096);
        }
    }

    void Open(ReadOnlySpan<byte> bytes)
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

    /// <summary>Writes out what was handed over and closes the file (waits for the writer).</summary>
    public void Dispose()
    {
        try
        {
            Flush();
        }
        finally
        {
            json.Dispose();
            headJson.Dispose();
            Close(truncate: false);
        }
    }

    /// <summary>One step in a buffer: where its line ends, its number, and the state it started from (or null).</summary>
    readonly record struct StepMark(int End, long Step, object? Before);

    /// <summary>A buffer of whole step lines and where each ends, filled by the loop, then written by the writer.</summary>
    sealed class Chunk
    {
        public ArrayBufferWriter<byte> Bytes { get; private set; } = new(BufferBytes * 2);
        public List<StepMark> Steps { get; } = new();

        public void Clear()
        {
            Steps.Clear();
            // A buffer grown by one huge step (a seed's SEED_SYNC) is not kept at that size.
            if (Bytes.Capacity > 4 * BufferBytes) Bytes = new(BufferBytes * 2); else Bytes.ResetWrittenCount();
        }
    }
}
