using GossipPure.Core;
using GossipPure.Simulation;
using static LanguageExt.Prelude;

namespace GossipPure.Cli.Topology;

/// <summary>
/// The overlay of a deterministic simulated run (<see cref="Simulator"/>): 3 seeds and N peers started 10 ms apart, run
/// until registration has settled; with crashes, that many peers are killed afterwards and the run goes on until the
/// network has had time to detect and purge them.
/// </summary>
public static class SimulatedOverlay
{
    public const int Seeds = 3;
    const long StaggerUs = 10_000;
    const long SettleUs = 10_000_000;
    const long DetectUs = 15_000_000;

    public static Scenario ScenarioFor(int peers, ulong seed, int crashes)
    {
        var joinedUs = peers * StaggerUs;
        var faults = new List<Fault>();
        if (crashes > 0)
        {
            var rng = new Rng(seed ^ 0x70_9010_61UL);
            (var victims, rng) = rng.Sample(toSeq(Enumerable.Range(0, peers).ToArray()), crashes);
            foreach (var v in victims)
            {
                // Spread over 2 s once every peer has had time to register and link.
                (var atMs, rng) = rng.NextInt(2000);
                faults.Add(new Crash(Addresses.Peer(v), joinedUs + 3_000_000 + atMs * 1000L));
            }
        }
        return new Scenario
        {
            Seeds = Seeds, Peers = peers, Seed = seed,
            LatencyMinUs = 50, LatencyMaxUs = 1_000,
            PeerStaggerUs = StaggerUs,
            Faults = toSeq(faults.ToArray()),
            RunUntilUs = joinedUs + SettleUs + (crashes > 0 ? DetectUs : 0),
            KeepTrace = false, KeepLogs = false,
            // Gossip does not shape the overlay; leaving it out keeps large runs quick.
            Options = ProtocolOptions.Default with { GossipCount = 0 },
        };
    }

    public static OverlayGraph Run(int peers, ulong seed, int crashes)
    {
        var scenario = ScenarioFor(peers, seed, crashes);
        var result = Simulator.Run(scenario);
        var records = result.Peers.Select(kv => new PeerRecord(kv.Key, kv.Value.Neighbours.ToArray(),
            Dead: !result.IsUp(kv.Key) || result.WasImpaired(kv.Key)));
        var degrees = result.Degrees();
        return OverlayGraph.Of(records, scenario.Seeds, degrees.KMin,
            $"simulated: {Seeds} seeds, {peers} peers, seed {seed}, {scenario.RunUntilUs / 1e6:0.#} virtual seconds{(crashes > 0 ? $", {crashes} crashed" : "")}",
            degrees);
    }
}
