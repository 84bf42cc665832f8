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
/// The JSON form of every <see cref="Message"/> (the payload of a frame) and of every <see cref="Input"/> (a line of
/// the event log). Encoding is total over well-formed values. Decoding is strict and never throws: anything that is
/// not exactly one of the shapes in specs/protocol.md yields false and a one-line error naming the problem.
/// Unknown extra fields are ignored.
/// </summary>
/// <remarks>
/// A frame is decoded in one pass of a <see cref="Utf8JsonReader"/> over the payload: no document, no intermediate
/// strings. What it allocates on success is the message itself (its records, strings and lists), nothing else; the
/// scratch it may need (escaped strings, the duplicate-name check of unknown fields) comes from the array pool.
/// The whole payload is read before any field is judged, so a syntax error anywhere (a duplicate name, too deep a
/// nesting, trailing bytes) wins over a field error; among field errors the first field in the message's own order
/// is reported, as it was when decoding went through a JsonDocument.
/// </remarks>
public static class JsonCodec
{
    /// <summary>Deepest JSON nesting accepted (SEED_SYNC needs 4, an event-log line holding one needs 5).</summary>
    public const int MaxDepth = 8;
    /// <summary>Longest gossip body, in UTF-16 characters.</summary>
    public const int MaxBodyChars = 64 * 1024;
    /// <summary>Longest of any other string in a message (addresses, proposal ids, reasons, the type).</summary>
    public const int MaxStringChars = 1024;
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

    static readonly JsonReaderOptions ReaderOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    // ---- Names --------------------------------------------------------------------------------------------

    /// <summary>The message types, in the order of <see cref="TypeNames"/>.</summary>
    enum MessageType
    {
        Gossip, Heartbeat, Probe, ProbeAck, Hello, DegreeUpdate, PeerList, LinkRequest, SuspectRequest, SuspectResponse,
        RegisterRequest, RegisterProposal, RegisterVote, RegisterCommit, RegisterRejected, PeerListRequest, Bridge,
        SeedSync, DeadReport, DeadProposal, DeadVote, DeadConfirmed, DeadRejected, Leave, MemberQuery, MemberAnswer,
    }

    /// <summary>The wire names (as <see cref="Core.Wire.TypeName"/> has them), the most frequent first: decoding tries them in this order.</summary>
    static readonly string[] TypeNames =
    [
        "GOSSIP", "HEARTBEAT", "PROBE", "PROBE_ACK", "HELLO", "DEGREE_UPDATE", "PEER_LIST", "LINK_REQUEST", "SUSPECT_REQUEST",
        "SUSPECT_RESPONSE", "REGISTER_REQUEST", "REGISTER_PROPOSAL", "REGISTER_VOTE", "REGISTER_COMMIT", "REGISTER_REJECTED",
        "PEER_LIST_REQUEST", "BRIDGE", "SEED_SYNC", "DEAD_REPORT", "DEAD_PROPOSAL", "DEAD_VOTE", "DEAD_CONFIRMED",
        "DEAD_REJECTED", "LEAVE", "MEMBER_QUERY", "MEMBER_ANSWER",
    ];

    static readonly byte[][] TypeUtf8 = [.. TypeNames.Select(Encoding.UTF8.GetBytes)];
    static readonly JsonEncodedText[] TypeTexts = [.. TypeNames.Select(n => JsonEncodedText.Encode(n))];

    /// <summary>Property names, encoded once.</summary>
    static class P
    {
        public static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
        public static readonly JsonEncodedText From = JsonEncodedText.Encode("from");
        public static readonly JsonEncodedText Role = JsonEncodedText.Encode("role");
        public static readonly JsonEncodedText Incarnation = JsonEncodedText.Encode("incarnation");
        public static readonly JsonEncodedText Peer = JsonEncodedText.Encode("peer");
        public static readonly JsonEncodedText Proposal = JsonEncodedText.Encode("proposal");
        public static readonly JsonEncodedText Yes = JsonEncodedText.Encode("yes");
        public static readonly JsonEncodedText Reason = JsonEncodedText.Encode("reason");
        public static readonly JsonEncodedText Voters = JsonEncodedText.Encode("voters");
        public static readonly JsonEncodedText Peers = JsonEncodedText.Encode("peers");
        public static readonly JsonEncodedText Node = JsonEncodedText.Encode("node");
        public static readonly JsonEncodedText Degree = JsonEncodedText.Encode("degree");
        public static readonly JsonEncodedText Neighbours = JsonEncodedText.Encode("neighbours");
        public static readonly JsonEncodedText Target = JsonEncodedText.Encode("target");
        public static readonly JsonEncodedText Commits = JsonEncodedText.Encode("commits");
        public static readonly JsonEncodedText Removals = JsonEncodedText.Encode("removals");
        public static readonly JsonEncodedText Origin = JsonEncodedText.Encode("origin");
        public static readonly JsonEncodedText Body = JsonEncodedText.Encode("body");
        public static readonly JsonEncodedText Nonce = JsonEncodedText.Encode("nonce");
        public static readonly JsonEncodedText Suspect = JsonEncodedText.Encode("suspect");
        public static readonly JsonEncodedText Dead = JsonEncodedText.Encode("dead");
        public static readonly JsonEncodedText Evidence = JsonEncodedText.Encode("evidence");
        public static readonly JsonEncodedText Report = JsonEncodedText.Encode("report");
        public static readonly JsonEncodedText Rendezvous = JsonEncodedText.Encode("rendezvous");
        public static readonly JsonEncodedText Seed = JsonEncodedText.Encode("seed");
        public static readonly JsonEncodedText PeerRole = JsonEncodedText.Encode("peer");
        public static readonly JsonEncodedText Member = JsonEncodedText.Encode("member");
    }

    static JsonEncodedText TypeText(MessageType t) => TypeTexts[(int)t];

    // ---- Messages: encoding -------------------------------------------------------------------------------

