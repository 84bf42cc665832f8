using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using GossipPure.Core;

namespace GossipPure.Shell.Wire;

// The allocation-free reader of messages: one pass of a Utf8JsonReader over the payload, each field read by the
// kind MessageTable declares for it; and the error lines every JsonCodec reader shares.
public static partial class JsonCodec
{
    // ---- What a decode holds per field ----------------------------------------------------------------------

    /// <summary>Whether a field of an object was met, and its error if it was bad (its value is in <see cref="FieldValues"/>).</summary>
    struct SlotState
    {
        public bool Present;
        public string? Error;
    }

    [InlineArray(MessageTable.MaxFields)]
    struct SlotStates
    {
        SlotState first;
    }

    /// <summary>What the fields of one object decoded to: values, and whether each was present or bad.</summary>
    struct Slots
    {
        public FieldValues Values;
        public SlotStates States;
    }

    /// <summary>What the error says when a field is absent or of the wrong JSON kind.</summary>
    static string Missing(Field f) => f.Kind switch
    {
        FieldKind.Long => "missing or not a 64-bit integer",
        FieldKind.NonNegativeInt => "missing or not a 32-bit integer",
        FieldKind.Bool => "missing or not a boolean",
        FieldKind.Addresses or FieldKind.Objects => "missing or not an array",
        FieldKind.OptionalAddress or FieldKind.OptionalText => "is not a string or null",
        _ => "missing or not a string",
    };

    /// <summary>The index of the property name under the reader in <paramref name="shape"/>, or -1 for a field it does not define.</summary>
    static int Find(Shape shape, ref Utf8JsonReader r)
    {
        var fields = shape.Fields;
        for (var i = 0; i < fields.Count; i++)
            if (r.ValueTextEquals(FieldUtf8[fields[i].Id])) return i;
        return -1;
    }

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
            var kind = type >= 0 ? MessageTable.Kinds[type] : null;
            var shape = kind?.Shape;
            owner = kind?.Name ?? "";
            var slots = new Slots();
            ReadObject(shape, ref slots, root: true, outer: null, outerIndex: 0);
            ReadEnd();

