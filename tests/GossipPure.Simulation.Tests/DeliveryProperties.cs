using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Simulation.Tests.Support;

namespace GossipPure.Simulation.Tests;

/// <summary>(d) Delivery: without loss or faults every gossip message reaches every peer, and each peer logs it once.</summary>
public sealed class DeliveryProperties
{
    [Property(MaxTest = 200)]
    public Property Without_loss_or_faults_every_message_reaches_every_peer_once() =>
        Prop.ForAll(DeliveryCase.Arb, c =>
        {
            var r = Simulator.Run(c.Build());
            Assert.True(r.RegisteredUs.Count == c.Peers, $"{c}: only {r.RegisteredUs.Count} of {c.Peers} peers registered");
            var made = r.Peers.Values.Sum(p => p.Made);
            Assert.True(made == 5 * c.Peers, $"{c}: {made} messages made, expected {5 * c.Peers}");
            foreach (var d in r.Dissemination(includeLateJoiners: true))
                Assert.True(d.DisseminationUs is not null,
                    $"{c}\n'{d.Message.Body}' from {d.Message.Origin} reached {d.Reached}/{d.Targets}; missing {string.Join(", ", d.Missing)}");
            // Exactly once: a peer's first-time receipts are every message but its own.
            foreach (var (id, p) in r.Peers)
                Assert.True(p.FirstTime == made - p.Made, $"{c}: {id} received {p.FirstTime} messages first-time, expected {made - p.Made}");
            Assert.Empty(r.Confirmations);
        });
}
