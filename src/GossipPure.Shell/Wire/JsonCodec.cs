using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using GossipPure.Core;
using LanguageExt;

namespace GossipPure.Shell.Wire;

/// <summary>
/// The JSON form of every <see cref="Message"/> (the payload of a frame): the object <see cref="MessageTable"/>
/// declares for its type, its wire name in <c>type</c>. Encoding is total over well-formed values. Decoding is strict
/// and never throws: anything that is not exactly one of the shapes in specs/protocol.md yields false and a one-line
/// error naming the problem. Unknown extra fields are ignored.
/// </summary>
/// <remarks>
/// A frame is decoded in one pass of a <see cref="Utf8JsonReader"/> over the payload: no document, no intermediate
/// strings. What it allocates on success is the message itself (its records, strings and lists), nothing else; the
/// scratch it may need (escaped strings, the duplicate-name check of unknown fields) comes from the array pool.
/// The whole payload is read before any field is judged, so a syntax error anywhere (a duplicate name, too deep a
/// nesting, trailing bytes) wins over a field error; among field errors the first field in the message's own order
/// is reported, as it was when decoding went through a JsonDocument.
/// This file writes messages; JsonReader.cs reads them (the reader the event-log records in InputCodec.cs use too).
/// </remarks>
public static partial class JsonCodec
{
    /// <summary>
    /// Deepest JSON nesting accepted. A signed PEER_LIST nests deepest: message, peers, entry, cert, commit,
    /// signatures, signature (7); an event-log input line holding one 8, a step line sending one 10 (EffectCodec
    /// allows this + 2).
    /// </summary>
    public const int MaxDepth = 10;
    /// <summary>Longest gossip body, in UTF-16 characters.</summary>
    public const int MaxBodyChars = MessageTable.MaxBodyChars;
    /// <summary>Longest of any other string in a message (addresses, proposal ids, reasons, the type).</summary>
    public const int MaxStringChars = MessageTable.MaxStringChars;
    /// <summary>Most items in one array (peer list entries, voters, commits).</summary>
    public const int MaxArrayItems = 100_000;
    /// <summary>Longest string field of an event-log line outside its message (reasons, timer keys, remotes).</summary>
    public const int MaxInputStringChars = 64 * 1024;

    static readonly JsonWriterOptions WriterOptions = new()
    {
        // Not HTML: keep non-ASCII text readable. Control characters and quotes are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>The same output as <see cref="WriterOptions"/>; the codec's own writes are well-formed by construction.</summary>
    static readonly JsonWriterOptions FastWriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    /// <summary>How the message reader (JsonReader.cs) reads a payload.</summary>
    static readonly JsonReaderOptions ReaderOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    /// <summary>How an event-log line (InputCodec.cs) is parsed: as strictly as a payload.</summary>
    static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };


    // ---- Names --------------------------------------------------------------------------------------------

    /// <summary>The wire names of <see cref="MessageTable.Kinds"/>, by <see cref="MessageKind.Index"/>: decoding tries them in this order.</summary>
    static readonly byte[][] TypeUtf8 = [.. MessageTable.Kinds.Select(k => Encoding.UTF8.GetBytes(k.Name))];
    static readonly JsonEncodedText[] TypeTexts = [.. MessageTable.Kinds.Select(k => JsonEncodedText.Encode(k.Name))];

    /// <summary>The name of every field of the table, encoded once, by <see cref="Field.Id"/>.</summary>
    static readonly JsonEncodedText[] FieldNames = MessageTable.ByFieldId(f => JsonEncodedText.Encode(f.Name));
    static readonly byte[][] FieldUtf8 = MessageTable.ByFieldId(f => Encoding.UTF8.GetBytes(f.Name));

    /// <summary>Property names the codec writes outside the table, and the two roles, encoded once.</summary>
    static class P
    {
        public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
        public static readonly JsonEncodedText From = JsonEncodedText.Encode("from");
        public static readonly JsonEncodedText Node = JsonEncodedText.Encode("node");
        public static readonly JsonEncodedText Seed = JsonEncodedText.Encode("seed");
        public static readonly JsonEncodedText PeerRole = JsonEncodedText.Encode("peer");
    }

    // ---- Messages: encoding -------------------------------------------------------------------------------

