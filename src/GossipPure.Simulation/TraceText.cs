using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace GossipPure.Simulation;

/// <summary>
/// The canonical text of a step: the one line per step the trace hash is computed over. It names every field that
/// can change what a node does (ordinal, invariant formatting), so equal hashes mean equal runs on any machine.
/// </summary>
public static class TraceText
{
    public static string Step(long timeUs, NodeId node, Input input, Seq<Effect> effects)
    {
        var sink = new StringSink();
        AppendStep(sink, timeUs, node, input, effects);
        return sink.ToString();
    }

    public static string Input(Input input) { var sink = new StringSink(); AppendInput(sink, input); return sink.ToString(); }
    public static string Effect(Effect effect) { var sink = new StringSink(); AppendEffect(sink, effect); return sink.ToString(); }
    public static string Message(Message message) { var sink = new StringSink(); AppendMessage(sink, message); return sink.ToString(); }

    /// <summary>The line of one step: <c>&lt;µs&gt; &lt;node&gt; &lt;input&gt; | &lt;effect&gt; | …</c> and a newline.</summary>
    internal static void AppendStep<TSink>(TSink sb, long timeUs, NodeId node, Input input, Seq<Effect> effects) where TSink : ITextSink
    {
        sb.Append(timeUs).Append(' ').Append(node).Append(' ');
        AppendInput(sb, input);
        for (var i = 0; i < effects.Count; i++)
        {
            sb.Append(" | ");
            AppendEffect(sb, effects[i]);
        }
        sb.Append('\n');
    }

    internal static void AppendInput<TSink>(TSink sb, Input input) where TSink : ITextSink
    {
        switch (input)
        {
            case Started s: sb.Append("Started ").Append(s.NowUs).Append(" seed=").Append(s.RandomSeed); break;
            case Received r: sb.Append("Received from=").Append(r.From).Append(' '); AppendMessage(sb, r.Message); break;
            case Connected c: sb.Append("Connected ").Append(c.Node); break;
            case Disconnected d: sb.Append("Disconnected ").Append(d.Node).Append(" (").Append(d.Reason).Append(')'); break;
            case ConnectFailed f: sb.Append("ConnectFailed ").Append(f.Node).Append(" (").Append(f.Reason).Append(')'); break;
            case TimerFired t: sb.Append("TimerFired ").Append(t.Key); break;
            case BadFrame b: sb.Append("BadFrame ").Append(b.Remote).Append(" (").Append(b.Reason).Append(')'); break;
            case ShutdownRequested: sb.Append("ShutdownRequested"); break;
            case PingResult p: sb.Append("PingResult ").Append(p.Ip).Append(' ').Append(p.Outcome.ToString()).Append(" (").Append(p.Detail).Append(')'); break;
            case HealthSample h: sb.Append("HealthSample late=").Append(h.TimerLateMs).Append("ms inbox=").Append(h.InboxAgeMs).Append("ms"); break;
            default: sb.Append(input.GetType().Name).Append(' ').Append(input.ToString()); break;
        }
    }

    internal static void AppendEffect<TSink>(TSink sb, Effect effect) where TSink : ITextSink
    {
        switch (effect)
        {
            case Send s: sb.Append("Send ").Append(s.To).Append(' '); AppendMessage(sb, s.Message); break;
            case Connect c: sb.Append("Connect ").Append(c.To); break;
            case Disconnect d: sb.Append("Disconnect ").Append(d.Node); break;
            case UseCertificate u: sb.Append("UseCertificate "); AppendMessage(sb, u.Cert); break;
            case PingHost p: sb.Append("PingHost ").Append(p.Ip); break;
            case Deliver d: sb.Append("Deliver ").Append(d.Origin).Append(' ').Append(d.Id).Append(' ').Append(d.Data).Append(' ').Append(d.From); break;
            case SetTimer t: sb.Append("SetTimer ").Append(t.Key).Append(' ').Append(t.DelayMs).Append("ms"); break;
            case CancelTimer t: sb.Append("CancelTimer ").Append(t.Key); break;
            // The most frequent event (every first receipt), written as its record's ToString writes it, without the string.
            case GossipReceived g:
                sb.Append("Event GossipReceived { Origin = ").Append(g.Origin).Append(", Body = ").Append(g.Body).Append(", From = ").Append(g.From).Append(" }");
                break;
            // A peer list's events carry up to a list's entries: their record's text was most of what the hash thread
            // allocated (73 KB a PEER_LIST step). Written here as that text, without making it (unless it has certificates).
            case PeerListReceived p when Writable(p.Entries, out var lazy):
                sb.Append("Event PeerListReceived { Seed = ").Append(p.Seed).Append(", Entries = ");
                AppendEntries(sb, p.Entries, lazy);
                sb.Append(", Registering = ").Append(p.Registering ? "True" : "False").Append(" }");
                break;
            case NeighboursChosen n when Writable(n.Picked, out var lazy):
                sb.Append("Event NeighboursChosen { Picked = ");
                AppendEntries(sb, n.Picked, lazy);
                sb.Append(", Known = ").Append(n.Known).Append(" }");
                break;
            case NodeEvent e: sb.Append("Event ").Append(e.ToString()); break;
            case Stop s: sb.Append("Stop ").Append(s.ExitCode); break;
            default: sb.Append(effect.GetType().Name).Append(' ').Append(effect.ToString()); break;
        }
    }

