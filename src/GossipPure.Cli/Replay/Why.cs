using GossipPure.Core;
using GossipPure.Shell.Hosting;
using LanguageExt;

namespace GossipPure.Cli.Replay;

/// <summary>
/// <c>gossip replay FILE --why IP:PORT</c>: from the events a node recorded, the chain of what happened to one other
/// node there — the evidence it was suspected on, the witnesses asked and their answers, the report, the seeds'
/// proposal and votes, the confirmation with its voters, the purge — each with its step and time. The facts come
/// from the events' fields (nothing is parsed from text); the words here are this command's own.
/// </summary>
public static class Why
{
    /// <summary>0: the chain (or "never") was printed; 2: the file or the address is unusable.</summary>
    public static int Run(string path, string address, TextWriter output, TextWriter errors)
    {
        if (!NodeId.TryParse(address, out var x))
        {
            errors.WriteLine($"gossip replay: --why '{address}' is not IP:PORT");
            return 2;
        }
        if (!EventLog.TryRead(path, out var log, out var error))
        {
            errors.WriteLine($"gossip replay: {error}");
            return 2;
        }
        if (!log.HasEffects)
        {
            errors.WriteLine($"gossip replay: --why reads the events a node recorded; {path} is format {log.Header.Format}, which has none (record the run again with this build)");
            return 2;
        }
        var self = log.Header.Config.Self;
        var role = log.Header.Role == Role.Seed ? "seed" : "peer";
        var chain = new List<(EventLogStep Step, string Text, Mark Mark)>();
        foreach (var step in log.Steps)
            foreach (var e in step.Effects.IfNone(Seq<Effect>.Empty))
                if (e is NodeEvent ev && Explain(ev, x, self) is var (text, mark) && text is not null)
                    chain.Add((step, text, mark));

        var marks = chain.Aggregate(Mark.None, (m, c) => m | c.Mark);
        var bad = marks & (Mark.Suspected | Mark.Reported | Mark.Confirmed | Mark.Purged);
        if (bad == Mark.None)
        {
            var span = log.Steps.IsEmpty ? "no steps" : $"{log.Steps.Count} steps, {StateText.Time(log.Steps.Head.Input.NowUs)} to {StateText.Time(log.Steps.Last.Input.NowUs)}";
            output.WriteLine($"{x} was never suspected, reported, confirmed dead or purged at {role} {self} ({span}).");
            foreach (var (step, text, _) in chain) output.WriteLine($"  #{step.Step} {StateText.Time(step.Input.NowUs)}  {text}");
            return 0;
        }
        output.WriteLine($"why {x} at {role} {self}:");
        foreach (var (step, text, _) in chain) output.WriteLine($"  #{step.Step} {StateText.Time(step.Input.NowUs)}  {text}");
        output.WriteLine($"so: {x} was {Words(bad)} at {role} {self}.");
        return 0;
    }

    [Flags]
    enum Mark { None = 0, Context = 1, Suspected = 2, Reported = 4, Confirmed = 8, Purged = 16, Cleared = 32 }

    static string Words(Mark m)
    {
        var words = new List<string>();
        if (m.HasFlag(Mark.Suspected)) words.Add("suspected");
        if (m.HasFlag(Mark.Reported)) words.Add("reported");
        if (m.HasFlag(Mark.Confirmed)) words.Add("confirmed dead");
        if (m.HasFlag(Mark.Purged)) words.Add("purged");
        return words.Count == 1 ? words[0] : $"{string.Join(", ", words.Take(words.Count - 1))} and {words[^1]}";
    }

    static string Nodes(Seq<NodeId> nodes) => string.Join(", ", nodes.Distinct());
    static string Vote(bool yes) => yes ? "yes" : "no";