    /// <summary>The UTF-8 JSON object for <paramref name="m"/>, with its wire name in <c>type</c>.</summary>
    /// <exception cref="ArgumentException">A message type this codec does not know (a programming error).</exception>
    public static byte[] Encode(Message m) => EncodeWithPrefix(m, 0);

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
        w.WriteStartObject();
        switch (m)
        {
            case Gossip g:
                w.WriteString(P.Type, TypeText(MessageType.Gossip));
                WriteAddress(w, P.Origin, g.Origin);
                w.WriteString(P.Body, g.Body);
                break;
            case Heartbeat:
                w.WriteString(P.Type, TypeText(MessageType.Heartbeat));
                break;
            case Probe p:
                w.WriteString(P.Type, TypeText(MessageType.Probe));
                w.WriteNumber(P.Nonce, p.Nonce);
                break;
            case ProbeAck a:
                w.WriteString(P.Type, TypeText(MessageType.ProbeAck));
                w.WriteNumber(P.Nonce, a.Nonce);
                break;
            case Hello h:
                w.WriteString(P.Type, TypeText(MessageType.Hello));
                WriteAddress(w, P.From, h.From);
                w.WriteString(P.Role, h.Role == Role.Seed ? P.Seed : P.PeerRole);
                break;
            case PeerListRequest:
                w.WriteString(P.Type, TypeText(MessageType.PeerListRequest));
                break;
            case RegisterRequest rr:
                w.WriteString(P.Type, TypeText(MessageType.RegisterRequest));
                w.WriteNumber(P.Incarnation, rr.Incarnation);
                break;
            case LinkRequest lr:
                w.WriteString(P.Type, TypeText(MessageType.LinkRequest));
                w.WriteNumber(P.Incarnation, lr.Incarnation);
                break;
            case RegisterProposal rp:
                w.WriteString(P.Type, TypeText(MessageType.RegisterProposal));
                WriteAddress(w, P.Peer, rp.Peer);
                w.WriteString(P.Proposal, rp.ProposalId);
                w.WriteNumber(P.Incarnation, rp.Incarnation);
                break;
            case RegisterVote v:
                w.WriteString(P.Type, TypeText(MessageType.RegisterVote));
                WriteAddress(w, P.Peer, v.Peer);
                w.WriteString(P.Proposal, v.ProposalId);
                w.WriteBoolean(P.Yes, v.Yes);
                if (v.Reason is null) w.WriteNull(P.Reason); else w.WriteString(P.Reason, v.Reason);
                break;
            case RegisterCommit c:
                w.WriteString(P.Type, TypeText(MessageType.RegisterCommit));
                WriteCommitFields(w, c);
                break;
            case RegisterRejected r:
                w.WriteString(P.Type, TypeText(MessageType.RegisterRejected));
                w.WriteString(P.Reason, r.Reason);
                break;
            case PeerList l:
                w.WriteString(P.Type, TypeText(MessageType.PeerList));
                w.WriteStartArray(P.Peers);
                foreach (var e in l.Peers)
                {
                    w.WriteStartObject();
                    WriteAddress(w, P.Node, e.Node);
                    w.WriteNumber(P.Degree, e.Degree);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            case DegreeUpdate d:
                w.WriteString(P.Type, TypeText(MessageType.DegreeUpdate));
                w.WriteStartArray(P.Neighbours);
                foreach (var n in d.Neighbours) WriteAddressValue(w, n);
                w.WriteEndArray();
                break;
            case Bridge b:
                w.WriteString(P.Type, TypeText(MessageType.Bridge));
                WriteAddress(w, P.Target, b.Target);
                break;
            case SeedSync s:
                w.WriteString(P.Type, TypeText(MessageType.SeedSync));
                w.WriteStartArray(P.Commits);
                foreach (var c in s.Commits)
                {
                    w.WriteStartObject();
                    WriteCommitFields(w, c);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray(P.Removals);
                foreach (var dc in s.Removals)
                {
                    w.WriteStartObject();
                    WriteDeadConfirmedFields(w, dc);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            case Leave:
                w.WriteString(P.Type, TypeText(MessageType.Leave));
                break;
            case SuspectRequest sr:
                w.WriteString(P.Type, TypeText(MessageType.SuspectRequest));
                WriteAddress(w, P.Suspect, sr.Suspect);
                break;
            case SuspectResponse sr:
                w.WriteString(P.Type, TypeText(MessageType.SuspectResponse));
                WriteAddress(w, P.Suspect, sr.Suspect);
                w.WriteBoolean(P.Dead, sr.Dead);
                w.WriteString(P.Evidence, sr.Evidence);
                break;
            case DeadReport dr:
                w.WriteString(P.Type, TypeText(MessageType.DeadReport));
                WriteAddress(w, P.Suspect, dr.Suspect);
                w.WriteString(P.Report, dr.Report);
                break;
            case DeadProposal dp:
                w.WriteString(P.Type, TypeText(MessageType.DeadProposal));
                WriteAddress(w, P.Suspect, dp.Suspect);
                w.WriteString(P.Proposal, dp.ProposalId);
                w.WriteString(P.Reason, dp.Reason);
                w.WriteNumber(P.Incarnation, dp.Incarnation);
                break;
            case DeadVote dv:
                w.WriteString(P.Type, TypeText(MessageType.DeadVote));
                WriteAddress(w, P.Suspect, dv.Suspect);
                w.WriteString(P.Proposal, dv.ProposalId);
                w.WriteBoolean(P.Yes, dv.Yes);
                w.WriteString(P.Evidence, dv.Evidence);
                break;
            case DeadConfirmed dc:
                w.WriteString(P.Type, TypeText(MessageType.DeadConfirmed));
                WriteDeadConfirmedFields(w, dc);
                break;
            case MemberQuery mq:
                w.WriteString(P.Type, TypeText(MessageType.MemberQuery));
                WriteAddress(w, P.Node, mq.Node);
                break;
            case MemberAnswer ma:
                w.WriteString(P.Type, TypeText(MessageType.MemberAnswer));
                WriteAddress(w, P.Node, ma.Node);
                w.WriteBoolean(P.Member, ma.Member);
                w.WriteNumber(P.Incarnation, ma.Incarnation);
                break;
            case DeadRejected dj:
                w.WriteString(P.Type, TypeText(MessageType.DeadRejected));
                WriteAddress(w, P.Suspect, dj.Suspect);
                w.WriteString(P.Reason, dj.Reason);
                break;
            default:
                throw new ArgumentException($"JsonCodec cannot encode a {m.GetType().Name}", nameof(m));
        }
        w.WriteEndObject();
    }

    static void WriteCommitFields(Utf8JsonWriter w, RegisterCommit c)
    {
        WriteAddress(w, P.Peer, c.Peer);
        w.WriteStartArray(P.Voters);
        foreach (var v in c.Voters) WriteAddressValue(w, v);
        w.WriteEndArray();
        w.WriteNumber(P.Incarnation, c.Incarnation);
    }

    static void WriteDeadConfirmedFields(Utf8JsonWriter w, DeadConfirmed dc)
    {
        WriteAddress(w, P.Node, dc.Node);
        w.WriteStartArray(P.Voters);
        foreach (var v in dc.Voters) WriteAddressValue(w, v);
        w.WriteEndArray();
        w.WriteString(P.Reason, dc.Reason);
        if (dc.Rendezvous.Case is NodeId rv) WriteAddress(w, P.Rendezvous, rv);
        else w.WriteNull(P.Rendezvous);
        w.WriteNumber(P.Incarnation, dc.Incarnation);
    }

    /// <summary>An address as <see cref="NodeId.ToString"/> has it, formatted on the stack rather than into a string.</summary>
    static void WriteAddress(Utf8JsonWriter w, JsonEncodedText name, NodeId id)
    {
        Span<char> text = stackalloc char[96];
        if (TryFormatAddress(id, text, out var n)) w.WriteString(name, text[..n]);
        else w.WriteString(name, id.ToString());
    }

    static void WriteAddressValue(Utf8JsonWriter w, NodeId id)
    {
        Span<char> text = stackalloc char[96];
        if (TryFormatAddress(id, text, out var n)) w.WriteStringValue(text[..n]);
        else w.WriteStringValue(id.ToString());
    }

    /// <summary><c>ip:port</c>, or <c>[ip]:port</c> when the IP holds a colon; false when it does not fit (then use ToString).</summary>
    static bool TryFormatAddress(NodeId id, Span<char> into, out int written)
    {
        written = 0;
        var ip = id.Ip;
        if (ip is null) return false;
        var v6 = ip.Contains(':');
        if (ip.Length + 2 + 1 + 11 > into.Length) return false;
        if (v6) into[written++] = '[';
        ip.CopyTo(into[written..]);
        written += ip.Length;
        if (v6) into[written++] = ']';
        into[written++] = ':';
        if (!id.Port.TryFormat(into[written..], out var portChars, default, CultureInfo.InvariantCulture)) return false;
        written += portChars;
        return true;
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

    // ---- The shapes of the messages -----------------------------------------------------------------------

    enum Kind : byte
    {
        /// <summary>An <c>IP:Port</c> string.</summary>
        Address,
        /// <summary>An address, null or absent.</summary>
        OptionalAddress,
        /// <summary>"seed" or "peer".</summary>
        Role,
        /// <summary>Any 64-bit integer.</summary>
        Long,
        /// <summary>A 32-bit integer ≥ 0.</summary>
        NonNegativeInt,
        /// <summary>A boolean.</summary>
        Bool,
        /// <summary>A string of at most <see cref="Field.MaxChars"/> characters, no control characters.</summary>
        Text,
        /// <summary>A text, null or absent.</summary>
        OptionalText,
        /// <summary>A non-empty text (a proposal id).</summary>
        Id,
        /// <summary>An array of addresses.</summary>
        Addresses,
        /// <summary>An array of <c>{"node","degree"}</c> objects.</summary>
        PeerEntries,
        /// <summary>An array of commit objects (a REGISTER_COMMIT without its type).</summary>
        Commits,
        /// <summary>An array of removal objects (a DEAD_CONFIRMED without its type).</summary>
        Removals,
    }

    sealed class Field(string name, Kind kind, int maxChars = MaxStringChars)
    {
        public readonly string Name = name;
        public readonly byte[] Utf8 = Encoding.UTF8.GetBytes(name);
        public readonly Kind Kind = kind;
        public readonly int MaxChars = maxChars;
        public bool Optional => Kind is Kind.OptionalAddress or Kind.OptionalText;

        /// <summary>What the error says when the field is absent or of the wrong JSON kind.</summary>
        public string Missing => Kind switch
        {
            Kind.Long => "missing or not a 64-bit integer",
            Kind.NonNegativeInt => "missing or not a 32-bit integer",
            Kind.Bool => "missing or not a boolean",
            Kind.Addresses or Kind.PeerEntries or Kind.Commits or Kind.Removals => "missing or not an array",
            Kind.OptionalAddress or Kind.OptionalText => "is not a string or null",
            _ => "missing or not a string",
        };
    }

    /// <summary>The fields of one JSON object, in the order of the record they make (errors are reported in that order).</summary>
    sealed class Shape(params Field[] fields)
    {
        public readonly Field[] Fields = fields;

        /// <summary>The index of the property name under the reader, or -1 for a field this shape does not define.</summary>
        public int Find(ref Utf8JsonReader r)
        {
            var fields = Fields;
            for (var i = 0; i < fields.Length; i++)
                if (r.ValueTextEquals(fields[i].Utf8)) return i;
            return -1;
        }
    }

    static readonly Shape PeerEntryShape = new(new("node", Kind.Address), new("degree", Kind.NonNegativeInt));
    static readonly Shape CommitShape = new(new("peer", Kind.Address), new("voters", Kind.Addresses), new("incarnation", Kind.Long));
    static readonly Shape RemovalShape = new(new("node", Kind.Address), new("voters", Kind.Addresses), new("reason", Kind.Text),
        new("rendezvous", Kind.OptionalAddress), new("incarnation", Kind.Long));

    /// <summary>The most fields any shape has (the size of <see cref="Slots"/>).</summary>
    const int MaxFields = 5;

    /// <summary>Indexed by <see cref="MessageType"/>.</summary>
    static readonly Shape[] Shapes =
    [
        /* GOSSIP */ new(new("origin", Kind.Address), new("body", Kind.Text, MaxBodyChars)),
        /* HEARTBEAT */ new(),
        /* PROBE */ new(new Field("nonce", Kind.Long)),
        /* PROBE_ACK */ new(new Field("nonce", Kind.Long)),
        /* HELLO */ new(new("from", Kind.Address), new("role", Kind.Role)),
        /* DEGREE_UPDATE */ new(new Field("neighbours", Kind.Addresses)),
        /* PEER_LIST */ new(new Field("peers", Kind.PeerEntries)),
        /* LINK_REQUEST */ new(new Field("incarnation", Kind.Long)),
        /* SUSPECT_REQUEST */ new(new Field("suspect", Kind.Address)),
        /* SUSPECT_RESPONSE */ new(new("suspect", Kind.Address), new("dead", Kind.Bool), new("evidence", Kind.Text)),
        /* REGISTER_REQUEST */ new(new Field("incarnation", Kind.Long)),
        /* REGISTER_PROPOSAL */ new(new("peer", Kind.Address), new("proposal", Kind.Id), new("incarnation", Kind.Long)),
        /* REGISTER_VOTE */ new(new("peer", Kind.Address), new("proposal", Kind.Id), new("yes", Kind.Bool), new("reason", Kind.OptionalText)),
        /* REGISTER_COMMIT */ CommitShape,
        /* REGISTER_REJECTED */ new(new Field("reason", Kind.Text)),
        /* PEER_LIST_REQUEST */ new(),
        /* BRIDGE */ new(new Field("target", Kind.Address)),
        /* SEED_SYNC */ new(new("commits", Kind.Commits), new("removals", Kind.Removals)),
        /* DEAD_REPORT */ new(new("suspect", Kind.Address), new("report", Kind.Text)),
        /* DEAD_PROPOSAL */ new(new("suspect", Kind.Address), new("proposal", Kind.Id), new("reason", Kind.Text), new("incarnation", Kind.Long)),
        /* DEAD_VOTE */ new(new("suspect", Kind.Address), new("proposal", Kind.Id), new("yes", Kind.Bool), new("evidence", Kind.Text)),
        /* DEAD_CONFIRMED */ RemovalShape,
        /* DEAD_REJECTED */ new(new("suspect", Kind.Address), new("reason", Kind.Text)),
        /* LEAVE */ new(),
        /* MEMBER_QUERY */ new(new Field("node", Kind.Address)),
        /* MEMBER_ANSWER */ new(new("node", Kind.Address), new("member", Kind.Bool), new("incarnation", Kind.Long)),
    ];

    // Messages without fields are values: one instance each serves every decode.
    static readonly Heartbeat TheHeartbeat = new();
    static readonly Leave TheLeave = new();
    static readonly PeerListRequest ThePeerListRequest = new();

    /// <summary>What one field of an object decoded to: a value, an error, or nothing (absent).</summary>
    struct Slot
    {
        public bool Present;
        public string? Error;
        public string? Text;
        public NodeId Address;
        public bool HasAddress;
        public long Number;
        /// <summary>The items of an array field, exactly as many as it has (null for none).</summary>
        public System.Array? Items;

        public readonly Option<NodeId> OptionalAddress => HasAddress ? Option<NodeId>.Some(Address) : Option<NodeId>.None;
        public readonly Seq<T> Seq<T>() => SeqOf.Wrap((T[]?)Items);
    }

    [InlineArray(MaxFields)]
    struct Slots
    {
        Slot first;
    }

    static Message Build(MessageType type, ref Slots s) => type switch
    {
        MessageType.Gossip => new Gossip(s[0].Address, s[1].Text!),
        MessageType.Heartbeat => TheHeartbeat,
        MessageType.Probe => new Probe(s[0].Number),
        MessageType.ProbeAck => new ProbeAck(s[0].Number),
        MessageType.Hello => new Hello(s[0].Address, s[1].Number == 0 ? Role.Seed : Role.Peer),
        MessageType.DegreeUpdate => new DegreeUpdate(s[0].Seq<NodeId>()),
        MessageType.PeerList => new PeerList(s[0].Seq<PeerEntry>()),
        MessageType.LinkRequest => new LinkRequest(s[0].Number),
        MessageType.SuspectRequest => new SuspectRequest(s[0].Address),
        MessageType.SuspectResponse => new SuspectResponse(s[0].Address, s[1].Number != 0, s[2].Text!),
        MessageType.RegisterRequest => new RegisterRequest(s[0].Number),
        MessageType.RegisterProposal => new RegisterProposal(s[0].Address, s[1].Text!, s[2].Number),
        MessageType.RegisterVote => new RegisterVote(s[0].Address, s[1].Text!, s[2].Number != 0, s[3].Text),
        MessageType.RegisterCommit => BuildCommit(ref s),
        MessageType.RegisterRejected => new RegisterRejected(s[0].Text!),
        MessageType.PeerListRequest => ThePeerListRequest,
        MessageType.Bridge => new Bridge(s[0].Address),
        MessageType.SeedSync => new SeedSync(s[0].Seq<RegisterCommit>(), s[1].Seq<DeadConfirmed>()),
        MessageType.DeadReport => new DeadReport(s[0].Address, s[1].Text!),
        MessageType.DeadProposal => new DeadProposal(s[0].Address, s[1].Text!, s[2].Text!, s[3].Number),
        MessageType.DeadVote => new DeadVote(s[0].Address, s[1].Text!, s[2].Number != 0, s[3].Text!),
        MessageType.DeadConfirmed => BuildRemoval(ref s),
        MessageType.DeadRejected => new DeadRejected(s[0].Address, s[1].Text!),
        MessageType.Leave => TheLeave,
        MessageType.MemberQuery => new MemberQuery(s[0].Address),
        MessageType.MemberAnswer => new MemberAnswer(s[0].Address, s[1].Number != 0, s[2].Number),
        _ => throw new InvalidOperationException($"no message for {type}"),
    };

    delegate T ItemBuilder<T>(ref Slots item);

    static RegisterCommit BuildCommit(ref Slots s) => new(s[0].Address, s[1].Seq<NodeId>(), s[2].Number);

    static DeadConfirmed BuildRemoval(ref Slots s) => new(s[0].Address, s[1].Seq<NodeId>(), s[2].Text!, s[3].OptionalAddress, s[4].Number);

    /// <summary>Where a value sits, for errors: <c>name</c>, <c>outer[i].name</c>, and <c>[item]</c> after either.</summary>
    readonly struct Where(string name, string? outer = null, int outerIndex = 0, int item = -1)
    {
        public string Name => name;
        public Where Item(int i) => new(name, outer, outerIndex, i);

        public override string ToString() =>
            (outer is null ? name : $"{outer}[{outerIndex}].{name}") + (item >= 0 ? $"[{item}]" : "");
    }

    /// <summary>
    /// One decode: a reader over the payload and what the checks need. Every object, array and property of the
    /// payload is read once, in document order (the type is found first with a copy of the reader).
    /// </summary>
    ref struct MessageReader
    {
        Utf8JsonReader r;
        readonly ReadOnlySpan<byte> payload;
        /// <summary>Names of fields the shapes do not define, per object, to refuse duplicates among them.</summary>
        NameSet unknownNames;
        /// <summary>Objects opened so far: the identity of each object in <see cref="unknownNames"/>.</summary>
        int objects;
        /// <summary>The type name of the message being read, for errors.</summary>
        string owner;
        // The last IP strings made in this decode: a peer list on one host shares one string, not one per entry.
        string? ip0, ip1, ip2, ip3;
        int ipNext;

        public MessageReader(ReadOnlySpan<byte> utf8)
        {
            payload = utf8;
            r = new Utf8JsonReader(utf8, ReaderOptions);
            unknownNames = default;
            owner = "";
        }

        public void Dispose() => unknownNames.Dispose();

        public Message? ReadRoot(string what, out string? error)
        {
            Next();
            if (r.TokenType != JsonTokenType.StartObject)
            {
                var got = KindOf(r.TokenType);
                SkipValue();
                ReadEnd();
                error = $"{what} is not a JSON object (got {got})";
                return null;
            }

            var type = FindType(out var typeToken, out var typeIsString);
            var shape = type >= 0 ? Shapes[type] : null;
            owner = type >= 0 ? TypeNames[type] : "";
            var slots = new Slots();
            ReadObject(shape, ref slots, root: true, outer: null, outerIndex: 0);
            ReadEnd();

            if (!typeIsString)
                error = $"{what}: field 'type' missing or not a string";
            else if (shape is null)
                error = $"unknown message type {QuoteString(ref typeToken)}";
            else
                error = FirstError(shape, ref slots, null, 0);
            return error is null ? Build((MessageType)type, ref slots) : null;
        }

        /// <summary>
        /// Looks ahead (with a copy of the reader) for the first top-level <c>type</c>: its index in
        /// <see cref="TypeNames"/>, or -1 when it is absent, not a string or not a known name.
        /// </summary>
        readonly int FindType(out Utf8JsonReader typeToken, out bool isString)
        {
            var p = r;
            typeToken = default;
            isString = false;
            while (p.Read() && p.TokenType == JsonTokenType.PropertyName)
            {
                var isType = p.ValueTextEquals("type"u8);
                p.Read();
                if (!isType)
                {
                    p.Skip();
                    continue;
                }
                if (p.TokenType != JsonTokenType.String) return -1;
                isString = true;
                typeToken = p;
                for (var i = 0; i < TypeUtf8.Length; i++)
                    if (p.ValueTextEquals(TypeUtf8[i])) return i;
                return -1;
            }
            return -1;
        }

        void Next()
        {
            if (!r.Read()) throw new JsonException("the JSON text ends early");
        }

        /// <summary>After the root value: only whitespace may follow (the reader throws on anything else).</summary>
        void ReadEnd()
        {
            if (r.Read()) throw new JsonException("more than one JSON value");
        }

        /// <summary>
        /// Reads the object under the reader (at its StartObject) to its end, putting each field the shape defines in
        /// its slot and skipping (while still checking) every other. A name twice in one object is malformed JSON.
        /// </summary>
        void ReadObject(Shape? shape, ref Slots slots, bool root, string? outer, int outerIndex)
        {
            const int TypeField = 63;
            var obj = ++objects;
            ulong seen = 0;
            while (true)
            {
                Next();
                if (r.TokenType == JsonTokenType.EndObject) return;
                var field = root && r.ValueTextEquals("type"u8) ? TypeField : shape?.Find(ref r) ?? -1;
                if (field >= 0)
                {
                    var bit = 1UL << field;
                    if ((seen & bit) != 0) throw new JsonException($"Duplicate property {QuoteName(ref r)} in one object.");
                    seen |= bit;
                }
                else
                    AddUnknown(obj);
                Next();
                if (field is >= 0 and not TypeField)
                    ReadField(shape!.Fields[field], ref slots[field], new Where(shape.Fields[field].Name, outer, outerIndex));
                else
                    SkipValue();
            }
        }

        void AddUnknown(int obj) =>
            unknownNames.Add(payload, (int)r.TokenStartIndex, r.ValueSpan.Length, r.ValueIsEscaped, obj);

        /// <summary>Skips the value under the reader to its last token, checking the names of every object in it.</summary>
        void SkipValue()
        {
            if (r.TokenType == JsonTokenType.StartObject)
            {
                var obj = ++objects;
                while (true)
                {
                    Next();
                    if (r.TokenType == JsonTokenType.EndObject) return;
                    AddUnknown(obj);
                    Next();
                    SkipValue();
                }
            }
            if (r.TokenType == JsonTokenType.StartArray)
            {
                while (true)
                {
                    Next();
                    if (r.TokenType == JsonTokenType.EndArray) return;
                    SkipValue();
                }
            }
        }

        /// <summary>The first error of an object's fields in the shape's order, or null when every required field is good.</summary>
        readonly string? FirstError(Shape shape, ref Slots slots, string? outer, int outerIndex)
        {
            var fields = shape.Fields;
            for (var i = 0; i < fields.Length; i++)
            {
                ref var s = ref slots[i];
                if (s.Error is not null) return s.Error;
                if (!s.Present && !fields[i].Optional)
                    return $"{owner}: field '{new Where(fields[i].Name, outer, outerIndex)}' {fields[i].Missing}";
            }
            return null;
        }

        readonly string Problem(Where at, string problem) => $"{owner}: field '{at}' {problem}";

        void ReadField(Field f, ref Slot s, Where at)
        {
            var token = r.TokenType;
            switch (f.Kind)
            {
                case Kind.Address or Kind.OptionalAddress:
                    if (token == JsonTokenType.String)
                    {
                        if (ReadAddress(at, out s.Address, out s.Error)) s.Present = s.HasAddress = true;
                    }
                    else if (token == JsonTokenType.Null && f.Optional) s.Present = true;
                    else Bad(ref s, Problem(at, f.Missing));
                    break;
                case Kind.Text or Kind.OptionalText or Kind.Id or Kind.Role:
                    if (token == JsonTokenType.String) ReadText(f, ref s, at);
                    else if (token == JsonTokenType.Null && f.Optional) s.Present = true;
                    else Bad(ref s, Problem(at, f.Missing));
                    break;
                case Kind.Long:
                    if (token == JsonTokenType.Number && r.TryGetInt64(out var l))
                    {
                        s.Number = l;
                        s.Present = true;
                    }
                    else Bad(ref s, Problem(at, f.Missing));
                    break;
                case Kind.NonNegativeInt:
                    if (token == JsonTokenType.Number && r.TryGetInt32(out var i))
                    {
                        if (i >= 0)
                        {
                            s.Number = i;
                            s.Present = true;
                        }
                        else s.Error = Problem(at, $"is negative ({i})");
                    }
                    else Bad(ref s, Problem(at, f.Missing));
                    break;
                case Kind.Bool:
                    if (token is JsonTokenType.True or JsonTokenType.False)
                    {
                        s.Number = token == JsonTokenType.True ? 1 : 0;
                        s.Present = true;
                    }
                    else Bad(ref s, Problem(at, f.Missing));
                    break;
                default:
                    if (token != JsonTokenType.StartArray)
                    {
                        Bad(ref s, Problem(at, f.Missing));
                        break;
                    }
                    switch (f.Kind)
                    {
                        case Kind.Addresses: ReadAddresses(ref s, at); break;
                        case Kind.PeerEntries: ReadObjects(ref s, at, PeerEntryShape, static (ref Slots i) => new PeerEntry(i[0].Address, (int)i[1].Number)); break;
                        case Kind.Commits: ReadObjects(ref s, at, CommitShape, static (ref Slots i) => BuildCommit(ref i)); break;
                        default: ReadObjects(ref s, at, RemovalShape, static (ref Slots i) => BuildRemoval(ref i)); break;
                    }
                    break;
            }
        }

        /// <summary>Records the error and skips the value (still checking it: a syntax error in it wins).</summary>
        void Bad(ref Slot s, string error)
        {
            s.Error = error;
            SkipValue();
        }

        /// <summary>
        /// After an array's last item: an array over the limit is that error (whatever its items were, as the count
        /// was always judged first); otherwise its items, unless one was bad.
        /// </summary>
        readonly void EndArray<T>(ref Slot s, Where at, ref ItemBuffer<T> items)
        {
            if (items.Count > MaxArrayItems)
                s.Error = Problem(at, $"has {items.Count} items, over the {MaxArrayItems}-item limit");
            if (s.Error is null)
            {
                s.Items = items.ToArray();
                s.Present = true;
            }
            items.Dispose();
        }

        void ReadAddresses(ref Slot s, Where at)
        {
            var items = new ItemBuffer<NodeId>();
            while (true)
            {
                Next();
                if (r.TokenType == JsonTokenType.EndArray) break;
                if (s.Error is not null || items.Count >= MaxArrayItems) SkipValue();
                else if (r.TokenType != JsonTokenType.String) Bad(ref s, Problem(at.Item(items.Count), "is not a string"));
                else if (ReadAddress(at.Item(items.Count), out var id, out s.Error)) items.Add(id);
                items.Count++;
            }
            EndArray(ref s, at, ref items);
        }

        /// <summary>An array of objects of one shape (peer entries, commits, removals), each built by <paramref name="build"/>.</summary>
        void ReadObjects<T>(ref Slot s, Where at, Shape shape, ItemBuilder<T> build)
        {
            var items = new ItemBuffer<T>();
            var item = new Slots();
            while (true)
            {
                Next();
                if (r.TokenType == JsonTokenType.EndArray) break;
                if (ReadItem(shape, ref item, ref s, at, items.Count)) items.Add(build(ref item));
                items.Count++;
            }
            EndArray(ref s, at, ref items);
        }

        /// <summary>
        /// Reads item <paramref name="i"/> of an array of objects into <paramref name="item"/>; false (and the array's
        /// first error in <paramref name="array"/>) when it is not a good one. After an error the rest is only checked.
        /// </summary>
        bool ReadItem(Shape shape, ref Slots item, ref Slot array, Where at, int i)
        {
            if (array.Error is not null || i >= MaxArrayItems)
            {
                SkipValue();
                return false;
            }
            if (r.TokenType != JsonTokenType.StartObject)
            {
                Bad(ref array, Problem(at.Item(i), "is not an object"));
                return false;
            }
            item = default;
            ReadObject(shape, ref item, root: false, outer: at.Name, outerIndex: i);
            array.Error = FirstError(shape, ref item, at.Name, i);
            return array.Error is null;
        }

        /// <summary>Reads the string under the reader as text of its field's kind.</summary>
        void ReadText(Field f, ref Slot s, Where at)
        {
            var escaped = r.ValueIsEscaped;
            var rawLength = r.ValueSpan.Length;
            byte[]? rented = null;
            try
            {
                Span<byte> scratch = !escaped ? default : rawLength <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(rawLength));
                var n = 0;
                if (escaped && !TryUnescape(scratch, out n, out s.Error)) return;
                ReadOnlySpan<byte> utf8 = escaped ? scratch[..n] : r.ValueSpan;
                if (!escaped && !Utf8.IsValid(utf8))
                {
                    s.Error = InvalidUtf8;
                    return;
                }
                var chars = Ascii.IsValid(utf8) ? utf8.Length : Encoding.UTF8.GetCharCount(utf8);
                if (chars > f.MaxChars)
                {
                    s.Error = Problem(at, $"is {chars} characters long, over the {f.MaxChars}-character limit");
                    return;
                }
                var control = FindControl(utf8);
                if (control >= 0)
                {
                    s.Error = Problem(at, $"contains a control or line-break character (U+{control:X4})");
                    return;
                }
                switch (f.Kind)
                {
                    case Kind.Role:
                        if (utf8.SequenceEqual("seed"u8)) s.Number = 0;
                        else if (utf8.SequenceEqual("peer"u8)) s.Number = 1;
                        else
                        {
                            s.Error = $"{owner}: field '{at}': {Quote(Encoding.UTF8.GetString(utf8))} is neither \"seed\" nor \"peer\"";
                            return;
                        }
                        break;
                    case Kind.Id when utf8.IsEmpty:
                        s.Error = Problem(at, "is empty");
                        return;
                    default:
                        s.Text = Encoding.UTF8.GetString(utf8);
                        break;
                }
                s.Present = true;
            }
            finally
            {
                if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
            }
        }

        /// <summary>Reads the string under the reader as an address; false and the error when it is not one.</summary>
        bool ReadAddress(Where at, out NodeId id, out string? error)
        {
            id = null!;
            var escaped = r.ValueIsEscaped;
            var rawLength = r.ValueSpan.Length;
            byte[]? rented = null;
            try
            {
                Span<byte> scratch = !escaped ? default : rawLength <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(rawLength));
                var n = 0;
                if (escaped && !TryUnescape(scratch, out n, out error)) return false;
                ReadOnlySpan<byte> utf8 = escaped ? scratch[..n] : r.ValueSpan;
                if (!escaped && !Utf8.IsValid(utf8))
                {
                    error = InvalidUtf8;
                    return false;
                }
                // Every character of a valid address is ASCII, so a longer text or a non-ASCII one is not one.
                if (utf8.Length <= MaxStringChars && Ascii.IsValid(utf8))
                {
                    // Longer than 64 only with a port written with many leading zeros, which is still a port.
                    Span<char> text = utf8.Length <= 64 ? stackalloc char[64] : stackalloc char[MaxStringChars];
                    text = text[..utf8.Length];
                    Ascii.ToUtf16(utf8, text, out _);
                    if (NodeId.TryParse(text, out var ipStart, out var ipLength, out var port))
                    {
                        id = new NodeId(IpString(text.Slice(ipStart, ipLength)), port);
                        error = null;
                        return true;
                    }
                }
                error = $"{owner}: field '{at}': {Quote(Encoding.UTF8.GetString(utf8[..Math.Min(utf8.Length, QuotedBytes)]))} is not IP:Port";
                return false;
            }
            finally
            {
                if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
            }
        }

        /// <summary>An IP string equal to <paramref name="ip"/>: one made earlier in this decode, or a new one.</summary>
        string IpString(scoped ReadOnlySpan<char> ip)
        {
            if (ip0 is not null && ip.SequenceEqual(ip0)) return ip0;
            if (ip1 is not null && ip.SequenceEqual(ip1)) return ip1;
            if (ip2 is not null && ip.SequenceEqual(ip2)) return ip2;
            if (ip3 is not null && ip.SequenceEqual(ip3)) return ip3;
            var s = new string(ip);
            switch (ipNext++ & 3)
            {
                case 0: ip0 = s; break;
                case 1: ip1 = s; break;
                case 2: ip2 = s; break;
                default: ip3 = s; break;
            }
            return s;
        }

        /// <summary>Unescapes the string under the reader into <paramref name="into"/> (as long as its raw text), checking its UTF-8 and escapes.</summary>
        bool TryUnescape(scoped Span<byte> into, out int length, out string? error)
        {
            try
            {
                length = r.CopyString(into);
                error = null;
                return true;
            }
            catch (InvalidOperationException e)
            {
                length = 0;
                error = "malformed JSON: " + Brief(e.Message);
                return false;
            }
        }
    }

    /// <summary>
    /// How many bytes of a value an error quotes from: at least 86 characters of UTF-8, more than the 64 that
    /// <see cref="Sanitize"/> keeps, so a quote of a longer value is the same as of all of it.
    /// </summary>
    const int QuotedBytes = 4 * 65;

    /// <summary>
    /// The string token under <paramref name="r"/>, quoted for an error line. It must be valid (as reading it as a
    /// string would demand: otherwise the InvalidOperationException makes the error a malformed-JSON one).
    /// </summary>
    static string QuoteString(ref Utf8JsonReader r)
    {
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, r.ValueSpan.Length));
        try
        {
            var n = r.CopyString(rented);
            return Quote(Encoding.UTF8.GetString(rented, 0, Math.Min(n, QuotedBytes)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The property name under <paramref name="r"/>, quoted for an error line, whatever its bytes.</summary>
    static string QuoteName(ref Utf8JsonReader r)
    {
        try
        {
            return QuoteString(ref r);
        }
        catch (InvalidOperationException)
        {
            return Quote(Encoding.UTF8.GetString(r.ValueSpan[..Math.Min(r.ValueSpan.Length, QuotedBytes)]));
        }
    }

    static readonly SearchValues<byte> ControlLeads = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), 0x7F, 0xC2, 0xE2]);

