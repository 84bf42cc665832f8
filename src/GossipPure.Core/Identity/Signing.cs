namespace GossipPure.Core.Identity;

/// <summary>
/// How signatures are checked: a pure function of a public key, a statement and a signature. Keys and signatures
/// travel as base64 text (an Ed25519 key is 44 characters, a signature 88). The shell gives the real scheme
/// (Ed25519); the simulator a cheap one that models the same unforgeability.
/// </summary>
public interface ISignatureScheme
{
    /// <summary>The scheme's name, as logs and the event-log header give it ("ed25519").</summary>
    string Name { get; }

    /// <summary>True when <paramref name="signature"/> is <paramref name="publicKey"/>'s signature of <paramref name="statement"/>.
    /// Malformed keys or signatures are false, never an exception.</summary>
    bool Verify(string publicKey, ReadOnlySpan<byte> statement, string signature);

    /// <summary>As <see cref="Verify"/>, for a statement that is never seen twice (a handshake's fresh challenge): nothing is cached.</summary>
    bool VerifyOnce(string publicKey, ReadOnlySpan<byte> statement, string signature) => Verify(publicKey, statement, signature);
}

/// <summary>
/// This node's signing half. Signatures must be deterministic (Ed25519 is: RFC 8032), so the same inputs give the
/// same effects, byte for byte, and a recorded run replays exactly.
/// </summary>
public interface ISigner
{
    /// <summary>The public key, base64.</summary>
    string PublicKey { get; }

    /// <summary>The signature of <paramref name="statement"/>, base64.</summary>
    string Sign(ReadOnlySpan<byte> statement);
}

/// <summary>One seed's signature in a quorum certificate.</summary>
public sealed record SeedSignature(NodeId Seed, string Sig);

/// <summary>
/// What a node needs to sign and check: the seeds' public keys from config.csv, the scheme, and its own signer.
/// With no seed keys (the reference's two-column config.csv) membership is unauthenticated: certificates are
/// judged by their voters' names, as before signing existed, and nothing is signed.
/// </summary>
public sealed record Security(HashMap<NodeId, string> SeedKeys, ISignatureScheme? Scheme, ISigner? Signer)
{
    public static readonly Security None = new(HashMap<NodeId, string>(), null, null);

    /// <summary>True when config.csv gives the seeds' keys: everything is signed and checked.</summary>
    public bool On => !SeedKeys.IsEmpty && Scheme is not null && Signer is not null;

    /// <summary>This node's public key, or null when it signs nothing.</summary>
    public string? PublicKey => On ? Signer!.PublicKey : null;

    /// <summary>The signature of <paramref name="statement"/> by this node (call only when <see cref="On"/>).</summary>
    public string Sign(byte[] statement) => Signer!.Sign(statement);

    /// <summary>True when <paramref name="sig"/> is <paramref name="key"/>'s signature of <paramref name="statement"/>.</summary>
    public bool Verify(string? key, byte[] statement, string? sig) =>
        key is not null && sig is not null && Scheme!.Verify(key, statement, sig);

    /// <summary>As <see cref="Verify"/> for a statement never seen twice (<see cref="ISignatureScheme.VerifyOnce"/>).</summary>
    public bool VerifyOnce(string? key, byte[] statement, string? sig) =>
        key is not null && sig is not null && Scheme!.VerifyOnce(key, statement, sig);

    public bool Equals(Security? other) =>
        other is not null && SeedKeys.Equals(other.SeedKeys) && Scheme?.Name == other.Scheme?.Name && PublicKey == other.PublicKey;

    public override int GetHashCode() => HashCode.Combine(SeedKeys, Scheme?.Name, PublicKey);
}
