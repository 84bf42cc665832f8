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
        foreach (var e in effects)
        {
            sb.Append(" | ");
            AppendEffect(sb, e);
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
            case TimerFired t: sb.Append("TimerFired ").Append(t.Key.ToString()); break;
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
            case PingHost p: sb.Append("PingHost ").Append(p.Ip); break;
            case SetTimer t: sb.Append("SetTimer ").Append(t.Key.ToString()).Append(' ').Append(t.DelayMs).Append("ms"); break;
            case CancelTimer t: sb.Append("CancelTimer ").Append(t.Key.ToString()); break;
            case NodeEvent e: sb.Append("Event ").Append(e.ToString()); break;
            case Stop s: sb.Append("Stop ").Append(s.ExitCode); break;
            default: sb.Append(effect.GetType().Name).Append(' ').Append(effect.ToString()); break;
        }
    }

    internal static void AppendMessage<TSink>(TSink sb, Message message) where TSink : ITextSink
    {
        sb.Append(Wire.TypeName(message));
        switch (message)
        {
            case Hello h: sb.Append(' ').Append(h.From).Append(' ').Append(h.Role.ToString()); break;
            case RegisterRequest r: sb.Append(' ').Append(r.Incarnation); break;
            case RegisterProposal p: sb.Append(' ').Append(p.Peer).Append(' ').Append(p.ProposalId).Append(' ').Append(p.Incarnation); break;
            case RegisterVote v: sb.Append(' ').Append(v.Peer).Append(' ').Append(v.ProposalId).Append(v.Yes ? " yes" : " no").Append(' ').Append(v.Reason ?? "-"); break;
            case RegisterCommit c: AppendCommit(sb, c); break;
            case RegisterRejected r: sb.Append(' ').Append(r.Reason); break;
            case PeerList l:
                sb.Append(" [");
                foreach (var e in l.Peers) sb.Append(e.Node).Append('/').Append(e.Degree).Append(',');
                sb.Append(']');
                break;
            case DegreeUpdate d: sb.Append(' '); AppendIds(sb, d.Neighbours); break;
            case SeedSync sync:
                sb.Append(" commits=[");
                foreach (var c in sync.Commits) { AppendCommit(sb, c); sb.Append(','); }
                sb.Append("] removals=[");
                foreach (var d in sync.Removals) { AppendConfirmed(sb, d); sb.Append(','); }
                sb.Append(']');
                break;
            case Bridge b: sb.Append(' ').Append(b.Target); break;
            case LinkRequest l: sb.Append(' ').Append(l.Incarnation); break;
            case Gossip g: sb.Append(' ').Append(g.Origin).Append(' ').Append(g.Body); break;
            case Heartbeat: break;
            case Probe p: sb.Append(' ').Append(p.Nonce); break;
            case ProbeAck a: sb.Append(' ').Append(a.Nonce); break;
            case SuspectRequest q: sb.Append(' ').Append(q.Suspect); break;
            case SuspectResponse r: sb.Append(' ').Append(r.Suspect).Append(r.Dead ? " dead " : " alive ").Append(r.Evidence); break;
            case DeadReport r: sb.Append(' ').Append(r.Suspect).Append(' ').Append(r.Report); break;
            case DeadProposal p: sb.Append(' ').Append(p.Suspect).Append(' ').Append(p.ProposalId).Append(' ').Append(p.Reason).Append(' ').Append(p.Incarnation); break;
            case DeadVote v: sb.Append(' ').Append(v.Suspect).Append(' ').Append(v.ProposalId).Append(v.Yes ? " yes " : " no ").Append(v.Evidence); break;
            case DeadConfirmed c: AppendConfirmed(sb, c); break;
            case DeadRejected r: sb.Append(' ').Append(r.Suspect).Append(' ').Append(r.Reason); break;
            case Leave: break;
            case MemberQuery q: sb.Append(' ').Append(q.Node); break;
            case MemberAnswer a: sb.Append(' ').Append(a.Node).Append(a.Member ? " member " : " stranger ").Append(a.Incarnation); break;
            default: sb.Append(' ').Append(message.ToString()); break;
        }
    }

    static void AppendCommit<TSink>(TSink sb, RegisterCommit c) where TSink : ITextSink
    {
        sb.Append(' ').Append(c.Peer).Append(' ');
        AppendIds(sb, c.Voters);
        sb.Append(' ').Append(c.Incarnation);
    }

    static void AppendConfirmed<TSink>(TSink sb, DeadConfirmed c) where TSink : ITextSink
    {
        sb.Append(' ').Append(c.Node).Append(' ');
        AppendIds(sb, c.Voters);
        sb.Append(' ').Append(c.Reason).Append(' '); if (c.Rendezvous.Case is NodeId r) sb.Append(r); else sb.Append('-'); sb.Append(' ').Append(c.Incarnation);
    }

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
}

internal sealed class StringSink : ITextSink
{
    readonly StringBuilder sb = new();
    public ITextSink Append(string text) { sb.Append(text); return this; }
    public ITextSink Append(char c) { sb.Append(c); return this; }
    public ITextSink Append(long n) { sb.Append(n.ToString(CultureInfo.InvariantCulture)); return this; }
    public ITextSink Append(ulong n) { sb.Append(n.ToString(CultureInfo.InvariantCulture)); return this; }
    public ITextSink Append(NodeId id) { sb.Append(id.ToString()); return this; }
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

    public ITextSink Append(NodeId id)
    {
        if (!names.TryGetValue(id, out var bytes))
        {
            bytes = Encoding.UTF8.GetBytes(id.ToString());
            if (names.Count < 100_000) names[id] = bytes;
        }
        bytes.CopyTo(Room(bytes.Length));
        Length += bytes.Length;
        return this;
    }
}
