using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using GossipPure.Core;
using LanguageExt;

namespace GossipPure.Shell.Wire;

/// <summary>
/// The JSON form of every <see cref="Effect"/>: the <c>fx</c> list of an event-log step (format 2), so a replay can
/// check that the reducer still decides what it decided in the run. One object per effect, its kind in <c>fx</c>:
/// <code>
/// {"fx":"send","to":"127.0.0.1:6002","msg":{...}}      {"fx":"event","kind":"Suspected","event":{...}} (EventJson)
/// {"fx":"timer","key":"gossip","delay_ms":5000}         {"fx":"cancel_timer","key":"witness:127.0.0.1:6001"}
/// {"fx":"connect","to":"127.0.0.1:5011"}                {"fx":"disconnect","node":"127.0.0.1:6001"}
/// {"fx":"ping","ip":"127.0.0.1"}                        {"fx":"stop","code":0}
/// </code>
/// Encoding is total over well-formed values; decoding never throws and names the first problem in one line.
/// Effects are the node's own words, so their strings (log text, timer keys) may hold any character; the message
/// of a <c>send</c> obeys the wire's rules, as everything the node sends must.
/// </summary>
public static class EffectCodec
{
    /// <summary>Most effects in one step (a step of a seed with 100,000 peers stays below it).</summary>
    public const int MaxEffects = 1_000_000;

    // The same writer settings as the wire (JsonCodec): readable non-ASCII, control characters escaped.
    static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    // A step line nests deepest in a signed PEER_LIST send: line, fx, effect, msg, peers, entry, cert, commit,
    // signatures, signature (10).
    static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = JsonCodec.MaxDepth + 2,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    // ---- Encoding -----------------------------------------------------------------------------------------

    /// <summary>One effect as a JSON object.</summary>
    /// <exception cref="ArgumentException">An effect or message type this codec does not know (a programming error).</exception>
    public static string Encode(Effect effect) => Write(w => WriteEffect(w, effect));

    /// <summary>A list of effects as a JSON array, in order.</summary>
    public static string EncodeList(Seq<Effect> effects) => Write(w => WriteList(w, effects));

    /// <summary>
    /// One format-2 event-log line: the input's line (<see cref="JsonCodec.EncodeInput"/>) with the effects the
    /// reducer produced for it as its last field, <c>fx</c>.
    /// </summary>
    public static string EncodeStep(long step, Input input, Seq<Effect> effects) =>
        Write(w => WriteStep(w, step, input, effects));

    /// <summary>
    /// Writes the line of <see cref="EncodeStep"/> as UTF-8 (no newline), straight into <paramref name="w"/>'s buffer:
    /// what the recorder does for every step, so no string is made of it.
    /// </summary>
    public static void WriteStep(Utf8JsonWriter w, long step, Input input, Seq<Effect> effects)
    {
        JsonCodec.WriteInput(w, step, input);
        w.WritePropertyName("fx");
        WriteList(w, effects);
        w.WriteEndObject();
    }

