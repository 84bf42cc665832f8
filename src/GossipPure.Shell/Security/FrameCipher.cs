using System.Buffers.Binary;
using System.Security.Cryptography;
using GossipPure.Shell.Wire;

namespace GossipPure.Shell.Security;

/// <summary>
/// One direction of a keyed connection: AES-256-GCM with its own key, and a frame counter as the nonce (12 bytes:
/// 4 zero bytes, the counter big-endian). The length prefix is authenticated with the payload. Frames must be opened
/// in the order they were sealed; a frame that was changed, dropped, repeated or moved fails to open, and its
/// connection is closed. Seal and open are each used by one loop (the writer, the reader), never concurrently.
/// </summary>
public sealed class FrameCipher : IFrameOpener, IDisposable
{
    public const int KeyBytes = 32;
    public const int TagBytes = 16;
    const int NonceBytes = 12;
    readonly AesGcm aes;
    ulong counter;

    public FrameCipher(byte[] key) => aes = new AesGcm(key, TagBytes);

    public static bool IsSupported => AesGcm.IsSupported;

    public int Overhead => TagBytes;

    /// <summary>Frames sealed or opened so far.</summary>
    public ulong Count => counter;

    /// <summary>Seals a plain frame (length prefix and payload, as <see cref="Framing.TryFrame"/> makes) into a sealed one.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plainFrame)
    {
        var plain = plainFrame[Framing.HeaderBytes..];
        var sealedFrame = new byte[Framing.HeaderBytes + plain.Length + TagBytes];
        BinaryPrimitives.WriteInt32BigEndian(sealedFrame, plain.Length + TagBytes);
        Span<byte> nonce = stackalloc byte[NonceBytes];
        NextNonce(nonce);
        aes.Encrypt(nonce, plain, sealedFrame.AsSpan(Framing.HeaderBytes, plain.Length), sealedFrame.AsSpan(Framing.HeaderBytes + plain.Length, TagBytes),
            sealedFrame.AsSpan(0, Framing.HeaderBytes));
        return sealedFrame;
    }

    public bool TryOpen(ReadOnlySpan<byte> header, ReadOnlySpan<byte> sealedPayload, Span<byte> plaintext)
    {
        if (sealedPayload.Length < TagBytes || plaintext.Length != sealedPayload.Length - TagBytes) return false;
        Span<byte> nonce = stackalloc byte[NonceBytes];
        NextNonce(nonce);
        try
        {
            aes.Decrypt(nonce, sealedPayload[..^TagBytes], sealedPayload[^TagBytes..], plaintext, header[..Framing.HeaderBytes]);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            plaintext.Clear();
            return false;
        }
    }

    void NextNonce(Span<byte> nonce)
    {
        // 2^64 frames would take far longer than any connection lives; a wrap would reuse a nonce, so it is refused.
        if (counter == ulong.MaxValue) throw new CryptographicException("frame counter exhausted; the connection must be re-keyed");
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], counter++);
    }

    public void Dispose() => aes.Dispose();
}
