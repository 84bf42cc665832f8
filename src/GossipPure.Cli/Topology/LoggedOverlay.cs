using GossipPure.Core;
using GossipPure.Core.Peers;
using GossipPure.Shell.Hosting;
using LanguageExt;

namespace GossipPure.Cli.Topology;

/// <summary>
/// The overlay of a real network, read from the event files its nodes wrote (<c>events_&lt;role&gt;_&lt;port&gt;.jsonl</c>).
/// The most reliable source of a peer's neighbours is its own event log: it records every input the peer took, so
/// replaying it through <see cref="PeerReducer"/> gives the neighbour set the peer itself held, exactly (a crash's torn
/// last line is skipped). The seeds' view (the last DEGREE_UPDATE a seed received from a peer) can be late or lost with
/// a message, so it is used only for a peer whose own file is missing. A peer is dead when a DEAD_CONFIRMED other than a
/// departure ("left") names its current incarnation in any file, received or sent. A network whose peers were stopped
/// together is drawn as it was when the stop began (<see cref="FinalStopUs"/>); a peer that left before is not drawn.
/// </summary>
public static class LoggedOverlay
{
    public const string SourceHelp =
        "each peer's own events_peer_*.jsonl replayed through the peer reducer (the neighbour set it held; for a peer without one, " +
        "the last DEGREE_UPDATE a seed recorded); dead = named by a DEAD_CONFIRMED (not a departure) in any events file; " +
        "a network whose peers were all stopped is drawn as it was when they began to stop";

    sealed record Report(long AtUs, NodeId[] Neighbours);
    sealed record Removal(long AtUs, long Incarnation, string Reason);

    /// <summary>Reads every event file in <paramref name="dir"/>; <paramref name="notes"/> says what was skipped.</summary>
    public static Either<string, OverlayGraph> Read(string dir, List<string> notes)
    {
        if (!Directory.Exists(dir)) return $"--log-dir '{dir}': no such directory";
        var files = Directory.GetFiles(dir, "events_*.jsonl").Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0) return $"--log-dir '{dir}': no events_*.jsonl files (the nodes write them next to their outputfile_*.txt)";

        var logs = new List<EventLog>();
        foreach (var f in files)
        {
            if (EventLog.TryRead(f, out var log, out var error)) logs.Add(log);
            else notes.Add($"skipped {error}");
        }
        if (logs.Count == 0) return $"--log-dir '{dir}': none of the {files.Length} events files could be read";

        var seeds = new SortedSet<NodeId>(logs.SelectMany(l => l.Header.Config.Seeds));
        var kMin = Math.Max(1, logs[0].Header.Config.Options.MinNeighbours);
        var peerLogs = logs.Where(l => l.Header.Role == Role.Peer).ToArray();

        // A network that was stopped is drawn as it was when the stop began (see FinalStopUs).
        var shutdowns = peerLogs.SelectMany(l => l.Steps.Where(s => s.Input is ShutdownRequested).Take(1).Select(s => s.Input.NowUs)).ToArray();
        var lastUs = peerLogs.SelectMany(l => l.Steps.Select(s => s.Input.NowUs)).DefaultIfEmpty(0).Max();
        var cutUs = FinalStopUs(shutdowns, lastUs) ?? long.MaxValue;

        // What every file says before then: removals (received or sent) and the neighbour sets the seeds were told.
        var removals = new Dictionary<NodeId, List<Removal>>();
        var reports = new Dictionary<NodeId, Report>();
        foreach (var log in logs)
            foreach (var step in log.Steps.TakeWhile(s => s.Input.NowUs < cutUs))
            {
                if (step.Input is Received { Message: DeadConfirmed dc } r) Removed(dc, r.NowUs);
                if (step.Input is Received { Message: DegreeUpdate du } d && log.Header.Role == Role.Seed
                    && (!reports.TryGetValue(d.From, out var old) || old.AtUs <= d.NowUs))
                    reports[d.From] = new Report(d.NowUs, du.Neighbours.ToArray());
                foreach (var fx in step.Effects.IfNone(Seq<Effect>.Empty))
                    if (fx is Send { Message: DeadConfirmed sent }) Removed(sent, step.Input.NowUs);
            }
        void Removed(DeadConfirmed dc, long atUs)
        {
            if (!removals.TryGetValue(dc.Node, out var list)) removals[dc.Node] = list = new List<Removal>();
            list.Add(new Removal(atUs, dc.Incarnation, dc.Reason));
        }
        bool RemovedSince(NodeId peer, Func<Removal, bool> newer) =>
            removals.TryGetValue(peer, out var list) && list.Any(r => !DeathReasons.IsDeparture(r.Reason) && newer(r));

