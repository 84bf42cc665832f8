using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Simulation.Tests.Support;

namespace GossipPure.Simulation.Tests;

/// <summary>
/// Issue 14, must show 3: with signed membership, up to ⌊(n−1)/2⌋ Byzantine seeds and any number of Byzantine peers —
/// sending anything, signed with their own keys — cannot make an honest node (a) remove a live honest peer,
/// (b) admit an address without ⌊n/2⌋+1 seed signatures (honest or Byzantine) over its registration, or
/// (c) deliver gossip as made by an honest peer that it did not make. Checked after every step.
/// </summary>
public sealed class ByzantineProperties
{
    [Property(MaxTest = 60)]
    public Property A_Byzantine_minority_cannot_remove_admit_or_forge() =>
        Prop.ForAll(ByzantineCase.Arb, c => Check(c, hijack: false));

    /// <summary>
    /// The same with the Byzantine seeds also proposing to the honest seeds: registrations they make up (an address where
    /// nothing runs, or a live honest peer's address as a newer incarnation, under a key of their own), and the removal
    /// of a peer they saw removed (down now) or not yet started as an incarnation far in the future; they gather the
    /// honest seeds' signed yes votes into certificates, then serve them, gossip with them and replay them once the peer
    /// is back. Here (b) is stricter: what an honest seed lists must have been asked for by that node with that key as
    /// that incarnation, and what an honest peer admits must be a node of the simulation.
    /// </summary>
    [Property(MaxTest = 30)]
    public Property Byzantine_seeds_cannot_get_honest_seeds_to_sign_a_made_up_registration_or_a_future_removal() =>
        Prop.ForAll(ByzantineCase.WithByzantineSeeds, c => Check(c, hijack: true));

    /// <summary>
    /// A case the property found: the Byzantine seed relays an honest peer's first gossip to an honest peer before any
    /// honest neighbour does. The peer takes it (it is authentic) and drops the honest copies as repeats; the simulator
    /// counted that injected receipt as hop 0, the maker's own, so the peer looked as if the message never reached it.
    /// </summary>
    [Fact]
    public void A_gossip_a_Byzantine_seed_relays_first_still_counts_as_delivered() =>
        Check(new ByzantineCase(2744509932137412734, SeedCount: 6, Peers: 8, ByzantineSeeds: 1, ByzantinePeers: 1, LatencyMaxMs: 41, DupPercent: 4, Restarts: 0, LiePercent: 92), hijack: true);

