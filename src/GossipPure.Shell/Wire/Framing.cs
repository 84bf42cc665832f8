using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using GossipPure.Core;

namespace GossipPure.Shell.Wire;

/// <summary>
/// What one <see cref="Framing.ReadAsync(Stream, byte[], CancellationToken)"/> got: a message, a clean end of
/// stream (the remote closed between two frames), or an error string for a frame that is not valid (after which
/// the caller drops the connection).
/// </summary>
public readonly record struct FrameResult(Message? Message, string? Error, bool EndOfStream)
{
    public static FrameResult Ok(Message m) => new(m, null, false);
    public static FrameResult Fail(string error) => new(null, error, false);
    public static readonly FrameResult End = new(null, null, true);
}

/// <summary>
/// One frame's payload as bytes (for the handshake, which is not JSON), or the end of the stream, or an error.
/// <see cref="Payload"/> is a copy of exactly the payload's length.
/// </summary>
public readonly record struct RawFrame(byte[]? Payload, string? Error, bool EndOfStream)
{
    public static RawFrame Fail(string error) => new(null, error, false);
    public static readonly RawFrame End = new(null, null, true);
}

/// <summary>Opens a sealed frame: the payload is ciphertext and tag, authenticated together with the length prefix.</summary>
public interface IFrameOpener
{
    /// <summary>Bytes a sealed payload carries beyond its plaintext (the authentication tag).</summary>
    int Overhead { get; }

    /// <summary>Decrypts <paramref name="sealedPayload"/> into <paramref name="plaintext"/> (its length minus <see cref="Overhead"/>); false when it does not authenticate.</summary>
    bool TryOpen(ReadOnlySpan<byte> header, ReadOnlySpan<byte> sealedPayload, Span<byte> plaintext);
}

/// <summary>How <see cref="Framing.ReadAsync(Stream, byte[], FrameReadOptions, CancellationToken)"/> reads.</summary>
public sealed record FrameReadOptions
{
    public static readonly FrameReadOptions Default = new();

    /// <summary>
    /// Once the first byte of a frame has arrived, the rest must arrive within this time; otherwise the frame is an
    /// error (a connection that sends half a frame and stalls). Between frames there is no deadline.
    /// </summary>
    public TimeSpan FrameTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Where payload buffers come from (tests count what is asked of it).</summary>
    public ArrayPool<byte> Pool { get; init; } = ArrayPool<byte>.Shared;

    /// <summary>When set, every payload is sealed (cluster key): it is opened before it is decoded.</summary>
    public IFrameOpener? Opener { get; init; }
}

/// <summary>
/// A frame is a 4-byte big-endian payload length followed by that many bytes of UTF-8 JSON (<see cref="JsonCodec"/>).
/// A length of 0 or over <see cref="MaxFrameBytes"/> is an error. A payload whose first byte is
/// <see cref="ControlMark"/> (never the start of JSON) is a control frame of the transport: the cluster-key handshake
/// or a refusal (<see cref="ControlKind"/>).
/// </summary>
public static class Framing
{
    public const int HeaderBytes = 4;
    /// <summary>The largest payload accepted or sent: 1 MiB (the core's <see cref="FrameSize.MaxPayloadBytes"/>, which the simulator checks).</summary>
    public const int MaxFrameBytes = FrameSize.MaxPayloadBytes;
    /// <summary>The first byte of a control payload.</summary>
    public const byte ControlMark = 0x00;
    /// <summary>The longest refusal reason put on the wire or shown from one.</summary>
    public const int MaxRefusalChars = 200;

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
        frame = m is Gossip g ? JsonCodec.FrameOf(g) : JsonCodec.EncodeWithPrefix(m, HeaderBytes);
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

    /// <summary>A frame around a control payload: <see cref="ControlMark"/>, <paramref name="kind"/>, <paramref name="body"/>.</summary>
    public static byte[] Control(ControlKind kind, ReadOnlySpan<byte> body)
    {
        var frame = new byte[HeaderBytes + 2 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, 2 + body.Length);
        frame[HeaderBytes] = ControlMark;
        frame[HeaderBytes + 1] = (byte)kind;
        body.CopyTo(frame.AsSpan(HeaderBytes + 2));
        return frame;
    }

    /// <summary>The frame that tells a remote why it is being refused (shown by its transport as one line).</summary>
    public static byte[] Refusal(string reason) => Control(ControlKind.Refusal, Encoding.UTF8.GetBytes(OneLine(reason, MaxRefusalChars)));

    /// <summary>Reads one plain (unsealed) frame; see <see cref="ReadAsync(Stream, byte[], FrameReadOptions, CancellationToken)"/>.</summary>
    public static ValueTask<FrameResult> ReadAsync(Stream stream, byte[] headerBuffer, CancellationToken ct) =>
        ReadAsync(stream, headerBuffer, FrameReadOptions.Default, ct);

