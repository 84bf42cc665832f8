using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using GossipPure.Core.Identity;

namespace GossipPure.Simulation;

/// <summary>
/// The simulator's signature scheme: a model of unforgeable signatures at the cost of one SHA-256 (Ed25519 verifies
/// in ~50 µs, which a 100,000-peer run cannot afford). Each key pair is made from a name; a signature is a hash of
/// the pair's secret and the statement, and only this scheme — never a node — maps a public key to its secret. So a
/// simulated node, honest or Byzantine, can sign only with the signers it was given: exactly the guarantee Ed25519
/// gives real nodes. Deterministic: the same names give the same keys, and a run the same trace.
/// </summary>
public sealed class ModelSignatures : ISignatureScheme
{
    readonly ConcurrentDictionary<string, byte[]> secrets = new(StringComparer.Ordinal);

    public string Name => "model";

    /// <summary>The signer of the key pair named <paramref name="name"/> (the same pair every time).</summary>
    public ISigner SignerFor(string name)
    {
        var secret = SHA256.HashData(Encoding.UTF8.GetBytes("GossipPure model secret|" + name));
        var pub = "M" + Convert.ToBase64String(SHA256.HashData(secret))[..43];
        secrets[pub] = secret;
        return new Signer(pub, secret);
    }

    public bool Verify(string publicKey, ReadOnlySpan<byte> statement, string signature)
    {
        // One HMAC, no allocation: the signature's bytes against the MAC (a malformed signature is simply false).
        if (!secrets.TryGetValue(publicKey, out var secret)) return false;
        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (!Convert.TryFromBase64String(signature, given, out var n) || n != HMACSHA256.HashSizeInBytes) return false;
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, statement, mac);
        return given.SequenceEqual(mac);
    }

    static string Sign(byte[] secret, ReadOnlySpan<byte> statement)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, statement, mac);
        return Convert.ToBase64String(mac);
    }

    sealed class Signer(string publicKey, byte[] secret) : ISigner
    {
        public string PublicKey => publicKey;
        public string Sign(ReadOnlySpan<byte> statement) => ModelSignatures.Sign(secret, statement);
    }
}
