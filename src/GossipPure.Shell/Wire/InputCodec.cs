using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using GossipPure.Core;

namespace GossipPure.Shell.Wire;

// The event-log records: one line per input, its message (if any) by the wire's rules.
public static partial class JsonCodec
{
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
            WriteInput(w, step, input);
            w.WriteEndObject();
            w.Flush();
            return Encoding.UTF8.GetString(scratch.Buffer.WrittenSpan);
        }
        finally
        {
            EncodeBuffer.Return(scratch);
        }
    }

    /// <summary>
    /// Writes the start of an event-log line: its opening brace and the input's fields, leaving the object open for
    /// what follows (the step's <c>fx</c>, see <see cref="EffectCodec.WriteStep"/>).
    /// </summary>
    internal static void WriteInput(Utf8JsonWriter w, long step, Input input)
    {
        w.WriteStartObject();
        w.WriteNumber("step", step);
        w.WriteNumber("t", input.NowUs);
        switch (input)
        {
            case Started s: In(w, "started").String("seed", s.RandomSeed.ToString(CultureInfo.InvariantCulture)); break;
            case Received r: In(w, "received").Address(P.From, r.From).Message("msg", r.Message); break;
            case Connected c: In(w, "connected").Address(P.Node, c.Node); break;
            case Disconnected d: In(w, "disconnected").Address(P.Node, d.Node).String("reason", d.Reason); break;
            case ConnectFailed cf: In(w, "connect_failed").Address(P.Node, cf.Node).String("reason", cf.Reason); break;
            case TimerFired t: In(w, "timer").String("key", t.Key.ToString()); break;
            case BadFrame b: In(w, "bad_frame").String("remote", b.Remote).String("reason", b.Reason); break;
            case ShutdownRequested: In(w, "shutdown"); break;
            case PingResult p: In(w, "ping_result").String("ip", p.Ip).String("outcome", OutcomeWord(p.Outcome)).String("detail", p.Detail); break;
            case Publish p: In(w, "publish").String("data", p.Data); break;
            case HealthSample h: In(w, "health").Number("timer_late_ms", h.TimerLateMs).Number("inbox_age_ms", h.InboxAgeMs); break;
            default:
                throw new ArgumentException($"JsonCodec cannot encode a {input.GetType().Name}", nameof(input));
        }
    }

    /// <summary>A ping's outcomes as the event log writes them.</summary>
    static readonly (string Word, PingOutcome Value)[] Outcomes =
        [("reply", PingOutcome.Reply), ("no_reply", PingOutcome.NoReply), ("unavailable", PingOutcome.Unavailable)];

    static string OutcomeWord(PingOutcome o) =>
        Array.Find(Outcomes, c => c.Value == o).Word ?? throw new ArgumentException($"JsonCodec cannot encode ping outcome {o}", nameof(o));

    static PingOutcome Outcome(Fields f, string name) => f.OneOf<PingOutcome>(name, Outcomes);

    static Record In(Utf8JsonWriter w, string kind) => Record.Of(w, "input", kind);

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
                "timer" => new TimerFired(t, TimerKey.TryParse(f.String("key", MaxInputStringChars), out var key) ? key : throw new DecodeError("field 'key' is not a timer key")),
                "bad_frame" => new BadFrame(t, f.String("remote", MaxInputStringChars), f.String("reason", MaxInputStringChars)),
                "shutdown" => new ShutdownRequested(t),
                "ping_result" => new PingResult(t, f.String("ip", MaxStringChars), Outcome(f, "outcome"), f.String("detail", MaxInputStringChars)),
                "publish" => new Publish(t, f.String("data", AppMessage.MaxDataChars)),
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
}
