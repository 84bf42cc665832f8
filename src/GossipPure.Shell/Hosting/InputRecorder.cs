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

    static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    readonly FileStream stream;
    ArrayBufferWriter<byte> pending = new(BufferBytes * 2);
    readonly Utf8JsonWriter json;
    long step;

    public InputRecorder(string path, Role role, NodeConfig config, ulong randomSeed)
    {
        stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1);
        json = new Utf8JsonWriter(pending, Options);
        stream.Write(Encoding.UTF8.GetBytes(EventLogHeader.Encode(role, config, randomSeed) + "\n"));
        Path = path;
    }

    public string Path { get; }

    /// <summary>Records one step: the input the reducer took and the effects it returned, in order.</summary>
    public void Append(Input input, Seq<Effect> effects)
    {
        json.Reset(pending);
        EffectCodec.WriteStep(json, ++step, input, effects);
        json.Flush();
        pending.GetSpan(1)[0] = (byte)'\n';
        pending.Advance(1);
        if (pending.WrittenCount >= BufferBytes) Flush();
    }

    /// <summary>Hands the buffered lines to the operating system.</summary>
    public void Flush()
    {
        if (pending.WrittenCount == 0) return;
        stream.Write(pending.WrittenSpan);
        // A buffer grown by one huge step (a seed's SEED_SYNC) is not kept at that size.
        if (pending.Capacity > 4 * BufferBytes) pending = new(BufferBytes * 2); else pending.ResetWrittenCount();
    }

    public void Dispose()
    {
        Flush();
        json.Dispose();
        stream.Dispose();
    }
}
