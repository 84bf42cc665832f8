using System.Globalization;
using System.Text;
using GossipPure.Core;
using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;
using LanguageExt;

namespace GossipPure.Cli.Replay;

/// <summary>
/// The replay's words: one-line summaries of an input, a step's effects and a node's state, and the full state
/// dump of <c>--at</c>. Times are local, to the microsecond, as in the nodes' output files.
/// </summary>
public static class StateText
{
    public static string Time(long us)
    {
        try
        {
            return DateTimeOffset.UnixEpoch.AddTicks(checked(us * 10)).ToLocalTime().ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            return $"t={us}";
        }
    }

    /// <summary>How long before <paramref name="nowUs"/> <paramref name="thenUs"/> was, e.g. <c>1.25s ago</c>.</summary>
    static string Ago(long thenUs, long nowUs) =>
        string.Create(CultureInfo.InvariantCulture, $"{(nowUs - thenUs) / 1_000_000.0:0.###}s ago");

    static string At(long us, long nowUs) => $"{Time(us)} ({Ago(us, nowUs)})";

    public static string Level(Core.LogLevel level) => level switch
    {
        Core.LogLevel.Debug => "debug: ",
        Core.LogLevel.Warning => "WARNING: ",
        Core.LogLevel.Error => "ERROR: ",
        _ => "",
    };

    // ---- Inputs -------------------------------------------------------------------------------------------

    public static string Input(Input input) => input switch
    {
        Started s => $"started (random seed {s.RandomSeed})",
        Received r => $"{Core.Wire.TypeName(r.Message)} from {r.From}{MessageDetail(r.Message)}",
        Connected c => $"connected {c.Node}",
        Disconnected d => $"disconnected {d.Node} ({d.Reason})",
        ConnectFailed f => $"connect to {f.Node} failed ({f.Reason})",
        TimerFired t => $"timer {t.Key}",
        BadFrame b => $"bad frame from {b.Remote} ({b.Reason})",
        ShutdownRequested => "shutdown requested",
        PingResult p => $"ping {p.Ip}: {p.Outcome switch { PingOutcome.Reply => "reply", PingOutcome.NoReply => "no reply", _ => "unavailable" }} ({p.Detail})",
        _ => input.GetType().Name,
    };

    /// <summary>What a message is about, in a few words (empty for messages whose type says it all).</summary>
    static string MessageDetail(Message m) => m switch
    {
        Gossip g => $": '{g.Body}' origin {g.Origin}",
        RegisterProposal p => $" about {p.Peer}",
        RegisterVote v => $" about {v.Peer}: {(v.Yes ? "yes" : "no")}{(v.Reason is null ? "" : $" ({v.Reason})")}",
        RegisterCommit c => $" of {c.Peer} ({c.Voters.Count} voters)",
        RegisterRejected r => $": {r.Reason}",
        PeerList l => $" ({l.Peers.Count} peers)",
        DegreeUpdate d => $" (degree {d.Degree})",
        SeedSyncRequest r => $" (changes after version {r.Since})",
        SeedSync s => $" ({s.Commits.Count} commits, {s.Removals.Count} removals, versions {s.Since}–{s.Upto}{(s.More ? ", more" : "")})",
        Bridge b => $" to {b.Target}",
        Probe p => $" (nonce {p.Nonce})",
        ProbeAck a => $" (nonce {a.Nonce})",
        SuspectRequest r => $" about {r.Suspect}",
        SuspectResponse r => $" about {r.Suspect}: {(r.Dead ? "dead" : "alive")} ({r.Evidence})",
        DeadReport r => $": {r.Report}",
        DeadProposal p => $" about {p.Suspect} ({p.Reason})",
        DeadVote v => $" about {v.Suspect}: {(v.Yes ? "yes" : "no")} ({v.Evidence})",
        DeadConfirmed c => $" {c.Node} ({c.Reason}, {c.Voters.Count} voters)",
        DeadRejected r => $" {r.Suspect}: {r.Reason}",
        _ => "",
    };

    // ---- Effects ------------------------------------------------------------------------------------------

    /// <summary>A step's effects in one line: counts by kind (the events themselves are printed under the step, as their lines).</summary>
    public static string Effects(Seq<Effect> effects)
    {
        if (effects.IsEmpty) return "nothing";
        var parts = new List<string>();
        var events = effects.Count(e => e is NodeEvent);
        if (events > 0) parts.Add(Count(events, "event"));
        var sends = effects.OfType<Send>().ToList();
        if (sends.Count == 1) parts.Add($"1 send ({Core.Wire.TypeName(sends[0].Message)} to {sends[0].To})");
        else if (sends.Count > 1) parts.Add($"{sends.Count} sends ({Grouped(sends.Select(s => Core.Wire.TypeName(s.Message)))})");
        var timers = effects.OfType<SetTimer>().ToList();
        if (timers.Count > 0) parts.Add($"{Count(timers.Count, "timer")} ({Listed(timers.Select(t => $"{t.Key} {t.DelayMs}ms"))})");
        var cancels = effects.OfType<CancelTimer>().ToList();
        if (cancels.Count > 0) parts.Add($"{Count(cancels.Count, "cancel")} ({Listed(cancels.Select(c => c.Key.ToString()))})");
        var connects = effects.OfType<Connect>().ToList();
        if (connects.Count > 0) parts.Add($"connect {Listed(connects.Select(c => c.To.ToString()))}");
        var disconnects = effects.OfType<Disconnect>().ToList();
        if (disconnects.Count > 0) parts.Add($"disconnect {Listed(disconnects.Select(d => d.Node.ToString()))}");
        var pings = effects.OfType<PingHost>().ToList();
        if (pings.Count > 0) parts.Add($"ping {Listed(pings.Select(p => p.Ip))}");
        foreach (var stop in effects.OfType<Stop>()) parts.Add($"stop (exit code {stop.ExitCode})");
        return string.Join(", ", parts);
    }

