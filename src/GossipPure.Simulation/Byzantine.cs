using System.Text;
using GossipPure.Core.Identity;

namespace GossipPure.Simulation;

/// <summary>
/// What a Byzantine adversary is given (<see cref="Scenario.Adversary"/>): the signers of the nodes it controls
/// (<see cref="Scenario.Byzantine"/>) and nothing else of anyone's — so, as with Ed25519, it can sign only as those
/// nodes, or with key pairs it makes itself (<see cref="NewKeyPair"/>), never as an honest node.
/// </summary>
public sealed class AdversaryKit
{
    readonly ModelSignatures scheme;

    internal AdversaryKit(Scenario scenario, ModelSignatures scheme, HashMap<NodeId, string> seedKeys, IReadOnlyDictionary<NodeId, ISigner> signers)
    {
        Scenario = scenario;
        this.scheme = scheme;
        SeedKeys = seedKeys;
        Signers = signers;
    }

    public Scenario Scenario { get; }
    /// <summary>The seeds' public keys (config.csv is public).</summary>
    public HashMap<NodeId, string> SeedKeys { get; }
    /// <summary>The scheme, to check signatures with (not to make them).</summary>
    public ISignatureScheme Scheme => scheme;
    /// <summary>The own signer of each Byzantine node: the only identities the adversary can sign as.</summary>
    public IReadOnlyDictionary<NodeId, ISigner> Signers { get; }

    /// <summary>A fresh key pair of the adversary's own (for an address it invents, say); never an honest node's.</summary>
    public ISigner NewKeyPair(string name) => scheme.SignerFor("byzantine|" + name);
}

/// <summary>
/// The Byzantine nodes of a run, as one colluding adversary. Its nodes run the honest reducers (so they register, vote
/// and forward like anyone), but every message they send passes <see cref="Outgoing"/>, every message they receive is
/// shown to <see cref="Saw"/> (to record and replay), and every <see cref="IntervalUs"/> it may send anything
/// (<see cref="Act"/>) — always as one of its own nodes: the simulated links are authenticated by construction (the
/// shell's handshake, given), so it can lie in a message's content, never about who sent it.
/// It must be deterministic (its own random generator, seeded from the scenario) to keep runs repeatable.
/// </summary>
public abstract class Adversary
{
    /// <summary>Time between two <see cref="Act"/> calls (the first at this time).</summary>
    public abstract long IntervalUs { get; }

    /// <summary>A Byzantine node <paramref name="at"/> received <paramref name="m"/> from <paramref name="from"/>.</summary>
    public virtual void Saw(long nowUs, NodeId at, NodeId from, Message m) { }

    /// <summary>What a Byzantine node's honest reducer sends passes through here first: what it returns is sent instead, in order (nothing: dropped).</summary>
    public virtual IEnumerable<Message> Outgoing(long nowUs, NodeId from, NodeId to, Message m) => [m];

    /// <summary>The messages to send now: (a Byzantine sender, any receiver, anything).</summary>
    public abstract IEnumerable<(NodeId From, NodeId To, Message Message)> Act(long nowUs);
}

/// <summary>
/// Every registration statement a seed's signer signed in a run (honest or Byzantine): who may rightly claim a quorum.
/// Only the <c>REGISTER</c> statements are kept (few: one per vote); the others pass.
/// </summary>
public sealed class SignatureLedger
{
    readonly Dictionary<(string Peer, string Key, long Incarnation), System.Collections.Generic.HashSet<NodeId>> register = new();
    readonly Dictionary<string, int> most = new(StringComparer.Ordinal);
    readonly Func<NodeId, bool> isSeed;

    internal SignatureLedger(Func<NodeId, bool> isSeed) => this.isSeed = isSeed;

    static readonly byte[] RegisterTag = Encoding.UTF8.GetBytes("GossipPure/1 REGISTER ");

    internal void Signed(NodeId signer, ReadOnlySpan<byte> statement)
    {
        if (!statement.StartsWith(RegisterTag) || !isSeed(signer)) return;
        // "GossipPure/1 REGISTER <peer> <key> <incarnation> <proposal id>"
        var text = Encoding.UTF8.GetString(statement);
        var f = text.Split(' ');
        if (f.Length != 6 || f[1] != "REGISTER" || !long.TryParse(f[4], out var inc)) return;
        if (!register.TryGetValue((f[2], f[3], inc), out var set)) register[(f[2], f[3], inc)] = set = new();
        if (set.Add(signer)) most[f[2]] = Math.Max(most.GetValueOrDefault(f[2]), set.Count);
    }

    /// <summary>How many distinct seeds signed the registration of <paramref name="peer"/> with this key as this incarnation.</summary>
    public int Signers(NodeId peer, string key, long incarnation) =>
        register.TryGetValue((peer.ToString(), key, incarnation), out var s) ? s.Count : 0;

    /// <summary>The most distinct seeds that signed one registration of <paramref name="peer"/> (any key, any incarnation).</summary>
    public int MostSigners(NodeId peer) => most.GetValueOrDefault(peer.ToString());

    /// <summary>The most distinct seeds that signed one registration of <paramref name="peer"/> as <paramref name="incarnation"/> (any key).</summary>
    public int MostSigners(NodeId peer, long incarnation) =>
        register.Where(kv => kv.Key.Peer == peer.ToString() && kv.Key.Incarnation == incarnation).Select(kv => kv.Value.Count).DefaultIfEmpty(0).Max();
}

/// <summary>A node's signer that tells the ledger what it signed.</summary>
sealed class RecordingSigner(NodeId who, ISigner inner, SignatureLedger ledger) : ISigner
{
    public string PublicKey => inner.PublicKey;

    public string Sign(ReadOnlySpan<byte> statement)
    {
        ledger.Signed(who, statement);
        return inner.Sign(statement);
    }
}
