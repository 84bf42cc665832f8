using System.Security.Cryptography;
using GossipPure.Shell.Wire;

namespace GossipPure.Shell.Security;

/// <summary>
/// The cluster-key handshake: a mutual challenge–response before the first message of a keyed connection.
/// <code>
/// dialler  → acceptor  CLIENT_HELLO  version, key id (the dialler's primary), Nd (32 fresh random bytes)
/// acceptor → dialler   SERVER_HELLO  Na (32 fresh random bytes), HMAC-SHA256(K, "acceptor" | version | id | Nd | Na)
/// dialler  → acceptor  CLIENT_FINISH HMAC-SHA256(K, "dialler"  | version | id | Nd | Na)
/// </code>
/// Each side proves it holds K over a challenge the other side just made up, so a recorded handshake replayed to
/// either side fails. Both then derive one AES-256-GCM key per direction with HKDF-SHA256 (K, salt Nd | Na), so every
/// connection has its own keys; every frame after the handshake is sealed (<see cref="FrameCipher"/>).
/// Pure: the random challenges come in as arguments.
/// </summary>
public static class Handshake
{
    public const byte Version = 1;
    public const int NonceBytes = 32;
    public const int MacBytes = 32;
    /// <summary>The largest handshake payload (CLIENT_HELLO: mark, kind, version, id, nonce), with room for a refusal.</summary>
    public const int MaxFrameBytes = 2 + Framing.MaxRefusalChars * 4;

    static readonly byte[] AcceptorLabel = "GossipPure handshake v1 acceptor"u8.ToArray();
    static readonly byte[] DiallerLabel = "GossipPure handshake v1 dialler"u8.ToArray();
    static readonly byte[] DiallerToAcceptor = "GossipPure v1 dialler->acceptor"u8.ToArray();
    static readonly byte[] AcceptorToDialler = "GossipPure v1 acceptor->dialler"u8.ToArray();

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(NonceBytes);

    /// <summary>The dialler's first frame.</summary>
    public static byte[] ClientHello(ClusterKey key, byte[] diallerNonce) =>
        Framing.Control(ControlKind.ClientHello, [Version, .. key.Id, .. diallerNonce]);

    /// <summary>The acceptor's reading of a CLIENT_HELLO payload: the key id and challenge, or a one-line error.</summary>
    public static bool TryReadClientHello(ReadOnlySpan<byte> payload, out byte[] keyId, out byte[] diallerNonce, out string? error)
    {
        keyId = diallerNonce = [];
        if (!IsControl(payload, ControlKind.ClientHello, 1 + ClusterKey.IdBytes + NonceBytes, out error)) return false;
        if (payload[2] != Version) { error = $"cluster-key handshake version {payload[2]}, this node speaks {Version}"; return false; }
        keyId = payload.Slice(3, ClusterKey.IdBytes).ToArray();
        diallerNonce = payload.Slice(3 + ClusterKey.IdBytes, NonceBytes).ToArray();
        return true;
    }

    public static byte[] ServerHello(ClusterKey key, byte[] diallerNonce, byte[] acceptorNonce) =>
        Framing.Control(ControlKind.ServerHello, [.. acceptorNonce, .. Mac(key, AcceptorLabel, diallerNonce, acceptorNonce)]);

    /// <summary>The dialler checks the acceptor's proof; on success it has the acceptor's challenge.</summary>
    public static bool TryReadServerHello(ReadOnlySpan<byte> payload, ClusterKey key, byte[] diallerNonce, out byte[] acceptorNonce, out string? error)
    {
        acceptorNonce = [];
        if (!IsControl(payload, ControlKind.ServerHello, NonceBytes + MacBytes, out error)) return false;
        var nonce = payload.Slice(2, NonceBytes).ToArray();
        if (!CryptographicOperations.FixedTimeEquals(payload.Slice(2 + NonceBytes, MacBytes), Mac(key, AcceptorLabel, diallerNonce, nonce)))
        {
            error = $"it does not prove cluster key {key.Fingerprint} (wrong key)";
            return false;
        }
        acceptorNonce = nonce;
        return true;
    }

    public static byte[] ClientFinish(ClusterKey key, byte[] diallerNonce, byte[] acceptorNonce) =>
        Framing.Control(ControlKind.ClientFinish, Mac(key, DiallerLabel, diallerNonce, acceptorNonce));

    /// <summary>The acceptor checks the dialler's proof over its own fresh challenge.</summary>
    public static bool TryReadClientFinish(ReadOnlySpan<byte> payload, ClusterKey key, byte[] diallerNonce, byte[] acceptorNonce, out string? error)
    {
        if (!IsControl(payload, ControlKind.ClientFinish, MacBytes, out error)) return false;
        if (CryptographicOperations.FixedTimeEquals(payload.Slice(2, MacBytes), Mac(key, DiallerLabel, diallerNonce, acceptorNonce))) return true;
        error = $"its proof of cluster key {key.Fingerprint} is wrong (a replayed or forged handshake)";
        return false;
    }

    /// <summary>The two directions' ciphers: (what this side seals with, what it opens with).</summary>
    public static (FrameCipher Send, FrameCipher Receive) Session(ClusterKey key, byte[] diallerNonce, byte[] acceptorNonce, bool dialler)
    {
        byte[] salt = [.. diallerNonce, .. acceptorNonce];
        var toAcceptor = HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Secret, FrameCipher.KeyBytes, salt, DiallerToAcceptor);
        var toDialler = HKDF.DeriveKey(HashAlgorithmName.SHA256, key.Secret, FrameCipher.KeyBytes, salt, AcceptorToDialler);
        return dialler
            ? (new FrameCipher(toAcceptor), new FrameCipher(toDialler))
            : (new FrameCipher(toDialler), new FrameCipher(toAcceptor));
    }

    static byte[] Mac(ClusterKey key, byte[] label, byte[] diallerNonce, byte[] acceptorNonce) =>
        HMACSHA256.HashData(key.Secret, (byte[])[.. label, Version, .. key.Id, .. diallerNonce, .. acceptorNonce]);

    static bool IsControl(ReadOnlySpan<byte> payload, ControlKind kind, int bodyBytes, out string? error)
    {
        if (payload.Length >= 2 && payload[0] == Framing.ControlMark && payload[1] == (byte)ControlKind.Refusal)
        {
            error = $"refused: {Framing.RefusalText(payload[2..])}";
            return false;
        }
        if (payload.Length < 2 || payload[0] != Framing.ControlMark)
        {
            error = $"expected the cluster-key handshake ({kind}), got {(payload.Length > 0 && payload[0] == (byte)'{' ? "a plain JSON frame (the remote has no cluster key)" : "something else")}";
            return false;
        }
        if (payload[1] != (byte)kind || payload.Length != 2 + bodyBytes)
        {
            error = $"expected a {2 + bodyBytes}-byte {kind} handshake frame, got {payload.Length} bytes of kind {payload[1]}";
            return false;
        }
        error = null;
        return true;
    }
}