    /// <summary>
    /// Reads one frame from <paramref name="stream"/>. <paramref name="headerBuffer"/> (at least 4 bytes, reused by
    /// the caller across reads) holds the length prefix; the payload goes into a buffer from
    /// <see cref="FrameReadOptions.Pool"/>, asked for only once the length is known to be within the limit (so no
    /// buffer is ever larger than <see cref="MaxFrameBytes"/> plus the opener's overhead).
    /// </summary>
    /// <returns>
    /// The message; <see cref="FrameResult.End"/> when the stream ends exactly at a frame boundary; or an error:
    /// a zero or oversized length, a stream that ends mid-frame, a frame not completed within
    /// <see cref="FrameReadOptions.FrameTimeout"/>, a sealed payload that does not authenticate, a control frame
    /// (a refusal is shown with its reason), or a payload the codec rejects.
    /// </returns>
    /// <remarks>
    /// I/O failures of the stream itself (<see cref="IOException"/>, <see cref="System.Net.Sockets.SocketException"/>,
    /// <see cref="ObjectDisposedException"/>) and cancellation by <paramref name="ct"/>
    /// (<see cref="OperationCanceledException"/>) propagate to the caller: they are the connection's business, not
    /// the frame's.
    /// </remarks>
    public static async ValueTask<FrameResult> ReadAsync(Stream stream, byte[] headerBuffer, FrameReadOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        CheckHeader(headerBuffer);
        var opener = options.Opener;
        var limit = MaxFrameBytes + (opener?.Overhead ?? 0);
        using var frame = new FrameDeadline(options.FrameTimeout, ct);
        var (size, early) = await ReadHeader(stream, headerBuffer, limit, frame, ct).ConfigureAwait(false);
        if (early is { } e) return e.EndOfStream ? FrameResult.End : FrameResult.Fail(e.Error!);

        var pool = options.Pool;
        var payload = pool.Rent(size);
        try
        {
            var (got, timedOut) = await ReadFull(stream, payload.AsMemory(0, size), frame.Token, ct).ConfigureAwait(false);
            if (timedOut) return FrameResult.Fail(Stalled(options.FrameTimeout, HeaderBytes + got, HeaderBytes + size));
            if (got < size) return FrameResult.Fail($"connection closed mid-frame (got {got} of {size} bytes)");
            if (opener is null) return Decode(payload.AsSpan(0, size));

            if (size <= opener.Overhead) return FrameResult.Fail($"sealed frame of {size} bytes has no room for a message beside its {opener.Overhead}-byte tag");
            var plain = pool.Rent(size - opener.Overhead);
            try
            {
                var text = plain.AsSpan(0, size - opener.Overhead);
                return opener.TryOpen(headerBuffer.AsSpan(0, HeaderBytes), payload.AsSpan(0, size), text)
                    ? Decode(text)
                    : FrameResult.Fail("frame failed authentication (tampered, replayed, reordered or sealed with another key)");
            }
            finally { pool.Return(plain); }
        }
        finally
        {
            pool.Return(payload);
        }
    }

    /// <summary>
    /// Reads one frame's payload as bytes, up to <paramref name="maxBytes"/> long (the handshake's frames are small;
    /// a longer one is an error before anything is read of it).
    /// </summary>
    public static async ValueTask<RawFrame> ReadRawAsync(Stream stream, byte[] headerBuffer, int maxBytes, TimeSpan frameTimeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckHeader(headerBuffer);
        using var frame = new FrameDeadline(frameTimeout, ct);
        var (size, early) = await ReadHeader(stream, headerBuffer, Math.Min(maxBytes, MaxFrameBytes), frame, ct).ConfigureAwait(false);
        if (early is { } e) return e;
        var payload = new byte[size];
        var (got, timedOut) = await ReadFull(stream, payload, frame.Token, ct).ConfigureAwait(false);
        if (timedOut) return RawFrame.Fail(Stalled(frameTimeout, HeaderBytes + got, HeaderBytes + size));
        if (got < size) return RawFrame.Fail($"connection closed mid-frame (got {got} of {size} bytes)");
        return new RawFrame(payload, null, false);
    }

    /// <summary>What an identity challenge is to a node without signed membership (<see cref="Decode"/>'s error).</summary>
    public const string UnexpectedChallenge = "the remote requires signed membership (it sent an identity challenge), but this node's config.csv has no seed keys";

