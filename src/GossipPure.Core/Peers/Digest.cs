using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace GossipPure.Core.Peers;

/// <summary>
/// The SHA-256 of a gossip message's identity: its origin's address and its body. Including the port means two
/// peers on one IP never collide even when they make the same body in the same microsecond.
/// </summary>
public readonly record struct Digest(ulong A, ulong B, ulong C, ulong D)
{
    public static Digest Of(NodeId origin, string body)
    {
        var text = $"{origin}|{body}";
        Span<byte> utf8 = text.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(text.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(text.Length)];
        var n = Encoding.UTF8.GetBytes(text, utf8);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(utf8[..n], hash);
        return new Digest(
            BinaryPrimitives.ReadUInt64BigEndian(hash),
            BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(hash[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));
    }

    public override string ToString() => $"{A:x16}{B:x16}{C:x16}{D:x16}";
}
