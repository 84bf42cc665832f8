using System.Buffers;
using System.Numerics;
using System.Text.Encodings.Web;

namespace GossipPure.Core;

/// <summary>
/// The exact size of a message on the wire, without encoding it: the number of bytes of the UTF-8 JSON payload the
/// shell's codec writes for it (the frame's length prefix, 4 bytes, not counted), which is the number the shell's
/// framing compares with <see cref="MaxPayloadBytes"/> before it sends. The deterministic simulator, which sees no
/// codec, uses it to refuse what the real transport would refuse.
/// </summary>
/// <remarks>
/// It walks <see cref="MessageTable"/> as the codec does, so a new message needs no change here. The JSON is compact:
/// <c>{"type":"NAME","field":value,...}</c>, an omittable field left out when absent, numbers in plain decimal,
/// <c>null</c> for an absent optional value. Strings are counted as the codec's escaper
/// (<see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>) writes them: <c>\"</c>, <c>\\</c> and the short
/// escapes of control characters take 2 bytes, other escaped characters <c>\uXXXX</c> (6; 12 for a pair of
/// surrogates), and every other character its UTF-8 bytes. A test holds this equal to the codec's output for random
/// messages of every kind and for every UTF-16 code unit. It allocates nothing.
/// </remarks>
public static class FrameSize
{
    /// <summary>The largest payload a frame carries (1 MiB): the shell's framing refuses to send a larger message.</summary>
    public const int MaxPayloadBytes = 1 << 20;

    /// <summary>The escaper the codec writes strings with: which characters it escapes.</summary>
    static readonly JavaScriptEncoder Escaper = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>The printable ASCII characters written as they are: a string of only these is as long in bytes as in characters.</summary>
    static readonly SearchValues<char> Plain = SearchValues.Create(
        [.. Enumerable.Range(0x20, 0x7F - 0x20).Select(c => (char)c).Where(c => !Escaper.WillEncode(c))]);

    /// <summary>The bytes each ASCII character takes in a JSON string.</summary>
    static readonly byte[] AsciiBytes = [.. Enumerable.Range(0, 128).Select(c => (byte)AsciiLength((char)c))];

    /// <summary>What a field adds besides its value: a comma, its quoted name and a colon; by <see cref="Field.Id"/>.</summary>
    static readonly int[] FieldOverhead = MessageTable.ByFieldId(f => 1 + StringBytes(f.Name) + 1);

    /// <summary>The size of each kind's object with no field but <c>type</c>, by <see cref="MessageKind.Index"/>.</summary>
    static readonly int[] KindBase = [.. MessageTable.Kinds.Select(k => 2 + StringBytes("type") + 1 + StringBytes(k.Name))];

    /// <summary>Whether a kind has no fields but <c>type</c> (its size is <see cref="KindBase"/>), by index.</summary>
    static readonly bool[] Fixed = [.. MessageTable.Kinds.Select(k => k.Shape.Fields.Count == 0)];

    /// <summary>Powers of ten, for counting digits.</summary>
    static readonly ulong[] Tens = [.. Enumerable.Range(0, 20).Select(i => Enumerable.Repeat(10UL, i).Aggregate(1UL, (a, b) => a * b))];

    /// <summary>The number of bytes of the JSON payload the codec writes for <paramref name="m"/>.</summary>
    /// <exception cref="ArgumentException">A message type <see cref="MessageTable"/> does not hold (a programming error).</exception>
    public static long Of(Message m) => Count(m, long.MaxValue);

    /// <summary>
    /// Whether <paramref name="m"/>'s payload is longer than <paramref name="limit"/> bytes (framing refuses it when
    /// longer than <see cref="MaxPayloadBytes"/>). Stops counting a long list once the limit is passed.
    /// </summary>
    public static bool Exceeds(Message m, long limit) => Count(m, limit) > limit;

    /// <summary>Whether framing would refuse <paramref name="m"/>: its payload is over <see cref="MaxPayloadBytes"/>.</summary>
    public static bool TooLarge(Message m) => Exceeds(m, MaxPayloadBytes);

    /// <summary>
    /// The bytes one item of a list adds to a message (<paramref name="shape"/>: how the table writes it): its object,
    /// and the comma that separates it from the one before (the first item of a list has none: a list of n items
    /// adds the sum of its items less one). What a seed counts to keep a SEED_SYNC chunk far below the limit.
    /// </summary>
    public static long OfItem<T>(T item, Shape<T> shape)
    {
        var counter = new Counter(long.MaxValue) { Bytes = 3 };   // the comma and the braces
        shape.Count(item, ref counter);
        if (counter.Bytes > 3) counter.Bytes--;   // each field counted a comma before it: the first has none
        return counter.Bytes;
    }

