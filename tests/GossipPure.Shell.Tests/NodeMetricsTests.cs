using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;
using GossipPure.Shell.Hosting;
using LanguageExt;

namespace GossipPure.Shell.Tests;

/// <summary>
/// The meter "GossipPure" as a listener sees it: a real network of nodes hosted in this process on loopback moves
/// the counters, and each figure agrees with what the nodes logged.
/// </summary>
public sealed class NodeMetricsTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_small_network_moves_every_counter_and_tags_each_measurement_with_its_node()
    {
        using var recorder = new MetricsRecorder();
        var ports = FreePorts(6);
        var seeds = toSeq(ports.Take(3).Select(p => new NodeId("127.0.0.1", p)));
        var peers = ports.Skip(3).Select(p => new NodeId("127.0.0.1", p)).ToList();
        var roles = seeds.ToDictionary(s => s.ToString(), _ => "seed");
        foreach (var p in peers) roles[p.ToString()] = "peer";
        var options = ProtocolOptions.Default with { GossipIntervalMs = 300, GossipCount = 3 };
        var dir = Directory.CreateTempSubdirectory("gossip-metrics-").FullName;

        // What each peer logged: the ground truth the figures are checked against.
        var registered = peers.ToDictionary(p => p, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var heard = peers.ToDictionary(p => p, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var firstTimeLines = new ConcurrentDictionary<NodeId, int>();

        using var stop = new CancellationTokenSource();
        var runs = new List<Task<int>>();
        var seedNodes = new List<NodeRunner<SeedState>>();
        var peerNodes = new List<NodeRunner<PeerState>>();
        var victim = new Kill9();
        try
        {
            foreach (var s in seeds)
            {
                var config = new NodeConfig(s, seeds, options);
                var node = new NodeRunner<SeedState>(Role.Seed, config, SeedState.Initial(config), SeedReducer.Step, new NodeFiles(dir, null, Console: false));
                seedNodes.Add(node);
                runs.Add(Task.Run(() => node.RunAsync(stop.Token)));
            }
            foreach (var p in peers)
            {
                var config = new NodeConfig(p, seeds, options);
                void OnEvent(NodeEvent e)
                {
                    if (e is Registered) registered[p].TrySetResult();
                    if (e is not GossipReceived) return;
                    firstTimeLines.AddOrUpdate(p, 1, (_, n) => n + 1);
                    heard[p].TrySetResult();
                }
                var node = new NodeRunner<PeerState>(Role.Peer, config, PeerState.Initial(config), PeerReducer.Step, new NodeFiles(dir, null, Console: false)) { OnEvent = OnEvent, Signals = p == peers[0] ? victim : null };
                peerNodes.Add(node);
                runs.Add(Task.Run(() => node.RunAsync(stop.Token)));
            }

            var everyone = Task.WhenAll(registered.Values.Concat(heard.Values).Select(t => t.Task));
            if (await Task.WhenAny(everyone, Task.Delay(Bound)) != everyone)
                Assert.Fail($"within {Bound.TotalSeconds}s not every peer registered and heard gossip: registered {string.Join(", ", registered.Where(r => r.Value.Task.IsCompleted).Select(r => r.Key))}; heard {string.Join(", ", heard.Where(h => h.Value.Task.IsCompleted).Select(h => h.Key))}");
            recorder.Listener.RecordObservableInstruments();   // the queue gauge, read once while every node runs

            // A crash (as kill -9): its neighbours suspect it, the seeds remove it, every survivor purges it. The wait
            // reads the nodes' states, not their log lines, so the counters below are checked against the protocol's
            // own outcome, not against the wording they are derived from.
            victim.Kill();
            var deadline = DateTime.UtcNow + Bound;
            bool Gone() => seedNodes.All(n => !n.State.Peers.ContainsKey(peers[0])) && peerNodes.Skip(1).All(n => !n.State.Known.ContainsKey(peers[0]));
            while (!Gone() && DateTime.UtcNow < deadline) await Task.Delay(20);
            Assert.True(Gone(), $"{peers[0]} was not purged everywhere within {Bound.TotalSeconds}s");
        }
        finally
        {
            stop.Cancel();
            var all = Task.WhenAll(runs);
            var finished = await Task.WhenAny(all, Task.Delay(Bound));
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            Assert.True(finished == all, $"the nodes did not stop within {Bound.TotalSeconds}s");
        }

        // Only our nodes' measurements (the meter is shared by the whole process).
        var ours = recorder.All.Where(m => m.Node is { } n && roles.ContainsKey(n)).ToList();
        Assert.All(ours, m => Assert.Equal(roles[m.Node!], m.Role));
        double Sum(string instrument, string node) => ours.Where(m => m.Instrument == instrument && m.Node == node).Sum(m => m.Value);

        foreach (var node in roles.Keys)
        {
            Assert.True(Sum("gossip.messages.sent", node) > 0, $"{node} sent nothing");
            Assert.True(Sum("gossip.messages.received", node) > 0, $"{node} received nothing");
            Assert.Contains(ours, m => m.Instrument == "gossip.queue.depth" && m.Node == node && m.Value >= 0);
        }
        Assert.Contains(ours, m => m.Instrument == "gossip.messages.sent" && m.Type == "REGISTER_REQUEST" && m.Role == "peer");
        Assert.Contains(ours, m => m.Instrument == "gossip.messages.received" && m.Type == "GOSSIP" && m.Role == "peer");
        Assert.All(ours.Where(m => m.Instrument.StartsWith("gossip.messages.", StringComparison.Ordinal)), m => Assert.False(string.IsNullOrEmpty(m.Type)));

        // Registrations: one per peer, none counted at seeds, each with its duration.
        Assert.Equal(3, ours.Where(m => m.Instrument == "gossip.registrations").Sum(m => m.Value));
        foreach (var p in peers) Assert.Equal(1, Sum("gossip.registrations", p.ToString()));
        var durations = ours.Where(m => m.Instrument == "gossip.registration.duration").ToList();
        Assert.Equal(3, durations.Count);
        Assert.All(durations, d => Assert.InRange(d.Value, 0.001, Bound.TotalMilliseconds));

        // First receipts: exactly as many as the peer logged; a latency for each, measured from the origin's stamp.
        foreach (var p in peers)
        {
            Assert.True(firstTimeLines[p] > 0);
            Assert.Equal(firstTimeLines[p], Sum("gossip.gossip.first_seen", p.ToString()));
        }
        var latencies = ours.Where(m => m.Instrument == "gossip.dissemination.latency").ToList();
        Assert.Equal(firstTimeLines.Values.Sum(), latencies.Count);
        Assert.All(latencies, l => Assert.InRange(l.Value, 0, Bound.TotalMilliseconds));
        Assert.DoesNotContain(ours, m => m.Role == "seed" && m.Instrument.StartsWith("gossip.gossip.", StringComparison.Ordinal));

        // The crash: one applied removal at each seed and each survivor, none at the crashed peer; its neighbours
        // counted their suspicions.
        foreach (var node in seeds.Concat(peers.Skip(1))) Assert.Equal(1, Sum("gossip.deaths.confirmed", node.ToString()));
        Assert.Equal(0, Sum("gossip.deaths.confirmed", peers[0].ToString()));
        Assert.True(peers.Skip(1).Sum(p => Sum("gossip.suspicions", p.ToString())) >= 1, "no survivor counted a suspicion of the crashed peer");
    }

    [Fact]
    public void A_repeat_is_a_duplicate_and_only_applied_removals_are_deaths()
    {
        using var recorder = new MetricsRecorder();
        var self = new NodeId("127.0.0.77", 6001);
        var other = new NodeId("127.0.0.77", 6002);
        var seed = new NodeId("127.0.0.77", 5011);
        const long T = 1795635730_511801;
        var gossip = new Gossip(other, "1795635730.511801:127.0.0.77:1");
        using (var metrics = new NodeMetrics(Role.Peer, self, () => 0))
        {
            metrics.Observe(new Started(T - 2_000_000, 1), Fx());
            metrics.Observe(new TimerFired(T - 500_000, TimerKey.Parse("register")), Fx(new Registered(2, 1)));
            metrics.Observe(new Received(T + 2_500, other, gossip), Fx(new GossipReceived(other, gossip.Body, other)));
            metrics.Observe(new Received(T + 9_000, other, gossip), Fx(), duplicates: 1);   // the peer counted a repeat
            metrics.Observe(new Disconnected(T + 10_000, other, "closed"), Fx(
                new Suspected(other, "connection broken (closed)", true),
                new Send(other, new SuspectRequest(other)), new Send(seed, new SuspectRequest(other))));
            var dc = new DeadConfirmed(other, Seq1(seed), "crashed", None, 1);
            metrics.Observe(new Received(T + 20_000, seed, dc), Fx(new ConfirmationIgnored(other, seed, 1, 2)));
            metrics.Observe(new Received(T + 30_000, seed, dc), Fx(new Purged(other, "crashed", 1, Seq1(seed), 3, seed, true, 0)));
        }

        var mine = recorder.All.Where(m => m.Node == self.ToString()).ToList();
        double Sum(string instrument) => mine.Where(m => m.Instrument == instrument).Sum(m => m.Value);
        Assert.Equal(1, Sum("gossip.registrations"));
        Assert.Equal(1500, Assert.Single(mine, m => m.Instrument == "gossip.registration.duration").Value, 3);
        Assert.Equal(1, Sum("gossip.gossip.first_seen"));
        Assert.Equal(1, Sum("gossip.gossip.duplicates"));
        Assert.Equal(2.5, Assert.Single(mine, m => m.Instrument == "gossip.dissemination.latency").Value, 3);
        Assert.Equal(1, Sum("gossip.suspicions"));
        Assert.Equal(1, Sum("gossip.deaths.confirmed"));
        Assert.Equal(2, Sum("gossip.messages.sent"));
        Assert.Equal(4, Sum("gossip.messages.received"));
        Assert.Equal(2, mine.Count(m => m.Instrument == "gossip.messages.received" && m.Type == "GOSSIP"));
        Assert.All(mine, m => Assert.Equal("peer", m.Role));
    }

    [Theory]
    [InlineData("1795635730.511801:127.0.0.1:1", 1795635730_511801L)]
    [InlineData("1795635730.5:127.0.0.1:1", 1795635730_500000L)]
    [InlineData("1795635730:127.0.0.1:1", 1795635730_000000L)]
    [InlineData("hello", null)]
    [InlineData(":127.0.0.1:1", null)]
    [InlineData("17956.35730.5:x:1", null)]
    [InlineData("-5.1:x:1", null)]
    [InlineData("99999999999999999999.1:x:1", null)]
    public void The_origin_stamp_is_read_from_the_body(string body, long? expectedUs) =>
        Assert.Equal(expectedUs, NodeMetrics.OriginUs(body));

    static Seq<Effect> Fx(params Effect[] effects) => toSeq(effects);

    /// <summary>
    /// Ports below the kernel's ephemeral range (32768 and up), so no outgoing connection of a node already running can
    /// take one before its node binds it; 8000–9999 is this test project's own range (integration tests use 10000–19999,
    /// `gossip bench` 20000–32000). Each is checked free by binding it.
    /// </summary>
    static List<int> FreePorts(int n)
    {
        var ports = new List<int>(n);
        var port = 8000 + Random.Shared.Next(0, 2000);
        for (var tried = 0; ports.Count < n && tried < 2000; tried++, port = port >= 9999 ? 8000 : port + 1)
            if (Net.LoopbackPorts.IsFree(port)) ports.Add(port);
        return ports.Count == n ? ports : throw new InvalidOperationException($"only {ports.Count} of {n} free ports in 8000–9999");
    }

    sealed record Measured(string Instrument, double Value, string? Node, string? Role, string? Type);

    /// <summary>Every measurement of the meter "GossipPure" while it lives.</summary>
    sealed class MetricsRecorder : IDisposable
    {
        readonly ConcurrentQueue<Measured> all = new();

        public MetricsRecorder()
        {
            Listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == NodeMetrics.MeterName) l.EnableMeasurementEvents(instrument);
            };
            Listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            Listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
            Listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            Listener.Start();
        }

        public MeterListener Listener { get; } = new();
        public List<Measured> All => all.ToList();

        void Add(Instrument i, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> ts, string key)
            {
                foreach (var t in ts) if (t.Key == key) return t.Value as string;
                return null;
            }
            all.Enqueue(new Measured(i.Name, value, Tag(tags, "node"), Tag(tags, "role"), Tag(tags, "type")));
        }

        public void Dispose() => Listener.Dispose();
    }

    /// <summary><c>kill -9</c> of a node hosted in the test's process: it stops at once and its connections are reset.</summary>
    sealed class Kill9 : INodeSignals
    {
        volatile bool killed;
        volatile Action? reset;

        public bool Killed => killed;
        public bool Stopped => false;
        public void Attach(Action wakeLoop, Action resetConnections) => reset = resetConnections + wakeLoop;

        public void Kill()
        {
            killed = true;
            reset?.Invoke();
        }
    }
}
