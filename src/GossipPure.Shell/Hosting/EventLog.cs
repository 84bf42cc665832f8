using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using GossipPure.Core;
using GossipPure.Shell.Wire;
using LanguageExt;
using static LanguageExt.Prelude;

namespace GossipPure.Shell.Hosting;

/// <summary>
/// The first line of an event log: everything needed to rebuild the node before its first input: its role, its
/// address, the seeds of config.csv, the random seed and every <see cref="ProtocolOptions"/> field; in a signed
/// network also the signature scheme, the seeds' public keys and this node's public key (never its private key:
/// a replay loads that from the node's key file).
/// </summary>
public sealed record EventLogHeader(int Format, Role Role, NodeConfig Config, ulong RandomSeed)
{
    /// <summary>The seeds' public keys (config.csv's third column); empty for an unauthenticated run.</summary>
    public HashMap<NodeId, string> SeedKeys { get; init; } = HashMap<NodeId, string>();

    /// <summary>The node's own public key, when it signed; null for an unauthenticated run.</summary>
    public string? PublicKey { get; init; }

    /// <summary>The signature scheme's name ("ed25519"), when the node signed.</summary>
    public string? Scheme { get; init; }

    /// <summary>
    /// Format 4: which run of the node in its folder wrote the file (1 for the first; a node restarted in the same
    /// folder writes the next), and which segment of the run it is (1 for the first, which starts at step 1; every
    /// later one starts with a snapshot). 0 in files of earlier formats.
    /// </summary>
    public int Run { get; init; }

    /// <inheritdoc cref="Run"/>
    public int Segment { get; init; }

    /// <summary>True when the run was signed: replaying it needs the node's private key.</summary>
    public bool Signed => PublicKey is not null;

    /// <summary>
    /// Every option, in declaration order, as (JSON name, property). The list follows <see cref="ProtocolOptions"/>
    /// as it grows, so an option added there is recorded without touching this file; its JSON name is the snake_case
    /// of the property name (<c>GossipIntervalMs</c> → <c>gossip_interval_ms</c>), the names format 1 wrote.
    /// The list comes from System.Text.Json's source generator (<see cref="OptionsMetadata"/>), which keeps the
    /// declaration order on every runtime; the native (NativeAOT) build has no metadata tokens to sort by.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, PropertyInfo Property)> Options =
        OptionsMetadata.Default.ProtocolOptions.Properties
            .Select(j => (j.Name, Property: j.AttributeProvider as PropertyInfo
                ?? throw new InvalidOperationException($"option '{j.Name}' is not a property of {nameof(ProtocolOptions)}")))
            .Where(o => o.Property.CanRead && o.Property.CanWrite && o.Property.GetIndexParameters().Length == 0)
            .ToList();