    /// <summary>The UTF-8 JSON object for <paramref name="m"/>, with its wire name in <c>type</c>.</summary>
    /// <exception cref="ArgumentException">A message type this codec does not know (a programming error).</exception>
    public static byte[] Encode(Message m) => EncodeWithPrefix(m, 0);

    // A gossip message is written many times and never changes — to every neighbour, and into the event log as
    // received and once per send — so its frame (length prefix and JSON) is made once and kept with the message
    // while it lives. (Not the bytes it arrived in: the decoder skips unknown fields, and those must not travel on.)
    // Signed gossip is ~630 bytes (its signature and its origin's certificate), so encoding it once per neighbour
    // and per log record was most of what forwarding one cost besides checking it.
    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Gossip, byte[]> GossipFrames = new();

    /// <summary>The frame of <paramref name="g"/> (prefix and JSON), made once per message object.</summary>
    internal static byte[] FrameOf(Gossip g) => GossipFrames.GetValue(g, static x =>
    {
        var frame = EncodeWithPrefix(x, Framing.HeaderBytes);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - Framing.HeaderBytes);
        return frame;
    });

    /// <summary>
    /// Writes the JSON of <paramref name="m"/> after <paramref name="prefixBytes"/> zeroed bytes (for framing). The
    /// JSON is written into a buffer the thread reuses; the returned array is the only allocation.
    /// </summary>
    internal static byte[] EncodeWithPrefix(Message m, int prefixBytes)
    {
        var scratch = EncodeBuffer.Rent();
        try
        {
            WriteMessage(scratch.Writer, m);
            scratch.Writer.Flush();
            var json = scratch.Buffer.WrittenSpan;
            var result = GC.AllocateUninitializedArray<byte>(prefixBytes + json.Length);
            result.AsSpan(0, prefixBytes).Clear();
            json.CopyTo(result.AsSpan(prefixBytes));
            return result;
        }
        finally
        {
            EncodeBuffer.Return(scratch);
        }
    }

    /// <summary>A buffer and a writer over it, kept per thread so that encoding allocates only its result.</summary>
    sealed class EncodeBuffer
    {
        /// <summary>A buffer grown past this (by a huge SEED_SYNC, say) is dropped rather than kept.</summary>
        const int KeepBytes = 64 * 1024;

        [ThreadStatic] static EncodeBuffer? cached;

        public readonly ArrayBufferWriter<byte> Buffer = new(512);
        public readonly Utf8JsonWriter Writer;

        EncodeBuffer() => Writer = new Utf8JsonWriter(Buffer, FastWriterOptions);

        public static EncodeBuffer Rent()
        {
            // Taken out of the slot while in use, so a nested use (there is none today) would get its own.
            var b = cached ?? new EncodeBuffer();
            cached = null;
            b.Buffer.ResetWrittenCount();
            b.Writer.Reset(b.Buffer);
            return b;
        }

        public static void Return(EncodeBuffer b)
        {
            if (b.Buffer.Capacity <= KeepBytes) cached = b;
        }
    }

    static void WriteMessage(Utf8JsonWriter w, Message m)
    {
        var kind = MessageTable.Of(m) ?? throw new ArgumentException($"JsonCodec cannot encode a {m.GetType().Name}", nameof(m));
        w.WriteStartObject();
        w.WriteString(P.Type, TypeTexts[kind.Index]);
        var fields = new FieldWriter(w);
        kind.Visit(m, ref fields);
        w.WriteEndObject();
    }

    /// <summary>Writes each field the table hands it as a JSON property of the object being written.</summary>
    readonly struct FieldWriter(Utf8JsonWriter w) : IFieldVisitor
    {
        static JsonEncodedText Name(Field f) => FieldNames[f.Id];

        public void Address(Field f, NodeId value) => WriteAddress(w, Name(f), value);

        public void OptionalAddress(Field f, NodeId? value)
        {
            if (value is null) w.WriteNull(Name(f));
            else WriteAddress(w, Name(f), value);
        }

        public void Role(Field f, Role value) => w.WriteString(Name(f), value == Core.Role.Seed ? P.Seed : P.PeerRole);

        public void Number(Field f, long value) => w.WriteNumber(Name(f), value);

        public void Bool(Field f, bool value) => w.WriteBoolean(Name(f), value);

        public void Text(Field f, string? value)
        {
            if (value is null) w.WriteNull(Name(f));
            else w.WriteString(Name(f), value);
        }

        public void Addresses(Field f, Seq<NodeId> value)
        {
            w.WriteStartArray(Name(f));
            foreach (var id in value) WriteAddressValue(w, id);
            w.WriteEndArray();
        }

        public void Objects<T>(Field f, Seq<T> items, Shape<T> shape)
        {
            w.WriteStartArray(Name(f));
            var fields = this;
            foreach (var item in items)
            {
                w.WriteStartObject();
                shape.Visit(item, ref fields);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
    }

    /// <summary>An address as <see cref="NodeId.ToString"/> has it, formatted on the stack rather than into a string.</summary>
    static void WriteAddress(Utf8JsonWriter w, JsonEncodedText name, NodeId id)
    {
        Span<char> text = stackalloc char[96];
        if (id.TryFormat(text, out var n, default, null)) w.WriteString(name, text[..n]);
        else w.WriteString(name, id.ToString());
    }

    static void WriteAddressValue(Utf8JsonWriter w, NodeId id)
    {
        Span<char> text = stackalloc char[96];
        if (id.TryFormat(text, out var n, default, null)) w.WriteStringValue(text[..n]);
        else w.WriteStringValue(id.ToString());
    }

    // ---- Messages: decoding -------------------------------------------------------------------------------

    /// <summary>
    /// Decodes one message from UTF-8 JSON. Never throws: on any input that is not a valid message it returns
    /// false and a one-line <paramref name="error"/> naming the problem.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out Message? m, [NotNullWhen(false)] out string? error)
    {
        m = Decode(utf8, "message", out error);
        return m is not null;
    }

    /// <summary>As <see cref="TryDecode(ReadOnlySpan{byte}, out Message?, out string?)"/>.</summary>
    internal static bool TryDecode(ReadOnlyMemory<byte> utf8, [NotNullWhen(true)] out Message? m, [NotNullWhen(false)] out string? error) =>
        TryDecode(utf8.Span, out m, out error);

    /// <summary>The message in <paramref name="utf8"/>, or null and the error; <paramref name="what"/> names the root in errors.</summary>
    static Message? Decode(ReadOnlySpan<byte> utf8, string what, out string? error)
    {
        var reader = new MessageReader(utf8);
        try
        {
            return reader.ReadRoot(what, out error);
        }
        catch (Exception e) when (Failure(e) is { } reason)
        {
            error = reason;
            return null;
        }
        finally
        {
            reader.Dispose();
        }
    }

    /// <summary>The one-line error for an exception met while decoding (the last arm is a safety net for bugs here).</summary>
    static string? Failure(Exception e) => e switch
    {
        DecodeError d => d.Message,
        JsonException j => "malformed JSON: " + Brief(j.Message),
        // GetString on text that is not valid UTF-8, or escapes that are not valid UTF-16.
        InvalidOperationException io => "malformed JSON: " + Brief(io.Message),
        ArgumentException a => "malformed JSON: " + Brief(a.Message),
        FormatException f => "malformed JSON: " + Brief(f.Message),
        _ => $"undecodable ({e.GetType().Name}: {Brief(e.Message)})",
    };

    /// <summary>What <see cref="Utf8JsonReader.GetString"/> says of text that is not UTF-8 (the decoder checks without it).</summary>
    const string InvalidUtf8 = "malformed JSON: Cannot transcode invalid UTF-8 JSON text to UTF-16 string.";

    // ---- Hook for EffectCodec (a recorded Send carries a message) -------------------------------------------

    /// <summary>Reads a message object; throws on a bad one (turn the exception into a line with <see cref="DecodeFailure"/>).</summary>
    internal static Message ReadMessageFrom(JsonElement el, string what) => ReadMessage(el, what);

    /// <summary>The one-line error for an exception thrown by <see cref="ReadMessageFrom"/> or by JSON parsing.</summary>
    internal static string DecodeFailure(Exception e) => Failure(e)!;

    /// <summary>A message held in a parsed document (an event-log line): decoded from its own bytes, by the wire's rules.</summary>
    static Message ReadMessage(JsonElement el, string what) =>
        Decode(JsonMarshal.GetRawUtf8Value(el), what, out var error) ?? throw new DecodeError(error!);
}