    static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) write(w);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    static void WriteList(Utf8JsonWriter w, Seq<Effect> effects)
    {
        w.WriteStartArray();
        foreach (var e in effects) WriteEffect(w, e);
        w.WriteEndArray();
    }

    static void WriteEffect(Utf8JsonWriter w, Effect effect)
    {
        w.WriteStartObject();
        switch (effect)
        {
            case Send s: Fx(w, "send").String("to", s.To.ToString()).Message("msg", s.Message); break;
            case NodeEvent e: Fx(w, "event").String("kind", Hosting.EventJson.KindOf(e)).Name("event"); Hosting.EventJson.Write(w, e); break;
            case SetTimer t: Fx(w, "timer").String("key", t.Key.ToString()).Number("delay_ms", t.DelayMs); break;
            case CancelTimer c: Fx(w, "cancel_timer").String("key", c.Key.ToString()); break;
            case Connect c: Fx(w, "connect").String("to", c.To.ToString()); break;
            case Disconnect d: Fx(w, "disconnect").String("node", d.Node.ToString()); break;
            case PingHost p: Fx(w, "ping").String("ip", p.Ip); break;
            case UseCertificate u: Fx(w, "use_certificate").Message("cert", u.Cert); break;
            case Deliver d: Fx(w, "deliver").String("origin", d.Origin.ToString()).String("id", d.Id).String("data", d.Data).String("from", d.From.ToString()).Number("latency_us", d.LatencyUs); break;
            case Stop s: Fx(w, "stop").Number("code", s.ExitCode); break;
            default:
                throw new ArgumentException($"EffectCodec cannot encode a {effect.GetType().Name}", nameof(effect));
        }
        w.WriteEndObject();
    }

    static JsonCodec.Record Fx(Utf8JsonWriter w, string kind) => JsonCodec.Record.Of(w, "fx", kind);

    // ---- Decoding -----------------------------------------------------------------------------------------

    /// <summary>Decodes one effect object. Never throws.</summary>
    public static bool TryDecode(string json, [NotNullWhen(true)] out Effect? effect, [NotNullWhen(false)] out string? error) =>
        TryParse(json, root => ReadEffect(root, "effect"), out effect, out error);

    /// <summary>Decodes a JSON array of effects. Never throws.</summary>
    public static bool TryDecodeList(string json, out Seq<Effect> effects, [NotNullWhen(false)] out string? error)
    {
        var ok = TryParse(json, root => (Seq<Effect>?)ReadList(root, "fx"), out var list, out error);
        effects = list ?? Seq<Effect>.Empty;
        return ok;
    }

    /// <summary>Parses <paramref name="json"/> and reads it with <paramref name="read"/>; any failure is a one-line error.</summary>
    static bool TryParse<T>(string json, Func<JsonElement, T> read, [NotNullWhen(true)] out T? value, [NotNullWhen(false)] out string? error)
    {
        try
        {
            using var doc = JsonDocument.Parse(json ?? "", DocumentOptions);
            value = read(doc.RootElement)!;
            error = null;
            return true;
        }
        catch (Exception e)
        {
            value = default;
            error = Failure(e);
            return false;
        }
    }

    /// <summary>
    /// Decodes one event-log step line: the input (as <see cref="JsonCodec.TryDecodeInput"/>) and its <c>fx</c> list,
    /// None when the line has none (format 1). Never throws.
    /// </summary>
    public static bool TryDecodeStep(string line, out long step, [NotNullWhen(true)] out Input? input, out Option<Seq<Effect>> effects,
        [NotNullWhen(false)] out string? error)
    {
        effects = Option<Seq<Effect>>.None;
        if (!JsonCodec.TryDecodeInput(line, out step, out input, out error)) return false;
        try
        {
            using var doc = JsonDocument.Parse(line, DocumentOptions);
            if (doc.RootElement.TryGetProperty("fx", out var fx))
                effects = ReadList(fx, "fx");
            return true;
        }
        catch (Exception e)
        {
            step = 0;
            input = null;
            effects = Option<Seq<Effect>>.None;
            error = Failure(e);
            return false;
        }
    }

    static string Failure(Exception e) => e is EffectError d ? d.Message : JsonCodec.DecodeFailure(e);

    static Seq<Effect> ReadList(JsonElement el, string path)
    {
        if (el.ValueKind != JsonValueKind.Array)
            throw new EffectError($"field '{path}' is not an array");
        var n = el.GetArrayLength();
        if (n > MaxEffects)
            throw new EffectError($"field '{path}' has {n} effects, over the {MaxEffects}-effect limit");
        var items = new Effect[n];
        var i = 0;
        foreach (var item in el.EnumerateArray())
        {
            items[i] = ReadEffect(item, $"{path}[{i}]");
            i++;
        }
        return new Seq<Effect>(items);
    }

    static Effect ReadEffect(JsonElement el, string path)
    {
        if (el.ValueKind != JsonValueKind.Object)
            throw new EffectError($"{path} is not a JSON object");
        if (!el.TryGetProperty("fx", out var kindEl) || kindEl.ValueKind != JsonValueKind.String)
            throw new EffectError($"{path}: field 'fx' missing or not a string");
        var kind = kindEl.GetString()!;
        var f = new JsonCodec.Fields(el, $"{path} '{Short(kind)}'");
        return kind switch
        {
            "send" => new Send(f.Address("to"), ReadMessage(f.Property("msg"), $"{path} 'send': field 'msg'")),
            "event" => Hosting.EventJson.TryRead(f.String("kind", JsonCodec.MaxStringChars), f.Property("event"), out var e, out var why)
                ? e : throw new EffectError($"{path} 'event': {why}"),
            "timer" => new SetTimer(TimerKey.TryParse(f.String("key", JsonCodec.MaxInputStringChars), out var key) ? key : throw new EffectError($"{path} 'timer': field 'key' is not a timer key"), f.Long("delay_ms")),
            "cancel_timer" => new CancelTimer(TimerKey.TryParse(f.String("key", JsonCodec.MaxInputStringChars), out var cancelled) ? cancelled : throw new EffectError($"{path} 'cancel_timer': field 'key' is not a timer key")),
            "connect" => new Connect(f.Address("to")),
            "disconnect" => new Disconnect(f.Address("node")),
            "ping" => new PingHost(f.String("ip", JsonCodec.MaxStringChars)),
            "use_certificate" => ReadMessage(f.Property("cert"), $"{path} 'use_certificate': field 'cert'") is RegisterCommit cert
                ? new UseCertificate(cert) : throw new EffectError($"{path} 'use_certificate': field 'cert' is not a REGISTER_COMMIT"),
            "deliver" => new Deliver(f.Address("origin"), f.String("id", MessageTable.MaxBodyChars), f.String("data", AppMessage.MaxDataChars), f.Address("from"), f.Long("latency_us")),
            "stop" => new Stop(f.Int("code")),
            _ => throw new EffectError($"{path}: unknown effect kind '{Short(kind)}'"),
        };
    }

    /// <summary>A sent message, decoded by the wire's rules; its errors are prefixed with where it sits in the line.</summary>
    static Message ReadMessage(JsonElement el, string where)
    {
        try
        {
            return JsonCodec.ReadMessageFrom(el, "the message");
        }
        catch (Exception e) when (e is not EffectError)
        {
            throw new EffectError($"{where}: {JsonCodec.DecodeFailure(e)}");
        }
    }

    /// <summary>A value from the file, cut short and made one line for an error message.</summary>
    static string Short(string s)
    {
        const int Max = 64;
        var sb = new StringBuilder(Math.Min(s.Length, Max) + 8);
        foreach (var ch in s.Length > Max ? s[..Max] : s)
            if (char.IsControl(ch) || char.IsSurrogate(ch)) sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)ch:X4}");
            else sb.Append(ch);
        if (s.Length > Max) sb.Append('…');
        return sb.ToString();
    }

    sealed class EffectError(string message) : Exception(message);
}
