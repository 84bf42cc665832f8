using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using GossipPure.Core;
using LanguageExt;

namespace GossipPure.Shell.Wire;

/// <summary>
/// The JSON form of every <see cref="Message"/> (the payload of a frame) and of every <see cref="Input"/> (a line of
/// the event log). Encoding is total over well-formed values. Decoding is strict and never throws: anything that is
/// not exactly one of the shapes in specs/protocol.md yields false and a one-line error naming the problem.
/// Unknown extra fields are ignored.
/// </summary>
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

    static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    // ---- Messages: encoding -------------------------------------------------------------------------------

    /// <summary>The UTF-8 JSON object for <paramref name="m"/>, with its wire name in <c>type</c>.</summary>
    /// <exception cref="ArgumentException">A message type this codec does not know (a programming error).</exception>
    public static byte[] Encode(Message m) => EncodeWithPrefix(m, 0);

    /// <summary>Writes the JSON of <paramref name="m"/> after <paramref name="prefixBytes"/> reserved bytes (for framing).</summary>
    internal static byte[] EncodeWithPrefix(Message m, int prefixBytes)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        buffer.GetSpan(prefixBytes)[..prefixBytes].Clear();
        buffer.Advance(prefixBytes);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) WriteMessage(w, m);
        return buffer.WrittenSpan.ToArray();
    }

    static void WriteMessage(Utf8JsonWriter w, Message m)
    {
        w.WriteStartObject();
        w.WriteString("type", Core.Wire.TypeName(m));
        switch (m)
        {
            case Hello h:
                w.WriteString("from", h.From.ToString());
                w.WriteString("role", h.Role == Role.Seed ? "seed" : "peer");
                break;
            case PeerListRequest:
                break;
            case RegisterRequest rr:
                w.WriteNumber("incarnation", rr.Incarnation);
                break;
            case LinkRequest lr:
                w.WriteNumber("incarnation", lr.Incarnation);
                break;
            case RegisterProposal p:
                w.WriteString("peer", p.Peer.ToString());
                w.WriteString("proposal", p.ProposalId);
                w.WriteNumber("incarnation", p.Incarnation);
                break;
            case RegisterVote v:
                w.WriteString("peer", v.Peer.ToString());
                w.WriteString("proposal", v.ProposalId);
                w.WriteBoolean("yes", v.Yes);
                if (v.Reason is null) w.WriteNull("reason"); else w.WriteString("reason", v.Reason);
                break;
            case RegisterCommit c:
                WriteCommitFields(w, c);
                break;
            case RegisterRejected r:
                w.WriteString("reason", r.Reason);
                break;
            case PeerList l:
                w.WriteStartArray("peers");
                foreach (var e in l.Peers)
                {
                    w.WriteStartObject();
                    w.WriteString("node", e.Node.ToString());
                    w.WriteNumber("degree", e.Degree);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            case DegreeUpdate d:
                w.WriteStartArray("neighbours");
                foreach (var n in d.Neighbours) w.WriteStringValue(n.ToString());
                w.WriteEndArray();
                break;
            case Bridge b:
                w.WriteString("target", b.Target.ToString());
                break;
            case SeedSync s:
                w.WriteStartArray("commits");
                foreach (var c in s.Commits)
                {
                    w.WriteStartObject();
                    WriteCommitFields(w, c);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("removals");
                foreach (var dc in s.Removals)
                {
                    w.WriteStartObject();
                    WriteDeadConfirmedFields(w, dc);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                break;
            case Gossip g:
                w.WriteString("origin", g.Origin.ToString());
                w.WriteString("body", g.Body);
                break;
            case Heartbeat:
            case Leave:
                break;
            case Probe p:
                w.WriteNumber("nonce", p.Nonce);
                break;
            case ProbeAck a:
                w.WriteNumber("nonce", a.Nonce);
                break;
            case SuspectRequest sr:
                w.WriteString("suspect", sr.Suspect.ToString());
                break;
            case SuspectResponse sr:
                w.WriteString("suspect", sr.Suspect.ToString());
                w.WriteBoolean("dead", sr.Dead);
                w.WriteString("evidence", sr.Evidence);
                break;
            case DeadReport dr:
                w.WriteString("suspect", dr.Suspect.ToString());
                w.WriteString("report", dr.Report);
                break;
            case DeadProposal dp:
                w.WriteString("suspect", dp.Suspect.ToString());
                w.WriteString("proposal", dp.ProposalId);
                w.WriteString("reason", dp.Reason);
                w.WriteNumber("incarnation", dp.Incarnation);
                break;
            case DeadVote dv:
                w.WriteString("suspect", dv.Suspect.ToString());
                w.WriteString("proposal", dv.ProposalId);
                w.WriteBoolean("yes", dv.Yes);
                w.WriteString("evidence", dv.Evidence);
                break;
            case DeadConfirmed dc:
                WriteDeadConfirmedFields(w, dc);
                break;
            case DeadRejected dj:
                w.WriteString("suspect", dj.Suspect.ToString());
                w.WriteString("reason", dj.Reason);
                break;
            default:
                throw new ArgumentException($"JsonCodec cannot encode a {m.GetType().Name}", nameof(m));
        }
        w.WriteEndObject();
    }

    static void WriteCommitFields(Utf8JsonWriter w, RegisterCommit c)
    {
        w.WriteString("peer", c.Peer.ToString());
        w.WriteStartArray("voters");
        foreach (var v in c.Voters) w.WriteStringValue(v.ToString());
        w.WriteEndArray();
        w.WriteNumber("incarnation", c.Incarnation);
    }

    static void WriteDeadConfirmedFields(Utf8JsonWriter w, DeadConfirmed dc)
    {
        w.WriteString("node", dc.Node.ToString());
        w.WriteStartArray("voters");
        foreach (var v in dc.Voters) w.WriteStringValue(v.ToString());
        w.WriteEndArray();
        w.WriteString("reason", dc.Reason);
        if (dc.Rendezvous.Case is NodeId rv) w.WriteString("rendezvous", rv.ToString());
        else w.WriteNull("rendezvous");
        w.WriteNumber("incarnation", dc.Incarnation);
    }

    // ---- Messages: decoding -------------------------------------------------------------------------------

    /// <summary>
    /// Decodes one message from UTF-8 JSON. Never throws: on any input that is not a valid message it returns
    /// false and a one-line <paramref name="error"/> naming the problem.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> utf8, [NotNullWhen(true)] out Message? m, [NotNullWhen(false)] out string? error)
    {
        // JsonDocument parses from memory it does not copy: lend it a pooled copy for the duration of the parse.
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, utf8.Length));
        try
        {
            utf8.CopyTo(rented);
            return TryDecode(rented.AsMemory(0, utf8.Length), out m, out error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>As <see cref="TryDecode(ReadOnlySpan{byte}, out Message?, out string?)"/>, without copying the bytes.</summary>
    internal static bool TryDecode(ReadOnlyMemory<byte> utf8, [NotNullWhen(true)] out Message? m, [NotNullWhen(false)] out string? error)
    {
        m = null;
        try
        {
            using var doc = JsonDocument.Parse(utf8, DocumentOptions);
            m = ReadMessage(doc.RootElement, "message");
            error = null;
            return true;
        }
        catch (Exception e) when (Failure(e) is { } reason)
        {
            error = reason;
            return false;
        }
    }

    /// <summary>The one-line error for an exception met while decoding (the last arm is a safety net for bugs here).</summary>
    static string? Failure(Exception e) => e switch
    {
        DecodeError d => d.Message,
        JsonException j => "malformed JSON: " + OneLine(j.Message),
        // GetString on text that is not valid UTF-8, or escapes that are not valid UTF-16.
        InvalidOperationException io => "malformed JSON: " + OneLine(io.Message),
        ArgumentException a => "malformed JSON: " + OneLine(a.Message),
        FormatException f => "malformed JSON: " + OneLine(f.Message),
        _ => $"undecodable ({e.GetType().Name}: {OneLine(e.Message)})",
    };

    static Message ReadMessage(JsonElement root, string what)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new DecodeError($"{what} is not a JSON object (got {Kind(root.ValueKind)})");
        if (!root.TryGetProperty("type", out var typeEl) || typeEl.ValueKind != JsonValueKind.String)
            throw new DecodeError($"{what}: field 'type' missing or not a string");
        var type = typeEl.GetString()!;
        var f = new Fields(root, type, messageRules: true);
        return type switch
        {
            "HELLO" => new Hello(f.Address("from"), f.Role("role")),
            "REGISTER_REQUEST" => new RegisterRequest(f.Long("incarnation")),
            "REGISTER_PROPOSAL" => new RegisterProposal(f.Address("peer"), f.Id("proposal"), f.Long("incarnation")),
            "REGISTER_VOTE" => new RegisterVote(f.Address("peer"), f.Id("proposal"), f.Bool("yes"), f.OptionalString("reason", MaxStringChars)),
            "REGISTER_COMMIT" => ReadCommit(f),
            "REGISTER_REJECTED" => new RegisterRejected(f.String("reason", MaxStringChars)),
            "PEER_LIST_REQUEST" => new PeerListRequest(),
            "PEER_LIST" => new PeerList(f.Array("peers", (item, path) =>
            {
                var e = f.Nested(item, path);
                return new PeerEntry(e.Address("node"), e.NonNegativeInt("degree"));
            })),
            "DEGREE_UPDATE" => new DegreeUpdate(f.Array("neighbours", (item, itemPath) => f.AddressValue(item, itemPath))),
            "BRIDGE" => new Bridge(f.Address("target")),
            "SEED_SYNC" => new SeedSync(
                f.Array("commits", (item, path) => ReadCommit(f.Nested(item, path))),
                f.Array("removals", (item, path) => ReadDeadConfirmed(f.Nested(item, path)))),
            "LINK_REQUEST" => new LinkRequest(f.Long("incarnation")),
            "GOSSIP" => new Gossip(f.Address("origin"), f.String("body", MaxBodyChars)),
            "HEARTBEAT" => new Heartbeat(),
            "PROBE" => new Probe(f.Long("nonce")),
            "PROBE_ACK" => new ProbeAck(f.Long("nonce")),
            "SUSPECT_REQUEST" => new SuspectRequest(f.Address("suspect")),
            "SUSPECT_RESPONSE" => new SuspectResponse(f.Address("suspect"), f.Bool("dead"), f.String("evidence", MaxStringChars)),
            "DEAD_REPORT" => new DeadReport(f.Address("suspect"), f.String("report", MaxStringChars)),
            "DEAD_PROPOSAL" => new DeadProposal(f.Address("suspect"), f.Id("proposal"), f.String("reason", MaxStringChars), f.Long("incarnation")),
            "DEAD_VOTE" => new DeadVote(f.Address("suspect"), f.Id("proposal"), f.Bool("yes"), f.String("evidence", MaxStringChars)),
            "DEAD_CONFIRMED" => ReadDeadConfirmed(f),
            "DEAD_REJECTED" => new DeadRejected(f.Address("suspect"), f.String("reason", MaxStringChars)),
            "LEAVE" => new Leave(),
            _ => throw new DecodeError($"unknown message type {Quote(type)}"),
        };
    }

    static RegisterCommit ReadCommit(Fields f) =>
        new(f.Address("peer"), f.Array("voters", (item, itemPath) => f.AddressValue(item, itemPath)), f.Long("incarnation"));

    static DeadConfirmed ReadDeadConfirmed(Fields f) =>
        new(f.Address("node"),
            f.Array("voters", (item, itemPath) => f.AddressValue(item, itemPath)),
            f.String("reason", MaxStringChars),
            f.OptionalAddress("rendezvous"),
            f.Long("incarnation"));

    // ---- Hooks for EffectCodec (a recorded Send carries a message) ------------------------------------------

    /// <summary>Writes the JSON object of <paramref name="m"/> at the writer's current position.</summary>
    internal static void WriteMessageTo(Utf8JsonWriter w, Message m) => WriteMessage(w, m);

    /// <summary>Reads a message object; throws on a bad one (turn the exception into a line with <see cref="DecodeFailure"/>).</summary>
    internal static Message ReadMessageFrom(JsonElement el, string what) => ReadMessage(el, what);

    /// <summary>The one-line error for an exception thrown by <see cref="ReadMessageFrom"/> or by JSON parsing.</summary>
    internal static string DecodeFailure(Exception e) => Failure(e)!;

    // ---- Inputs -------------------------------------------------------------------------------------------

    /// <summary>
    /// One line of the event log: <c>{"step":3,"t":1732520000123456,"input":"received","from":"127.0.0.1:5011","msg":{...}}</c>.
    /// </summary>
    public static string EncodeInput(long step, Input input)
    {
        var buffer = new ArrayBufferWriter<byte>(192);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
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
                    w.WriteString("from", r.From.ToString());
                    w.WritePropertyName("msg");
                    WriteMessage(w, r.Message);
                    break;
                case Connected c:
                    w.WriteString("input", "connected");
                    w.WriteString("node", c.Node.ToString());
                    break;
                case Disconnected d:
                    w.WriteString("input", "disconnected");
                    w.WriteString("node", d.Node.ToString());
                    w.WriteString("reason", d.Reason);
                    break;
                case ConnectFailed cf:
                    w.WriteString("input", "connect_failed");
                    w.WriteString("node", cf.Node.ToString());
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
                default:
                    throw new ArgumentException($"JsonCodec cannot encode a {input.GetType().Name}", nameof(input));
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
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
                throw new DecodeError($"event is not a JSON object (got {Kind(root.ValueKind)})");
            if (!root.TryGetProperty("input", out var kindEl) || kindEl.ValueKind != JsonValueKind.String)
                throw new DecodeError("event: field 'input' missing or not a string");
            var kind = kindEl.GetString()!;
            var f = new Fields(root, $"event '{Sanitize(kind)}'", messageRules: false);
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

    // ---- Field access -------------------------------------------------------------------------------------

    /// <summary>Reads the fields of one JSON object; every failure is a <see cref="DecodeError"/> naming the field.</summary>
    readonly struct Fields
    {
        readonly JsonElement obj;
        readonly string owner;
        readonly string prefix;
        /// <summary>
        /// Message strings may not hold control characters or U+2028/U+2029: they end up in one-line log entries,
        /// and a peer must not be able to forge a line. Event-log strings are the node's own and may.
        /// </summary>
        readonly bool messageRules;

        public Fields(JsonElement obj, string owner, bool messageRules, string prefix = "")
        {
            this.obj = obj;
            this.owner = owner;
            this.messageRules = messageRules;
            this.prefix = prefix;
        }

        /// <summary>The fields of an array item, named <c>path.field</c> in errors.</summary>
        public Fields Nested(JsonElement item, string path)
        {
            if (item.ValueKind != JsonValueKind.Object)
                throw new DecodeError($"{owner}: field '{path}' is not an object");
            return new Fields(item, owner, messageRules, path + ".");
        }

        string Name(string field) => prefix + field;

        public JsonElement Property(string name) =>
            obj.TryGetProperty(name, out var el) ? el : throw new DecodeError($"{owner}: field '{Name(name)}' missing");

        public string String(string name, int maxChars)
        {
            if (!obj.TryGetProperty(name, out var el) || el.ValueKind != JsonValueKind.String)
                throw new DecodeError($"{owner}: field '{Name(name)}' missing or not a string");
            return Checked(el.GetString()!, Name(name), maxChars);
        }

        public string? OptionalString(string name, int maxChars)
        {
            if (!obj.TryGetProperty(name, out var el) || el.ValueKind == JsonValueKind.Null) return null;
            if (el.ValueKind != JsonValueKind.String)
                throw new DecodeError($"{owner}: field '{Name(name)}' is not a string or null");
            return Checked(el.GetString()!, Name(name), maxChars);
        }

        /// <summary>A non-empty identifier-like string (a proposal id).</summary>
        public string Id(string name)
        {
            var s = String(name, MaxStringChars);
            return s.Length > 0 ? s : throw new DecodeError($"{owner}: field '{Name(name)}' is empty");
        }

        string Checked(string s, string field, int maxChars)
        {
            if (s.Length > maxChars)
                throw new DecodeError($"{owner}: field '{field}' is {s.Length} characters long, over the {maxChars}-character limit");
            if (messageRules)
                foreach (var ch in s)
                    if (char.IsControl(ch) || ch is '\u2028' or '\u2029')
                        throw new DecodeError($"{owner}: field '{field}' contains a control or line-break character (U+{(int)ch:X4})");
            return s;
        }

        public bool Bool(string name)
        {
            if (!obj.TryGetProperty(name, out var el) || el.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                throw new DecodeError($"{owner}: field '{Name(name)}' missing or not a boolean");
            return el.GetBoolean();
        }

        public int NonNegativeInt(string name)
        {
            if (!obj.TryGetProperty(name, out var el) || el.ValueKind != JsonValueKind.Number || !el.TryGetInt32(out var v))
                throw new DecodeError($"{owner}: field '{Name(name)}' missing or not a 32-bit integer");
            return v >= 0 ? v : throw new DecodeError($"{owner}: field '{Name(name)}' is negative ({v})");
        }

        public long Long(string name)
        {
            if (!obj.TryGetProperty(name, out var el) || el.ValueKind != JsonValueKind.Number || !el.TryGetInt64(out var v))
                throw new DecodeError($"{owner}: field '{Name(name)}' missing or not a 64-bit integer");
            return v;
        }

        public long NonNegativeLong(string name)
        {
            var v = Long(name);
            return v >= 0 ? v : throw new DecodeError($"{owner}: field '{Name(name)}' is negative ({v})");
        }

        public ulong UInt64String(string name)
        {
            var s = String(name, 32);
            return ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new DecodeError($"{owner}: field '{Name(name)}': {Quote(s)} is not an unsigned 64-bit integer");
        }

        public Role Role(string name) => String(name, MaxStringChars) switch
        {
            "seed" => Core.Role.Seed,
            "peer" => Core.Role.Peer,
            var other => throw new DecodeError($"{owner}: field '{Name(name)}': {Quote(other)} is neither \"seed\" nor \"peer\""),
        };

        public PingOutcome Outcome(string name) => String(name, MaxStringChars) switch
        {
            "reply" => PingOutcome.Reply,
            "no_reply" => PingOutcome.NoReply,
            "unavailable" => PingOutcome.Unavailable,
            var other => throw new DecodeError($"{owner}: field '{Name(name)}': {Quote(other)} is not reply, no_reply or unavailable"),
        };

        public NodeId Address(string name)
        {
            if (!obj.TryGetProperty(name, out var el) || el.ValueKind != JsonValueKind.String)
                throw new DecodeError($"{owner}: field '{Name(name)}' missing or not a string");
            return AddressValue(el, Name(name));
        }

        /// <summary>An address, or None when the field is null or absent.</summary>
        public Option<NodeId> OptionalAddress(string name)
        {
            if (!obj.TryGetProperty(name, out var el) || el.ValueKind == JsonValueKind.Null) return Option<NodeId>.None;
            if (el.ValueKind != JsonValueKind.String)
                throw new DecodeError($"{owner}: field '{Name(name)}' is not a string or null");
            return Option<NodeId>.Some(AddressValue(el, Name(name)));
        }

        /// <summary>An <c>IP:Port</c> string at <paramref name="path"/> (a field or an array item).</summary>
        public NodeId AddressValue(JsonElement el, string path)
        {
            if (el.ValueKind != JsonValueKind.String)
                throw new DecodeError($"{owner}: field '{path}' is not a string");
            var text = el.GetString()!;
            if (text.Length > MaxStringChars || !TryParseAddress(text, out var id))
                throw new DecodeError($"{owner}: field '{path}': {Quote(text)} is not IP:Port");
            return id;
        }

        public Seq<T> Array<T>(string name, Func<JsonElement, string, T> item)
        {
            if (!obj.TryGetProperty(name, out var el) || el.ValueKind != JsonValueKind.Array)
                throw new DecodeError($"{owner}: field '{Name(name)}' missing or not an array");
            var n = el.GetArrayLength();
            if (n > MaxArrayItems)
                throw new DecodeError($"{owner}: field '{Name(name)}' has {n} items, over the {MaxArrayItems}-item limit");
            var items = new T[n];
            var i = 0;
            foreach (var e in el.EnumerateArray())
            {
                items[i] = item(e, $"{Name(name)}[{i}]");
                i++;
            }
            return new Seq<T>(items);
        }
    }

    /// <summary>
    /// <c>ip:port</c> or <c>[v6]:port</c> where ip is a dotted quad or an IPv6 address (the forms config.csv accepts)
    /// and port is 1–65535.
    /// </summary>
    public static bool TryParseAddress(string? text, out NodeId id)
    {
        if (!NodeId.TryParse(text, out id)) return false;
        if (IsIp(id.Ip)) return true;
        id = default;
        return false;
    }

    static bool IsIp(string ip)
    {
        if (ip.Contains(':'))
            return ip.All(ch => char.IsAsciiHexDigit(ch) || ch is ':' or '.')
                && IPAddress.TryParse(ip, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6;
        var octets = ip.Split('.');
        return octets.Length == 4 && octets.All(o =>
            o.Length is > 0 and <= 3 && o.All(char.IsAsciiDigit) && int.Parse(o, CultureInfo.InvariantCulture) <= 255);
    }

    // ---- Errors -------------------------------------------------------------------------------------------

    sealed class DecodeError(string message) : Exception(message);

    static string Kind(JsonValueKind k) => k switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => k.ToString(),
    };

    /// <summary>A value from the input, quoted for an error line: short, one line, valid UTF-16.</summary>
    static string Quote(string s) => "'" + Sanitize(s) + "'";

    static string Sanitize(string s)
    {
        const int Max = 64;
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
