using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Simulation.Tests.Support;

namespace GossipPure.Simulation.Tests;

/// <summary>
/// (e) Quorum safety under the simulator's faults, for n = 1..5 seeds: after every step, every peer on any seed's
/// peer list holds a certificate of ⌊n/2⌋+1 distinct seeds, each of which was seen (from outside the nodes) to
/// propose that peer or to vote yes for it.
/// </summary>
public sealed class QuorumSafetyProperties
{
    [Property(MaxTest = 200)]
    public Property No_seed_lists_a_peer_without_a_quorum_certificate() =>
        Prop.ForAll(SafetyCase.Arb, c =>
        {
            var scenario = c.Build();
            var seeds = scenario.SeedIds;
            var yes = new System.Collections.Generic.HashSet<(NodeId Voter, NodeId Peer)>();
            var checks = 0L;
            var r = Simulator.Run(scenario, (step, sim) =>
            {
                if (!sim.IsSeed(step.Node)) return;
                foreach (var e in step.Effects)
                {
                    if (e is Send { Message: RegisterVote { Yes: true } v }) yes.Add((step.Node, v.Peer));
                    if (e is Send { Message: RegisterProposal p }) yes.Add((step.Node, p.Peer));
                }
                foreach (var (peer, record) in sim.SeedAt(step.Node).Peers)
                {
                    checks++;
                    Assert.True(Quorum.IsReachedBy(seeds, record.Voters),
                        $"{c}\nat {step.TimeUs}µs seed {step.Node} lists {peer} with voters [{string.Join(", ", record.Voters)}]: no quorum of {seeds.Count}\nstep: {step}");
                    // With one seed there is nobody to propose to: its own yes is the whole certificate.
                    var unseen = record.Voters.Distinct().Where(v => !yes.Contains((v, peer)) && !(seeds.Count == 1 && v == seeds[0])).ToArray();
                    Assert.True(unseen.Length == 0,
                        $"{c}\nat {step.TimeUs}µs seed {step.Node} lists {peer} with voters {string.Join(", ", unseen)} never seen proposing it or voting yes\nstep: {step}");
                }
            });
            // A run without faults must have done real work and listed peers, so the check above ran (a case whose
            // only seed crashes early may list nobody).
            if (scenario.Faults.IsEmpty)
            {
                Assert.True(r.Steps > 100, $"{c}: only {r.Steps} steps");
                Assert.True(checks > 0, $"{c}: no seed ever listed a peer, so no certificate was checked");
            }
        });
}
