using System.Security.Cryptography;
using GossipPure.Core;
using GossipPure.Core.Identity;
using LanguageExt;
using GossipPure.Shell.Wire;
using static LanguageExt.Prelude;

namespace GossipPure.Shell.Security;

/// <summary>Why an identity handshake is refused: the text sent to the remote, and this node's own line.</summary>
public sealed record IdentityRefusal(string ToRemote, string Line);

/// <summary>
/// The identity handshake of signed membership (NodeConfig.Security.On): the dialler proves it holds the private key
/// of the node its HELLO names, by signing the acceptor's fresh challenge.
/// <code>
/// plain connection:  acceptor → dialler  CHALLENGE          0x00 0x05 | 32 fresh random bytes (sent right after accept)
///                    dialler  → acceptor CHALLENGE_REQUEST  0x00 0x06 | version (sent right after connect; says "signed")
/// keyed connection:  the acceptor nonce Na of the cluster-key handshake is the challenge (no extra frame)
/// then               dialler  → acceptor HELLO{from, role, Key, Proof = Sign(Statements.Hello(from, role, Key, to, base64(challenge))), Cert}
/// </code>
/// The acceptor believes the HELLO when its proof verifies with its key over the challenge it just made and its own
/// address, and the key is the node's: a seed's is the one config.csv gives; a peer's is bound to its address by its
/// registration certificate (a seed also takes a peer without one: it has not registered yet). Pure but for
/// <see cref="NewChallenge"/>.
/// </summary>
public static class IdentityHandshake
{
    public const byte Version = 1;
    public const int ChallengeBytes = 32;

    public static byte[] NewChallenge() => RandomNumberGenerator.GetBytes(ChallengeBytes);

    /// <summary>The acceptor's challenge frame (plain connections).</summary>
    public static byte[] ChallengeFrame(byte[] challenge) => Framing.Control(ControlKind.Challenge, challenge);

    /// <summary>The dialler's announcement that a signed HELLO follows (plain connections): a node without signed
    /// membership refuses it at once, with the reason, instead of waiting for a HELLO.</summary>
    public static byte[] RequestFrame() => Framing.Control(ControlKind.ChallengeRequest, [Version]);

    /// <summary>The challenge's text form, as <see cref="Statements.Hello"/> signs it.</summary>
    public static string Text(byte[] challenge) => Convert.ToBase64String(challenge);

    /// <summary>The dialler's reading of the acceptor's first frame: the challenge, or a one-line error.</summary>
    public static bool TryReadChallenge(ReadOnlySpan<byte> payload, out byte[] challenge, out string? error)
    {
        challenge = [];
        if (payload.Length >= 2 && payload[0] == Framing.ControlMark && payload[1] == (byte)ControlKind.Refusal)
        {
            error = $"refused: {Framing.RefusalText(payload[2..])}";
            return false;
        }
        if (payload.Length != 2 + ChallengeBytes || payload[0] != Framing.ControlMark || payload[1] != (byte)ControlKind.Challenge)
        {
            error = payload.Length > 0 && payload[0] == (byte)'{'
                ? "expected an identity challenge, got a plain JSON frame"
                : $"expected a {2 + ChallengeBytes}-byte identity challenge, got {payload.Length} bytes{(payload.Length >= 2 ? $" of kind {payload[1]}" : "")}";
            return false;
        }
        challenge = payload[2..].ToArray();
        error = null;
        return true;
    }

    /// <summary>The dialler's HELLO to <paramref name="to"/> (the address dialled), signed over <paramref name="challenge"/>.</summary>
    public static Hello SignedHello(NodeConfig c, Role role, NodeId to, byte[] challenge, RegisterCommit? cert)
    {
        var key = c.Security.PublicKey!;
        return new Hello(c.Self, role)
        {
            Key = key,
            Proof = c.Security.Sign(Statements.Hello(c.Self, role, key, to, Text(challenge))),
            Cert = cert is null ? Seq<RegisterCommit>() : Seq1(cert),
        };
    }

    /// <summary>
    /// The acceptor's check of a HELLO on a connection it challenged with <paramref name="challenge"/>: null when it
    /// is believed, else the refusal. The cheap checks (the key is the node's) come before the signature.
    /// </summary>
    public static IdentityRefusal? Check(NodeConfig c, Role acceptorRole, Hello hi, byte[] challenge)
    {
        var from = hi.From;
        var self = c.Self;
        if (hi.Key is not { } key || hi.Proof is not { } proof)
            return new($"{self} requires signed membership (a config.csv with seed keys); your HELLO is unsigned",
                $"refused: an unsigned HELLO as {from}; this node requires signed membership (a config.csv with seed keys)");
        if (hi.Role == Role.Seed)
        {
            if (c.Security.SeedKeys.Find(from).Case is not string seedKey)
                return new($"{from} is not a seed in the config.csv of {self}",
                    $"refused: HELLO as seed {from}, which is not a seed in config.csv");
            if (seedKey != key)
                return new($"your key {Short(key)} is not the key config.csv gives seed {from} on {self}",
                    $"refused: HELLO as seed {from} with key {Short(key)}, but config.csv gives it {Short(seedKey)}");
        }
        else if (c.IsSeed(from))
            return new($"{from} is a seed in the config.csv of {self}; your HELLO says peer",
                $"refused: HELLO as peer {from}, but {from} is a seed in config.csv");
        else if (!hi.Cert.IsEmpty)
        {
            var cert = hi.Cert.Head;
            var check = Certificates.CommitFor(c, cert, from, key);
            if (!check.Ok)
            {
                var why = check.Fault switch
                {
                    CertificateFault.WrongSubject => $"it is for {cert.Peer} with key {Short(cert.Key)}, not {from} with key {Short(key)}",
                    CertificateFault.Unbound => "it binds no key or proposal",
                    _ => $"{check.Valid} valid seed signatures of the {check.Needed} needed" + (check.BadSigner is { } b ? $" ({b}'s does not verify)" : ""),
                };
                return new($"{self} refuses the registration certificate in your HELLO: {why}",
                    $"refused: HELLO as peer {from}: its registration certificate is refused: {why}");
            }
        }
        else if (acceptorRole != Role.Seed)
            return new($"{self} takes registered peers only: your HELLO has no registration certificate",
                $"refused: HELLO as peer {from} with no registration certificate (a peer takes registered peers only)");
        if (!c.Security.VerifyOnce(key, Statements.Hello(from, hi.Role, key, self, Text(challenge)), proof))
            return new($"your HELLO's proof does not verify with key {Short(key)} over this connection's challenge to {self}",
                $"refused: HELLO as {from}: its proof does not verify with key {Short(key)} over this connection's challenge (forged, or replayed from another connection)");
        return null;
    }

    /// <summary>A key as logs show it: its first 8 base64 characters.</summary>
    public static string Short(string? key) => key is null ? "(none)" : key.Length > 8 ? key[..8] + "…" : key;
}
