using System.Buffers;
using System.Buffers.Binary;
using GossipPure.Core;

namespace GossipPure.Shell.Wire;

/// <summary>
/// What one <see cref="Framing.ReadAsync"/> got: a message, a clean end of stream (the remote closed between two
/// frames), or an error string for a frame that is not valid (after which the caller drops the connection).
/// </summary>
public readonly record struct FrameResult(Message? Message, string? Error, bool EndOfStream)
{
    public static FrameResult Ok(Message m) => new(m, null, false);
    public static FrameResult Fail(string error) => new(null, error, false);
    public static readonly FrameResult End = new(null, null, true);
}

/// <summary>
/// A frame is a 4-byte big-endian payload length followed by that many bytes of UTF-8 JSON (<see cref="JsonCodec"/>).
/// A length of 0 or over <see cref="MaxFrameBytes"/> is an error.
/// </summary>
public static class Framing
{
    public const int HeaderBytes = 4;
    /// <summary>The largest payload accepted or sent: 1 MiB.</summary>
    public const int MaxFrameBytes = 1 << 20;

    /// <summary>The frame for <paramref name="m"/>: length prefix and JSON payload, in one array.</summary>
    /// <exception cref="InvalidOperationException">
    /// The message encodes to more than <see cref="MaxFrameBytes"/>; the receiver would reject the frame, so it is
    /// not made. Use <see cref="TryFrame"/> to get that as a value.
    /// </exception>
    public static byte[] Frame(Message m) =>
        TryFrame(m, out var frame, out var error) ? frame : throw new InvalidOperationException(error);

    /// <summary>As <see cref="Frame"/>, but a message too large for one frame gives false and an error line.</summary>
    public static bool TryFrame(Message m, out byte[] frame, out string? error)
    {
        frame = JsonCodec.EncodeWithPrefix(m, HeaderBytes);
        var length = frame.Length - HeaderBytes;
        if (length > MaxFrameBytes)
        {
            error = $"{Core.Wire.TypeName(m)} encodes to {length} bytes, over the {MaxFrameBytes}-byte frame limit";
            frame = [];
            return false;
        }
        BinaryPrimitives.WriteInt32BigEndian(frame, length);
        error = null;
        return true;
    }

    /// <summary>
    /// Reads one frame from <paramref name="stream"/>. <paramref name="headerBuffer"/> (at least 4 bytes, reused by
    /// the caller across reads) holds the length prefix; the payload goes into a pooled buffer, allocated only once
    /// the length is known to be within the limit.
    /// </summary>
    /// <returns>
    /// The message; <see cref="FrameResult.End"/> when the stream ends exactly at a frame boundary; or an error:
    /// a zero or oversized length, a stream that ends mid-frame, or a payload the codec rejects.
    /// </returns>
    /// <remarks>
    /// I/O failures of the stream itself (<see cref="IOException"/>, <see cref="System.Net.Sockets.SocketException"/>,
    /// <see cref="ObjectDisposedException"/>) and cancellation (<see cref="OperationCanceledException"/>) propagate
    /// to the caller: they are the connection's business, not the frame's.
    /// </remarks>
    public static async ValueTask<FrameResult> ReadAsync(Stream stream, byte[] headerBuffer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (headerBuffer is null || headerBuffer.Length < HeaderBytes)
            throw new ArgumentException($"the header buffer must hold at least {HeaderBytes} bytes", nameof(headerBuffer));

        var got = await ReadFull(stream, headerBuffer.AsMemory(0, HeaderBytes), ct).ConfigureAwait(false);
        if (got == 0) return FrameResult.End;
        if (got < HeaderBytes)
            return FrameResult.Fail($"connection closed mid-frame (got {got} of {HeaderBytes} length-prefix bytes)");

        var length = BinaryPrimitives.ReadUInt32BigEndian(headerBuffer);
        if (length == 0) return FrameResult.Fail("frame length 0: an empty frame is not a message");
        if (length > MaxFrameBytes) return FrameResult.Fail($"frame length {length} exceeds the {MaxFrameBytes}-byte limit");

        var size = (int)length;
        var payload = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            got = await ReadFull(stream, payload.AsMemory(0, size), ct).ConfigureAwait(false);
            if (got < size) return FrameResult.Fail($"connection closed mid-frame (got {got} of {size} bytes)");
            return JsonCodec.TryDecode(payload.AsMemory(0, size), out var m, out var error)
                ? FrameResult.Ok(m)
                : FrameResult.Fail(error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(payload);
        }
    }

    /// <summary>Reads until <paramref name="into"/> is full or the stream ends; returns the bytes read.</summary>
    static async ValueTask<int> ReadFull(Stream stream, Memory<byte> into, CancellationToken ct)
    {
        var total = 0;
        while (total < into.Length)
        {
            var n = await stream.ReadAsync(into[total..], ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
