using System.Collections.Concurrent;
using GossipPure.Core.Identity;
using NSec.Cryptography;

namespace GossipPure.Shell.Security;

/// <summary>
/// Ed25519 (RFC 8032, by libsodium through NSec): 32-byte keys, 64-byte signatures, both as base64 on the wire.
/// Chosen over ECDSA P-256 because its signatures are deterministic — the same statement signed twice gives the same
/// bytes — so a node's effects are a function of its inputs and a recorded run replays exactly (.NET's ECDSA draws a
/// fresh random nonce for every signature). specs/security.md has the measured costs of both.
/// </summary>
public sealed class Ed25519Scheme : ISignatureScheme
{
    public static readonly Ed25519Scheme Instance = new();

    static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    public const int KeyBytes = 32;
    public const int SignatureBytes = 64;

    // Verified (key, statement, signature) triples: a certificate is checked once per process, however many times it
    // arrives (every PEER_LIST entry, every SEED_SYNC). Bounded: cleared when full. Only true results are kept.
    readonly ConcurrentDictionary<(string Key, string Sig, int StatementHash), byte[]> verified = new();
    const int CacheMax = 65_536;

    readonly ConcurrentDictionary<string, PublicKey?> keys = new(StringComparer.Ordinal);

    public string Name => "ed25519";

    public bool Verify(string publicKey, ReadOnlySpan<byte> statement, string signature)
    {
        var slot = (publicKey, signature, StatementHash(statement));
        if (verified.TryGetValue(slot, out var seen) && statement.SequenceEqual(seen)) return true;
        if (!VerifyOnce(publicKey, statement, signature)) return false;
        if (verified.Count >= CacheMax) verified.Clear();
        verified[slot] = statement.ToArray();
        return true;
    }

    public bool VerifyOnce(string publicKey, ReadOnlySpan<byte> statement, string signature)
    {
        if (ImportKey(publicKey) is not { } key) return false;
        Span<byte> sig = stackalloc byte[SignatureBytes];
        return Convert.TryFromBase64String(signature, sig, out var n) && n == SignatureBytes && Algorithm.Verify(key, statement, sig);
    }

    PublicKey? ImportKey(string text)
    {
        if (keys.TryGetValue(text, out var known)) return known;
        PublicKey? key = null;
        var raw = new byte[KeyBytes];
        if (Convert.TryFromBase64String(text, raw, out var n) && n == KeyBytes
            && PublicKey.TryImport(Algorithm, raw, KeyBlobFormat.RawPublicKey, out var imported))
            key = imported;
        if (keys.Count < CacheMax) keys[text] = key;
        return key;
    }

    static int StatementHash(ReadOnlySpan<byte> statement)
    {
        var h = new HashCode();
        h.AddBytes(statement);
        return h.ToHashCode();
    }

    /// <summary>True when <paramref name="text"/> is a base64 Ed25519 public key.</summary>
    public static bool IsPublicKey(string text) => Instance.ImportKey(text) is not null;
}

/// <summary>This node's Ed25519 private key: signs statements (deterministically, see <see cref="Ed25519Scheme"/>).</summary>
public sealed class Ed25519Signer : ISigner, IDisposable
{
    static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    readonly Key key;

    Ed25519Signer(Key key)
    {
        this.key = key;
        PublicKey = Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public string PublicKey { get; }

    public string Sign(ReadOnlySpan<byte> statement) => Convert.ToBase64String(Algorithm.Sign(key, statement));

    /// <summary>A fresh key pair.</summary>
    public static Ed25519Signer Create() =>
        new(Key.Create(Algorithm, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>The key of a 32-byte private seed (RFC 8032's private key), or null when it is not one.</summary>
    public static Ed25519Signer? FromPrivate(ReadOnlySpan<byte> seed) =>
        Key.TryImport(Algorithm, seed, KeyBlobFormat.RawPrivateKey, out var k,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }) && k is not null
            ? new Ed25519Signer(k) : null;

    /// <summary>The 32-byte private seed, to be written to a key file (mode 0600).</summary>
    public byte[] ExportPrivate() => key.Export(KeyBlobFormat.RawPrivateKey);

    public void Dispose() => key.Dispose();
}