    /// <summary>
    /// The first control character (U+0000–U+001F, U+007F–U+009F) or U+2028/U+2029 in valid UTF-8, or -1: they would
    /// split or forge a log line.
    /// </summary>
    static int FindControl(ReadOnlySpan<byte> utf8)
    {
        var i = 0;
        while (true)
        {
            var k = utf8[i..].IndexOfAny(ControlLeads);
            if (k < 0) return -1;
            i += k;
            var b = utf8[i];
            if (b < 0x20 || b == 0x7F) return b;
            if (b == 0xC2 && i + 1 < utf8.Length && utf8[i + 1] is >= 0x80 and <= 0x9F) return utf8[i + 1];
            if (b == 0xE2 && i + 2 < utf8.Length && utf8[i + 1] == 0x80 && utf8[i + 2] is 0xA8 or 0xA9)
                return utf8[i + 2] == 0xA8 ? 0x2028 : 0x2029;
            i++;
        }
    }

    /// <summary>
    /// The names of fields the shapes do not define, per object, to refuse a name twice in one object: a hash set
    /// of positions in the payload (names are compared unescaped) in a table from the array pool. Unused, and free,
    /// for messages made only of known fields.
    /// </summary>
    struct NameSet : IDisposable
    {
        // Four ints per slot: object (0 = empty), hash, start of the name's opening quote, raw length (negative when escaped).
        int[]? table;
        int slots;
        int count;