    /// <summary>Decodes a plain payload: JSON to a message, or a control frame to the error it means outside a handshake.</summary>
    public static FrameResult Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > 0 && payload[0] == ControlMark)
        {
            if (payload.Length >= 2 && payload[1] == (byte)ControlKind.Refusal)
                return FrameResult.Fail($"refused by the remote: {RefusalText(payload[2..])}");
            if (payload.Length >= 2 && payload[1] == (byte)ControlKind.Challenge)
                return FrameResult.Fail(UnexpectedChallenge);
            return FrameResult.Fail(payload.Length >= 2 && Enum.IsDefined((ControlKind)payload[1])
                ? $"unexpected {(ControlKind)payload[1]} handshake frame (this connection has no cluster-key handshake)"
                : "control frame of an unknown kind");
        }
        return JsonCodec.TryDecode(payload, out var m, out var error) ? FrameResult.Ok(m) : FrameResult.Fail(error);
    }

    /// <summary>The reason in a refusal's body, made safe to show on one line.</summary>
    public static string RefusalText(ReadOnlySpan<byte> body) =>
        OneLine(Encoding.UTF8.GetString(body[..Math.Min(body.Length, MaxRefusalChars * 4)]), MaxRefusalChars);

    /// <summary>
    /// <paramref name="text"/> as one short line: control characters (line breaks included) become '?', and a text
    /// longer than <paramref name="maxChars"/> is cut with an ellipsis. Text from the network goes through this before
    /// it reaches a log.
    /// </summary>
    public static string OneLine(string text, int maxChars)
    {
        var cut = text.Length > maxChars;
        var sb = new StringBuilder(Math.Min(text.Length, maxChars) + 1);
        foreach (var ch in cut ? text.AsSpan(0, maxChars) : text.AsSpan())
            sb.Append(char.IsControl(ch) || ch is '\u2028' or '\u2029' ? '?' : ch);
        if (cut) sb.Append('…');
        return sb.ToString();
    }

    static void CheckHeader(byte[] headerBuffer)
    {
        if (headerBuffer is null || headerBuffer.Length < HeaderBytes)
            throw new ArgumentException($"the header buffer must hold at least {HeaderBytes} bytes", nameof(headerBuffer));
    }

    static string Stalled(TimeSpan timeout, int got, int of) =>
        $"frame not completed within {timeout.TotalSeconds:0.###}s of its first byte (got {got} of {of} bytes); the sender stalled";

    /// <summary>The length prefix: the payload size within <paramref name="limit"/>, or what ends the read early.</summary>
    static async ValueTask<(int Size, RawFrame? Early)> ReadHeader(Stream stream, byte[] header, int limit, FrameDeadline frame, CancellationToken ct)
    {
        // The first bytes may take as long as the remote likes (an idle connection); from then on the frame is timed.
        var first = await stream.ReadAsync(header.AsMemory(0, HeaderBytes), ct).ConfigureAwait(false);
        if (first == 0) return (0, RawFrame.End);
        frame.Start();
        if (first < HeaderBytes)
        {
            var (rest, timedOut) = await ReadFull(stream, header.AsMemory(first, HeaderBytes - first), frame.Token, ct).ConfigureAwait(false);
            if (timedOut) return (0, RawFrame.Fail(Stalled(frame.Timeout, first + rest, HeaderBytes)));
            if (first + rest < HeaderBytes)
                return (0, RawFrame.Fail($"connection closed mid-frame (got {first + rest} of {HeaderBytes} length-prefix bytes)"));
        }

        // Unsigned: prefixes 0x80000000..0xFFFFFFFF are large lengths, never negative ones.
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length == 0) return (0, RawFrame.Fail("frame length 0: an empty frame is not a message"));
        if (length > (uint)limit) return (0, RawFrame.Fail($"frame length {length} exceeds the {limit}-byte limit"));
        return ((int)length, null);
    }

    /// <summary>
    /// Reads until <paramref name="into"/> is full or the stream ends, with <paramref name="token"/> (the frame's
    /// deadline, linked to <paramref name="ct"/>); returns the bytes read and whether the deadline ran out first.
    /// Cancellation by <paramref name="ct"/> itself propagates.
    /// </summary>
    static async ValueTask<(int Got, bool TimedOut)> ReadFull(Stream stream, Memory<byte> into, CancellationToken token, CancellationToken ct)
    {
        var total = 0;
        try
        {
            while (total < into.Length)
            {
                var n = await stream.ReadAsync(into[total..], token).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
            }
            return (total, false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return (total, true);
        }
    }

    /// <summary>
    /// The time a frame has from its first byte. The timer exists only once a frame has started and only when there
    /// is a limit, so idle connections and plain reads cost nothing.
    /// </summary>
    sealed class FrameDeadline(TimeSpan timeout, CancellationToken ct) : IDisposable
    {
        CancellationTokenSource? cts;
        public TimeSpan Timeout => timeout;
        public CancellationToken Token => cts?.Token ?? ct;

        public void Start()
        {
            if (timeout == System.Threading.Timeout.InfiniteTimeSpan) return;
            cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(timeout);
        }

        public void Dispose() => cts?.Dispose();
    }
}

/// <summary>The second byte of a control payload.</summary>
public enum ControlKind : byte
{
    /// <summary>Dialler → acceptor: the first frame of a keyed connection (key id, dialler's challenge).</summary>
    ClientHello = 1,
    /// <summary>Acceptor → dialler: acceptor's challenge and its proof of the key.</summary>
    ServerHello = 2,
    /// <summary>Dialler → acceptor: the dialler's proof of the key.</summary>
    ClientFinish = 3,
    /// <summary>Either way: why the connection is refused (UTF-8 text), just before it is closed.</summary>
    Refusal = 4,
    /// <summary>Acceptor → dialler, with signed membership on a plain connection: 32 fresh random bytes the dialler's HELLO must sign.</summary>
    Challenge = 5,
    /// <summary>Dialler → acceptor, with signed membership on a plain connection: it will send a signed HELLO (version byte); asks for the challenge.</summary>
    ChallengeRequest = 6,
}
