using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using GossipPure.Core;

namespace GossipPure.Shell.Hosting;

/// <summary>
/// A node's figures, published through <see cref="System.Diagnostics.Metrics"/> on the meter
/// <see cref="MeterName"/> (one meter per process, shared by every node it hosts; each measurement is tagged
/// <c>node=&lt;ip:port&gt;</c> and <c>role=seed|peer</c>). Every figure is read off what the node loop already
/// sees — an input and the effects the reducer returned for it — so this class observes and decides nothing.
/// Where the only trace of an event is a log line, the line's documented wording (specs/protocol.md, "Output
/// files and log lines") is what is matched.
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    public const string MeterName = "GossipPure";

    static readonly Meter Meter = new(MeterName, "1.0");

    static readonly Counter<long> Sent = Meter.CreateCounter<long>(
        "gossip.messages.sent", "{message}", "Messages the node handed to its transport (tag type: the wire name)");
    static readonly Counter<long> Received = Meter.CreateCounter<long>(
        "gossip.messages.received", "{message}", "Messages the node took from its connections (tag type: the wire name)");
    static readonly Counter<long> FirstSeen = Meter.CreateCounter<long>(
        "gossip.gossip.first_seen", "{message}", "Gossip messages a peer received for the first time (logged and forwarded)");
    static readonly Counter<long> Duplicates = Meter.CreateCounter<long>(
        "gossip.gossip.duplicates", "{message}", "Gossip messages a peer received again and dropped");
    static readonly Counter<long> Suspicions = Meter.CreateCounter<long>(
        "gossip.suspicions", "{suspicion}", "Neighbours a peer began to suspect");
    static readonly Counter<long> Deaths = Meter.CreateCounter<long>(
        "gossip.deaths.confirmed", "{node}", "Removals by a quorum of seeds that this node applied");
    static readonly Counter<long> Registrations = Meter.CreateCounter<long>(
        "gossip.registrations", "{registration}", "Times a peer completed registration with the seeds");
    static readonly Histogram<double> RegistrationDuration = Meter.CreateHistogram<double>(
        "gossip.registration.duration", "ms", "From a peer's start (or its re-registration) to registered");
    static readonly Histogram<double> DisseminationLatency = Meter.CreateHistogram<double>(
        "gossip.dissemination.latency", "ms", "From a gossip message's origin timestamp to its first receipt here");

    /// <summary>The nodes alive in this process, for the queue gauge.</summary>
    static readonly ConcurrentDictionary<NodeMetrics, byte> Live = new();

    static readonly ObservableGauge<int> QueueDepth = Meter.CreateObservableGauge(
        "gossip.queue.depth",
        () => Live.Keys.Select(n => new Measurement<int>(n.queueDepth(), n.tags)).ToArray(),
        "{item}", "Inputs waiting in the node loop's queue");

    readonly Role role;
    readonly KeyValuePair<string, object?>[] tags;
    readonly Func<int> queueDepth;
    long registeringSinceUs = -1;
    long duplicatesSeen;

    /// <summary>Starts publishing for one node; <paramref name="queueDepth"/> reads its input queue's length.</summary>
    public NodeMetrics(Role role, NodeId self, Func<int> queueDepth)
    {
        this.role = role;
        this.queueDepth = queueDepth;
        tags = [new("node", self.ToString()), new("role", role == Role.Seed ? "seed" : "peer")];
        Live.TryAdd(this, 0);
    }

    /// <summary>Counts what one step shows: the input the reducer took and the effects it returned.</summary>
    /// <param name="duplicates">A peer's count of repeats dropped so far (its state's), from which the counter moves.</param>
    public void Observe(Input input, LanguageExt.Seq<Effect> effects, long? duplicates = null)
    {
        if (duplicates is { } total && total > duplicatesSeen)
        {
            Duplicates.Add(total - duplicatesSeen, tags);
            duplicatesSeen = total;
        }
        switch (input)
        {
            case Started: registeringSinceUs = input.NowUs; break;
            case Core.Received r:
                Received.Add(1, Typed(r.Message));
                break;
        }

        foreach (var effect in effects)
        {
            switch (effect)
            {
                case Send s: Sent.Add(1, Typed(s.Message)); break;
                case GossipReceived g when role == Role.Peer:
                    // One event per first receipt (a step that takes gossip held during a membership check has several).
                    FirstSeen.Add(1, tags);
                    if (OriginUs(g.Body) is { } originUs && input.NowUs >= originUs)
                        DisseminationLatency.Record((input.NowUs - originUs) / 1000.0, tags);
                    break;
                case Suspected:
                    Suspicions.Add(1, tags);
                    break;
                case PeerRemoved or Purged:
                    Deaths.Add(1, tags);
                    break;
                case Rejoining:
                    registeringSinceUs = input.NowUs;   // it registers again as a new incarnation
                    break;
                case Registered:
                    Registrations.Add(1, tags);
                    if (registeringSinceUs >= 0) RegistrationDuration.Record((input.NowUs - registeringSinceUs) / 1000.0, tags);
                    registeringSinceUs = -1;
                    break;
            }
        }

    }

    TagList Typed(Message m) => new(tags) { { "type", Core.Wire.TypeName(m) } };

    /// <summary>The origin time of a body <c>&lt;seconds&gt;.&lt;micros&gt;:&lt;IP&gt;:&lt;MsgNo&gt;</c> in Unix microseconds; null when it has no such prefix.</summary>
    public static long? OriginUs(string body) =>
        Core.Peers.PeerReducer.TryParseTimestamp(body, out var us) ? us : null;

    public void Dispose() => Live.TryRemove(this, out _);
}
