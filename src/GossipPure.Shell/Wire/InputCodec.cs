using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using GossipPure.Core;

namespace GossipPure.Shell.Wire;

// The event-log records: one line per input, its message (if any) by the wire's rules.
public static partial class JsonCodec
{
    static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

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
}
