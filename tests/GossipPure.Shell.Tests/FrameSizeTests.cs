using System.Text;
using LanguageExt;

namespace GossipPure.Shell.Tests;

/// <summary>
/// <see cref="FrameSize"/> (the core's count of a message's payload, which the simulator checks against the frame
/// limit) equals the length of what the codec writes: for random messages of every kind, for text the escaper must
/// get right (quotes, backslashes, control characters, non-ASCII, surrogates), for every UTF-16 code unit, and at
/// the frame limit, where it agrees with the message framing refuses.
/// </summary>
public sealed class FrameSizeTests
{
    static readonly NodeId A = new("127.0.0.1", 5011);

    [Fact]
    public void The_generator_makes_every_kind_of_message()
    {
        var made = Generators.Message.Sample(3000).Select(Core.Wire.TypeName).ToHashSet();
        Assert.Equal(MessageTable.Kinds.Select(k => k.Name).Order(), made.Order());
    }

    [Property(MaxTest = 2000)]
    public Property Every_message_is_as_long_as_its_encoding() =>
        Prop.ForAll(Generators.Message.ToArbitrary(), m =>
        {
            var length = JsonCodec.Encode(m).Length;
            var size = FrameSize.Of(m);
            return (size == length).Label($"{Core.Wire.TypeName(m)}: FrameSize {size}, encoded {length}")
                .And((!FrameSize.Exceeds(m, length)).Label("exceeds its own length"))
                .And(FrameSize.Exceeds(m, length - 1).Label("does not exceed one byte less"));
        });

    /// <summary>Pieces of text the escaper treats differently; lone surrogates and control characters too (the wire refuses them, the counter must not).</summary>
    static readonly string[] Awkward =
    [
        "a", " ", "~", "\"", "\\", "/", "<", ">", "&", "'", "+", "`", "\n", "\r", "\t", "\b", "\f", "\0", "\u0001", "\u001f", "\u007f",
        "\u0080", "\u00a0", "\u00ad", "é", "\u07ff", "\u0800", "日本", "\u2028", "\u2029", "\u200b", "\ufeff", "\ufffd", "\uffff", "\ue000",
        "😀", "\U0010FFFF", "\ud800", "\udc00", "\udbff\udfff", "\ud83d", "127.0.0.1:5011",
    ];

    static Gen<string> AwkwardText =>
        from n in Gen.Choose(0, 30)
        from parts in Gen.ArrayOf(Gen.Elements(Awkward), n)
        select string.Concat(parts);

    [Property(MaxTest = 1000)]
    public Property Escaped_and_non_ASCII_text_is_counted_as_written() =>
        Prop.ForAll(
            (from body in AwkwardText
             from reason in AwkwardText
             from sig in AwkwardText
             from ip in AwkwardText
             select (body, reason, sig, ip)).ToArbitrary(),
            t =>
            {
                // A text field, an omitted one, a list of objects and an address (whose IP the core keeps as given when it is no IP).
                var commit = new RegisterCommit(new NodeId(t.ip, 1), Seq1(A), -1) { Signatures = Seq1(new GossipPure.Core.Identity.SeedSignature(A, t.sig)) };
                Message[] messages = [new Gossip(A, t.body) { Sig = t.sig, Cert = Seq1(commit) }, new DeadConfirmed(A, Seq<NodeId>(), t.reason, None, 0)];
                return messages.Select(m => (FrameSize.Of(m) == JsonCodec.Encode(m).Length).Label($"{Core.Wire.TypeName(m)} {FrameSize.Of(m)} vs {JsonCodec.Encode(m).Length}"))
                    .Aggregate((a, b) => a.And(b));
            });