    static Property Check(ByzantineCase c, bool hijack)
    {
        {
            var scenario = c.Build();
            var quorum = Quorum.Of(c.SeedCount);
            var bad = c.Byzantine.ToHashSet();
            var made = new System.Collections.Generic.HashSet<(NodeId, string)>();
            var startInc = new Dictionary<NodeId, long>();
            var honestPeers = scenario.PeerIds.Where(p => !bad.Contains(p)).ToHashSet();
            var touched = scenario.Faults.OfType<Crash>().Select(f => f.Node).ToHashSet();
            var admitted = new System.Collections.Generic.HashSet<(NodeId, string?, long)>();
            var admittedByPeers = new System.Collections.Generic.HashSet<NodeId>();
            ByzantineAdversary? liar = null;
            var refusals = 0;
            var refusedFirst = new System.Collections.Generic.HashSet<(NodeId, NodeId, string)>();
            var racesWon = 0;
            var asked = new System.Collections.Generic.HashSet<(NodeId, string?, long)>();
            scenario = scenario with { Adversary = kit => liar = new ByzantineAdversary(kit, c.Seed, 100_000, c.LiePercent, hijack) };

            var r = Simulator.Run(scenario, (step, sim) =>
            {
                var node = step.Node;
                // Who asked to register, with which key, as which incarnation (Byzantine peers too: they may register).
                foreach (var e in step.Effects)
                    if (e is Send { Message: RegisterRequest rr }) asked.Add((node, rr.Key, rr.Incarnation));
                if (bad.Contains(node)) return;
                var isSeed = sim.IsSeed(node);
                if (step.Input is Started st && !isSeed) startInc[node] = st.NowUs;

                // A removal of an honest peer that is up, by a certificate naming its current run (or any run, when no
                // fault ever touched it): a false removal.
                bool Live(NodeId p, long incarnation) =>
                    honestPeers.Contains(p) && sim.Status(p) == NodeStatus.Up
                    && (!touched.Contains(p) || incarnation >= startInc.GetValueOrDefault(p));

                foreach (var e in step.Effects)
                {
                    // A spoiled copy came first and was refused; the real one is delivered all the same.
                    if (e is GossipReceived gr && refusedFirst.Contains((node, gr.Origin, gr.Body))) racesWon++;
                    switch (e)
                    {
                        case PeerRemoved x when Live(x.Node, x.Incarnation):
                            Assert.Fail($"{c}\n(a) honest seed {node} removed live honest peer {x.Node} (incarnation {x.Incarnation}) at {step.TimeUs}µs\nstep: {step}");
                            break;
                        case Purged x when Live(x.Node, x.Incarnation):
                            Assert.Fail($"{c}\n(a) honest peer {node} purged live honest peer {x.Node} (incarnation {x.Incarnation}) at {step.TimeUs}µs\nstep: {step}");
                            break;
                        case Rejoining x when Live(node, x.Incarnation):
                            Assert.Fail($"{c}\n(a) live honest peer {node} was told it is removed (incarnation {x.Incarnation}) at {step.TimeUs}µs and rejoins\nstep: {step}");
                            break;
                        case GossipMade g:
                            made.Add((g.Origin, g.Body));
                            break;
                        case GossipReceived g when honestPeers.Contains(g.Origin) && !made.Contains((g.Origin, g.Body)):
                            Assert.Fail($"{c}\n(c) honest peer {node} delivered \"{g.Body}\" as made by honest peer {g.Origin}, which never made it (from {g.From}, at {step.TimeUs}µs)\nstep: {step}");
                            break;
                        case CertificateRefused or SignatureRefused or StaleCertificateRefused:
                            refusals++;
                            if (step.Input is Received { Message: Gossip spoiled }) refusedFirst.Add((node, spoiled.Origin, spoiled.Body));
                            break;

                    }
                }

                // (b) Every peer an honest seed lists carries a registration that a quorum of seeds really signed (with
                // the key its certificate binds, as the incarnation it lists).
                var ledger = sim.Signatures!;
                if (isSeed)
                {
                    var s = sim.SeedAt(node);
                    foreach (var (peer, record) in s.Peers)
                    {
                        var key = s.CertificateOf(peer, record).Key;
                        if (admitted.Contains((peer, key, record.Incarnation))) continue;
                        var signers = key is null ? ledger.MostSigners(peer, record.Incarnation) : ledger.Signers(peer, key, record.Incarnation);
                        Assert.True(signers >= quorum,
                            $"{c}\n(b) honest seed {node} lists {peer} (incarnation {record.Incarnation}, key {key ?? "none"}) at {step.TimeUs}µs, but only {signers} seeds ever signed that registration (quorum {quorum}){Stranger(sim, peer)}\nstep: {step}");
                        Assert.True(!hijack || asked.Contains((peer, key, record.Incarnation)),
                            $"{c}\n(b) honest seed {node} lists {peer} (incarnation {record.Incarnation}, key {key ?? "none"}) at {step.TimeUs}µs, with {signers} seed signatures, but {peer} never asked to register with that key as that incarnation{Stranger(sim, peer)}\nstep: {step}");
                        admitted.Add((peer, key, record.Incarnation));
                    }
                }
                else
                {
                    // ...and every peer an honest peer knows or links to was signed into the network by a quorum.
                    var p = sim.PeerAt(node);
                    foreach (var x in p.Known.Keys.Concat(p.Neighbours))
                    {
                        if (admittedByPeers.Contains(x)) continue;
                        var signers = ledger.MostSigners(x);
                        Assert.True(!hijack || sim.PeerIds.Contains(x) || sim.SeedIds.Contains(x),
                            $"{c}\n(b) honest peer {node} admitted {x} at {step.TimeUs}µs{Stranger(sim, x)}\nstep: {step}");
                        Assert.True(signers >= quorum,
                            $"{c}\n(b) honest peer {node} admitted {x} at {step.TimeUs}µs, but no registration of it was ever signed by a quorum of seeds (at most {signers} of {quorum}){Stranger(sim, x)}\nstep: {step}");
                        admittedByPeers.Add(x);
                    }
                }
            });

            // The run did what it is for: the honest peers got in, gossip flowed, the liars lied and were refused.
            var honestRegistered = r.RegisteredUs.Keys.Count(p => !bad.Contains(p));
            Assert.True(honestRegistered > 0, $"{c}: no honest peer registered");
            Assert.True(made.Count > 0, $"{c}: no honest gossip was made");
            Assert.True(r.Network.Injected > 0, $"{c}: the adversary told no lie");
            Assert.True(refusals > 0, $"{c}: {r.Network.Injected} lies delivered, yet no honest node refused a certificate or a signature");
            // (d) Lies censor nothing: every message an honest, never-faulted peer made reached every honest, never-faulted
            // peer registered by then (a forged copy that arrives first is not marked seen, so the real one still counts).
            foreach (var d in r.Dissemination().Where(d => honestPeers.Contains(d.Message.Origin) && !touched.Contains(d.Message.Origin)))
            {
                var missing = d.Missing.Where(m => honestPeers.Contains(m) && !touched.Contains(m)).ToArray();
                Assert.True(missing.Length == 0,
                    $"{c}\n(d) \"{d.Message.Body}\" made by {d.Message.Origin} at {d.MadeUs}µs never reached {string.Join(", ", missing)}");
            }
            var told = liar!.Told;
            return true.Label($"{c}")
                .Classify(c.ByzantineSeeds > 0, "with Byzantine seeds")
                .Classify(c.Restarts > 0, "with restarts")
                .Classify(racesWon > 0, "a spoiled copy arrived first")
                .Collect($"lie kinds told: {told.Count}");
        }
    }

    static string Stranger(Simulation sim, NodeId x) =>
        sim.SeedIds.Contains(x) || sim.PeerIds.Contains(x) ? "" : " — an address where no node runs";
}