    /// <summary>One link of the chain when <paramref name="e"/> is about <paramref name="x"/>; (null, None) otherwise.</summary>
    static (string? Text, Mark Mark) Explain(NodeEvent e, NodeId x, NodeId self) => e switch
    {
        // ---- At a peer ----
        Suspected s when s.Node == x => ($"suspected it on {(s.Strong ? "strong" : "weak")} evidence: {s.Evidence} ({(s.Strong ? "the seeds decide" : "witnesses asked first")})", Mark.Suspected),
        WitnessesAsked w when w.Node == x => ($"asked {w.Witnesses.Count} witnesses ({Nodes(w.Witnesses)}); {w.Needed} confirmations needed", Mark.Suspected),
        NoWitnesses n when n.Node == x => ("no other peer could witness it: left to the seeds", Mark.Suspected),
        WitnessAnswered a when a.Node == x => ($"witness {a.Witness} answered {(a.Dead ? "dead" : "alive")} ({a.Evidence}): {a.Confirms}/{a.Needed} confirmations", Mark.Suspected),
        WitnessesInconclusive i when i.Node == x => ($"witnesses inconclusive ({i.Confirms}/{i.Needed} confirmations, {i.Denials} alive): left to the seeds", Mark.Suspected),
        DeadReported r when r.Node == x => ($"reported it dead to {r.Seeds} seeds: {r.Report}", Mark.Reported),
        DeadReportResent r when r.Node == x => ($"report not decided yet; sent again (next in {r.NextMs}ms): {r.Report}", Mark.Reported),
        SuspicionDropped d when d.Node == x => ($"suspicion dropped: {d.Why switch
        {
            DropCause.SentAMessage => "it sent a message",
            DropCause.WitnessesReachedIt => $"{d.Denials} of {d.Witnesses} witnesses reached it",
            _ => $"the seeds found it alive ({d.Reason}, said {d.Seed})",
        }}", Mark.Cleared),
        Purged p when p.Node == x => ($"confirmed {(DeathReasons.IsDeparture(p.Reason) ? "gone (it left)" : "dead")} by {p.Voters.Distinct().Count()}/{p.Seeds} seeds (voters {Nodes(p.Voters)}; reason {p.Reason}; incarnation {p.Incarnation}; told by {p.From}); purged here{(p.WasNeighbour ? $", it was a neighbour, degree now {p.Degree}" : "")}",
            Mark.Confirmed | Mark.Purged),
        Rejoining j when j.Self == x => ($"the seeds removed this very node ({j.Reason}, told by {j.From}): it registers again", Mark.Confirmed | Mark.Purged),
        NeighbourLeft l when l.Node == x => ("it left: a neighbour that said LEAVE", Mark.Context),
        ConfirmationIgnored c when c.Node == x => ($"a DEAD_CONFIRMED from {c.From} with {c.Voters} voters, under the quorum {c.Quorum}: not taken", Mark.Context),
        WitnessProbing w when w.Node == x => ($"{w.Asker} asked this peer about it: probing it", Mark.Context),
        WitnessVerdict v when v.Node == x => ($"{v.Asker} asked this peer about it: answered dead ({v.Verdict})", Mark.Context),
        WitnessAnswerSent a when a.Node == x => ($"answered {a.Asker}: {(a.Dead ? "dead" : "alive")} ({a.Evidence})", Mark.Context),
        Registered r when self == x => ($"registered ({r.Peers} peers known)", Mark.Context),
        NeighbourAdded n when n.Node == x => ("it linked to this peer as a neighbour", Mark.Context),
        NeighboursChosen n when n.Picked.Exists(e => e.Node == x) => ($"chose it as a neighbour (degree {n.Picked.Find(e => e.Node == x).Map(e => e.Degree).IfNone(0)})", Mark.Context),
        DegreeToppedUp t when t.Picked.Contains(x) => ($"linked to it while {t.Suspect} was suspected", Mark.Context),
        DegreeRepaired r when r.Picked.Contains(x) => ("linked to it to make up the minimum degree", Mark.Context),
        RendezvousLinked r when r.Rendezvous == x => ("linked to it as the rendezvous the seeds named", Mark.Context),
        BridgeReceived b when b.Target == x => ($"linked to it across a split, as {b.Seed} asked", Mark.Context),

        // ---- At a seed ----
        RegisterCommitted c when c.Peer == x => ($"registered with {c.Voters.Count}/{c.Seeds} votes ({Nodes(c.Voters)}); proposal {c.ProposalId}", Mark.Context),
        CommitLearned c when c.Peer == x => ($"registered (learned from {c.From}, voters {Nodes(c.Voters)})", Mark.Context),
        DeadReportReceived r when r.Suspect == x => ($"{r.Reporter} reported it dead: {r.Report}", Mark.Reported),
        DeadReportIgnored r when r.Suspect == x => ($"a report from {r.Reporter} not taken: {r.Why switch
        {
            ReportIgnoredBecause.SuspectNotListed => "it was no longer on the peer list",
            ReportIgnoredBecause.SuspectRemoved => "it was removed already; its certificate was sent to the reporter again",
            ReportIgnoredBecause.AboutItself => "a node cannot report itself",
            ReportIgnoredBecause.ReporterRemoved => "the reporter was itself removed",
            _ => "the reporter is not registered",
        }}", Mark.Context),
        DeadReportMerged m when m.Suspect == x => ($"a report from {m.Reporter} merged: found alive {m.AliveAgoMs}ms before ({m.Evidence})", Mark.Context),
        LeaveReceived l when l.Peer == x => ("it said LEAVE: it is shutting down", Mark.Context),
        PeerConnectionLost c when c.Peer == x => ($"its connection to this seed broke ({c.Reason}): the seeds are asked", Mark.Suspected),
        DeadProposed p when p.Suspect == x => ($"this seed proposed its removal: proposal {p.ProposalId} ({p.Reason}, incarnation {p.Incarnation}, reported by {p.Reporter}) to {p.SentTo} seeds", Mark.Reported),
        DeadProposalReceived p when p.Suspect == x => ($"{p.Proposer} proposed its removal: proposal {p.ProposalId} ({p.Reason})", Mark.Reported),
        DeadVoteSent v when v.Suspect == x => ($"this seed voted {Vote(v.Yes)} on {v.ProposalId} ({v.Evidence}), sent to {v.Proposer}", Mark.Reported),
        DeadVoteWithheld v when v.Suspect == x => ($"this seed withheld its vote on {v.ProposalId}: no answer within {v.WindowMs}ms, but itself late (health {v.Health}/{v.HealthMax})", Mark.Reported),
        DeadVoteCounted v when v.Suspect == x => ($"{v.Voter} voted {Vote(v.Yes)} on {v.ProposalId} ({v.Evidence}): {v.YesVotes}/{v.Seeds} yes, quorum {v.Quorum}", Mark.Reported),
        DeadVotedDown d when d.Suspect == x => ($"{d.NoVotes}/{d.Seeds} seeds found it alive ({d.Evidence}): it stays", Mark.Cleared),
        DeadTimedOut t when t.Suspect == x => ($"proposal {t.ProposalId} timed out: {t.YesVotes}/{t.Seeds} yes votes, quorum {t.Quorum} not reached", Mark.Context),
        PeerRemoved r when r.Node == x => ($"confirmed {(DeathReasons.IsDeparture(r.Reason) ? "gone (it left)" : "dead")} ({r.Reason}, incarnation {r.Incarnation}) {r.By switch
        {
            RemovedBy.Vote => $"by this seed's vote: {r.Voters.Count}/{r.Seeds} yes ({Nodes(r.Voters)}), proposal {r.ProposalId}",
            RemovedBy.Confirmation => $"by {r.From}'s vote: {r.Voters.Distinct().Count()}/{r.Seeds} yes ({Nodes(r.Voters)})",
            _ => $"as {r.From}'s sync said (voters {Nodes(r.Voters)})",
        }}: removed from the peer list, {r.PeersLeft} peers left", Mark.Confirmed | Mark.Purged),
        _ => (null, Mark.None),
    };
}
