using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace GossipPure.Core.Peers;

/// <summary>
/// The SHA-256 of a gossip message's identity: its origin's address and its body. Including the port means two
/// peers on one IP never collide even when they make the same body in the same microsecond.
/// </summary>
// A class: the seen-set's trie then copies 8-byte references rather than 32-byte values when it grows, and
// LanguageExt's equality (ReferenceEquals first) does not box it; each message's digest is made once anyway.
public sealed record Digest(ulong A, ulong B, ulong C, ulong D)
{
    public static Digest Of(NodeId origin, string body)
    {
        // The hashed text is "<ip>:<port>|<body>" (or "[<v6>]:<port>|<body>") in UTF-8, written straight into a buffer.
        var max = Encoding.UTF8.GetMaxByteCount(origin.Ip.Length + body.Length) + 16;
        Span<byte> utf8 = max <= 512 ? stackalloc byte[max] : new byte[max];
        var n = 0;
        var v6 = origin.Ip.Contains(':');
        if (v6) utf8[n++] = (byte)'[';
        n += Encoding.UTF8.GetBytes(origin.Ip, utf8[n..]);
        if (v6) utf8[n++] = (byte)']';
        utf8[n++] = (byte)':';
        origin.Port.TryFormat(utf8[n..], out var w, default, CultureInfo.InvariantCulture);
        n += w;
        utf8[n++] = (byte)'|';
        n += Encoding.UTF8.GetBytes(body, utf8[n..]);
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