        var records = new List<PeerRecord>();
        var drawn = new SortedSet<NodeId>();
        int unregistered = 0, left = 0;
        foreach (var log in peerLogs)
        {
            var (state, leftUs) = ReplayPeer(log, cutUs, notes);
            drawn.Add(state.Config.Self);
            if (leftUs is not null) { left++; continue; }
            if (state.Phase != PeerPhase.Registered && state.Neighbours.IsEmpty) { unregistered++; continue; }
            records.Add(new PeerRecord(state.Config.Self, state.Neighbours.ToArray(),
                RemovedSince(state.Config.Self, r => r.Incarnation >= state.Incarnation)));
        }
        var own = records.Count;
        foreach (var (peer, report) in reports.OrderBy(kv => kv.Key))
        {
            if (drawn.Contains(peer) || seeds.Contains(peer)) continue;
            records.Add(new PeerRecord(peer, report.Neighbours, RemovedSince(peer, r => r.AtUs >= report.AtUs)));
        }
        if (unregistered > 0) notes.Add($"{unregistered} peers had not registered; not drawn");
        if (left > 0) notes.Add($"{left} peers had left (shut down) before {(cutUs == long.MaxValue ? "the end" : "the network was stopped")}; not drawn");
        if (records.Count == 0) return $"--log-dir '{dir}': no registered peer in {logs.Count} events files";
        var when = cutUs == long.MaxValue ? "as last recorded" : $"as at {GossipPure.Cli.Replay.StateText.Time(cutUs)}, when its peers began to stop";
        return OverlayGraph.Of(records, seeds.Count, kMin,
            $"event logs in {dir}, {when}: {own} peers replayed from their own files, {records.Count - own} from the seeds' DEGREE_UPDATE records");
    }

    /// <summary>
    /// When the network's peers were stopped together: the first shutdown of the last run of shutdowns that follow each
    /// other within <paramref name="gapUs"/>, provided no peer recorded anything more than <paramref name="gapUs"/> after
    /// the last one (else the network went on after those departures, or still runs: null). Drawing the peers as they
    /// were then keeps the links a stop takes apart one LEAVE at a time.
    /// </summary>
    public static long? FinalStopUs(IReadOnlyCollection<long> shutdownsUs, long lastInputUs, long gapUs = 5_000_000)
    {
        if (shutdownsUs.Count == 0) return null;
        var sorted = shutdownsUs.OrderDescending().ToArray();
        if (lastInputUs - sorted[0] > gapUs) return null;
        var start = sorted[0];
        foreach (var t in sorted.Skip(1))
        {
            if (start - t > gapUs) break;
            start = t;
        }
        return start;
    }

    /// <summary>
    /// The peer's state after its last input before <paramref name="cutUs"/>, and the time it shut down if it did so
    /// before then (it had left).
    /// </summary>
    static (PeerState State, long? LeftUs) ReplayPeer(EventLog log, long cutUs, List<string> notes)
    {
        var state = PeerState.Initial(log.Header.Config);
        foreach (var step in log.Steps)
        {
            if (step.Input.NowUs >= cutUs) break;
            if (step.Input is ShutdownRequested) return (state, step.Input.NowUs);
            try
            {
                state = PeerReducer.Step(state, step.Input).State;
            }
            catch (Exception e)
            {
                notes.Add($"{log.Name} step {step.Step}: the peer reducer threw {e.GetType().Name} ({e.Message.ReplaceLineEndings(" ")}); the state before it is used");
                break;
            }
        }
        return (state, null);
    }
}
