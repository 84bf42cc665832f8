using System.Text;

namespace GossipPure.Core.Identity;

/// <summary>
/// The exact bytes each signature covers: UTF-8 text, one line, a domain tag first so a signature made for one
/// purpose can never be taken for another, then every field the signer decides, space-separated (no field but the
/// last can hold a space: addresses, keys, numbers, ids and reasons cannot).
/// </summary>
public static class Statements
{
    const string Tag = "GossipPure/1";

    /// <summary>A peer asks to be admitted with this key, as this incarnation (it signs its own REGISTER_REQUEST).</summary>
    public static byte[] Join(NodeId peer, string key, long incarnation) =>
        Utf8($"{Tag} JOIN {peer} {key} {incarnation}");

    /// <summary>A seed votes to admit <paramref name="peer"/> with <paramref name="key"/> as <paramref name="incarnation"/>, on proposal <paramref name="proposalId"/>.</summary>
    public static byte[] Register(NodeId peer, string key, long incarnation, string proposalId) =>
        Utf8($"{Tag} REGISTER {peer} {key} {incarnation} {proposalId}");

    /// <summary>A seed votes to remove <paramref name="incarnation"/> of <paramref name="node"/> (and any older one) for <paramref name="reason"/>.</summary>
    public static byte[] Dead(NodeId node, long incarnation, string reason, string proposalId) =>
        Utf8($"{Tag} DEAD {node} {incarnation} {proposalId} {reason}");

    /// <summary>A peer made this gossip message (with this application payload, if it carries one: the signature covers it).</summary>
    public static byte[] Gossip(NodeId origin, string body, string? data = null) =>
        Utf8(data is null ? $"{Tag} GOSSIP {origin} {body}" : $"{Tag} GOSSIP {origin} {body} {data}");

    /// <summary>A dialler proves it holds <paramref name="key"/>: it signs the acceptor's fresh challenge and both addresses.</summary>
    public static byte[] Hello(NodeId from, Role role, string key, NodeId to, string challenge) =>
        Utf8($"{Tag} HELLO {from} {(role == Role.Seed ? "seed" : "peer")} {key} {to} {challenge}");

    /// <summary>A peer answers <paramref name="seed"/>'s KEY_CHALLENGE: the key it signs with is the one at its address.</summary>
    public static byte[] KeyProof(NodeId peer, NodeId seed, long nonce) =>
        Utf8($"{Tag} KEY_PROOF {peer} {seed} {nonce}");

    /// <summary>A peer reports <paramref name="suspect"/> dead to the seeds (its DEAD_REPORT's text).</summary>
    public static byte[] DeadReport(NodeId reporter, NodeId suspect, string report) =>
        Utf8($"{Tag} DEAD_REPORT {reporter} {suspect} {report}");

    /// <summary>A witness answers whether <paramref name="suspect"/> is dead by its own evidence.</summary>
    public static byte[] SuspectResponse(NodeId witness, NodeId suspect, bool dead, string evidence) =>
        Utf8($"{Tag} SUSPECT_RESPONSE {witness} {suspect} {(dead ? "dead" : "alive")} {evidence}");

    static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
