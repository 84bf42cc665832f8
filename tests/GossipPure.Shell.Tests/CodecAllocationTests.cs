using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using LanguageExt;
using Xunit.Abstractions;

namespace GossipPure.Shell.Tests;

/// <summary>
/// Decoding a frame allocates the message and nothing else: the bytes allocated by one decode equal the size of the
/// object graph it returns (its records, strings, arrays and LanguageExt seqs), measured object by object. Objects the
/// decoder shares between decodes (the one HEARTBEAT, the empty seq) are not part of what a decode costs.
/// </summary>
public sealed class CodecAllocationTests(ITestOutputHelper output)
{
    static readonly NodeId A = new("127.0.0.1", 5011);
    static readonly NodeId B = new("127.0.0.1", 5012);
    static readonly NodeId P = new("10.1.2.3", 6001);
    const long I = 1732520000123456;

    public static TheoryData<string, Message> Hot => new()
    {
        { "GOSSIP", new Gossip(new NodeId("127.0.0.1", 6001), "1795635730.511801:127.0.0.1:7") },
        { "HEARTBEAT", new Heartbeat() },
        { "PROBE", new Probe(1_795_635_730_511_801) },
        { "PROBE_ACK", new ProbeAck(7) },
        { "HELLO", new Hello(new NodeId("127.0.0.1", 6001), Role.Peer) },
        { "LINK_REQUEST", new LinkRequest(I) },
        { "DEGREE_UPDATE (8 neighbours)", new DegreeUpdate(toSeq(Enumerable.Range(0, 8).Select(i => new NodeId("127.0.0.1", 6002 + i)).ToArray())) },
        { "DEGREE_UPDATE (empty)", new DegreeUpdate(Seq<NodeId>()) },
        { "PEER_LIST (20 peers)", new PeerList(toSeq(Enumerable.Range(0, 20).Select(i => new PeerEntry(new NodeId("127.0.0.1", 6002 + i), i % 5)).ToArray())) },
        { "PEER_LIST (5 hosts)", new PeerList(toSeq(Enumerable.Range(0, 10).Select(i => new PeerEntry(new NodeId($"10.0.0.{i % 5}", 6002 + i), i)).ToArray())) },
        { "SUSPECT_REQUEST", new SuspectRequest(P) },
        { "SUSPECT_RESPONSE", new SuspectResponse(P, true, "no PROBE_ACK within 300ms") },
        { "REGISTER_REQUEST", new RegisterRequest(I) },
        { "REGISTER_PROPOSAL", new RegisterProposal(P, "5011-1", I) },
        { "REGISTER_VOTE", new RegisterVote(P, "5011-1", false, "10.1.2.3:6001 is a seed address") },
        { "REGISTER_COMMIT", new RegisterCommit(P, Seq(A, B), I) },
        { "REGISTER_REJECTED", new RegisterRejected("refused") },
        { "PEER_LIST_REQUEST", new PeerListRequest() },
        { "BRIDGE (IPv6)", new Bridge(new NodeId("2001:db8::5", 65535)) },
        { "SEED_SYNC", new SeedSync(1, 0, 1, false, Seq(new RegisterCommit(P, Seq(A, B), I), new RegisterCommit(new NodeId("10.1.2.4", 6002), Seq1(A), 0)),
            Seq(new DeadConfirmed(P, Seq(A, B), "crashed", Some(new NodeId("10.1.2.4", 6002)), I - 1), new DeadConfirmed(new NodeId("10.1.2.4", 6002), Seq<NodeId>(), "left", None, long.MaxValue))) },
        { "DEAD_REPORT", new DeadReport(P, "Dead Node:10.1.2.3:6001:1732520000.123456:10.1.2.4") },
        { "DEAD_PROPOSAL", new DeadProposal(P, "5011-d1", "crashed", I) },
        { "DEAD_VOTE", new DeadVote(P, "5011-d1", false, "PROBE_ACK in 0.2ms") },
        { "DEAD_CONFIRMED", new DeadConfirmed(P, Seq(A, B), "crashed", Some(B), I) },
        { "DEAD_REJECTED", new DeadRejected(P, "alive") },
        { "LEAVE", new Leave() },
        { "MEMBER_QUERY", new MemberQuery(new NodeId("10.1.2.3", 6001)) },
        { "MEMBER_ANSWER", new MemberAnswer(new NodeId("10.1.2.3", 6001), true, 42) },
        { "GOSSIP (non-ASCII body)", new Gossip(new NodeId("fe80::1", 9), "\"quotes\" \\ 日本 😀") },
    };

    [Theory]
    [MemberData(nameof(Hot))]
    public void Decoding_allocates_exactly_the_message(string name, Message message)
    {
        var payload = JsonCodec.Encode(message);
        var (allocated, decoded) = Decode(payload);
        Assert.Equal(message, decoded);
        var graph = NewObjectsOf(payload);
        output.WriteLine($"{name}: {payload.Length}-byte payload; decode allocated {allocated} B; the message's own objects: {graph}");
        Assert.Equal(graph.Bytes, allocated);
    }