    /// <summary>The wire name, then each field <see cref="MessageTable"/> declares, in order (see <see cref="TraceFields{TSink}"/>).</summary>
    internal static void AppendMessage<TSink>(TSink sb, Message message) where TSink : ITextSink
    {
        sb.Append(Wire.TypeName(message));
        if (MessageTable.Of(message) is not { } kind)
        {
            sb.Append(' ').Append(message.ToString());
            return;
        }
        var fields = new TraceFields<TSink>(sb, kind.Shape);
        kind.Visit(message, ref fields);
    }

    /// <summary>
    /// The trace text of a record's fields: each after the shape's separator (a space for messages, commits and
    /// removals; <c>/</c> between a peer entry's node and degree), a boolean as its words, an absent value as
    /// <c>-</c>, addresses as <c>[a,b]</c>, objects as <c>[item,item,]</c> (after <c>name=</c> where the field says so).
    /// </summary>
    struct TraceFields<TSink>(TSink sb, Shape shape) : IFieldVisitor where TSink : ITextSink
    {
        bool first = true;

        void Before(Field f)
        {
            if (!first || shape.TraceLeading) sb.Append(shape.TraceSeparator);
            first = false;
            if (f.TraceNamed) sb.Append(f.Name).Append('=');
        }

        public void Address(Field f, NodeId value) { Before(f); sb.Append(value); }
        public void OptionalAddress(Field f, NodeId? value) { Before(f); if (value is null) sb.Append('-'); else sb.Append(value); }
        public void Role(Field f, Role value) { Before(f); sb.Append(value.ToString()); }
        public void Number(Field f, long value) { Before(f); sb.Append(value); }
        public void Bool(Field f, bool value) { Before(f); sb.Append(value ? f.TrueWord : f.FalseWord); }
        public void Text(Field f, string? value) { Before(f); sb.Append(value ?? "-"); }
        public void Addresses(Field f, Seq<NodeId> value) { Before(f); AppendIds(sb, value); }

        public void Objects<T>(Field f, Seq<T> items, Shape<T> itemShape)
        {
            Before(f);
            sb.Append('[');
            foreach (var item in items)
            {
                var fields = new TraceFields<TSink>(sb, itemShape);
                itemShape.Visit(item, ref fields);
                sb.Append(',');
            }
            sb.Append(']');
        }
    }

    /// <summary>Whether <see cref="AppendEntries"/> can write these entries (none has a certificate, and a long list's kind is known).</summary>
    static bool Writable(Seq<PeerEntry> entries, out bool lazy)
    {
        lazy = false;
        for (var i = 0; i < entries.Count; i++)
            if (!entries[i].Cert.IsEmpty) return false;
        if (entries.Count < ListedEntries) return true;
        if (IsLazy(entries) is not { } known) return false;
        lazy = known;
        return true;
    }

    /// <summary>Most items a list's text names (LanguageExt's <c>Seq.ToString</c>).</summary>
    const int ListedEntries = 50;

    /// <summary>
    /// Peer entries without certificates, as <c>Seq&lt;PeerEntry&gt;.ToString()</c> writes them: the first 50, then
    /// " ... N more" after a list held whole, or " ..." after a lazy one (a filtered or mapped list) of 50 or more,
    /// whose length LanguageExt does not count.
    /// </summary>
    static void AppendEntries<TSink>(TSink sb, Seq<PeerEntry> entries, bool lazy) where TSink : ITextSink
    {
        sb.Append('[');
        var shown = Math.Min(entries.Count, ListedEntries);
        for (var i = 0; i < shown; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append("PeerEntry { Node = ").Append(entries[i].Node).Append(", Degree = ").Append(entries[i].Degree).Append(", Cert = [] }");
        }
        if (shown == ListedEntries && lazy) sb.Append(" ...");
        else if (entries.Count > shown) sb.Append(" ... ").Append(entries.Count - shown).Append(" more");
        sb.Append(']');
    }