    static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The header line (without its line break).</summary>
    public static string Encode(Role role, NodeConfig config, ulong randomSeed, int run = 1, int segment = 1)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) Write(w, role, config, randomSeed, run, segment);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the header record (as <see cref="Encode"/> returns it) into <paramref name="w"/>, as UTF-8.</summary>
    public static void Write(Utf8JsonWriter w, Role role, NodeConfig config, ulong randomSeed, int run = 1, int segment = 1)
    {
        w.WriteStartObject();
        w.WriteNumber("format", EventLog.FormatVersion);
        w.WriteString("role", role == Role.Seed ? "seed" : "peer");
        w.WriteString("node", config.Self.ToString());
        w.WriteNumber("run", run);
        w.WriteNumber("segment", segment);
        w.WriteStartArray("seeds");
        foreach (var s in config.Seeds) w.WriteStringValue(s.ToString());
        w.WriteEndArray();
        // Signed runs only: an unauthenticated run's header is as it always was.
        if (config.Security.On)
        {
            w.WriteString("signatures", config.Security.Scheme!.Name);
            w.WriteStartObject("seed_keys");
            foreach (var s in config.Seeds)
                if (config.Security.SeedKeys.Find(s).Case is string key) w.WriteString(s.ToString(), key);
            w.WriteEndObject();
            w.WriteString("public_key", config.Security.PublicKey);
        }
        w.WriteString("random_seed", randomSeed.ToString(CultureInfo.InvariantCulture));
        w.WriteStartObject("options");
        foreach (var (name, p) in Options)
        {
            switch (p.GetValue(config.Options))
            {
                case long l: w.WriteNumber(name, l); break;
                case int i: w.WriteNumber(name, i); break;
                case double d: w.WriteNumber(name, d); break;
                case bool b: w.WriteBoolean(name, b); break;
                case string s: w.WriteString(name, s); break;
                case var other:
                    throw new InvalidOperationException($"the event-log header cannot record option {p.Name} of type {p.PropertyType.Name} ({other})");
            }
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>
    /// Reads a header line of format 1 or 2. An option the header lacks keeps its <see cref="ProtocolOptions.Default"/>
    /// value (files from before it existed still load); one this build does not know is named in
    /// <paramref name="warnings"/> (the run may not replay exactly). Never throws.
    /// </summary>
    public static bool TryDecode(string line, [NotNullWhen(true)] out EventLogHeader? header, out Seq<string> warnings,
        [NotNullWhen(false)] out string? error)
    {
        header = null;
        warnings = LanguageExt.Seq<string>.Empty;
        try
        {
            using var doc = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 4 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new HeaderError("the header is not a JSON object");
            if (!root.TryGetProperty("format", out var formatEl) || formatEl.ValueKind != JsonValueKind.Number || !formatEl.TryGetInt32(out var format))
                throw new HeaderError(root.TryGetProperty("input", out _)
                    ? "the first line is an input, not a header"
                    : "header: field 'format' missing or not an integer");
            if (format < 1 || format > EventLog.FormatVersion)
                throw new HeaderError($"header: format {format} is not one this build reads (1 to {EventLog.FormatVersion})");
            var role = Str(root, "role") switch
            {
                "seed" => Role.Seed,
                "peer" => Role.Peer,
                var other => throw new HeaderError($"header: field 'role': '{other}' is neither \"seed\" nor \"peer\""),
            };
            var node = Address(Str(root, "node"), "node");
            if (!root.TryGetProperty("seeds", out var seedsEl) || seedsEl.ValueKind != JsonValueKind.Array)
                throw new HeaderError("header: field 'seeds' missing or not an array");
            var seeds = toSeq(seedsEl.EnumerateArray().Select((s, i) =>
                Address(s.ValueKind == JsonValueKind.String ? s.GetString()! : "", $"seeds[{i}]")).ToArray());
            var randomSeedText = Str(root, "random_seed");
            if (!ulong.TryParse(randomSeedText, NumberStyles.None, CultureInfo.InvariantCulture, out var randomSeed))
                throw new HeaderError($"header: field 'random_seed': '{randomSeedText}' is not an unsigned 64-bit integer");

            var seedKeys = HashMap<NodeId, string>();
            if (root.TryGetProperty("seed_keys", out var keysEl))
            {
                if (keysEl.ValueKind != JsonValueKind.Object) throw new HeaderError("header: field 'seed_keys' is not an object");
                foreach (var field in keysEl.EnumerateObject())
                {
                    var seed = Address(field.Name, "seed_keys");
                    if (!seeds.Exists(s => s == seed)) throw new HeaderError($"header: field 'seed_keys': {seed} is not one of the seeds");
                    if (field.Value.ValueKind != JsonValueKind.String) throw new HeaderError($"header: field 'seed_keys': the key of {seed} is not a string");
                    seedKeys = seedKeys.AddOrUpdate(seed, field.Value.GetString()!);
                }
            }
            string? publicKey = root.TryGetProperty("public_key", out _) ? Str(root, "public_key") : null;
            string? scheme = root.TryGetProperty("signatures", out _) ? Str(root, "signatures") : null;
            if ((publicKey is null) != seedKeys.IsEmpty || (publicKey is null) != (scheme is null))
                throw new HeaderError("header: fields 'signatures', 'seed_keys' and 'public_key' come together (a signed run) or not at all");

            var options = ProtocolOptions.Default with { };
            var notes = new List<string>();
            if (root.TryGetProperty("options", out var optionsEl))
            {
                if (optionsEl.ValueKind != JsonValueKind.Object) throw new HeaderError("header: field 'options' is not an object");
                var known = Options.ToDictionary(o => o.Name, o => o.Property);
                foreach (var field in optionsEl.EnumerateObject())
                {
                    if (known.TryGetValue(field.Name, out var p)) p.SetValue(options, OptionValue(field.Value, p, field.Name));
                    else notes.Add($"header: option '{field.Name}' is not one this build knows; ignored");
                }
                foreach (var missing in Options.Where(o => !optionsEl.TryGetProperty(o.Name, out _)))
                    notes.Add($"header: option '{missing.Name}' missing; the default ({missing.Property.GetValue(ProtocolOptions.Default)}) is used");
            }
            else notes.Add("header: field 'options' missing; the defaults are used");
            header = new EventLogHeader(format, role, new NodeConfig(node, seeds, options), randomSeed)
            {
                Run = Count(root, "run"),
                Segment = Count(root, "segment"),
                SeedKeys = seedKeys,
                PublicKey = publicKey,
                Scheme = scheme,
            };
            warnings = toSeq(notes);
            error = null;
            return true;
        }
        catch (Exception e) when (e is HeaderError or JsonException or InvalidOperationException or FormatException)
        {
            header = null;
            error = e is JsonException ? "header: malformed JSON: " + e.Message.ReplaceLineEndings(" ") : e.Message;
            return false;
        }
    }

    static string Str(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var el) && el.ValueKind == JsonValueKind.String
            ? el.GetString()!
            : throw new HeaderError($"header: field '{name}' missing or not a string");

    // A format-4 count (run, segment): a positive integer; 0 when the field is absent (earlier formats).
    static int Count(JsonElement obj, string name) =>
        !obj.TryGetProperty(name, out var el) ? 0
        : el.ValueKind == JsonValueKind.Number && el.TryGetInt32(out var n) && n >= 1 ? n
        : throw new HeaderError($"header: field '{name}' is not a positive integer");

    static NodeId Address(string text, string field) =>
        NodeId.TryParse(text, out var id) ? id : throw new HeaderError($"header: field '{field}': '{text}' is not IP:Port");

    static object OptionValue(JsonElement el, PropertyInfo p, string name)
    {
        object? v = p.PropertyType switch
        {
            var t when t == typeof(long) => el.ValueKind == JsonValueKind.Number && el.TryGetInt64(out var l) ? l : null,
            var t when t == typeof(int) => el.ValueKind == JsonValueKind.Number && el.TryGetInt32(out var i) ? i : null,
            var t when t == typeof(double) => el.ValueKind == JsonValueKind.Number && el.TryGetDouble(out var d) ? d : null,
            var t when t == typeof(bool) => el.ValueKind is JsonValueKind.True or JsonValueKind.False ? el.GetBoolean() : null,
            var t when t == typeof(string) => el.ValueKind == JsonValueKind.String ? el.GetString() : null,
            _ => null,
        };
        return v ?? throw new HeaderError($"header: option '{name}' is not a {p.PropertyType.Name}");
    }

    sealed class HeaderError(string message) : Exception(message);
}

/// <summary>Compile-time metadata of <see cref="ProtocolOptions"/>: its properties, their snake_case names and order.</summary>
[JsonSerializable(typeof(ProtocolOptions))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
sealed partial class OptionsMetadata : JsonSerializerContext;

/// <summary>One recorded step: the input the reducer took and (format 2) the effects it produced.</summary>
public sealed record EventLogStep(long Step, int Line, Input Input, Option<Seq<Effect>> Effects);

/// <summary>The last line of a log, left unfinished by a crash (or otherwise undecodable), and why it was skipped.</summary>
public readonly record struct TornLine(int Line, string Reason);

/// <summary>
/// An event log read back: <c>events_&lt;role&gt;_&lt;port&gt;.jsonl</c> as <see cref="InputRecorder"/> writes it. The
/// reader tolerates what a crash leaves behind: a torn last line (no line break at its end, or not decodable) is
/// reported in <see cref="Torn"/> and skipped, and every line before it is kept. Anything wrong before the last line
/// is damage, not a crash, and is an error naming the line.
/// </summary>
public sealed record EventLog(string Name, EventLogHeader Header, Seq<EventLogStep> Steps, Option<TornLine> Torn, Seq<string> Warnings)
{
    /// <summary>
    /// A segment after the first (format 4): its second line, the snapshot of the state after step
    /// <see cref="SnapshotStep"/> (<see cref="StateSnapshot"/>), which a replay starts from; null for a first segment.
    /// </summary>
    public string? Snapshot { get; init; }

    /// <summary>The step the snapshot was taken after (the segment's steps follow it); 0 without a snapshot.</summary>
    public long SnapshotStep { get; init; }

    /// <summary>
    /// The format the recorder writes: 2 added each step's effects (<c>fx</c>) to format 1's inputs; 3 records the
    /// core's typed events (kind and fields, <see cref="EventJson"/>) where 2 recorded log text; 4 cuts a run into
    /// segments: the header names the run and the segment, and a segment after the first has a snapshot of the state
    /// (<see cref="StateSnapshot"/>) as its second line.
    /// </summary>
    public const int FormatVersion = 4;

    /// <summary>The first format whose steps carry their effects as this build reads them (events, not log text).</summary>
    public const int EventsFormat = 3;

    /// <summary>True when each step carries the effects it produced, events included (format 3 and later).</summary>
    public bool HasEffects => Header.Format >= EventsFormat;

    /// <summary>Reads the file at <paramref name="path"/>. Never throws; <paramref name="error"/> is one line.</summary>
    public static bool TryRead(string path, [NotNullWhen(true)] out EventLog? log, [NotNullWhen(false)] out string? error)
    {
        byte[] bytes;
        try
        {
            // The node may still be writing it: share it with the writer, as a reader after a crash would.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            bytes = copy.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            log = null;
            error = e is FileNotFoundException or DirectoryNotFoundException ? $"{path}: no such file" : $"{path}: {e.Message.ReplaceLineEndings(" ")}";
            return false;
        }
        return TryParse(bytes, path, out log, out error);
    }

    /// <summary>Reads an event log from its bytes; <paramref name="name"/> starts every error. Never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, string name, [NotNullWhen(true)] out EventLog? log, [NotNullWhen(false)] out string? error)
    {
        log = null;
        var utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
        var lines = new List<(int Number, string? Text, bool Terminated)>();
        var lineNumber = 0;
        while (!bytes.IsEmpty)
        {
            lineNumber++;
            var end = bytes.IndexOf((byte)'\n');
            var raw = end < 0 ? bytes : bytes[..end];
            if (!raw.IsEmpty && raw[^1] == (byte)'\r') raw = raw[..^1];
            string? text;
            try { text = utf8.GetString(raw); }
            catch (DecoderFallbackException) { text = null; }
            lines.Add((lineNumber, text, end >= 0));
            bytes = end < 0 ? ReadOnlySpan<byte>.Empty : bytes[(end + 1)..];
        }

        if (lines.Count == 0) { error = $"{name}: empty file (no header line)"; return false; }
        var (_, headerText, headerTerminated) = lines[0];
        if (headerText is null) { error = $"{name} line 1: not valid UTF-8"; return false; }
        if (!EventLogHeader.TryDecode(headerText, out var header, out var warnings, out var headerError))
        {
            error = $"{name} line 1: {headerError}{(headerTerminated ? "" : " (the line has no line break at its end: the node stopped while writing it)")}";
            return false;
        }
        // Format 2 recorded log text where this build records events: its inputs replay, its effects are not compared.
        if (header.Format == 2)
            warnings = warnings.Add($"format 2 recorded log text, not events: its inputs replay, but its effects are not compared and --why has nothing to read (record the run again with this build)");

        var steps = new List<EventLogStep>(lines.Count);
        var torn = Option<TornLine>.None;
        var expected = 1L;
        var first = 1;
        string? snapshot = null;
        if (lines.Count > 1 && lines[1].Text is { } second && StateSnapshot.IsSnapshot(second))
        {
            if (!lines[1].Terminated)
            {
                error = $"{name} line 2: the snapshot that starts this segment is torn (the node stopped while writing it): there is no state to replay from";
                return false;
            }
            if (!StateSnapshot.TryReadStep(second, out var after, out var snapshotError))
            {
                error = $"{name} line 2: {snapshotError}";
                return false;
            }
            snapshot = second;
            expected = after + 1;
            first = 2;
        }
        for (var i = first; i < lines.Count; i++)
        {
            var (number, text, terminated) = lines[i];
            // A whole line with the wrong step number is damage wherever it is; a crash cannot write one.
            var couldBeTorn = i == lines.Count - 1;
            string problem;
            if (!terminated) problem = "no line break at its end: the node stopped while writing it";
            else if (text is null) problem = "not valid UTF-8";
            else if (!TryDecodeStep(header.Format, text, out var step, out var input, out var effects, out var decodeError)) problem = decodeError;
            else if (header.Format >= EventsFormat && effects.IsNone) problem = $"field 'fx' missing (a format-{header.Format} line records the effects of its step)";
            else if (step != expected)
            {
                problem = $"step {step} where step {expected} was expected";
                couldBeTorn = false;
            }
            else
            {
                steps.Add(new EventLogStep(step, number, input, effects));
                expected++;
                continue;
            }
            // A crash can leave only the last line unfinished; anything earlier is damage.
            if (couldBeTorn || !terminated)
                torn = new TornLine(number, problem);
            else
            {
                error = $"{name} line {number}: {problem}";
                return false;
            }
        }
        log = new EventLog(name, header, toSeq(steps), torn, warnings) { Snapshot = snapshot, SnapshotStep = expected - steps.Count - 1 };
        error = null;
        return true;
    }

    static bool TryDecodeStep(int format, string text, out long step, [NotNullWhen(true)] out Input? input, out Option<Seq<Effect>> effects, [NotNullWhen(false)] out string? error)
    {
        if (format >= EventsFormat) return EffectCodec.TryDecodeStep(text, out step, out input, out effects, out error);
        effects = Option<Seq<Effect>>.None;
        return JsonCodec.TryDecodeInput(text, out step, out input, out error);
    }
}
