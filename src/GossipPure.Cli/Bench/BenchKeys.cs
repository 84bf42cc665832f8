using GossipPure.Core;
using GossipPure.Core.Identity;
using GossipPure.Shell.Security;
using LanguageExt;
using static LanguageExt.Prelude;

namespace GossipPure.Cli.Bench;

/// <summary>
/// <c>gossip bench --signed</c>: an Ed25519 key pair for each seed (made in memory, never written), their public keys
/// known to every node, and a fresh key pair for each peer, as a peer makes at its first start.
/// </summary>
public sealed class BenchKeys
{
    readonly HashMap<NodeId, string> seedKeys;
    readonly Dictionary<NodeId, Ed25519Signer> seedSigners;

    BenchKeys(HashMap<NodeId, string> seedKeys, Dictionary<NodeId, Ed25519Signer> seedSigners)
    {
        this.seedKeys = seedKeys;
        this.seedSigners = seedSigners;
    }

    public static BenchKeys Make(Seq<NodeId> seeds)
    {
        var signers = seeds.ToDictionary(s => s, _ => Ed25519Signer.Create());
        return new(toHashMap(signers.Select(kv => (kv.Key, kv.Value.PublicKey))), signers);
    }

    /// <summary>What a worker process is told: the seeds' public keys (workers host peers only).</summary>
    public string Spec => string.Join(',', seedKeys.Map((n, k) => $"{n}={k}").Values);

    public static BenchKeys FromSpec(string spec) =>
        new(toHashMap(spec.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(e =>
        {
            var eq = e.IndexOf('=');
            return (NodeId.Parse(e[..eq]), e[(eq + 1)..]);
        })), new());

    /// <summary><paramref name="config"/> with signed membership when <paramref name="keys"/> is set.</summary>
    public static NodeConfig Secure(BenchKeys? keys, NodeConfig config) =>
        keys is null ? config : config with
        {
            Security = new Security(keys.seedKeys, Ed25519Scheme.Instance,
                keys.seedSigners.TryGetValue(config.Self, out var seed) ? seed : Ed25519Signer.Create()),
        };
}