    static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    /// <summary><c>GOSSIP×3, HEARTBEAT</c>: equal items counted, in order of first appearance.</summary>
    static string Grouped(IEnumerable<string> items) =>
        string.Join(", ", items.GroupBy(i => i).Select(g => g.Count() == 1 ? g.Key : $"{g.Key}×{g.Count()}"));

    static string Listed(IEnumerable<string> items, int max = 4)
    {
        var all = items.ToList();
        return all.Count <= max ? string.Join(", ", all) : string.Join(", ", all.Take(max)) + $", … {all.Count - max} more";
    }

    static string Nodes(IEnumerable<NodeId> nodes)
    {
        var sorted = nodes.OrderBy(n => n).Select(n => n.ToString()).ToList();
        return sorted.Count == 0 ? "none" : string.Join(", ", sorted);
    }

    static string Phase<T>(T phase) where T : struct, Enum => phase.ToString().ToLowerInvariant();

    // ---- Peer ---------------------------------------------------------------------------------------------

    public static string PeerSummary(PeerState s)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{Phase(s.Phase)}, degree {s.Neighbours.Count}, known {s.Known.Count}, seen {s.Seen.Count}");
        var suspects = s.Det.Watches.Filter(w => w.IsSuspected).ToSeq().OrderBy(kv => kv.Key).ToList();
        if (suspects.Count > 0)
            sb.Append(", suspects: ").AppendJoin(", ", suspects.Select(kv => $"{kv.Key} {Phase(kv.Value.Phase)}"));
        if (!s.Det.Dead.IsEmpty) sb.Append(CultureInfo.InvariantCulture, $", dead {s.Det.Dead.Count}");
        return sb.ToString();
    }

    public static string PeerDump(PeerState s)
    {
        var o = new StringBuilder();
        var now = s.NowUs;
        o.AppendLine($"peer {s.Config.Self} at {Time(now)}: {Phase(s.Phase)}");
        o.AppendLine($"  incarnation   {s.Incarnation} (started {At(s.Incarnation, now)})");
        o.AppendLine($"  seeds         {string.Join(", ", s.Config.Seeds)} (quorum {s.Config.Quorum})");
        o.AppendLine($"  gossip        made {s.Made} of {s.Config.Options.GossipCount}; seen {s.Seen.Count}; stale {s.Stale}; first-time {s.FirstTime}; duplicates {s.Duplicates}; backlog {s.Backlog.Count}");
        o.AppendLine($"  rng           {s.Rng.State}");
        if (s.Phase == PeerPhase.Registering)
        {
            var r = s.Round;
            o.AppendLine($"  registration  attempt {r.Attempt + 1}; asked {Nodes(r.Asked)}; failed {Nodes(r.Failed)}; answered {Nodes(r.Lists.Keys)}");
        }

        o.AppendLine($"  neighbours ({s.Neighbours.Count}):");
        foreach (var n in s.Neighbours.OrderBy(n => n))
        {
            var degree = s.Known.Find(n).Map(d => d.ToString(CultureInfo.InvariantCulture)).IfNone("?");
            var incarnation = s.Det.Incarnations.Find(n).Map(i => i.ToString(CultureInfo.InvariantCulture)).IfNone("unknown");
            var watch = s.Det.Watches.Find(n).Map(w => Phase(w.Phase)).IfNone("not watched");
            o.AppendLine($"    {n}  degree {degree}, incarnation {incarnation}, {watch}");
        }

        Section(o, "known peers", s.Known, (n, d) => $"degree {d}{(s.Neighbours.Contains(n) ? "  (neighbour)" : "")}");

        o.AppendLine($"  watches ({s.Det.Watches.Count}):");
        foreach (var (n, w) in s.Det.Watches.OrderBy(kv => kv.Key))
        {
            o.AppendLine($"    {n}  {Phase(w.Phase)}, last heard {At(s.LastHeardUs(n), now)}");
            if (w.Evidence.Length > 0) o.AppendLine($"      evidence: {w.Evidence}");
            if (!w.Witnesses.IsEmpty)
                o.AppendLine($"      witnesses {Nodes(w.Witnesses)}; confirmed by {Nodes(w.Confirms)}; denied by {Nodes(w.Denials)}; {w.Needed} confirmations needed");
        }

        Section(o, "dead", s.Det.Dead, (_, inc) => $"incarnation {inc} and older");

        Section(o, "probes", s.Det.Probes, (_, p) => $"nonce {p.Nonce}, sent {At(p.StartedUs, now)}, for {Nodes(p.Waiting)}");

        if (!s.Det.PingFailures.IsEmpty)
            o.AppendLine($"  ping failures: {string.Join(", ", s.Det.PingFailures.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} ×{kv.Value}"))}");
        return o.ToString().TrimEnd();
    }

    /// <summary>A section of a dump: its title and count, then one line an entry, in address order.</summary>
    static void Section<T>(StringBuilder o, string title, IEnumerable<(NodeId Key, T Value)> entries, Func<NodeId, T, string> line)
    {
        var sorted = entries.OrderBy(kv => kv.Key).ToList();
        o.AppendLine($"  {title} ({sorted.Count}):");
        foreach (var (n, v) in sorted)
            o.AppendLine($"    {n}  {line(n, v)}");
    }

    // ---- Seed ---------------------------------------------------------------------------------------------

    static bool InProgress(RegPhase p) => p is RegPhase.Requested or RegPhase.Proposed or RegPhase.TimedOut;

    static bool InProgress(DeathPhase p) => p is DeathPhase.Reported or DeathPhase.Proposed or DeathPhase.TimedOut;

    public static string SeedSummary(SeedState s)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{(s.Running ? "running" : "stopped")}, peers {s.Peers.Count}, registering {s.Registrations.Values.Count(r => InProgress(r.Phase))}");
        var votes = s.Deaths.Values.Where(d => InProgress(d.Phase)).OrderBy(d => d.Suspect).ToList();
        if (votes.Count > 0)
            sb.Append(", removal votes: ").AppendJoin(", ", votes.Select(d => $"{d.Suspect} {Phase(d.Phase)} {d.Yes.Count} yes/{d.No.Count} no"));
        if (!s.Removed.IsEmpty) sb.Append(CultureInfo.InvariantCulture, $", tombstones {s.Removed.Count}");
        return sb.ToString();
    }

    public static string SeedDump(SeedState s)
    {
        var o = new StringBuilder();
        var now = s.NowUs;
        o.AppendLine($"seed {s.Config.Self} at {Time(now)}: {(s.Running ? "running" : "stopped")}");
        o.AppendLine($"  seeds         {string.Join(", ", s.Config.Seeds)} (quorum {s.Config.Quorum}); up {Nodes(s.SeedsUp)}; down {Nodes(s.SeedsDown)}");
        o.AppendLine($"  counters      proposal {s.ProposalSeq}, nonce {s.NextNonce}");

        Section(o, "peers", s.Peers, (n, r) => $"incarnation {r.Incarnation} ({Time(r.Incarnation)}), degree {s.DegreeOf(n)}, voters {string.Join(", ", r.Voters)}");

        o.AppendLine($"  registrations ({s.Registrations.Count}):");
        foreach (var (n, r) in s.Registrations.OrderBy(kv => kv.Key))
        {
            var no = r.LastNoReason is null ? "" : $"; last no: {r.LastNoReason}";
            o.AppendLine($"    {n}  {Phase(r.Phase)}, proposal {r.ProposalId}, incarnation {r.Incarnation}; yes {Nodes(r.Yes)}; no {Nodes(r.No)}; waiting {Nodes(r.Waiting)}{no}");
        }

        o.AppendLine($"  removal votes ({s.Deaths.Count}):");
        foreach (var (n, d) in s.Deaths.OrderBy(kv => kv.Key))
        {
            o.AppendLine($"    {n}  {Phase(d.Phase)}, proposal {d.ProposalId}, {d.Reason}, incarnation {d.Incarnation}; yes {Nodes(d.Yes)}; no {Nodes(d.No)}");
            o.AppendLine($"      reported by {Nodes(d.Reporters)}; last evidence: {d.LastEvidence}");
        }

        Section(o, "probes", s.Probes, (_, p) => $"nonce {p.Nonce}, sent {At(p.StartedUs, now)}, for {string.Join(", ", p.Waiting.Select(b => $"{b.ProposalId}@{b.Proposer}"))}");

        o.AppendLine($"  left: {Nodes(s.Left)}");

        Section(o, "tombstones", s.Removed, (_, t) => $"incarnation {t.Incarnation} and older, {t.Reason}, voters {string.Join(", ", t.Voters)}");

        Section(o, "neighbour reports", s.Reports, (_, r) => $"→ {Nodes(r.Neighbours)}");

        if (!s.BridgedUs.IsEmpty)
            o.AppendLine($"  bridged: {string.Join(", ", s.BridgedUs.OrderBy(kv => kv.Key).Select(kv => $"part of {kv.Key} at {Time(kv.Value)}"))}");
        return o.ToString().TrimEnd();
    }
}