        /// <summary>Adds the name token at <paramref name="tokenStart"/> (its opening quote) of object <paramref name="obj"/>.</summary>
        /// <exception cref="JsonException">The object already has a field of that name.</exception>
        public void Add(ReadOnlySpan<byte> payload, int tokenStart, int rawLength, bool escaped, int obj)
        {
            var quoted = payload.Slice(tokenStart, rawLength + 2);
            byte[]? rented = null;
            try
            {
                Span<byte> scratch = !escaped ? default : rawLength <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(rawLength));
                var key = escaped ? Unescaped(quoted, scratch) : quoted[1..^1];
                var hash = Hash(obj, key);
                if ((count + 1) * 2 > slots) Grow();
                for (var i = hash & (slots - 1); ; i = (i + 1) & (slots - 1))
                {
                    var at = i * 4;
                    if (table![at] == 0)
                    {
                        table[at] = obj;
                        table[at + 1] = hash;
                        table[at + 2] = tokenStart;
                        table[at + 3] = escaped ? -rawLength : rawLength;
                        count++;
                        return;
                    }
                    if (table[at] == obj && table[at + 1] == hash && SameName(payload, table[at + 2], table[at + 3], key))
                        throw new JsonException($"Duplicate property {Quote(Encoding.UTF8.GetString(key[..Math.Min(key.Length, QuotedBytes)]))} in one object.");
                }
            }
            finally
            {
                if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
            }
        }

