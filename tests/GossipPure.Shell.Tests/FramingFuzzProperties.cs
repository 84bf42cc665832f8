using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using GossipPure.Shell.Security;

namespace GossipPure.Shell.Tests;

/// <summary>
/// Fuzzing the frame reader: arbitrary bytes, and valid streams of frames with bytes flipped, cut short, inserted,
/// or with a length prefix replaced (0, the limit ± 1, 0x80000000..0xFFFFFFFF). Whatever comes in, each read is
/// exactly one of a message, the end, or a one-line error; nothing throws; no buffer beyond the frame limit is asked
/// for. Sealed streams (cluster key) additionally never yield a message that was not sent, or one out of order.
/// </summary>
public sealed class FramingFuzzProperties
{
    /// <summary>A pool that remembers the largest buffer asked of it.</summary>
    sealed class CountingPool : ArrayPool<byte>
    {
        public int Largest { get; private set; }
        public int Rented { get; private set; }
        public int Returned { get; private set; }

        public override byte[] Rent(int minimumLength)
        {
            Largest = Math.Max(Largest, minimumLength);
            Rented++;
            return Shared.Rent(minimumLength);
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
            Returned++;
            Shared.Return(array, clearArray);
        }
    }

    /// <summary>One way to spoil a valid stream.</summary>
    public abstract record Mutation;
    public sealed record Flip(int Position, byte Mask) : Mutation;
    public sealed record Truncate(int Length) : Mutation;
    public sealed record Insert(int Position, byte[] Bytes) : Mutation;
    public sealed record Prefix(int Frame, uint Length) : Mutation;

    static readonly Gen<uint> Lengths = Gen.Frequency(
        (3, Gen.Elements(0u, 1u, 2u, 3u, (uint)Framing.MaxFrameBytes, (uint)Framing.MaxFrameBytes + 1, (uint)Framing.MaxFrameBytes + 16,
            (uint)Framing.MaxFrameBytes + 17, 0x7FFFFFFFu, 0x80000000u, 0x80000001u, 0xFFFFFFFFu, 0xFFFFFFFEu)),
        (2, Gen.Choose(0, 300).Select(n => (uint)n)),
        (2, Gen.Choose(int.MinValue, int.MaxValue).Select(n => unchecked((uint)n))));

    static readonly Gen<Mutation> AnyMutation = Gen.OneOf(
        from p in Gen.Choose(0, int.MaxValue) from m in Gen.Choose(1, 255) select (Mutation)new Flip(p, (byte)m),
        from n in Gen.Choose(0, int.MaxValue) select (Mutation)new Truncate(n),
        from p in Gen.Choose(0, int.MaxValue) from b in Gen.ArrayOf(Gen.Choose(0, 255).Select(x => (byte)x)) select (Mutation)new Insert(p, b),
        from f in Gen.Choose(0, 10) from l in Lengths select (Mutation)new Prefix(f, l));

    /// <summary>Some valid messages and some mutations of the stream of their frames.</summary>
    public sealed record Case(Message[] Messages, Mutation[] Mutations)
    {
        public override string ToString() => $"{Messages.Length} messages ({string.Join(", ", Messages.Select(Core.Wire.TypeName))}); mutations: {string.Join(", ", Mutations.Select(m => m.ToString()))}";
    }

    static readonly Gen<Case> Cases =
        from n in Gen.Choose(1, 6)
        from ms in Gen.ArrayOf(Generators.Message, n)
        from k in Gen.Choose(0, 4)
        from mut in Gen.ArrayOf(AnyMutation, k)
        select new Case(ms, mut);

    static byte[] Apply(byte[] stream, IEnumerable<Mutation> mutations, IReadOnlyList<int> frameStarts)
    {
        var bytes = stream.ToList();
        foreach (var m in mutations)
        {
            switch (m)
            {
                case Flip f when bytes.Count > 0: bytes[f.Position % bytes.Count] ^= f.Mask; break;
                case Truncate t: bytes = bytes.Take(t.Length % (bytes.Count + 1)).ToList(); break;
                case Insert i: bytes.InsertRange(i.Position % (bytes.Count + 1), i.Bytes); break;
                case Prefix p when frameStarts.Count > 0:
                    var at = frameStarts[p.Frame % frameStarts.Count];
                    if (at + 4 > bytes.Count) break;
                    var prefix = new byte[4];
                    BinaryPrimitives.WriteUInt32BigEndian(prefix, p.Length);
                    for (var j = 0; j < 4; j++) bytes[at + j] = prefix[j];
                    break;
            }
        }
        return bytes.ToArray();
    }

    static (byte[] Stream, List<int> Starts) Concat(IEnumerable<byte[]> frames)
    {
        var starts = new List<int>();
        var all = new List<byte>();
        foreach (var f in frames) { starts.Add(all.Count); all.AddRange(f); }
        return (all.ToArray(), starts);
    }