    /// <summary>Escapes in strings (unescaped through pooled scratch) and unknown fields (checked for duplicates in a pooled table) cost nothing extra either.</summary>
    [Theory]
    [InlineData("""{"type":"GOSSIP","origin":"127.0.0.1\u003a6001","body":"caf\u00e9 \"x\" \/ \ud83d\ude00"}""")]
    [InlineData("""{"type":"HELLO","from":"127.0.0.1:6001","role":"se\u0065d","version":2,"extra":{"a":[1,2,{"b":null}],"c":"d"}}""")]
    [InlineData("""{"extra":1,"type":"DEGREE_UPDATE","neighbours":["127.0.0.1:6001","127.0.0.1:6002"],"more":[{"x":1},{"x":2}]}""")]
    public void Escapes_and_unknown_fields_allocate_nothing_extra(string json)
    {
        var payload = Encoding.UTF8.GetBytes(json);
        var (allocated, decoded) = Decode(payload);
        Assert.NotNull(decoded);
        var graph = NewObjectsOf(payload);
        output.WriteLine($"{json}: decode allocated {allocated} B; the message's own objects: {graph}");
        Assert.Equal(graph.Bytes, allocated);
    }

    [Fact]
    public void Encoding_allocates_only_the_frame()
    {
        var report = new DeadReport(new NodeId("127.0.0.1", 6001), "Dead Node:127.0.0.1:6001:1795635730.511801:127.0.0.1");
        for (var i = 0; i < 3; i++) Framing.Frame(report);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var frame = Framing.Frame(report);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var arraySize = SizeOf(frame);
        output.WriteLine($"DEAD_REPORT frame of {frame.Length} bytes: encode allocated {allocated} B, the array is {arraySize} B");
        Assert.Equal(arraySize, allocated);
    }

    [Fact]
    public void A_gossip_is_framed_once_however_often_it_is_sent()
    {
        var gossip = new Gossip(new NodeId("127.0.0.1", 6001), "1795635730.511801:127.0.0.1:7");
        var first = Framing.Frame(gossip);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var again = Framing.Frame(gossip);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Same(first, again);
        Assert.Equal(0, allocated);
        // Another message object with the same fields is framed anew, to the same bytes.
        var copy = new Gossip(gossip.Origin, gossip.Body);
        Assert.NotSame(first, Framing.Frame(copy));
        Assert.Equal(first, Framing.Frame(copy));
    }

    // ---- Measuring --------------------------------------------------------------------------------------

    /// <summary>The bytes the third of three decodes allocates (the first ones warm the pool and the JIT), and its message.</summary>
    static (long Allocated, Message? Message) Decode(byte[] payload)
    {
        JsonCodec.TryDecode(payload, out _, out _);
        JsonCodec.TryDecode(payload, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        JsonCodec.TryDecode(payload, out var m, out _);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return (allocated, m);
    }

    public readonly record struct Graph(int Objects, long Bytes, string Detail)
    {
        public override string ToString() => $"{Objects} objects, {Bytes} B ({Detail})";
    }

    /// <summary>The objects of a decoded message that a second decode of the same payload does not share, and their size.</summary>
    static Graph NewObjectsOf(byte[] payload)
    {
        Assert.True(JsonCodec.TryDecode(payload, out var first, out var error), error);
        Assert.True(JsonCodec.TryDecode(payload, out var second, out _));
        var shared = Reachable(second);
        var own = Reachable(first).Where(o => !shared.Contains(o)).ToList();
        var detail = string.Join(", ", own.GroupBy(o => o.GetType().Name).Select(g => $"{g.Count()}×{g.Key} {g.Sum(SizeOf)} B"));
        return new Graph(own.Count, own.Sum(SizeOf), detail);
    }

    static System.Collections.Generic.HashSet<object> Reachable(object root)
    {
        var seen = new System.Collections.Generic.HashSet<object>(ReferenceEqualityComparer.Instance);
        Walk(root, seen);
        return seen;
    }

    static void Walk(object o, System.Collections.Generic.HashSet<object> seen)
    {
        if (!seen.Add(o)) return;
        var type = o.GetType();
        if (type == typeof(string)) return;
        if (o is System.Array array)
        {
            var element = type.GetElementType()!;
            if (element.IsPrimitive || element.IsEnum) return;
            foreach (var item in array) WalkValue(item, element, seen);
            return;
        }
        foreach (var f in InstanceFields(type)) WalkValue(f.GetValue(o), f.FieldType, seen);
    }

    /// <summary>A field's or item's value: an object to walk, or a struct held inline whose fields are walked in turn.</summary>
    static void WalkValue(object? value, Type declared, System.Collections.Generic.HashSet<object> seen)
    {
        if (value is null || declared.IsPrimitive || declared.IsEnum || declared.IsPointer) return;
        if (!declared.IsValueType)
        {
            Walk(value, seen);
            return;
        }
        foreach (var f in InstanceFields(declared)) WalkValue(f.GetValue(value), f.FieldType, seen);
    }

    static IEnumerable<FieldInfo> InstanceFields(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                yield return f;
    }

    /// <summary>The size of an object on the heap, found by allocating an empty one of the same shape.</summary>
    static long SizeOf(object o) => o switch
    {
        string s => Measure(() => new string('x', s.Length)),
        System.Array a => Measure(() => System.Array.CreateInstance(a.GetType().GetElementType()!, a.Length)),
        _ => Measure(() => RuntimeHelpers.GetUninitializedObject(o.GetType())),
    };

    static long Measure(Func<object> make)
    {
        make();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var made = make();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(made);
        return allocated;
    }
}