    /// <summary>The size of <paramref name="m"/>, or some number over <paramref name="limit"/> once it is known to be over.</summary>
    static long Count(Message m, long limit)
    {
        var kind = MessageTable.Of(m) ?? throw new ArgumentException($"FrameSize cannot size a {m.GetType().Name}", nameof(m));
        if (Fixed[kind.Index]) return KindBase[kind.Index];
        var counter = new Counter(limit) { Bytes = KindBase[kind.Index] };
        kind.Count(m, ref counter);
        return counter.Bytes;
    }

    /// <summary>
    /// Adds up the bytes of each field the table hands it (see the remarks of <see cref="FrameSize"/>): the
    /// <see cref="IFieldVisitor"/> methods, called by <see cref="Field{T}.Count"/>.
    /// </summary>
    internal struct Counter(long limit)
    {
        public long Bytes;

        public void Address(Field field, NodeId value) => Bytes += FieldOverhead[field.Id] + AddressBytes(value);

        public void OptionalAddress(Field field, NodeId? value) => Bytes += FieldOverhead[field.Id] + (value is null ? 4 : AddressBytes(value));

        public void Role(Field field, Role value) => Bytes += FieldOverhead[field.Id] + 6;   // "seed" or "peer"

        public void Number(Field field, long value) => Bytes += FieldOverhead[field.Id] + NumberBytes(value);

        public void Bool(Field field, bool value) => Bytes += FieldOverhead[field.Id] + (value ? 4 : 5);

        public void Text(Field field, string? value) => Bytes += FieldOverhead[field.Id] + (value is null ? 4 : StringBytes(value));

        public void Addresses(Field field, Seq<NodeId> value)
        {
            // "name":[ item,item ]: the brackets, one comma fewer than items (counted with each item, one taken back).
            Bytes += FieldOverhead[field.Id] + 2;
            if (value.IsEmpty) return;
            Bytes--;
            for (var i = 0; i < value.Count; i++)   // by index: a Seq's enumerator is an allocation
            {
                Bytes += 1 + AddressBytes(value[i]);
                if (Bytes > limit) return;
            }
        }

        public void Objects<T>(Field field, Seq<T> items, Shape<T> shape)
        {
            Bytes += FieldOverhead[field.Id] + 2;
            if (items.IsEmpty) return;
            Bytes--;
            for (var i = 0; i < items.Count; i++)
            {
                // {field,field}: each field counted with a comma before it, so one is taken back from a non-empty object.
                var before = Bytes;
                Bytes += 1 + 2;
                shape.Count(items[i], ref this);
                if (Bytes > before + 3) Bytes--;
                if (Bytes > limit) return;
            }
        }
    }

    /// <summary>The bytes of an address as a JSON string: <c>"ip:port"</c>, or <c>"[ip]:port"</c> for IPv6 (as <see cref="NodeId.TryFormat"/>).</summary>
    static long AddressBytes(NodeId id)
    {
        var ip = id.Ip;
        var v6 = ip.Contains(':');
        return StringBytes(ip) + (v6 ? 2 : 0) + 1 + NumberBytes(id.Port);
    }

    /// <summary>The bytes of a JSON number: decimal digits, and a minus sign when negative.</summary>
    static int NumberBytes(long value)
    {
        var magnitude = value < 0 ? (ulong)-(value + 1) + 1 : (ulong)value;
        return (value < 0 ? 1 : 0) + Digits(magnitude);
    }

    static int Digits(ulong v)
    {
        if (v < 10) return 1;
        // log10 from log2 (1233/4096 ≈ log10 2), then one correction.
        var guess = (BitOperations.Log2(v) + 1) * 1233 >> 12;
        return guess + (v >= Tens[guess] ? 1 : 0);
    }

    /// <summary>The bytes of <paramref name="s"/> as a quoted JSON string, escaped as the codec escapes it.</summary>
    public static int StringBytes(string s)
    {
        var chars = s.AsSpan();
        var first = chars.IndexOfAnyExcept(Plain);
        return 2 + (first < 0 ? chars.Length : first + EscapedBytes(chars[first..]));
    }

    /// <summary>The bytes of characters from the first that is not plain printable ASCII.</summary>
    static int EscapedBytes(ReadOnlySpan<char> chars)
    {
        var n = 0;
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (c < 0x80)
            {
                n += AsciiBytes[c];
                continue;
            }
            if (!char.IsSurrogate(c))
            {
                n += Escaper.WillEncode(c) ? 6 : c < 0x800 ? 2 : 3;
                continue;
            }
            if (char.IsHighSurrogate(c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                var scalar = char.ConvertToUtf32(c, chars[++i]);
                n += Escaper.WillEncode(scalar) ? 12 : 4;
            }
            else n += 6;   // a lone surrogate: written as an escaped replacement character, \uFFFD
        }
        return n;
    }

    /// <summary>An ASCII character's bytes: itself, a two-character escape (<c>\n</c>, <c>\"</c>, ...) or <c>\u00XX</c>.</summary>
    static int AsciiLength(char c) =>
        !Escaper.WillEncode(c) ? 1 : c is '"' or '\\' or '\b' or '\t' or '\n' or '\f' or '\r' ? 2 : 6;
}
