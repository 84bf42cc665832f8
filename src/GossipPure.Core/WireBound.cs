namespace GossipPure.Core;

/// <summary>
/// An upper bound on the bytes a record takes in a JSON frame, from its declaration in <see cref="MessageTable"/>:
/// what a seed counts to keep a SEED_SYNC chunk far below the frame limit. It only has to be safe, never exact: each
/// field is counted with its name, quotes, colon and comma; each character of a text as the codec may escape it
/// (ASCII 1 byte, a quote or backslash 2, anything else at most 6).
/// </summary>
public static class WireBound
{
    /// <summary>The bound for one <typeparamref name="T"/> written as an object (an item of a list).</summary>
    public static int Of<T>(T item, Shape<T> shape)
    {
        var v = new Counter();
        shape.Visit(item, ref v);
        return v.Bytes + 2;
    }

    const int NumberBytes = 20;   // a long, with its sign

    static int TextBytes(string? text)
    {
        if (text is null) return 4;   // null
        var n = 2;
        foreach (var c in text) n += c is '"' or '\\' ? 2 : c is >= ' ' and < (char)0x7F ? 1 : 6;
        return n;
    }

    static int Name(Field f) => f.Name.Length + 4;   // "name": and the comma after the value

    struct Counter : IFieldVisitor
    {
        public int Bytes;

        public void Address(Field field, NodeId value) => Bytes += Name(field) + TextBytes(value.ToString());
        public void OptionalAddress(Field field, NodeId? value) => Bytes += Name(field) + TextBytes(value?.ToString());
        public void Role(Field field, Role value) => Bytes += Name(field) + 6;
        public void Number(Field field, long value) => Bytes += Name(field) + NumberBytes;
        public void Bool(Field field, bool value) => Bytes += Name(field) + 5;
        public void Text(Field field, string? value) => Bytes += Name(field) + TextBytes(value);

        public void Addresses(Field field, Seq<NodeId> value)
        {
            Bytes += Name(field) + 2;
            foreach (var a in value) Bytes += TextBytes(a.ToString()) + 1;
        }

        public void Objects<T>(Field field, Seq<T> items, Shape<T> shape)
        {
            Bytes += Name(field) + 2;
            foreach (var item in items) Bytes += Of(item, shape) + 1;
        }
    }
}