        /// <summary>
        /// The unescaped text of a quoted JSON string (<paramref name="into"/> must hold as many bytes as it has), or
        /// its raw bytes when it does not unescape (invalid UTF-8 or UTF-16 escapes): then it is compared as written.
        /// </summary>
        static ReadOnlySpan<byte> Unescaped(ReadOnlySpan<byte> quoted, Span<byte> into)
        {
            try
            {
                var r = new Utf8JsonReader(quoted);
                r.Read();
                return into[..r.CopyString(into)];
            }
            catch (InvalidOperationException)
            {
                return quoted[1..^1];
            }
        }

        static bool SameName(ReadOnlySpan<byte> payload, int tokenStart, int rawLength, ReadOnlySpan<byte> key)
        {
            if (rawLength >= 0) return payload.Slice(tokenStart + 1, rawLength).SequenceEqual(key);
            var quoted = payload.Slice(tokenStart, -rawLength + 2);
            byte[]? rented = null;
            try
            {
                Span<byte> scratch = quoted.Length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(quoted.Length));
                return Unescaped(quoted, scratch).SequenceEqual(key);
            }
            finally
            {
                if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
            }
        }

        static int Hash(int obj, ReadOnlySpan<byte> key)
        {
            // HashCode is seeded per process: a sender cannot pick names that all collide.
            var h = new HashCode();
            h.Add(obj);
            h.AddBytes(key);
            return h.ToHashCode() & int.MaxValue;
        }

        void Grow()
        {
            var old = table;
            var oldSlots = slots;
            slots = oldSlots == 0 ? 16 : oldSlots * 2;
            table = ArrayPool<int>.Shared.Rent(slots * 4);
            Array.Clear(table, 0, slots * 4);
            if (old is null) return;
            for (var at = 0; at < oldSlots * 4; at += 4)
            {
                if (old[at] == 0) continue;
                var i = old[at + 1] & (slots - 1);
                while (table[i * 4] != 0) i = (i + 1) & (slots - 1);
                old.AsSpan(at, 4).CopyTo(table.AsSpan(i * 4, 4));
            }
            ArrayPool<int>.Shared.Return(old);
        }

        public void Dispose()
        {
            if (table is not null) ArrayPool<int>.Shared.Return(table);
            table = null;
            slots = count = 0;
        }
    }

    /// <summary>
    /// The items of an array while it is read, in a buffer from the array pool; <see cref="ToArray"/> makes the one
    /// array of exactly their number that the message keeps. <see cref="Count"/> counts every item, also the bad ones
    /// and those past the limit that are not kept.
    /// </summary>
    struct ItemBuffer<T> : IDisposable
    {
        T[]? buffer;
        int stored;
        public int Count;

        public void Add(T item)
        {
            if (buffer is null || stored == buffer.Length)
            {
                var grown = ArrayPool<T>.Shared.Rent(buffer is null ? 16 : buffer.Length * 2);
                if (buffer is not null)
                {
                    buffer.AsSpan(0, stored).CopyTo(grown);
                    ArrayPool<T>.Shared.Return(buffer, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
                }
                buffer = grown;
            }
            buffer[stored++] = item;
        }

        public readonly T[]? ToArray() => stored == 0 ? null : buffer.AsSpan(0, stored).ToArray();

        public void Dispose()
        {
            if (buffer is not null) ArrayPool<T>.Shared.Return(buffer, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
            buffer = null;
            stored = 0;
        }
    }

    /// <summary>
    /// Seqs over arrays the decoder made, without the copy LanguageExt's public factories take (they copy the array
    /// they are given). It calls LanguageExt's own internal <c>Seq.FromArray</c>, which wraps an array as it is; should
    /// that ever be gone, the public copying route is used instead.
    /// </summary>
    static class SeqOf
    {
        [UnsafeAccessor(UnsafeAccessorKind.StaticMethod, Name = "FromArray")]
        static extern Seq<A> FromArray<A>([UnsafeAccessorType("LanguageExt.Seq, LanguageExt.Core")] object? seqModule, A[] items);

        static readonly bool CanWrap = Probe();

        static bool Probe()
        {
            try
            {
                var items = new[] { "a" };
                var s = FromArray<string>(null, items);
                return s.Count == 1 && s.Head == "a";
            }
            catch (Exception e) when (e is MissingMethodException or TypeLoadException or BadImageFormatException)
            {
                return false;
            }
        }

        public static Seq<A> Wrap<A>(A[]? items) =>
            items is null || items.Length == 0 ? Seq<A>.Empty : CanWrap ? FromArray<A>(null, items) : Prelude.toSeq(items);
    }

    // ---- Hooks for EffectCodec (a recorded Send carries a message) ------------------------------------------

    /// <summary>Writes the JSON object of <paramref name="m"/> at the writer's current position.</summary>
    internal static void WriteMessageTo(Utf8JsonWriter w, Message m) => WriteMessage(w, m);

    /// <summary>Reads a message object; throws on a bad one (turn the exception into a line with <see cref="DecodeFailure"/>).</summary>
    internal static Message ReadMessageFrom(JsonElement el, string what) => ReadMessage(el, what);

    /// <summary>The one-line error for an exception thrown by <see cref="ReadMessageFrom"/> or by JSON parsing.</summary>
    internal static string DecodeFailure(Exception e) => Failure(e)!;

    /// <summary>A message held in a parsed document (an event-log line): decoded from its own bytes, by the wire's rules.</summary>
    static Message ReadMessage(JsonElement el, string what) =>
        Decode(JsonMarshal.GetRawUtf8Value(el), what, out var error) ?? throw new DecodeError(error!);

    // ---- Inputs -------------------------------------------------------------------------------------------

    /// <summary>
    /// One line of the event log: <c>{"step":3,"t":1732520000123456,"input":"received","from":"127.0.0.1:5011","msg":{...}}</c>.
    /// </summary>
    public static string EncodeInput(long step, Input input)
    {
        var scratch = EncodeBuffer.Rent();
        try
        {
            var w = scratch.Writer;
            w.WriteStartObject();
            w.WriteNumber("step", step);
            w.WriteNumber("t", input.NowUs);
            switch (input)
            {
                case Started s:
                    w.WriteString("input", "started");
                    w.WriteString("seed", s.RandomSeed.ToString(CultureInfo.InvariantCulture));
                    break;
                case Received r:
                    w.WriteString("input", "received");
                    WriteAddress(w, P.From, r.From);
                    w.WritePropertyName("msg");
                    WriteMessage(w, r.Message);
                    break;
                case Connected c:
                    w.WriteString("input", "connected");
                    WriteAddress(w, P.Node, c.Node);
                    break;
                case Disconnected d:
                    w.WriteString("input", "disconnected");
                    WriteAddress(w, P.Node, d.Node);
                    w.WriteString("reason", d.Reason);
                    break;
                case ConnectFailed cf:
                    w.WriteString("input", "connect_failed");
                    WriteAddress(w, P.Node, cf.Node);
                    w.WriteString("reason", cf.Reason);
                    break;
                case TimerFired t:
                    w.WriteString("input", "timer");
                    w.WriteString("key", t.Key);
                    break;
                case BadFrame b:
                    w.WriteString("input", "bad_frame");
                    w.WriteString("remote", b.Remote);
                    w.WriteString("reason", b.Reason);
                    break;
                case ShutdownRequested:
                    w.WriteString("input", "shutdown");
                    break;
                case PingResult p:
                    w.WriteString("input", "ping_result");
                    w.WriteString("ip", p.Ip);
                    w.WriteString("outcome", p.Outcome switch
                    {
                        PingOutcome.Reply => "reply",
                        PingOutcome.NoReply => "no_reply",
                        PingOutcome.Unavailable => "unavailable",
                        var o => throw new ArgumentException($"JsonCodec cannot encode ping outcome {o}", nameof(input)),
                    });
                    w.WriteString("detail", p.Detail);
                    break;
                case HealthSample h:
                    w.WriteString("input", "health");
                    w.WriteNumber("timer_late_ms", h.TimerLateMs);
                    w.WriteNumber("inbox_age_ms", h.InboxAgeMs);
                    break;
                default:
                    throw new ArgumentException($"JsonCodec cannot encode a {input.GetType().Name}", nameof(input));
            }
            w.WriteEndObject();
            w.Flush();
            return Encoding.UTF8.GetString(scratch.Buffer.WrittenSpan);
        }
        finally
        {
            EncodeBuffer.Return(scratch);
        }
    }

    /// <summary>Decodes one event-log line written by <see cref="EncodeInput"/>. Never throws.</summary>
    public static bool TryDecodeInput(string line, out long step, [NotNullWhen(true)] out Input? input, [NotNullWhen(false)] out string? error)
    {
        step = 0;
        input = null;
        try
        {
            using var doc = JsonDocument.Parse(line ?? "", DocumentOptions);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new DecodeError($"event is not a JSON object (got {KindName(root.ValueKind)})");
            if (!root.TryGetProperty("input", out var kindEl) || kindEl.ValueKind != JsonValueKind.String)
                throw new DecodeError("event: field 'input' missing or not a string");
            var kind = kindEl.GetString()!;
            var f = new Fields(root, $"event '{Sanitize(kind)}'");
            step = f.NonNegativeLong("step");
            var t = f.Long("t");
            input = kind switch
            {
                "started" => new Started(t, f.UInt64String("seed")),
                "received" => new Received(t, f.Address("from"), ReadMessage(f.Property("msg"), "event 'received': field 'msg'")),
                "connected" => new Connected(t, f.Address("node")),
                "disconnected" => new Disconnected(t, f.Address("node"), f.String("reason", MaxInputStringChars)),
                "connect_failed" => new ConnectFailed(t, f.Address("node"), f.String("reason", MaxInputStringChars)),
                "timer" => new TimerFired(t, f.String("key", MaxInputStringChars)),
                "bad_frame" => new BadFrame(t, f.String("remote", MaxInputStringChars), f.String("reason", MaxInputStringChars)),
                "shutdown" => new ShutdownRequested(t),
                "ping_result" => new PingResult(t, f.String("ip", MaxStringChars), f.Outcome("outcome"), f.String("detail", MaxInputStringChars)),
                "health" => new HealthSample(t, f.Long("timer_late_ms"), f.Long("inbox_age_ms")),
                _ => throw new DecodeError($"unknown input kind {Quote(kind)}"),
            };
            error = null;
            return true;
        }
        catch (Exception e) when (Failure(e) is { } reason)
        {
            step = 0;
            input = null;
            error = reason;
            return false;
        }
    }

    /// <summary>
    /// Reads the fields of one event-log object; every failure is a <see cref="DecodeError"/> naming the field.
    /// Event-log strings are the node's own words and may hold any character (messages inside obey the wire's rules).
    /// </summary>
    readonly struct Fields(JsonElement obj, string owner)
    {
        public JsonElement Property(string name) =>
            obj.TryGetProperty(name, out var el) ? el : throw new DecodeError($"{owner}: field '{name}' missing");

        public string String(string name, int maxChars)
        {
            if (!obj.TryGetProperty(name, out var el) || el.ValueKind != JsonValueKind.String)
                throw new DecodeError($"{owner}: field '{name}' missing or not a string");
            var s = el.GetString()!;
            return s.Length <= maxChars
                ? s
                : throw new DecodeError($"{owner}: field '{name}' is {s.Length} characters long, over the {maxChars}-character limit");
        }

        public long Long(string name)
        {
            if (!obj.TryGetProperty(name, out var el) || el.ValueKind != JsonValueKind.Number || !el.TryGetInt64(out var v))
                throw new DecodeError($"{owner}: field '{name}' missing or not a 64-bit integer");
            return v;
        }

        public long NonNegativeLong(string name)
        {
            var v = Long(name);
            return v >= 0 ? v : throw new DecodeError($"{owner}: field '{name}' is negative ({v})");
        }

        public ulong UInt64String(string name)
        {
            var s = String(name, 32);
            return ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new DecodeError($"{owner}: field '{name}': {Quote(s)} is not an unsigned 64-bit integer");
        }

        public PingOutcome Outcome(string name) => String(name, MaxStringChars) switch
        {
            "reply" => PingOutcome.Reply,
            "no_reply" => PingOutcome.NoReply,
            "unavailable" => PingOutcome.Unavailable,
            var other => throw new DecodeError($"{owner}: field '{name}': {Quote(other)} is not reply, no_reply or unavailable"),
        };

        public NodeId Address(string name)
        {
            if (!obj.TryGetProperty(name, out var el) || el.ValueKind != JsonValueKind.String)
                throw new DecodeError($"{owner}: field '{name}' missing or not a string");
            var text = el.GetString()!;
            if (text.Length > MaxStringChars || !NodeId.TryParse(text, out var id))
                throw new DecodeError($"{owner}: field '{name}': {Quote(text)} is not IP:Port");
            return id;
        }
    }

    // ---- Errors -------------------------------------------------------------------------------------------

    sealed class DecodeError(string message) : Exception(message);

    static string KindName(JsonValueKind k) => k switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => k.ToString(),
    };

    static string KindOf(JsonTokenType t) => t switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => t.ToString(),
    };

    /// <summary>A value from the input, quoted for an error line: short, one line, valid UTF-16.</summary>
    static string Quote(string s) => "'" + Sanitize(s) + "'";

    static string Sanitize(string s) => Sanitize(s, 64);

    /// <summary>
    /// An exception's message for an error line: one line, at most 240 characters. (The reader quotes the bad text
    /// it met, which a hostile payload can make as long as the frame.)
    /// </summary>
    static string Brief(string s) => Sanitize(OneLine(s), 240);

    static string Sanitize(string s, int Max)
    {
        var sb = new StringBuilder(Math.Min(s.Length, Max) + 8);
        for (var i = 0; i < s.Length && i < Max; i++)
        {
            var ch = s[i];
            if (char.IsHighSurrogate(ch) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) && i + 1 < Max)
            {
                sb.Append(ch).Append(s[i + 1]);
                i++;
            }
            else if (char.IsControl(ch) || char.IsSurrogate(ch))
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)ch:X4}");
            else
                sb.Append(ch);
        }
        if (s.Length > Max) sb.Append('…');
        return sb.ToString();
    }

    static string OneLine(string s) => s.ReplaceLineEndings(" ");
}
