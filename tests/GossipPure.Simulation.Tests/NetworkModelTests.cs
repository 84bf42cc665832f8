namespace GossipPure.Simulation.Tests;

/// <summary>The simulator's own rules: what a crash, a hang, a partition, a ping, a timer and a Stop look like to the nodes.</summary>
public sealed class NetworkModelTests
{
    const long S = 1_000_000;

    static Scenario Small(params Fault[] faults) => new()
    {
        Seeds = 1, Peers = 4, Seed = 3, LatencyMinUs = 1_000, LatencyMaxUs = 10_000,
        PeerStaggerUs = 100_000, RunUntilUs = 20 * S,
        Faults = toSeq(faults),
        Options = ProtocolOptions.Default with { GossipIntervalMs = 1000, PingIntervalMs = 500 },
    };

    static readonly NodeId P0 = Addresses.Peer(0);

    static IEnumerable<TraceStep> At(SimResult r, NodeId n) => r.Trace.Where(t => t.Node == n);

    [Fact]
    public void Every_peer_label_up_to_200_000_peers_is_a_valid_distinct_address()
    {
        var labels = Enumerable.Range(0, 200_000).Select(Addresses.Peer).ToArray();
        Assert.All(labels, id => Assert.True(NodeId.TryParse(id.ToString(), out var back) && back == id, $"{id} is not a valid address"));
        Assert.Equal(labels.Length, labels.Select(id => id.Ip).Distinct().Count());
        Assert.Equal(new NodeId("10.0.1.1", 6001), labels[0]);
        Assert.Equal(new NodeId("10.0.200.250", 56000), labels[49_999]);
        Assert.Equal(new NodeId("10.1.1.1", 6001), labels[50_000]);
    }

    [Fact]
    public void A_crash_resets_the_connections_and_later_dials_are_refused()
    {
        var r = Simulator.Run(Small(new Crash(P0, 10 * S)));
        Assert.DoesNotContain(At(r, P0), t => t.TimeUs >= 10 * S);
        Assert.Equal(NodeStatus.Crashed, r.Status[P0]);

        var resets = r.Trace.Where(t => t.Input is Disconnected d && d.Node == P0).ToArray();
        Assert.NotEmpty(resets);
        Assert.All(resets, t =>
        {
            Assert.Equal("connection reset", ((Disconnected)t.Input).Reason);
            Assert.InRange(t.TimeUs, 10 * S, 10 * S + 10_000);
        });
        // Every node that had exchanged messages with it hears: the seed (registration) and its neighbours.
        Assert.Contains(resets, t => t.Node == Addresses.Seed(0));
        var neighbours = r.Trace.Where(t => t.TimeUs < 10 * S && t.Input is Received { Message: LinkRequest } rl && rl.From == P0).Select(t => t.Node).Distinct();
        Assert.All(neighbours, n => Assert.Contains(resets, t => t.Node == n));
        Assert.Contains(r.Trace, t => t.TimeUs > 10 * S && t.Input is ConnectFailed { Reason: "connection refused" } f && f.Node == P0);
    }

    [Fact]
    public void A_hung_node_processes_nothing_its_kernel_still_accepts_and_answers_ping_and_it_catches_up_on_resume()
    {
        var r = Simulator.Run(Small(new Hang(P0, 10 * S), new Resume(P0, 12 * S)));
        Assert.DoesNotContain(At(r, P0), t => t.TimeUs >= 10 * S && t.TimeUs < 12 * S);
        // Held inputs are handled at the resume, in the order they arrived: heartbeats, its own timers.
        var atResume = At(r, P0).Where(t => t.TimeUs == 12 * S).ToArray();
        Assert.Contains(atResume, t => t.Input is Received { Message: Heartbeat });
        Assert.Contains(atResume, t => t.Input is TimerFired { Key: TimerKey.HeartbeatRound });
        // Nobody's dial or send to it failed: the kernel accepted.
        Assert.DoesNotContain(r.Trace, t => t.TimeUs >= 10 * S && t.TimeUs < 12 * S && t.Input is ConnectFailed f && f.Node == P0);
        Assert.Contains(r.Trace, t => t.TimeUs > 10 * S && t.TimeUs < 12 * S && t.Input is PingResult { Outcome: PingOutcome.Reply } p && p.Ip == P0.Ip);
        Assert.Equal(NodeStatus.Up, r.Status[P0]);
    }

    [Fact]
    public void A_partition_loses_messages_times_out_dials_and_pings_across_it()
    {
        var others = toSeq(new[] { Addresses.Seed(0) }.Concat(Enumerable.Range(1, 3).Select(Addresses.Peer)).ToArray());
        // Peer 0 starts inside the partition: its first dial to the seed times out.
        var scenario = Small(new Partition(toSeq([P0]), others, 0, 3 * S), new Partition(toSeq([P0]), others, 10 * S, 11 * S));
        var r = Simulator.Run(scenario);
        var failed = Assert.Single(r.Trace, t => t.Node == P0 && t.Input is ConnectFailed);
        Assert.Equal("connection timed out", ((ConnectFailed)failed.Input).Reason);
        Assert.Equal(scenario.ConnectTimeoutUs, failed.TimeUs);   // peer 0 started at 0
        Assert.DoesNotContain(r.Trace, t => t.Input is Received rc && t.TimeUs > 10 * S && t.TimeUs < 11 * S
            && (rc.From == P0) != (t.Node == P0));
        Assert.Contains(r.Trace, t => t.Input is PingResult { Outcome: PingOutcome.NoReply } p && p.Ip == P0.Ip && t.TimeUs > 10 * S);
        Assert.True(r.Network.Cut > 0);
        Assert.Equal(0, r.ImpairedSinceUs[P0]);
    }

