using System.Buffers.Binary;
using System.Text;
using LanguageExt;

namespace GossipPure.Shell.Tests;

public sealed class FramingTests
{
    static readonly NodeId P = new("10.1.2.3", 6001);
    static readonly NodeId A = new("127.0.0.1", 5011);
    static readonly NodeId B = new("127.0.0.1", 5012);
    const long I = 1732520000123456;

    static FrameResult Read(Stream s)
    {
        var task = Framing.ReadAsync(s, new byte[4], CancellationToken.None);
        return task.IsCompleted ? task.Result : task.AsTask().GetAwaiter().GetResult();
    }

    static byte[] Prefix(uint length)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, length);
        return b;
    }

    static MemoryStream Stream(params byte[][] parts) => new(parts.SelectMany(p => p).ToArray());

    static string Error(FrameResult r)
    {
        Assert.False(r.EndOfStream);
        Assert.Null(r.Message);
        Assert.NotNull(r.Error);
        return r.Error;
    }

    [Fact]
    public void A_frame_is_a_big_endian_length_then_the_json()
    {
        var m = new Gossip(P, "1732520000.123456:10.1.2.3:1");
        var frame = Framing.Frame(m);
        var json = JsonCodec.Encode(m);
        Assert.Equal(json.Length + 4, frame.Length);
        Assert.Equal((uint)json.Length, BinaryPrimitives.ReadUInt32BigEndian(frame));
        Assert.Equal(json, frame[4..]);
        Assert.Equal(new byte[] { 0, 0, 0, 39 }, Framing.Frame(new LinkRequest(7))[..4]);   // {"type":"LINK_REQUEST","incarnation":7}
        Assert.Equal(new byte[] { 0, 0, 0, 42 }, Framing.Frame(new Bridge(P))[..4]);        // {"type":"BRIDGE","target":"10.1.2.3:6001"}
    }

    [Property(MaxTest = 300)]
    public Property Every_message_survives_a_frame() =>
        Prop.ForAll(Generators.Message.ToArbitrary(), m =>
        {
            var r = Read(new MemoryStream(Framing.Frame(m)));
            return (r.Message is not null && r.Message.Equals(m) && r.Error is null && !r.EndOfStream).Label($"{r}");
        });

    [Fact]
    public void A_good_frame_then_end_of_stream()
    {
        var s = new MemoryStream(Framing.Frame(new DegreeUpdate(Seq(A, B, P))));
        Assert.Equal(FrameResult.Ok(new DegreeUpdate(Seq(A, B, P))), Read(s));
        Assert.Equal(FrameResult.End, Read(s));
        Assert.Equal(FrameResult.End, Read(s));
    }

    [Fact]
    public void An_empty_stream_is_a_clean_end() =>
        Assert.True(Read(new MemoryStream()).EndOfStream);

    [Fact]
    public void Two_frames_back_to_back()
    {
        var first = new Hello(P, Role.Peer);
        var second = new PeerList(Seq1(new PeerEntry(new NodeId("10.1.2.4", 6002), 2)));
        var s = Stream(Framing.Frame(first), Framing.Frame(second));
        Assert.Equal(first, Read(s).Message);
        Assert.Equal(second, Read(s).Message);
        Assert.True(Read(s).EndOfStream);
    }

    [Fact]
    public void Frames_split_into_single_bytes_are_reassembled()
    {
        var m = new SeedSync(1, 0, 1, false, 
            Seq1(new RegisterCommit(P, Seq(A, B), I)),
            Seq1(new DeadConfirmed(new NodeId("10.1.2.4", 6002), Seq(A, B), "crashed", Some(P), I - 1)));
        using var s = new Trickle(Framing.Frame(m).Concat(Framing.Frame(new Bridge(P))).Concat(Framing.Frame(new LinkRequest(-1))).ToArray());
        Assert.Equal(m, Read(s).Message);
        Assert.Equal(new Bridge(P), Read(s).Message);
        Assert.Equal(new LinkRequest(-1), Read(s).Message);
        Assert.True(Read(s).EndOfStream);
    }

    [Fact]
    public async Task An_oversized_length_is_rejected_without_reading_or_allocating_the_payload()
    {
        var s = Stream(Prefix(0xFFFFFFFF), [1, 2, 3]);
        var header = new byte[4];
        Read(new MemoryStream(Framing.Frame(new LinkRequest(I))));   // warm up: JIT, pools
        var before = GC.GetAllocatedBytesForCurrentThread();
        var task = Framing.ReadAsync(s, header, CancellationToken.None);
        var after = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(task.IsCompletedSuccessfully, "a MemoryStream read completes synchronously, on this thread");
        Assert.Equal("frame length 4294967295 exceeds the 1048576-byte limit", Error(await task));
        Assert.True(after - before < 16 * 1024, $"allocated {after - before} bytes");
        Assert.Equal(4, s.Position);
    }

    [Fact]
    public void One_byte_over_the_limit_is_rejected() =>
        Assert.Equal("frame length 1048577 exceeds the 1048576-byte limit",
            Error(Read(Stream(Prefix(Framing.MaxFrameBytes + 1), new byte[Framing.MaxFrameBytes + 1]))));

    [Fact]
    public void A_frame_of_exactly_the_limit_is_accepted()
    {
        var json = Encoding.UTF8.GetBytes("""{"type":"LINK_REQUEST","incarnation":1732520000123456}""");
        var payload = json.Concat(Enumerable.Repeat((byte)' ', Framing.MaxFrameBytes - json.Length)).ToArray();
        Assert.Equal(new LinkRequest(I), Read(Stream(Prefix(Framing.MaxFrameBytes), payload)).Message);
    }

    [Fact]
    public void A_zero_length_is_rejected() =>
        Assert.Contains("frame length 0", Error(Read(Stream(Prefix(0), Framing.Frame(new LinkRequest(I))))));

    [Fact]
    public void A_truncated_payload_is_rejected()
    {
        var frame = Framing.Frame(new Gossip(P, "body"));
        var payload = frame.Length - 4;
        Assert.Equal($"connection closed mid-frame (got 5 of {payload} bytes)", Error(Read(new MemoryStream(frame[..9]))));
        Assert.Equal($"connection closed mid-frame (got 0 of {payload} bytes)", Error(Read(new MemoryStream(frame[..4]))));
    }

    [Fact]
    public void A_truncated_length_prefix_is_rejected() =>
        Assert.Equal("connection closed mid-frame (got 2 of 4 length-prefix bytes)", Error(Read(new MemoryStream([0, 0]))));

    [Fact]
    public void A_payload_the_codec_rejects_gives_the_codec_error()
    {
        var junk = "{not json"u8.ToArray();
        Assert.StartsWith("malformed JSON", Error(Read(Stream(Prefix((uint)junk.Length), junk))));
        var unknown = """{"type":"PING"}"""u8.ToArray();
        Assert.Equal("unknown message type 'PING'", Error(Read(Stream(Prefix((uint)unknown.Length), unknown))));
        var old = """{"type":"LINK_REQUEST"}"""u8.ToArray();   // the shape before incarnations
        Assert.Equal("LINK_REQUEST: field 'incarnation' missing or not a 64-bit integer", Error(Read(Stream(Prefix((uint)old.Length), old))));
    }

    [Fact]
    public async Task Stream_failures_propagate_to_the_caller()
    {
        await Assert.ThrowsAsync<IOException>(async () => await Framing.ReadAsync(new Failing(), new byte[4], CancellationToken.None));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await Framing.ReadAsync(new Trickle([0, 0, 0, 1, 1]), new byte[4], cts.Token));
    }

    [Fact]
    public async Task A_short_header_buffer_is_a_programming_error() =>
        await Assert.ThrowsAsync<ArgumentException>(async () => await Framing.ReadAsync(new MemoryStream(), new byte[3], CancellationToken.None));

    [Fact]
    public void A_message_too_large_for_a_frame_is_not_framed()
    {
        var big = new PeerList(toSeq(Enumerable.Range(1, 40_000).Select(i => new PeerEntry(new NodeId("10.0.0.1", i), i))));
        Assert.False(Framing.TryFrame(big, out var frame, out var error));
        Assert.Empty(frame);
        Assert.Matches(@"^PEER_LIST encodes to \d+ bytes, over the 1048576-byte frame limit$", error);
        Assert.Throws<InvalidOperationException>(() => Framing.Frame(big));
        var neighbours = new DegreeUpdate(toSeq(Enumerable.Range(1, 65_535).Select(i => new NodeId("10.0.0.1", i))));
        Assert.False(Framing.TryFrame(neighbours, out _, out error));
        Assert.Matches(@"^DEGREE_UPDATE encodes to \d+ bytes, over the 1048576-byte frame limit$", error);
    }

    [Property(MaxTest = 1000)]
    public Property Random_streams_never_throw() =>
        Prop.ForAll(Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)).ToArbitrary(), bytes =>
        {
            var s = new MemoryStream(bytes);
            for (var i = 0; i < 10; i++)
            {
                var r = Read(s);
                if (r.EndOfStream || r.Error is not null) return true;
            }
            return true;
        });

    /// <summary>A stream that hands out one byte per read, asynchronously.</summary>
    sealed class Trickle(byte[] data) : Stream
    {
        int pos;
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            await Task.Yield();
            ct.ThrowIfCancellationRequested();
            if (pos == data.Length || buffer.Length == 0) return 0;
            buffer.Span[0] = data[pos++];
            return 1;
        }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => pos; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    sealed class Failing : Stream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            ValueTask.FromException<int>(new IOException("connection reset by peer"));
        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("connection reset by peer");
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