    /// <summary>Reads frames until the end or an error; checks each result's shape. Returns the messages read.</summary>
    static (List<Message> Messages, string? Error, string? Broken) ReadAll(byte[] bytes, FrameReadOptions options, int maxLength)
    {
        var s = new MemoryStream(bytes);
        var header = new byte[4];
        var got = new List<Message>();
        for (var i = 0; i < 100; i++)
        {
            FrameResult r;
            try
            {
                var t = Framing.ReadAsync(s, header, options, CancellationToken.None);
                if (!t.IsCompleted) return (got, null, "a read from memory did not complete at once");
                r = t.Result;
            }
            catch (Exception e) { return (got, null, $"threw {e.GetType().Name}: {e.Message}"); }
            var kinds = (r.Message is not null ? 1 : 0) + (r.Error is not null ? 1 : 0) + (r.EndOfStream ? 1 : 0);
            if (kinds != 1) return (got, null, $"result is not exactly one of message, error, end: {r}");
            if (r.EndOfStream) return (got, null, null);
            if (r.Error is { } e2)
            {
                if (e2.Length == 0 || e2.Contains('\n') || e2.Contains('\r')) return (got, e2, $"error is not one line: '{e2}'");
                if (e2.Length > maxLength) return (got, e2, $"error is {e2.Length} characters long");
                return (got, e2, null);
            }
            got.Add(r.Message!);
        }
        return (got, null, "more than 100 frames from a stream of at most 6");
    }

    [Property(MaxTest = 600)]
    public Property Mutated_frame_streams_give_a_message_an_end_or_one_line_error() =>
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var (stream, starts) = Concat(c.Messages.Select(Framing.Frame));
            var bytes = Apply(stream, c.Mutations, starts);
            var pool = new CountingPool();
            var (got, _, broken) = ReadAll(bytes, new FrameReadOptions { Pool = pool }, 2000);
            return (broken is null).Label(broken ?? "")
                .And((pool.Largest <= Framing.MaxFrameBytes).Label($"asked the pool for {pool.Largest} bytes"))
                .And((pool.Rented == pool.Returned).Label($"rented {pool.Rented}, returned {pool.Returned}"))
                // Without mutations every message comes back, in order.
                .And((c.Mutations.Length > 0 || got.SequenceEqual(c.Messages)).Label("an unmutated stream did not round-trip"));
        });

    [Property(MaxTest = 600)]
    public Property Arbitrary_bytes_give_a_message_an_end_or_one_line_error() =>
        Prop.ForAll(Gen.Frequency(
                (3, Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))),
                // A plausible prefix then junk: reaches the payload and the codec more often than pure noise.
                (2, from len in Gen.Choose(1, 64) from body in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), len)
                    select new byte[] { 0, 0, 0, (byte)len }.Concat(body).ToArray()),
                (1, from len in Lengths from body in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))
                    select BitConverter.GetBytes(len).Reverse().Concat(body).ToArray()))
            .ToArbitrary(), bytes =>
        {
            var pool = new CountingPool();
            var (_, _, broken) = ReadAll(bytes, new FrameReadOptions { Pool = pool }, 2000);
            return (broken is null).Label(broken ?? "")
                .And((pool.Largest <= Framing.MaxFrameBytes).Label($"asked the pool for {pool.Largest} bytes"));
        });

    [Property(MaxTest = 500)]
    public Property Mutated_sealed_streams_never_yield_a_message_that_was_not_sent() =>
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            var key = RandomNumberGenerator.GetBytes(FrameCipher.KeyBytes);
            using var sealer = new FrameCipher(key);
            var (stream, starts) = Concat(c.Messages.Select(m => sealer.Seal(Framing.Frame(m))));
            var bytes = Apply(stream, c.Mutations, starts);
            var pool = new CountingPool();
            using var opener = new FrameCipher(key);
            var (got, error, broken) = ReadAll(bytes, new FrameReadOptions { Pool = pool, Opener = opener }, 2000);
            var prefixOk = got.Count <= c.Messages.Length && got.SequenceEqual(c.Messages.Take(got.Count));
            return (broken is null).Label(broken ?? "")
                .And(prefixOk.Label($"read {got.Count} messages that are not the first ones sent (error: {error})"))
                .And((pool.Largest <= Framing.MaxFrameBytes + FrameCipher.TagBytes).Label($"asked the pool for {pool.Largest} bytes"))
                .And((c.Mutations.Length > 0 || got.Count == c.Messages.Length).Label("an unmutated sealed stream did not round-trip"));
        });

    [Fact]
    public void Prefixes_from_0x80000000_up_are_lengths_too_large_not_negative_ones()
    {
        foreach (var len in new[] { 0x80000000u, 0x80000001u, 0xC0000000u, 0xFFFFFFFEu, 0xFFFFFFFFu })
        {
            var pool = new CountingPool();
            var prefix = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(prefix, len);
            var (_, error, broken) = ReadAll([.. prefix, 1, 2, 3], new FrameReadOptions { Pool = pool }, 200);
            Assert.Null(broken);
            Assert.Equal($"frame length {len} exceeds the {Framing.MaxFrameBytes}-byte limit", error);
            Assert.Equal(0, pool.Rented);
        }
    }
}