    [Fact]
    public void Timers_fire_on_time_replace_each_other_and_stay_cancelled()
    {
        var r = Simulator.Run(Small());
        var beats = At(r, P0).Where(t => t.Input is TimerFired { Key: TimerKey.HeartbeatRound }).Select(t => t.TimeUs).ToArray();
        Assert.True(beats.Length > 10);
        Assert.All(beats.Zip(beats.Skip(1), (a, b) => b - a), gap => Assert.Equal(1_000_000, gap));
        // The registration timer is cancelled once registered, so it never fires after that.
        var registered = r.RegisteredUs[P0];
        Assert.DoesNotContain(At(r, P0), t => t.TimeUs > registered && t.Input is TimerFired { Key: TimerKey.RegisterRetry });
    }

    [Fact]
    public void Logs_are_kept_per_node_with_the_time_of_their_step()
    {
        var r = Simulator.Run(Small());
        foreach (var (node, lines) in r.Logs)
        {
            var expected = At(r, node).SelectMany(t => t.Effects.OfType<NodeEvent>().Select(e => new LogLine(t.TimeUs, e)));
            Assert.Equal(expected, lines);
        }
        Assert.Contains(r.LogOf(P0), l => l.Event is GossipMade);
        var suspicions = Simulator.Run(Small() with { KeepEvents = e => e is Suspected or Purged });
        Assert.All(suspicions.Logs.Values.SelectMany(l => l), l => Assert.True(l.Event is Suspected or Purged));
    }

    [Fact]
    public void An_injection_arrives_as_sent_with_the_sender_it_names()
    {
        var forger = new NodeId("10.9.9.9", 9999);
        var scenario = Small() with { Injections = toSeq([new Injection(5 * S, forger, P0, new Probe(77))]) };
        var r = Simulator.Run(scenario);
        var step = Assert.Single(r.Trace, t => t.Input is Received { Message: Probe { Nonce: 77 } });
        Assert.Equal(P0, step.Node);
        Assert.Equal(5 * S, step.TimeUs);
        Assert.Equal(forger, ((Received)step.Input).From);
        Assert.Contains(step.Effects, e => e is Send { Message: ProbeAck { Nonce: 77 } } s && s.To == forger);
        Assert.Equal(1, r.Network.Injected);
        Assert.Equal(1, r.Network.ToOutsiders);
    }

    [Fact]
    public void A_shutdown_stops_the_node_after_its_leave_is_flushed_and_is_no_false_removal()
    {
        var r = Simulator.Run(Small(new Shutdown(P0, 10 * S)));
        Assert.Equal(NodeStatus.Stopped, r.Status[P0]);
        Assert.Contains(r.Trace, t => t.Node == Addresses.Seed(0) && t.Input is Received { Message: Leave } l && l.From == P0);
        Assert.Contains(r.Trace, t => t.Input is Disconnected { Reason: "connection closed" } d && d.Node == P0);
        Assert.Contains(r.Confirmations, c => c.Dead == P0 && c.Reason == "left");
        Assert.Empty(r.FalseRemovals());
    }

    [Fact]
    public void A_crashed_node_restarts_as_a_new_incarnation()
    {
        var r = Simulator.Run(Small(new Crash(P0, 5 * S), new Restart(P0, 8 * S)) with { RunUntilUs = 16 * S });
        Assert.Equal(NodeStatus.Up, r.Status[P0]);
        Assert.Equal(r.Scenario.EpochUs + 8 * S, r.Peers[P0].Incarnation);
        Assert.Equal(PeerPhase.Registered, r.Peers[P0].Phase);
        Assert.True(r.Seeds[Addresses.Seed(0)].Peers.ContainsKey(P0));
    }

    [Fact]
    public void Fifo_links_keep_the_send_order_of_each_connection()
    {
        // Latencies up to 0.9 s and a message every 0.3 s: without FIFO, one origin's messages overtake each other.
        var scenario = Small() with
        {
            LatencyMinUs = 1_000, LatencyMaxUs = 900_000,
            Options = ProtocolOptions.Default with { GossipIntervalMs = 300, GossipCount = 10 },
        };
        Assert.Equal(0, Inversions(Simulator.Run(scenario with { FifoLinks = true })));
        Assert.True(Inversions(Simulator.Run(scenario)) > 0, "the check should see reordering without FIFO links");
    }

    /// <summary>How often a peer first heard an origin's message n+k (straight from the origin) before its message n.</summary>
    static int Inversions(SimResult r)
    {
        var inversions = 0;
        foreach (var (node, _) in r.Peers)
        {
            var firsts = r.Trace
                .Where(t => t.Node == node && t.Input is Received { Message: Gossip g } rg && rg.From == g.Origin)
                .Select(t => (Gossip)((Received)t.Input).Message)
                .Distinct()
                .GroupBy(g => g.Origin);
            foreach (var from in firsts)
            {
                var numbers = from.Select(g => int.Parse(g.Body.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                inversions += numbers.Zip(numbers.Skip(1), (a, b) => b < a).Count(x => x);
            }
        }
        return inversions;
    }
}
