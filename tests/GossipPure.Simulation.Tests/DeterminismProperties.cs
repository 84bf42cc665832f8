using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Simulation.Tests.Support;

namespace GossipPure.Simulation.Tests;

/// <summary>(a) One scenario, one run: the same seed gives the same steps, hash and final states; another seed does not.</summary>
public sealed class DeterminismProperties
{
    [Property(MaxTest = 200)]
    public Property Same_scenario_gives_the_same_hash_and_final_states() =>
        Prop.ForAll(DeterminismCase.Arb, c =>
        {
            var scenario = c.Build();
            var a = Simulator.Run(scenario);
            var b = Simulator.Run(scenario);
            // 200, not 300, since the silence check is deadline-driven: a quiet 3-peer, 20 s run has ~200 checks fewer.
            Assert.True(a.Steps > 200, $"{c}: too small a run to say much ({a.Steps} steps)");
            AssertSameRun(a, b);

            var other = Simulator.Run(scenario with { Seed = scenario.Seed + 1 });
            Assert.NotEqual(a.TraceHash, other.TraceHash);
            return true.ToProperty().Collect($"{c.SeedCount} seeds");
        });

    [Property(MaxTest = 40)]
    public Property The_cache_warm_up_changes_nothing() =>
        Prop.ForAll(DeterminismCase.Arb, c =>
        {
            var scenario = c.Build();
            AssertSameRun(Simulator.Run(scenario), Simulator.Run(scenario with { NoWarmUp = true }));
            return true;
        });

    [Fact]
    public void The_cache_warm_up_reads_the_states_of_a_busy_network_and_changes_nothing()
    {
        // Buckets of 128 µs with many events in them: 300 peers started 1 ms apart, latencies of 50–1,000 µs, gossip and a crash.
        var scenario = new Scenario
        {
            Seeds = 3, Peers = 300, Seed = 7, LatencyMinUs = 50, LatencyMaxUs = 1_000, PeerStaggerUs = 1_000, Gossipers = 5,
            RunUntilUs = 12 * Cases.Second, Faults = Seq1<Fault>(new Crash(Addresses.Peer(17), 8 * Cases.Second)),
        };
        long warmed = 0;
        var with = Simulator.Run(scenario, (_, sim) => warmed = sim.Warmed);
        long unwarmed = 0;
        var without = Simulator.Run(scenario with { NoWarmUp = true }, (_, sim) => unwarmed = sim.Warmed);
        AssertSameRun(with, without);
        Assert.Equal(0, unwarmed);
        // Nearly every step of a peer comes from a bucket of the ring (timers and deliveries a latency ahead).
        Assert.True(warmed > with.Steps / 2, $"the warm-up read {warmed} states in a run of {with.Steps} steps");
    }

