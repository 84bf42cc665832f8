using GossipPure.Core.Identity;

namespace GossipPure.Simulation.Tests;

/// <summary>The simulator's signed mode and its Byzantine adversary hook (what the Byzantine property stands on).</summary>
public sealed class ByzantineSimulatorTests
{
    static Scenario Small => new() { Seeds = 3, Peers = 4, Seed = 5, RunUntilUs = 5_000_000 };

    [Fact]
    public void Unsigned_runs_have_no_keys_and_no_ledger()
    {
        Security? seen = null;
        var r = Simulator.Run(Small, (step, sim) => seen ??= sim.PeerAt(Addresses.Peer(0)).Config.Security);
        Assert.Null(r.Signatures);
        Assert.False(seen!.On);
    }

    [Fact]
    public void Signed_runs_give_every_node_its_own_key_and_the_seeds_keys()
    {
        var keys = new Dictionary<NodeId, Security>();
        Simulator.Run(Small with { Signed = true }, (step, sim) =>
            keys[step.Node] = sim.IsSeed(step.Node) ? sim.SeedAt(step.Node).Config.Security : sim.PeerAt(step.Node).Config.Security);
        Assert.Equal(7, keys.Count);
        Assert.All(keys.Values, s => Assert.True(s.On));
        Assert.Equal(7, keys.Values.Select(s => s.PublicKey).Distinct().Count());
        foreach (var seed in Small.SeedIds)
            Assert.All(keys.Values, s => Assert.Equal(keys[seed].PublicKey, s.SeedKeys.Find(seed).IfNone("missing")));
        Assert.All(keys.Values, s => Assert.Equal(3, s.SeedKeys.Count));
    }

    [Fact]
    public void Model_signatures_verify_only_the_signers_own_statements_and_refuse_malformed_input()
    {
        var scheme = new ModelSignatures();
        var a = scheme.SignerFor("a");
        var b = scheme.SignerFor("b");
        var statement = Statements.Gossip(Addresses.Peer(0), "1.000000:10.0.1.1:1");
        var sig = a.Sign(statement);
        Assert.Equal(sig, scheme.SignerFor("a").Sign(statement));   // deterministic: the same name, the same pair
        Assert.True(scheme.Verify(a.PublicKey, statement, sig));
        Assert.False(scheme.Verify(b.PublicKey, statement, sig));
        Assert.False(scheme.Verify(a.PublicKey, Statements.Gossip(Addresses.Peer(1), "1.000000:10.0.1.1:1"), sig));
        Assert.False(scheme.Verify(a.PublicKey, statement, b.Sign(statement)));
        Assert.False(scheme.Verify(a.PublicKey, statement, "not base64!"));
        Assert.False(scheme.Verify(a.PublicKey, statement, Convert.ToBase64String(new byte[16])));
        Assert.False(scheme.Verify(a.PublicKey, statement, ""));
        Assert.False(scheme.Verify("Mno-such-key", statement, sig));
    }

    sealed class Impostor(AdversaryKit kit, NodeId victim) : Adversary
    {
        public readonly AdversaryKit Kit = kit;
        public override long IntervalUs => 1_000_000;
        public override IEnumerable<(NodeId From, NodeId To, Message Message)> Act(long nowUs) =>
            [(victim, Addresses.Seed(0), new Leave())];
    }

    [Fact]
    public void The_adversary_holds_only_its_own_signers_and_cannot_send_as_an_honest_node()
    {
        Impostor? made = null;
        var scenario = Small with
        {
            Signed = true,
            Byzantine = Seq1(Addresses.Peer(1)),
            Adversary = kit => made = new Impostor(kit, Addresses.Peer(2)),
        };
        var e = Assert.Throws<InvalidOperationException>(() => Simulator.Run(scenario));
        Assert.Contains("10.0.1.3:6003", e.Message);
        Assert.Equal([Addresses.Peer(1)], made!.Kit.Signers.Keys);
        Assert.Throws<ArgumentException>(() => Simulator.Run(scenario with { Signed = false }));
    }

    [Fact]
    public void A_Byzantine_run_is_deterministic()
    {
        var c = new ByzantineCase(12345, 5, 8, 2, 3, 30, 5, 1, 80);
        var a = Simulator.Run(c.Build());
        var b = Simulator.Run(c.Build());
        Assert.True(a.Network.Injected > 50, $"only {a.Network.Injected} lies");
        Assert.Equal(a.TraceHash, b.TraceHash);
        Assert.NotEqual(a.TraceHash, Simulator.Run((c with { Seed = 54321 }).Build()).TraceHash);
    }
}