    [Fact]
    public void Every_UTF16_code_unit_and_astral_characters_are_counted_as_written()
    {
        var wrong = new List<string>();
        // Every code unit alone (lone surrogates included), then a spread of characters beyond the BMP (surrogate pairs).
        var texts = Enumerable.Range(0, 0x10000).Select(c => ((char)c).ToString())
            .Concat(Enumerable.Range(0, 0x1000).Select(i => char.ConvertFromUtf32(0x10000 + i * 0x100 + i % 0x100)));
        foreach (var text in texts)
        {
            var m = new RegisterRejected(text);
            var size = FrameSize.Of(m);
            var length = JsonCodec.Encode(m).Length;
            if (size != length) wrong.Add($"U+{(text.Length == 2 ? char.ConvertToUtf32(text[0], text[1]) : text[0]):X4}: {size} vs {length} {Encoding.UTF8.GetString(JsonCodec.Encode(m))}");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong.Where((_, i) => i < 5 || i % 200 == 0)) + $"\n{wrong.Count} wrong");
    }

    [Fact]
    public void Numbers_are_counted_at_every_width()
    {
        var values = Enumerable.Range(0, 19).SelectMany(i => { var p = (long)Math.Pow(10, i); return new[] { p - 1, p, p + 1, -p + 1, -p, -p - 1 }; })
            .Concat([long.MinValue, long.MaxValue, long.MinValue + 1, long.MaxValue - 1, 0]);
        Assert.All(values, v => Assert.Equal(JsonCodec.Encode(new Probe(v)).Length, FrameSize.Of(new Probe(v))));
    }

    /// <summary>A PEER_LIST of <paramref name="n"/> signed entries: a list that grows past the limit an entry at a time.</summary>
    static PeerList PeerListOf(int n)
    {
        var cert = Seq1(new RegisterCommit(A, toSeq(new[] { A, A, A }), 1_732_520_000_123_456) { Key = new string('k', 44),
            Signatures = Seq1(new GossipPure.Core.Identity.SeedSignature(A, new string('s', 88))) });
        return new PeerList(toSeq(Enumerable.Range(0, n).Select(i => new PeerEntry(new NodeId($"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}", 1 + i % 65535), i % 7) { Cert = cert }).ToArray()));
    }

    [Fact]
    public void At_the_limit_it_refuses_exactly_what_framing_refuses()
    {
        // The first peer list over the limit, found by FrameSize; then framing is asked about it and the one before.
        var n = 1;
        while (!FrameSize.Exceeds(PeerListOf(n * 2), FrameSize.MaxPayloadBytes)) n *= 2;
        int lo = n, hi = n * 2;
        while (hi - lo > 1)
        {
            var mid = (lo + hi) / 2;
            if (FrameSize.TooLarge(PeerListOf(mid))) hi = mid; else lo = mid;
        }
        var under = PeerListOf(lo);
        var over = PeerListOf(hi);
        Assert.True(Framing.TryFrame(under, out var frame, out var error), error);
        Assert.Equal(FrameSize.Of(under), frame.Length - Framing.HeaderBytes);
        Assert.False(Framing.TryFrame(over, out _, out error));
        Assert.Equal($"PEER_LIST encodes to {FrameSize.Of(over)} bytes, over the 1048576-byte frame limit", error);
    }

    [Fact]
    public void A_payload_of_exactly_the_limit_is_sent_and_one_byte_more_is_refused()
    {
        // A gossip whose body is padded to make the payload exactly 1 MiB, then one byte longer.
        var empty = FrameSize.Of(new Gossip(A, ""));
        var exact = new Gossip(A, new string('x', (int)(FrameSize.MaxPayloadBytes - empty)));
        var oneMore = exact with { Body = exact.Body + "y" };
        Assert.Equal(FrameSize.MaxPayloadBytes, FrameSize.Of(exact));
        Assert.False(FrameSize.TooLarge(exact));
        Assert.True(Framing.TryFrame(exact, out _, out var error), error);
        Assert.True(FrameSize.TooLarge(oneMore));
        Assert.False(Framing.TryFrame(oneMore, out _, out error));
        Assert.Contains($"encodes to {FrameSize.MaxPayloadBytes + 1} bytes", error);
    }

    [Fact]
    public void Exceeds_stops_counting_a_long_list_early()
    {
        // 200,000 entries is ~30 MB of JSON; stopping at the limit visits a few thousand.
        var huge = PeerListOf(200_000);
        Assert.True(FrameSize.TooLarge(huge));
        Assert.False(FrameSize.Exceeds(huge, FrameSize.Of(huge)));
    }

    [Theory]
    [MemberData(nameof(CodecAllocationTests.Hot), MemberType = typeof(CodecAllocationTests))]
    public void Sizing_allocates_nothing(string name, Message m)
    {
        FrameSize.Of(m);
        FrameSize.TooLarge(m);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            FrameSize.Of(m);
            FrameSize.TooLarge(m);
        }
        Assert.True(GC.GetAllocatedBytesForCurrentThread() == before, $"{name}: {GC.GetAllocatedBytesForCurrentThread() - before} bytes allocated");
    }
}
