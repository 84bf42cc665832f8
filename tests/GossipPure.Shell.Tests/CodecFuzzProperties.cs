using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace GossipPure.Shell.Tests;

/// <summary>
/// Hostile payloads for the frame decoder: random bytes, and valid messages broken in the ways a fuzzer would
/// (flipped, inserted and deleted bytes, truncation, pasted slices, duplicated fields, deep nesting, huge strings).
/// Whatever comes in, <see cref="JsonCodec.TryDecode(ReadOnlySpan{byte}, out Message?, out string?)"/> must not throw,
/// must answer with a message or a one-line error, must give back what it accepted when that is encoded again, and
/// must not allocate more than a bound proportional to the payload.
/// </summary>
public sealed class CodecFuzzProperties
{
    // ---- Checks -------------------------------------------------------------------------------------------

    /// <summary>Characters that would break an error onto a second log line.</summary>
    static readonly char[] LineBreaks = ['\n', '\r', '\u0085', '\u2028', '\u2029'];

    /// <summary>Decodes without throwing, to a message or a one-line error; a message it accepts round-trips.</summary>
    static Property DecodesSafely(byte[] payload)
    {
        Message? m;
        string? error;
        try
        {
            JsonCodec.TryDecode(payload, out m, out error);
        }
        catch (Exception e)
        {
            return false.Label($"threw {e.GetType().Name}: {e.Message}");
        }
        if (m is not null)
            return (error is null).Label("a message and an error")
                .And(RoundTrips(m).Label($"accepted {m} but it does not round-trip"));
        return (error is not null).Label("neither a message nor an error")
            .And((error!.IndexOfAny(LineBreaks) < 0).Label($"error is not one line: {error}"))
            .And((!error.StartsWith("undecodable")).Label($"an unexpected exception inside the decoder: {error}"))
            .And((error.Length < 600).Label($"error is not short: {error}"));
    }

    static bool RoundTrips(Message m) => JsonCodec.TryDecode(JsonCodec.Encode(m), out var back, out _) && back.Equals(m);

    /// <summary>The bound on what one decode may allocate: what the largest message a payload can hold takes, and a margin for an error.</summary>
    /// <remarks>
    /// The densest payload is an array of short addresses: 12 bytes (<c>"1.2.3.4:5",</c>) make an 8-byte array slot, a
    /// 48-byte NodeId object (its IP packed in two words beside the text, for comparisons) and a 40-byte IP string,
    /// 6.8 bytes per payload byte; text fields take 2 (UTF-16). Errors cost a few hundred bytes (the error line, and the
    /// reader's exception when the JSON is malformed).
    /// </remarks>
    public static long AllocationBound(int payloadBytes) => 7L * payloadBytes + 16 * 1024;

    /// <summary>Bytes allocated by the second of two decodes of the payload (the first fills the array pool's caches).</summary>
    public static long DecodeAllocation(byte[] payload)
    {
        JsonCodec.TryDecode(payload, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        JsonCodec.TryDecode(payload, out var m, out var error);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(m);
        GC.KeepAlive(error);
        return allocated;
    }

    // ---- Generators ---------------------------------------------------------------------------------------

    static Gen<byte[]> Encoded => Generators.Message.Select(JsonCodec.Encode);

    /// <summary>Bytes that matter to JSON, so that edits make near misses rather than noise.</summary>
    static readonly byte[] Significant = "{}[]\":,\\/0123456789-+.eEtrfalsnu \t\r\nx"u8.ToArray().Concat(new byte[] { 0x00, 0x7F, 0x80, 0xC2, 0xE2, 0xFF }).ToArray();

    static Gen<byte> AnyByte => Gen.Frequency((3, Gen.Elements(Significant)), (1, Gen.Choose(0, 255).Select(b => (byte)b)));

    /// <summary>One edit of a payload: position and length are fractions of its size, so they always land inside it.</summary>
    sealed record Edit(int Kind, double At, double Length, byte Byte, int Bit, double To)
    {
        public byte[] Apply(byte[] input)
        {
            var bytes = input.ToList();
            if (bytes.Count == 0) return [Byte];
            var at = Math.Min((int)(At * bytes.Count), bytes.Count - 1);
            var length = Math.Max(1, Math.Min((int)(Length * 16) + 1, bytes.Count - at));
            switch (Kind)
            {
                case 0: bytes[at] ^= (byte)(1 << Bit); break;                           // flip a bit
                case 1: bytes[at] = Byte; break;                                         // overwrite a byte
                case 2: bytes.Insert(at, Byte); break;                                   // insert a byte
                case 3: bytes.RemoveRange(at, length); break;                            // delete a few bytes
                case 4: bytes.RemoveRange(at, bytes.Count - at); break;                  // truncate
                default:                                                                  // paste a slice of itself elsewhere
                    var slice = bytes.GetRange(at, length);
                    bytes.InsertRange(Math.Min((int)(To * bytes.Count), bytes.Count), slice);
                    break;
            }
            return bytes.ToArray();
        }
    }

    static Gen<double> Fraction => Gen.Choose(0, 1_000_000).Select(i => i / 1_000_000.0);

    static Gen<Edit> AnEdit =>
        from kind in Gen.Frequency((3, Gen.Constant(0)), (3, Gen.Constant(1)), (3, Gen.Constant(2)), (2, Gen.Constant(3)),
            (1, Gen.Constant(4)), (2, Gen.Constant(5)))
        from at in Fraction
        from length in Fraction
        from b in AnyByte
        from bit in Gen.Choose(0, 7)
        from to in Fraction
        select new Edit(kind, at, length, b, bit, to);

    static Gen<byte[]> Mutated =>
        from payload in Encoded
        from n in Gen.Choose(0, 4)
        from edits in Gen.ArrayOf(AnEdit, n)
        select edits.Aggregate(payload, (p, e) => e.Apply(p));

    /// <summary>The top-level fields of a valid payload, as byte ranges <c>"name":value</c>.</summary>
    static List<(int Start, int End)> TopLevelFields(byte[] json)
    {
        var fields = new List<(int, int)>();
        var r = new Utf8JsonReader(json);
        r.Read();
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var start = (int)r.TokenStartIndex;
            r.Read();
            r.Skip();
            fields.Add((start, (int)r.BytesConsumed));
        }
        return fields;
    }