    /// <summary>
    /// Whether a list of 50 or more entries is lazy, read from its implementation (LanguageExt's internal
    /// <c>ISeqInternal&lt;A&gt;</c> field); null when that cannot be read (then the record's own text is written).
    /// </summary>
    static bool? IsLazy(Seq<PeerEntry> entries) =>
        SeqImplementation?.GetValue(entries) is { } impl ? impl.GetType().Name.StartsWith("SeqLazy", StringComparison.Ordinal) : null;

    [System.Diagnostics.CodeAnalysis.DynamicDependency(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.NonPublicFields, typeof(Seq<PeerEntry>))]
    static readonly System.Reflection.FieldInfo? SeqImplementation =
        typeof(Seq<PeerEntry>).GetField("value", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);

    static void AppendIds<TSink>(TSink sb, Seq<NodeId> ids) where TSink : ITextSink
    {
        sb.Append('[');
        var first = true;
        foreach (var id in ids)
        {
            if (!first) sb.Append(',');
            sb.Append(id);
            first = false;
        }
        sb.Append(']');
    }

}

/// <summary>Where the canonical text goes: a string for people, UTF-8 bytes for the hash.</summary>
internal interface ITextSink
{
    ITextSink Append(string text);
    ITextSink Append(char c);
    ITextSink Append(long n);
    ITextSink Append(ulong n);
    ITextSink Append(NodeId id);
    ITextSink Append(TimerKey key);
}

internal sealed class StringSink : ITextSink
{
    readonly StringBuilder sb = new();
    public ITextSink Append(string text) { sb.Append(text); return this; }
    public ITextSink Append(char c) { sb.Append(c); return this; }
    public ITextSink Append(long n) { sb.Append(n.ToString(CultureInfo.InvariantCulture)); return this; }
    public ITextSink Append(ulong n) { sb.Append(n.ToString(CultureInfo.InvariantCulture)); return this; }
    public ITextSink Append(NodeId id) { sb.Append(id.ToString()); return this; }
    public ITextSink Append(TimerKey key) { sb.Append(key.ToString()); return this; }
    public override string ToString() => sb.ToString();
}

/// <summary>
/// Writes the same text as UTF-8 into a growing buffer, with each address's bytes cached: the hash of a large run
/// then costs a fraction of a step.
/// </summary>
internal sealed class Utf8Sink : ITextSink
{
    byte[] buffer = new byte[4096];
    readonly Dictionary<NodeId, byte[]> names = new();
    readonly Dictionary<TimerKey, byte[]> timerNames = new();

    public int Length { get; private set; }
    public ReadOnlySpan<byte> Written => buffer.AsSpan(0, Length);
    public void Clear() => Length = 0;

    Span<byte> Room(int atLeast)
    {
        if (buffer.Length - Length < atLeast) System.Array.Resize(ref buffer, Math.Max(buffer.Length * 2, Length + atLeast));
        return buffer.AsSpan(Length);
    }

    public ITextSink Append(string text)
    {
        Length += Encoding.UTF8.GetBytes(text, Room(Encoding.UTF8.GetMaxByteCount(text.Length)));
        return this;
    }

    public ITextSink Append(char c)
    {
        if (c < 0x80) { Room(1)[0] = (byte)c; Length++; return this; }
        return Append(c.ToString());
    }

    public ITextSink Append(long n)
    {
        Utf8Formatter.TryFormat(n, Room(20), out var written);
        Length += written;
        return this;
    }

    public ITextSink Append(ulong n)
    {
        Utf8Formatter.TryFormat(n, Room(20), out var written);
        Length += written;
        return this;
    }

    public ITextSink Append(NodeId id) => Cached(names, id, static id => id.ToString());

    /// <summary>A timer's name is a record's text, made with a StringBuilder: cached like the addresses.</summary>
    public ITextSink Append(TimerKey key) => Cached(timerNames, key, static key => key.ToString());

    ITextSink Cached<TKey>(Dictionary<TKey, byte[]> cache, TKey key, Func<TKey, string> text) where TKey : notnull
    {
        if (!cache.TryGetValue(key, out var bytes))
        {
            bytes = Encoding.UTF8.GetBytes(text(key));
            if (cache.Count < 1 << 18) cache[key] = bytes;
        }
        bytes.CopyTo(Room(bytes.Length));
        Length += bytes.Length;
        return this;
    }
}