    [Fact]
    public void The_step_profile_names_where_the_time_went_and_changes_nothing()
    {
        var scenario = new Scenario
        {
            Seeds = 3, Peers = 60, Seed = 11, LatencyMinUs = 50, LatencyMaxUs = 1_000, PeerStaggerUs = 1_000, Gossipers = 3,
            RunUntilUs = 12 * Cases.Second, Faults = Seq1<Fault>(new Crash(Addresses.Peer(17), 8 * Cases.Second)),
        };
        var plain = Simulator.Run(scenario);
        var profiled = Simulator.Run(scenario with { ProfileSteps = true });
        AssertSameRun(plain, profiled);
        Assert.Null(plain.Profile);
        var lines = profiled.Profile!.ToLines(top: 100).ToList();
        Assert.StartsWith("step profile: ", lines[0]);
        // Every kind a peer or a seed steps on most: the gossip flood, the heartbeats, the registration votes.
        foreach (var kind in new[] { "peer: GOSSIP ", "peer: HEARTBEAT ", "peer: timer HeartbeatRound ", "seed: REGISTER_VOTE ", "seed: DEGREE_UPDATE " })
            Assert.True(lines.Any(l => l.TrimStart().StartsWith(kind, StringComparison.Ordinal)), $"no line for {kind.Trim()} in:\n{string.Join("\n", lines)}");
        // Every event handled is counted once (a step with a collection in it apart): at least one a step, and not
        // many more (what is dropped or cancelled is handled without a step).
        static long Count(string text) => long.Parse(text.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
        var counted = lines.Skip(1).Sum(l => Count(System.Text.RegularExpressions.Regex.Match(l, @"([\d,]+) × ").Groups[1].Value));
        var withGc = Count(System.Text.RegularExpressions.Regex.Match(lines[0], @"(\d+) steps with a GC").Groups[1].Value);
        Assert.InRange(counted + withGc, profiled.Steps, profiled.Steps * 3 / 2);
    }

    /// <summary>The same steps, hash and final states.</summary>
    static void AssertSameRun(SimResult a, SimResult b)
    {
        Assert.Equal(a.TraceHash, b.TraceHash);
        Assert.Equal(a.Steps, b.Steps);
        Assert.Equal(a.Seeds, b.Seeds);
        Assert.Equal(a.Peers, b.Peers);
        Assert.Equal(a.Status, b.Status);
        Assert.Equal(a.Confirmations, b.Confirmations);
    }

    [Fact]
    public void The_hash_covers_every_step_of_the_trace()
    {
        // Recomputing the hash from the kept trace's canonical lines gives the same digest.
        var r = Simulator.Run(new DeterminismCase(17, 3, 5, 30, 2, 5, 2).Build());
        var text = string.Concat(r.Trace.Select(s => TraceText.Step(s.TimeUs, s.Node, s.Input, s.Effects)));
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
        Assert.Equal(digest, r.TraceHash);
        Assert.Equal(r.Steps, r.Trace.Count);
        Assert.Equal(Enumerable.Range(0, r.Trace.Count).Select(i => (long)i), r.Trace.Select(s => s.Index));
    }

    [Fact]
    public void Trace_only_off_gives_the_same_hash()
    {
        var scenario = new DeterminismCase(99, 3, 6, 20, 3, 3, 2).Build();
        var full = Simulator.Run(scenario);
        var lean = Simulator.Run(scenario with { KeepTrace = false, KeepLogs = false });
        Assert.Equal(full.TraceHash, lean.TraceHash);
        Assert.Empty(lean.Trace);
        Assert.All(lean.Logs.Values, l => Assert.Empty(l));
        Assert.Equal(full.Confirmations, lean.Confirmations);
    }

    [Fact]
    public void The_canonical_line_of_a_step_is_fixed_text()
    {
        var a = new NodeId("10.0.1.1", 6001);
        var s = new NodeId("10.0.0.1", 5011);
        var line = TraceText.Step(1500, a,
            new Received(1_700_000_000_001_500, s, new DeadConfirmed(new NodeId("10.0.1.2", 6002), toSeq([s, new NodeId("10.0.0.2", 5012)]), "crashed", None, 42)),
            toSeq<Effect>([new Send(s, new Gossip(a, "1.5:10.0.1.1:1")), new SetTimer(new TimerKey.GossipRound(), 5000), new Suspected(new NodeId("10.0.1.2", 6002), "x", false), new Disconnect(new NodeId("10.0.1.2", 6002))]));
        Assert.Equal(
            "1500 10.0.1.1:6001 Received from=10.0.0.1:5011 DEAD_CONFIRMED 10.0.1.2:6002 [10.0.0.1:5011,10.0.0.2:5012] crashed - 42"
            + " | Send 10.0.0.1:5011 GOSSIP 10.0.1.1:6001 1.5:10.0.1.1:1 | SetTimer gossip 5000ms | Event Suspected { Node = 10.0.1.2:6002, Evidence = x, Strong = False } | Disconnect 10.0.1.2:6002\n",
            line);
    }

    /// <summary>The simulator hands each node exactly the inputs the trace says: folding them through a fresh reducer reproduces every effect.</summary>
    /// <summary>
    /// Replay determinism over many seeds and fault schedules: feeding each node's recorded inputs to a fresh reducer
    /// reproduces every effect and the final state (a Started after the first is a restart: a fresh process).
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Replaying_each_nodes_inputs_reproduces_its_effects_and_state() =>
        Prop.ForAll(DeterminismCase.Arb, c =>
        {
            var scenario = c.Build();
            var r = Simulator.Run(scenario);
            foreach (var (id, final) in r.Seeds)
                Assert.Equal(final, Replay(r, id, () => SeedState.Initial(new NodeConfig(id, scenario.SeedIds, scenario.Options)), SeedReducer.Step));
            foreach (var (id, final) in r.Peers)
                Assert.Equal(final, Replay(r, id, () => PeerState.Initial(new NodeConfig(id, scenario.SeedIds, scenario.Options)), PeerReducer.Step));
            var restarts = r.Trace.Count(t => t.Input is Started) - scenario.Seeds - scenario.Peers;
            return true.ToProperty()
                .Classify(restarts > 0, "a restart replayed (a second Started)")
                .Classify(c.Kinds.Contains("Partition"), "a partition")
                .Classify(c.Kinds.Contains("Hang"), "a hang")
                .Classify(c.Kinds.Contains("Stall"), "a stall")
                .Classify(c.FaultCount == 0, "no fault");
        });

    static T Replay<T>(SimResult r, NodeId id, Func<T> initial, Func<T, Input, Step<T>> step)
    {
        var state = initial();
        var started = false;
        foreach (var t in r.Trace.Where(t => t.Node == id))
        {
            if (t.Input is Started)
            {
                if (started) state = initial();
                started = true;
            }
            var next = step(state, t.Input);
            Assert.True(t.Effects.SequenceEqual(next.Effects), $"{id}: step {t.Index} ({t.Input.GetType().Name}) gave other effects on replay");
            GossipPure.Core.Tests.Support.MachineAudit.Check(id, t.Input, state, next.State!, next.Effects, next.Transitions);   // phases only by transitions, none refused
            state = next.State;
        }
        return state;
    }
}