    static byte[] InsertBeforeLastBrace(byte[] json, string text)
    {
        var close = System.Array.LastIndexOf(json, (byte)'}');
        var prefix = json.AsSpan(0, close).ToArray();
        var sep = prefix[^1] == (byte)'{' ? "" : ",";
        return [.. prefix, .. Encoding.UTF8.GetBytes(sep + text), .. json.AsSpan(close).ToArray()];
    }

    // ---- Properties ---------------------------------------------------------------------------------------

    [Property(MaxTest = 2000)]
    public Property Arbitrary_bytes_decode_safely() =>
        Prop.ForAll(Gen.Frequency(
                (1, Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))),
                (2, Gen.ArrayOf(AnyByte))).ToArbitrary(),
            DecodesSafely);

    [Property(MaxTest = 3000)]
    public Property Mutated_messages_decode_safely() => Prop.ForAll(Mutated.ToArbitrary(), DecodesSafely);

    [Property(MaxTest = 1000)]
    public Property Every_valid_message_round_trips_through_its_bytes() =>
        Prop.ForAll(Generators.Message.ToArbitrary(), m =>
            JsonCodec.TryDecode(JsonCodec.Encode(m), out var back, out var error)
                ? back.Equals(m).Label($"decoded {back}")
                : false.Label($"rejected: {error}"));

    /// <summary>A field that appears twice — as written, or with its name escaped — is malformed JSON, whichever field it is.</summary>
    [Property(MaxTest = 1000)]
    public Property A_duplicated_field_is_malformed_json() =>
        Prop.ForAll((from payload in Encoded
                     from pick in Fraction
                     from escape in Gen.Elements(false, true)
                     select (payload, pick, escape)).ToArbitrary(), t =>
        {
            var fields = TopLevelFields(t.payload);
            var (start, end) = fields[Math.Min((int)(t.pick * fields.Count), fields.Count - 1)];
            var field = Encoding.UTF8.GetString(t.payload, start, end - start);
            // "\u0074ype" is "type": the decoder compares names as they are meant, not as they are written.
            if (t.escape) field = "\"\\u" + ((int)field[1]).ToString("x4") + field[2..];
            var doubled = InsertBeforeLastBrace(t.payload, field);
            var ok = JsonCodec.TryDecode(doubled, out var m, out var error);
            return (!ok && error!.StartsWith("malformed JSON") && error.Contains("Duplicate property"))
                .Label($"{Encoding.UTF8.GetString(doubled)} → {(ok ? m!.ToString() : error)}");
        });

    /// <summary>Unknown fields are ignored at any depth the limit allows; one level deeper is an error naming the depth.</summary>
    [Property(MaxTest = 1000)]
    public Property Deep_nesting_is_refused_past_the_limit() =>
        Prop.ForAll((from m in Generators.Message
                     from depth in Gen.Choose(1, 40)
                     from objects in Gen.Elements(false, true)
                     select (m, depth, objects)).ToArbitrary(), t =>
        {
            var value = t.objects
                ? string.Concat(Enumerable.Repeat("{\"a\":", t.depth - 1)) + "{}" + new string('}', t.depth - 1)
                : new string('[', t.depth) + new string(']', t.depth);
            var payload = InsertBeforeLastBrace(JsonCodec.Encode(t.m), "\"deep\":" + value);
            var ok = JsonCodec.TryDecode(payload, out var back, out var error);
            // The message object is depth 1, so the value may nest MaxDepth - 1 deep.
            return t.depth <= JsonCodec.MaxDepth - 1
                ? (ok && back!.Equals(t.m)).Label($"depth {t.depth} refused: {error}")
                : (!ok && error!.StartsWith("malformed JSON") && error.Contains("depth")).Label($"depth {t.depth}: {(ok ? "accepted" : error)}");
        });

    /// <summary>
    /// A huge string is refused in a field with a limit (with the limit in the error), and ignored in a field the
    /// message does not define; either way the decoder does not fall over.
    /// </summary>
    [Property(MaxTest = 1000)]
    public Property Huge_strings_are_refused_or_ignored()
    {
        var cases =
            from origin in Generators.Address
            from extra in Gen.Choose(1, 200_000)
            from slot in Gen.Choose(0, 3)
            from ch in Gen.Elements("x", "é", "😀", "\\u0041", "\\n")
            select (origin, extra, slot, ch);
        return Prop.ForAll(cases.ToArbitrary(), t =>
        {
            var unit = t.ch;
            var chars = t.ch switch { "😀" => 2, _ => 1 };
            var repeats = Math.Max(1, (JsonCodec.MaxStringChars + t.extra) / chars);
            var huge = new StringBuilder(repeats * unit.Length).Insert(0, unit, repeats).ToString();
            var json = t.slot switch
            {
                0 => $$"""{"type":"REGISTER_REJECTED","reason":"{{huge}}"}""",
                1 => $$"""{"type":"HELLO","from":"{{huge}}","role":"seed"}""",
                2 => $$"""{"type":"GOSSIP","origin":"{{t.origin}}","body":"{{huge}}","note":"{{huge}}"}""",
                _ => $$"""{"type":"BRIDGE","target":"{{t.origin}}","{{huge}}":1}""",
            };
            var payload = Encoding.UTF8.GetBytes(json);
            var ok = JsonCodec.TryDecode(payload, out var m, out var error);
            var length = repeats * chars;
            return t.slot switch
            {
                // The length is checked before the characters: a long reason full of line breaks is "too long".
                0 => (!ok && error == $"REGISTER_REJECTED: field 'reason' is {length} characters long, over the 1024-character limit")
                    .Label(error ?? "accepted"),
                1 => (!ok && error!.StartsWith("HELLO: field 'from': '") && error.EndsWith("…' is not IP:Port") && error.Length < 600)
                    .Label(error ?? "accepted"),
                2 => (length > JsonCodec.MaxBodyChars || unit == "\\n"
                        ? !ok && error!.StartsWith("GOSSIP: field 'body' ")
                        : ok && ((Gossip)m!).Body.Length == length)
                    .Label(error ?? "accepted"),
                _ => (ok && m!.Equals(new Bridge(t.origin))).Label(error ?? "accepted"),
            };
        });
    }

    /// <summary>
    /// No payload, valid or broken, makes the decoder allocate more than a fixed multiple of its size (measured on
    /// this thread, after a first decode has warmed the array pool): a 1 MiB frame cannot cost more than about 7 MiB.
    /// </summary>
    [Property(MaxTest = 1500)]
    public Property Decoding_allocates_at_most_a_bound_proportional_to_the_payload() =>
        Prop.ForAll(Gen.Frequency(
                (4, Mutated),
                (1, Encoded),
                (1, Gen.ArrayOf(AnyByte))).ToArbitrary(), payload =>
        {
            var allocated = DecodeAllocation(payload);
            return (allocated <= AllocationBound(payload.Length))
                .Label($"{allocated} bytes allocated for {payload.Length} bytes: {Encoding.UTF8.GetString(payload)}");
        });

    /// <summary>The densest payloads there are, at the 1 MiB frame limit, stay within the bound too.</summary>
    [Theory]
    [InlineData("addresses")]
    [InlineData("peers")]
    [InlineData("commits")]
    [InlineData("body")]
    [InlineData("unknown names")]
    [InlineData("escaped body")]
    public void The_densest_frames_stay_within_the_bound(string what)
    {
        var json = new StringBuilder();
        var i = 0;
        string Ip() { i++; return $"{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}.1"; }
        bool Room(int more) => json.Length + more < Framing.MaxFrameBytes - 64;
        switch (what)
        {
            case "addresses":
                json.Append("""{"type":"DEGREE_UPDATE","neighbours":[""");
                for (var n = 0; n < JsonCodec.MaxArrayItems && Room(20); n++) json.Append(n == 0 ? "" : ",").Append($"\"{Ip()}:1\"");
                json.Append("]}");
                break;
            case "peers":
                json.Append("""{"type":"PEER_LIST","peers":[""");
                for (var n = 0; n < JsonCodec.MaxArrayItems && Room(40); n++) json.Append(n == 0 ? "" : ",").Append($$"""{"node":"{{Ip()}}:1","degree":0}""");
                json.Append("]}");
                break;
            case "commits":
                json.Append("""{"type":"SEED_SYNC","commits":[""");
                for (var n = 0; n < JsonCodec.MaxArrayItems && Room(60); n++) json.Append(n == 0 ? "" : ",").Append($$"""{"peer":"{{Ip()}}:1","voters":[],"incarnation":0}""");
                json.Append("""],"removals":[],"run":1,"since":0,"upto":1,"more":false}""");
                break;
            case "body":
                json.Append($$"""{"type":"GOSSIP","origin":"127.0.0.1:1","body":"{{new string('x', JsonCodec.MaxBodyChars)}}"}""");
                break;
            case "unknown names":
                json.Append("{\"type\":\"HEARTBEAT\"");
                for (var n = 0; Room(16); n++) json.Append($",\"{n}\":0");
                json.Append('}');
                break;
            default:
                json.Append("{\"type\":\"GOSSIP\",\"origin\":\"127.0.0.1:1\",\"body\":\"").Append(string.Concat(Enumerable.Repeat("\\u00e9", JsonCodec.MaxBodyChars))).Append("\"}");
                break;
        }
        var payload = Encoding.UTF8.GetBytes(json.ToString());
        Assert.True(payload.Length <= Framing.MaxFrameBytes);
        Assert.True(JsonCodec.TryDecode(payload, out var m, out var error), error);
        var allocated = DecodeAllocation(payload);
        Assert.True(allocated <= AllocationBound(payload.Length), $"{what}: {allocated} bytes allocated for a {payload.Length}-byte payload");
        GC.KeepAlive(m);
    }

    // ---- Addresses ----------------------------------------------------------------------------------------

    /// <summary>
    /// The address rules written out plainly (the text after the last colon is the port, 1-65535; brackets around
    /// the IP are dropped; the IP is a strict dotted quad, or an IPv6 address as the framework reads one whose
    /// dotted tail, if any, is a strict dotted quad too).
    /// </summary>
    static bool ReferenceParse(string text, out NodeId? id)
    {
        id = null;
        var colon = text.LastIndexOf(':');
        if (colon <= 0) return false;
        var portText = text[(colon + 1)..];
        if (portText.Length == 0 || !portText.All(char.IsAsciiDigit)
            || !int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
            return false;
        var ip = text[..colon];
        if (ip.Length >= 2 && ip[0] == '[' && ip[^1] == ']') ip = ip[1..^1];
        if (!ReferenceIsIp(ip)) return false;
        id = new NodeId(ip, port);
        return true;
    }

    static bool ReferenceIsIPv4(string ip)
    {
        var octets = ip.Split('.');
        return octets.Length == 4 && octets.All(o =>
            o.Length is > 0 and <= 3 && o.All(char.IsAsciiDigit) && (o.Length == 1 || o[0] != '0') && int.Parse(o) <= 255);
    }

    static bool ReferenceIsIp(string ip)
    {
        if (!ip.Contains(':')) return ReferenceIsIPv4(ip);
        return ip.Length <= NodeId.MaxIpChars
               && ip.All(ch => char.IsAsciiHexDigit(ch) || ch is ':' or '.')
               && IPAddress.TryParse(ip, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6
               && (!ip.Contains('.') || ReferenceIsIPv4(ip[(ip.LastIndexOf(':') + 1)..]));
    }

    static Gen<string> AddressLike
    {
        get
        {
            var piece = Gen.Frequency(
                (6, Gen.Elements("0", "1", "9", "00", "01", "10", "127", "255", "256", "999", "0000", "ffff", "FFFF", "db8", "fe80", "abcd", "12345", "g")),
                (6, Gen.Elements(":", "::", ".", ":::")),
                (2, Gen.Elements("[", "]", "[::1]", "1.2.3.4", "::ffff:", "+", "-", " ", "%", "é")),
                (1, Gen.Choose(0, 70000).Select(n => n.ToString())));
            return from n in Gen.Choose(1, 14)
                   from pieces in Gen.ArrayOf(piece, n)
                   from port in Gen.Frequency((3, Gen.Choose(0, 70000).Select(p => ":" + p)), (1, Gen.Elements("", ":", ":080", ":+1", ":00000000000000000000000001")))
                   select string.Concat(pieces) + port;
        }
    }

    /// <summary>
    /// The one address parser (<see cref="NodeId.TryParse(string?, out NodeId?)"/>, which checks IPs without the
    /// framework) accepts exactly what the reference rules accept, and reads the same address; through the wire too.
    /// </summary>
    [Property(MaxTest = 5000)]
    public Property Addresses_parse_as_the_reference_rules_say() =>
        Prop.ForAll(AddressLike.ToArbitrary(), text =>
        {
            var expected = ReferenceParse(text, out var reference);
            var actual = NodeId.TryParse(text, out var id);
            var onWire = JsonCodec.TryDecode(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = "BRIDGE", target = text })), out var m, out _);
            return (expected == actual && Equals(id, reference) && onWire == expected && (!onWire || Equals(((Bridge)m!).Target, reference)))
                .Label($"'{text}': reference {expected} {Show(reference)}, parser {actual} {Show(id)}, wire {onWire}");
        });

    /// <summary>
    /// The canonical text of an IPv6 address is the same address, and is the framework's text too wherever neither
    /// writes a dotted tail (ours is for IPv4-mapped addresses only; the framework's rules for it are its own).
    /// </summary>
    [Property(MaxTest = 3000)]
    public Property IPv6_canonical_text_is_the_same_address() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Choose(0, 0xFFFF)), (1, Gen.Elements(1, 0xFFFF, 0x5EFE))), 8)
            .Select(g => string.Join(':', g.Select(x => x.ToString("X4", System.Globalization.CultureInfo.InvariantCulture)))).ToArbitrary(), written =>
        {
            var id = new NodeId(written, 80);
            var a = IPAddress.Parse(written);
            var dotted = id.Ip.Contains('.') || a.ToString().Contains('.');
            return (IPAddress.Parse(id.Ip).Equals(a) && (dotted || id.Ip == a.ToString())
                    && NodeId.TryParse(id.ToString(), out var again) && again == id && ReferenceEquals(new NodeId(id.Ip, 1).Ip, id.Ip))
                .Label($"{written}: canonical {id.Ip}, framework {a}");
        });

    static string Show(NodeId? id) => id is null ? "-" : id.ToString();

    [Theory]
    [InlineData("[1:2:3:4:5:6:7::]:80", true)]
    [InlineData("[::1:2:3:4:5:6:7]:80", true)]
    [InlineData("[1::2:3:4:5:6:7:8]:80", false)]
    [InlineData("[1:2:3:4:5:6:7]:80", false)]
    [InlineData("[::]:80", true)]
    [InlineData("[:::]:80", false)]
    [InlineData("[1::2::3]:80", false)]
    [InlineData("[00000::1]:80", false)]
    [InlineData("[0000:0000:0000:0000:0000:ffff:255.255.255.255]:80", true)]
    [InlineData("::1:80", true)]                 // brackets are optional: the port is after the last colon
    [InlineData("[1.2.3.4]:80", true)]
    [InlineData("01.002.3.4:80", false)]         // leading zeros: octal to some parsers, so no address
    [InlineData("1.2.3.04:80", false)]
    [InlineData("0.0.0.0:80", true)]
    [InlineData("[::ffff:1.2.3.04]:80", false)]
    [InlineData("[::ffff:1.2.3.4]:80", true)]
    [InlineData(":::80", true)]                  // "::" and port 80
    [InlineData("1.2.3.4:0080", true)]
    [InlineData("1.2.3:80", false)]
    [InlineData("1.2.3.4.5:80", false)]
    [InlineData("1..3.4:80", false)]
    [InlineData("1.2.3.4:", false)]
    [InlineData(":80", false)]
    [InlineData("[]:80", false)]
    public void Address_edge_cases_agree_with_the_reference(string text, bool valid)
    {
        Assert.Equal(valid, ReferenceParse(text, out var reference));
        Assert.Equal(valid, NodeId.TryParse(text, out var id));
        Assert.Equal(reference, id);
    }
}