            if (!typeIsString)
                error = $"{what}: field 'type' missing or not a string";
            else if (shape is null)
                error = $"unknown message type {QuoteString(ref typeToken)}";
            else
                error = FirstError(shape, ref slots.States, null, 0);
            return error is null ? kind!.Build(ref slots.Values) : null;
        }

        /// <summary>
        /// Looks ahead (with a copy of the reader) for the first top-level <c>type</c>: its index in
        /// <see cref="MessageTable.Kinds"/>, or -1 when it is absent, not a string or not a known name.
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
                var field = root && r.ValueTextEquals("type"u8) ? TypeField : shape is null ? -1 : Find(shape, ref r);
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
                    ReadField(shape!.Fields[field], ref slots.Values[field], ref slots.States[field], new Where(shape.Fields[field].Name, outer, outerIndex));
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
        readonly string? FirstError(Shape shape, ref SlotStates states, string? outer, int outerIndex)
        {
            var fields = shape.Fields;
            for (var i = 0; i < fields.Count; i++)
            {
                ref var s = ref states[i];
                if (s.Error is not null) return s.Error;
                if (!s.Present && !fields[i].Optional)
                    return $"{owner}: field '{new Where(fields[i].Name, outer, outerIndex)}' {Missing(fields[i])}";
            }
            return null;
        }

        readonly string Problem(Where at, string problem) => $"{owner}: field '{at}' {problem}";

        void ReadField(Field f, ref FieldValue v, ref SlotState s, Where at)
        {
            var token = r.TokenType;
            switch (f.Kind)
            {
                case FieldKind.Address or FieldKind.OptionalAddress:
                    if (token == JsonTokenType.String)
                    {
                        if (ReadAddress(at, out var id, out s.Error))
                        {
                            v.Address = id;
                            s.Present = true;
                        }
                    }
                    else if (token == JsonTokenType.Null && f.Optional) s.Present = true;
                    else Bad(ref s, Problem(at, Missing(f)));
                    break;
                case FieldKind.Text or FieldKind.OptionalText or FieldKind.Id or FieldKind.Role:
                    if (token == JsonTokenType.String) ReadText(f, ref v, ref s, at);
                    else if (token == JsonTokenType.Null && f.Optional) s.Present = true;
                    else Bad(ref s, Problem(at, Missing(f)));
                    break;
                case FieldKind.Long:
                    if (token == JsonTokenType.Number && r.TryGetInt64(out var l))
                    {
                        v.Number = l;
                        s.Present = true;
                    }
                    else Bad(ref s, Problem(at, Missing(f)));
                    break;
                case FieldKind.NonNegativeInt:
                    if (token == JsonTokenType.Number && r.TryGetInt32(out var i))
                    {
                        if (i >= 0)
                        {
                            v.Number = i;
                            s.Present = true;
                        }
                        else s.Error = Problem(at, $"is negative ({i})");
                    }
                    else Bad(ref s, Problem(at, Missing(f)));
                    break;
                case FieldKind.Bool:
                    if (token is JsonTokenType.True or JsonTokenType.False)
                    {
                        v.Number = token == JsonTokenType.True ? 1 : 0;
                        s.Present = true;
                    }
                    else Bad(ref s, Problem(at, Missing(f)));
                    break;
                default:
                    if (token != JsonTokenType.StartArray) Bad(ref s, Problem(at, Missing(f)));
                    else if (f.Kind == FieldKind.Addresses) ReadAddresses(ref v, ref s, at);
                    else ReadObjects(ref v, ref s, at, f.Items!);
                    break;
            }
        }

        /// <summary>Records the error and skips the value (still checking it: a syntax error in it wins).</summary>
        void Bad(ref SlotState s, string error)
        {
            s.Error = error;
            SkipValue();
        }

        /// <summary>
        /// After an array's last item: whether its items may be kept. An array over the limit is that error (whatever
        /// its items were, as the count was always judged first); otherwise it is good unless one item was bad.
        /// </summary>
        readonly bool ArrayIsGood(ref SlotState s, Where at, int count)
        {
            if (count > MaxArrayItems)
                s.Error = Problem(at, $"has {count} items, over the {MaxArrayItems}-item limit");
            s.Present = s.Error is null;
            return s.Present;
        }

        void ReadAddresses(ref FieldValue v, ref SlotState s, Where at)
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
            if (ArrayIsGood(ref s, at, items.Count)) v.Items = items.ToArray();
            items.Dispose();
        }

        /// <summary>An array of objects of one shape (peer entries, commits, removals), each made by the shape's builder.</summary>
        void ReadObjects(ref FieldValue v, ref SlotState s, Where at, Shape shape)
        {
            var items = new ItemBuffer<FieldValues>();
            var item = new Slots();
            while (true)
            {
                Next();
                if (r.TokenType == JsonTokenType.EndArray) break;
                if (ReadItem(shape, ref item, ref s, at, items.Count)) items.Add(item.Values);
                items.Count++;
            }
            if (ArrayIsGood(ref s, at, items.Count)) v.Items = shape.BuildArray(items.Stored);
            items.Dispose();
        }

        /// <summary>
        /// Reads item <paramref name="i"/> of an array of objects into <paramref name="item"/>; false (and the array's
        /// first error in <paramref name="array"/>) when it is not a good one. After an error the rest is only checked.
        /// </summary>
        bool ReadItem(Shape shape, ref Slots item, ref SlotState array, Where at, int i)
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
            array.Error = FirstError(shape, ref item.States, at.Name, i);
            return array.Error is null;
        }

        /// <summary>Reads the string under the reader as text of its field's kind.</summary>
        void ReadText(Field f, ref FieldValue v, ref SlotState s, Where at)
        {
            using var text = Utf8Of();
            if (text.Error is not null)
            {
                s.Error = text.Error;
                return;
            }
            var utf8 = text.Utf8;
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
                case FieldKind.Role:
                    if (utf8.SequenceEqual("seed"u8)) v.Number = 0;
                    else if (utf8.SequenceEqual("peer"u8)) v.Number = 1;
                    else
                    {
                        s.Error = $"{owner}: field '{at}': {Quote(Encoding.UTF8.GetString(utf8))} is neither \"seed\" nor \"peer\"";
                        return;
                    }
                    break;
                case FieldKind.Id when utf8.IsEmpty:
                    s.Error = Problem(at, "is empty");
                    return;
                default:
                    v.Text = Encoding.UTF8.GetString(utf8);
                    break;
            }
            s.Present = true;
        }

        /// <summary>Reads the string under the reader as an address; false and the error when it is not one.</summary>
        bool ReadAddress(Where at, out NodeId id, out string? error)
        {
            id = null!;
            using var raw = Utf8Of();
            if ((error = raw.Error) is not null) return false;
            var utf8 = raw.Utf8;
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

        /// <summary>
        /// The UTF-8 of the string under the reader, checked: where it lies in the payload, or, when it has escapes
        /// (rare: quotes, backslashes, control characters), unescaped into an array from the pool. Dispose it to give
        /// the array back.
        /// </summary>
        StringUtf8 Utf8Of()
        {
            if (!r.ValueIsEscaped)
                return Utf8.IsValid(r.ValueSpan) ? new(r.ValueSpan, null, null) : new(default, InvalidUtf8, null);
            var rented = ArrayPool<byte>.Shared.Rent(Math.Max(1, r.ValueSpan.Length));
            return TryUnescape(rented, out var n, out var error) ? new(rented.AsSpan(0, n), null, rented) : new(default, error, rented);
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

    /// <summary>The checked UTF-8 of a string token, or the error it has; holds a pooled array until disposed.</summary>
    readonly ref struct StringUtf8(ReadOnlySpan<byte> utf8, string? error, byte[]? rented)
    {
        public readonly ReadOnlySpan<byte> Utf8 = utf8;
        public readonly string? Error = error;

        public void Dispose()
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
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

        /// <summary>The items kept so far.</summary>
        public readonly Span<T> Stored => buffer.AsSpan(0, stored);

        public void Dispose()
        {
            if (buffer is not null) ArrayPool<T>.Shared.Return(buffer, RuntimeHelpers.IsReferenceOrContainsReferences<T>());
            buffer = null;
            stored = 0;
        }
    }

    // ---- Records of the event log --------------------------------------------------------------------------

    /// <summary>
    /// Reads the fields of one object of an event-log line (an input, an effect, the header); every failure is a
    /// <see cref="DecodeError"/> naming the field. Event-log strings are the node's own words and may hold any
    /// character (messages inside obey the wire's rules).
    /// </summary>
    internal readonly struct Fields(JsonElement obj, string owner)
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

        public long Long(string name) => Integer(name, 64);

        public int Int(string name) => (int)Integer(name, 32);

        /// <summary>An integer of at most <paramref name="bits"/> bits (32 or 64).</summary>
        long Integer(string name, int bits)
        {
            if (!obj.TryGetProperty(name, out var el) || el.ValueKind != JsonValueKind.Number || !el.TryGetInt64(out var v)
                || (bits == 32 && v is < int.MinValue or > int.MaxValue))
                throw new DecodeError($"{owner}: field '{name}' missing or not a {bits}-bit integer");
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

        /// <summary>One of a few words, each standing for a value; the error lists them.</summary>
        public T OneOf<T>(string name, ReadOnlySpan<(string Word, T Value)> choices)
        {
            var text = String(name, MaxStringChars);
            foreach (var (word, value) in choices)
                if (text == word) return value;
            var words = new string[choices.Length];
            for (var i = 0; i < words.Length; i++) words[i] = choices[i].Word;
            throw new DecodeError($"{owner}: field '{name}': {Quote(text)} is not {string.Join(", ", words[..^1])} or {words[^1]}");
        }

        public NodeId Address(string name)
        {
            var text = String(name, int.MaxValue);
            if (text.Length > MaxStringChars || !NodeId.TryParse(text, out var id))
                throw new DecodeError($"{owner}: field '{name}': {Quote(text)} is not IP:Port");
            return id;
        }
    }

    // ---- Errors -------------------------------------------------------------------------------------------

    sealed class DecodeError(string message) : Exception(message);

    /// <summary>What a parsed value is, in the words of <see cref="KindOf"/> (the value of an event-log line that is not an object).</summary>
    static string KindName(JsonValueKind k) => k switch
    {
        JsonValueKind.Array => KindOf(JsonTokenType.StartArray),
        JsonValueKind.String => KindOf(JsonTokenType.String),
        JsonValueKind.Number => KindOf(JsonTokenType.Number),
        JsonValueKind.True or JsonValueKind.False => KindOf(JsonTokenType.True),
        JsonValueKind.Null => KindOf(JsonTokenType.Null),
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
