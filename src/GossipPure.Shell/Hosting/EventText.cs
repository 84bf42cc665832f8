using System.Globalization;
using GossipPure.Core;
using LanguageExt;
using static LanguageExt.Prelude;

namespace GossipPure.Shell.Hosting;

/// <summary>
/// The one place the core's events become words: each <see cref="NodeEvent"/> is one line of the node's output file,
/// with its level. Nothing else in src/ writes or reads this wording (<c>EventTextTests</c> scans the sources); tools
/// that must read a node's output file of another process use <see cref="Recognize"/> here, not patterns of their own.
/// The lines are the reference design's lines: change one only together with specs/events.md and the golden test.
/// </summary>
public static class EventText
{
    /// <summary>The level and the line of an event.</summary>
    public static (LogLevel Level, string Line) Render(NodeEvent e) => e switch
    {
        // ---- Both roles ----
        NodeStarted x => Info($"{(x.Role == Role.Seed ? "Seed" : "Peer")} {x.Self} started; {x.Seeds} seeds in config, quorum {x.Quorum}"),
        ShuttingDown => Info("Shutting down."),
        FrameRefused x => Warn($"Bad frame from {x.Remote}: {x.Reason}; connection dropped"),
        MessageIgnored x => Warn(x.Why switch
        {
            IgnoredBecause.SeedsDoNotRegister => $"{x.Message} from seed {x.From} ignored: seeds do not register as peers",
            IgnoredBecause.SenderNotASeed => $"{x.Message} from {x.From} ignored: sender is not a seed in config",
            IgnoredBecause.NotASeedMessage => $"{x.Message} from {x.From} ignored: not a seed message",
            IgnoredBecause.NotAPeerMessage => $"{x.Message} from {x.From} ignored: not a peer message",
            IgnoredBecause.NotRegistered => $"{x.Message} from {x.From} ignored: not a registered peer",
            IgnoredBecause.IncarnationDead => $"{x.Message} from {x.From} ignored: that incarnation was confirmed dead",
            _ => $"{x.Message} from {x.From} ignored",
        }),
        ConfirmationIgnored x => Warn($"DEAD_CONFIRMED {x.Node} from {x.From} ignored: {x.Voters} voters, quorum is {x.Quorum}"),
        CertificateRefused x => Warn($"{x.Message} about {x.Subject} from {x.From} refused: {x.Fault switch
        {
            Core.Identity.CertificateFault.Unbound => "its certificate binds no key",
            Core.Identity.CertificateFault.WrongSubject => "its certificate is for another address or key",
            _ => $"{x.Valid} valid seed signatures, {x.Needed} needed{(x.BadSigner is { } b ? $" ({b}: no valid signature)" : "")}",
        }}; nothing applied"),
        SignatureRefused x => Warn($"{x.Message} from {x.From} refused: the signature of {x.Author} does not verify; nothing applied"),
        StaleCertificateRefused x => Warn($"{x.Message} about {x.Node} from {x.From} refused: incarnation {x.Incarnation} is older than the current {x.Current}; nothing applied"),
        HealthWorse x => Warn($"Health {x.Score}/{x.Max}: this node is late ({(x.Timer is { } t ? $"timer '{t}' fired {x.LateMs}ms late" : $"timers {x.TimerLateMs}ms late, oldest queued input {x.InboxAgeMs}ms old")}); its windows are stretched ×{1 + x.Score} and it accuses no one on silence or timeouts"),
        HealthBetter x => Info(x.Score == 0
            ? $"Health 0/{x.Max}: on time again; windows back to normal"
            : $"Health {x.Score}/{x.Max}: on time for {x.DecayMs}ms; windows stretched ×{1 + x.Score}"),
        SeedUnreachable x => Warn(x.RetryMs is { } retry ? $"Seed {x.Seed} unreachable: {x.Reason}; retrying every {retry}ms" : $"Seed {x.Seed} unreachable: {x.Reason}"),
        TransitionRefused x => Error($"BUG: the {x.Machine} machine refused {x.Trigger} in {x.From} for {x.Subject}; the code fired a transition its table does not allow"),

        // ---- Seed ----
        RegistrationKeyConflict x => Warn($"REGISTER_REJECTED {x.Peer}: incarnation {x.Incarnation} is registered under another key"),
        PeerListAtShutdown x => Info($"Peer list at shutdown: {x.Peers} peers"),
        SeedConnected x => Info($"Connected to seed {x.Seed}"),
        RegisterRequested x => Info($"REGISTER_REQUEST from {x.Peer} (incarnation {x.Incarnation})"),
        RegistrationRefused x => Warn($"REGISTER_REJECTED {x.Peer}: incarnation {x.Incarnation} was removed or replaced"),
        RegisterProposed x => Info($"REGISTER_PROPOSAL {x.ProposalId} for {x.Peer} sent to {x.SentTo} seeds (own vote: {(x.OwnVote ? "yes" : "no")})"),
        RegisterProposalReceived x => Info($"REGISTER_PROPOSAL {x.ProposalId} for {x.Peer} from {x.Proposer}"),
        RegisterVoteSent x => Info($"REGISTER_VOTE {(x.No is null ? "yes" : $"no ({x.No})")} on {x.ProposalId} for {x.Peer} sent to {x.Proposer}"),
        RegisterVoteCounted x => Info($"REGISTER_VOTE {(x.Yes ? "yes" : $"no ({x.Reason})")} on {x.ProposalId} for {x.Peer} from {x.Voter} ({x.YesVotes}/{x.Seeds} yes, quorum {x.Quorum})"),
        RegisterCommitted x => Info($"REGISTER_COMMIT {x.Peer} with {x.Voters.Count}/{x.Seeds} votes ({Join(x.Voters)}); proposal {x.ProposalId}"),
        RegisterVotedDown x => Warn($"REGISTER_REJECTED {x.Peer}: {x.NoVotes}/{x.Seeds} seeds voted no ({x.Reason})"),
        CommitLearned x => Info($"REGISTER_COMMIT {x.Peer} learned from {x.From} ({x.Voters.Distinct().Count()}/{x.Seeds} votes: {Join(x.Voters)})"),
        CommitIgnored x => Warn($"REGISTER_COMMIT for {x.Peer} from {x.From} ignored: {x.Voters} voters, quorum is {x.Quorum}"),
        SyncedFromSeed x => Info($"Synced from seed {x.From}: {x.Learned.Count} committed peers learned{Named(x.Learned)}, {x.Removed} removals applied"),
        CaughtUpWithSeed x => Info($"Caught up with seed {x.From} at version {x.Version} of its run {x.Run} ({x.Chunks} chunks): {x.Learned} committed peers learned, {x.Removed} removals applied"),
        SyncChunkIgnored x => Info($"SEED_SYNC from {x.From} ignored: it starts after version {x.Since} of run {x.Run}, and this seed has applied up to version {x.ExpectedSince} of run {x.ExpectedRun}; the next request asks again"),
        RegisterTimedOut x => Warn($"REGISTER_TIMEOUT {x.ProposalId} for {x.Peer}: {x.YesVotes}/{x.Seeds} yes votes, quorum {x.Quorum} not reached; no quorum of seeds is reachable, the peer will retry"),
        MemberQueryAnswered x => Debug($"MEMBER_QUERY from {x.From} about {x.Node}: {(x.Registered ? "registered" : "not on the list")}"),
        PeerListSent x => Info(x.Peers < x.Listed ? $"PEER_LIST sent to {x.To}: {x.Peers} peers (a sample of {x.Listed})" : $"PEER_LIST sent to {x.To}: {x.Peers} peers"),
        DegreeFromRemoved x => Info($"DEGREE_UPDATE from removed {x.From}: DEAD_CONFIRMED sent to it again"),
        DegreeUpdateIgnored x => Debug($"DEGREE_UPDATE from {x.From} ignored: not a registered peer"),
        DeadReportReceived x => Info($"DEAD_REPORT from {x.Reporter}: {x.Report}"),
        DeadReportIgnored x => Warn(x.Why switch
        {
            ReportIgnoredBecause.ReporterRemoved => $"DEAD_REPORT from removed {x.Reporter} ignored: DEAD_CONFIRMED sent to it again",
            ReportIgnoredBecause.ReporterNotRegistered => $"DEAD_REPORT from {x.Reporter} ignored: not a registered peer",
            ReportIgnoredBecause.SuspectNotListed => $"DEAD_REPORT about {x.Suspect} ignored: it is not in the peer list",
            ReportIgnoredBecause.SuspectRemoved => $"DEAD_REPORT about removed {x.Suspect} from {x.Reporter}: DEAD_CONFIRMED sent to it again",
            _ => $"DEAD_REPORT from {x.Reporter} about itself ignored",
        }),
        LeaveReceived x => Info($"LEAVE from {x.Peer}: it is shutting down"),
        DeadReportMerged x => Debug($"DEAD_REPORT about {x.Suspect} from {x.Reporter} merged: the seeds found it alive {x.AliveAgoMs}ms ago ({x.Evidence})"),
        DeadProposed x => Info($"DEAD_PROPOSAL {x.ProposalId} for {x.Suspect} ({x.Reason}) sent to {x.SentTo} seeds"),
        DeadProposalReceived x => Info($"DEAD_PROPOSAL {x.ProposalId} for {x.Suspect} ({x.Reason}) from {x.Proposer}"),
        DeadVoteSent x => Info($"DEAD_VOTE {YesNo(x.Yes)} on {x.ProposalId} for {x.Suspect} ({x.Evidence}) sent to {x.Proposer}"),
        PeerConnectionLost x => Info($"Connection from registered peer {x.Peer} lost ({x.Reason}): asking the seeds whether it is alive"),
        DeadVoteWithheld x => Warn($"DEAD_VOTE withheld on {x.ProposalId} for {x.Suspect}: no answer to PROBE within {x.WindowMs}ms, but this seed is itself late (health {x.Health}/{x.HealthMax})"),
        DeadVoteCounted x => Info($"DEAD_VOTE {YesNo(x.Yes)} on {x.ProposalId} for {x.Suspect} from {x.Voter} ({x.Evidence}); {x.YesVotes}/{x.Seeds} yes, quorum {x.Quorum}"),
        DeadVotedDown x => Warn($"DEAD_REJECTED {x.Suspect}: {x.NoVotes}/{x.Seeds} seeds found it alive ({x.Evidence}); it stays"),
        PeerRemoved x => Warn($"DEAD_CONFIRMED {x.Node} ({x.Reason}) {x.By switch
        {
            RemovedBy.Vote => $"with {x.Voters.Count}/{x.Seeds} votes ({Join(x.Voters)}); proposal {x.ProposalId}",
            RemovedBy.Confirmation => $"learned from {x.From} ({x.Voters.Distinct().Count()}/{x.Seeds} votes)",
            _ => $"learned from seed {x.From} by sync",
        }}; peer list now {x.PeersLeft}"),
        DeadTimedOut x => Warn($"DEAD_TIMEOUT {x.ProposalId} for {x.Suspect}: {x.YesVotes}/{x.Seeds} yes votes, quorum {x.Quorum} not reached; no quorum of seeds is reachable, waiting for the next report"),
        OverlayBridged x => Warn($"OVERLAY in {x.Parts} parts: bridging the part of {x.PartSize} peers around {x.Head} to {x.Target} (degree {x.TargetDegree})"),

        // ---- Peer ----
        CertificateKept x => Info($"REGISTER_COMMIT from {x.Seed}: this peer's certificate for incarnation {x.Incarnation}, signed by {Join(x.Signers)}; its gossip and HELLOs carry it from now on"),
        LeaveSent x => Info($"LEAVE sent to {x.Neighbours} neighbours and {x.Seeds} seeds"),
        GossipTotals x => Info($"Gossip made {x.Made}, received first-time {x.FirstTime}, duplicates dropped {x.Duplicates}, stale dropped {x.Stale}; degree {x.Degree}"),
        RegisterRequestSent x => Info($"REGISTER_REQUEST sent to {Join(x.To)} (attempt {x.Attempt})"),
        RegisterRequestRedirected x => Info($"REGISTER_REQUEST sent to {x.To} (instead of {x.Instead})"),
        NoQuorumReachable x => Warn($"No quorum reachable: {x.Reachable} of {x.Seeds} seeds answer, {x.Quorum} needed; retrying in {x.RetryMs}ms"),
        PeerListReceived x => (x.Registering ? LogLevel.Info : LogLevel.Debug, $"PEER_LIST from {x.Seed}: [{string.Join(", ", x.Entries.Map(Entry))}]"),
        Registered x => Info($"Registered; peer list is the union of {x.Lists} seeds' lists: {x.Peers} peers"),
        FirstPeer => Info("No other peer registered yet: waiting for neighbours to link to this peer"),
        NeighboursChosen x => Info($"Neighbours chosen ({x.Picked.Count} of {x.Known}, preferential attachment): [{string.Join(", ", x.Picked.Map(Entry))}]"),
        BridgeReceived x => Info($"BRIDGE from {x.Seed}: linking to {x.Target} to join a part of the overlay this peer was cut off from"),
        RegistrationRejected x => Error($"REGISTER_REJECTED by {x.Seed}: {x.Reason}; this peer cannot join and stops"),
        NeighbourAdded x => Info($"Neighbour added: {x.Node} linked to this peer (degree now {x.Degree})"),
        GossipMade x => Info($"{MadePrefix}{x.Body}{MadeEnd}{x.SentTo} neighbours)"),
        GossipReceived x => Info($"{FirstTimePrefix}{x.Body}{FromMark}{x.From}{OriginMark}{x.Origin}"),
        GossipStale x => Debug($"GOSSIP '{Clip(x.Body)}' from {x.From} origin {x.Origin} dropped: {x.Why}"),
        AppMade x => Info($"Application message made: {x.Id} ({x.Size} bytes, sent to {x.SentTo} neighbours)"),
        AppReceived x => Info($"Application message received (first time): {x.Id} ({x.Size} bytes) from {x.From} origin {x.Origin}, {x.LatencyUs / 1000.0:0.0}ms after it was made"),
        PublishRefused x => Warn($"Application message of {x.Size} bytes not gossiped: {x.Why}"),
        MessageDropped x => Debug(x.Why == DroppedBecause.HeldFull
            ? $"{x.Message} from {x.From} dropped: {x.Limit} messages already wait for its membership check"
            : $"{x.Message} from {x.From} dropped: {x.Limit} membership checks under way"),
        StrangerRefused x => Warn($"{x.Node} is not a registered peer (no seed of {x.Asked} asked knows it): {x.Dropped} messages from it dropped"),
        MemberQuerySent x => Info($"{x.Why switch
        {
            QueryBecause.Stranger => $"{x.Message} from {x.Node}, which is not on this peer's list",
            QueryBecause.NoAnswer => $"no MEMBER_ANSWER about {x.Node} in time",
            _ => $"MEMBER_ANSWER from {x.AnsweredBy}: {x.Node} is not on its list",
        }}: MEMBER_QUERY sent to {x.Seed}"),
        MemberConfirmed x => Info($"MEMBER_ANSWER from {x.Seed}: {x.Node} is registered (incarnation {x.Incarnation}); taking its {x.Held} held messages"),
        Suspected x => Warn($"SUSPECT {x.Node}: {x.Evidence}; {(x.Strong ? "strong evidence: the seeds decide" : "weak evidence: asking witnesses")}"),
        NoWitnesses x => Info($"No other peer can witness {x.Node}: the seeds decide (they probe it before they vote)"),
        WitnessesAsked x => Info($"SUSPECT_REQUEST about {x.Node} sent to {Join(x.Witnesses)} ({x.Needed} of {x.Witnesses.Count} confirmations needed)"),
        DegreeToppedUp x => Info($"Below the minimum degree ({x.Active} neighbours not under suspicion < {x.Min}; {x.Suspect} is suspected): linking to {Join(x.Picked)} (preferential attachment)"),
        WitnessAnswered x => Info($"SUSPECT_RESPONSE about {x.Node} from {x.Witness}: {DeadAlive(x.Dead)} ({x.Evidence}); {x.Confirms}/{x.Needed} confirmations"),
        WitnessesInconclusive x => Info($"Peer-level consensus on {x.Node} incomplete ({x.Confirms}/{x.Needed} confirmations, {x.Denials} alive, the rest silent): the seeds decide"),
        DeadReported x => Warn($"DEAD_REPORT sent to {x.Seeds} seeds: {x.Report}"),
        DeadReportResent x => Warn($"DEAD_REPORT for {x.Node} not confirmed yet; sent again (next in {x.NextMs}ms unless it shows life): {x.Report}"),
        SuspicionDropped x => Info($"Suspicion of {x.Node} dropped: {x.Why switch
        {
            DropCause.SentAMessage => "it sent a message",
            DropCause.WitnessesReachedIt => $"{x.Denials} of {x.Witnesses} witnesses reached it",
            _ => $"the seeds found it alive ({x.Reason}, from {x.Seed})",
        }}"),
        WitnessVerdict x => Info($"SUSPECT_REQUEST about {x.Node} from {x.Asker}: dead ({x.Verdict})"),
        WitnessProbing x => Info($"SUSPECT_REQUEST about {x.Node} from {x.Asker}: probing {x.Node}"),
        WitnessWithheld x => Info($"SUSPECT_RESPONSE about {x.Node} withheld: no answer to PROBE within {x.WindowMs}ms, but this peer is itself late (health {x.Health}/{x.HealthMax})"),
        WitnessAnswerSent x => Info($"SUSPECT_RESPONSE about {x.Node} to {x.Asker}: {DeadAlive(x.Dead)} ({x.Evidence})"),
        PingUnavailable x => Warn($"ICMP echo to {x.Ip} is not available here ({x.Detail}); TCP and heartbeats still watch its peers"),
        PingUnanswered x => Warn($"ICMP echo to {x.Ip} unanswered ({x.Detail}); {x.Failures}/{x.Limit} failures"),
        NeighbourLeft x => Info($"Neighbour {x.Node} left (LEAVE)"),
        Purged x => Warn($"DEAD_CONFIRMED {x.Node} ({x.Reason}; {x.Voters.Distinct().Count()}/{x.Seeds} seed votes, from {x.From}): purged{(x.WasNeighbour ? $", degree now {x.Degree}" : "")}"),
        Rejoining x => Warn($"DEAD_CONFIRMED {x.Self} names this peer ({x.Reason}, from {x.From}): registering again as a new incarnation"),
        RendezvousLinked x => Info($"Linking to rendezvous peer {x.Rendezvous} (named by the seeds) so the overlay stays connected"),
        DegreeRepaired x => Info($"Below the minimum degree ({x.Degree} < {x.Min}): linking to {Join(x.Picked)} (preferential attachment)"),
        _ => Error($"BUG: no words for event {e.GetType().Name}"),
    };

    static (LogLevel, string) Debug(string line) => (LogLevel.Debug, line);
    static (LogLevel, string) Info(string line) => (LogLevel.Info, line);
    static (LogLevel, string) Warn(string line) => (LogLevel.Warning, line);
    static (LogLevel, string) Error(string line) => (LogLevel.Error, line);

    static string Join(Seq<NodeId> nodes) => string.Join(", ", nodes);
    static string Entry(PeerEntry e) => $"{e.Node} (degree {e.Degree})";
    static string YesNo(bool yes) => yes ? "yes" : "no";
    static string DeadAlive(bool dead) => dead ? "dead" : "alive";
    static string Clip(string body) => body.Length <= 80 ? body : body[..80] + "…";

    // The line names what a sync taught (the first few), so a reader can tell which peer it was.
    static string Named(Seq<NodeId> learned)
    {
        const int named = 8;
        return learned.Count == 0 ? "" : $" ({string.Join(", ", learned.Take(named))}{(learned.Count > named ? $" and {learned.Count - named} more" : "")})";
    }

    // ---- Reading the lines back (tools that read another process's console, the process bench) ----

    // The gossip lines' marks (the lines are read from their ends: a body may hold quotes).
    const string MadePrefix = "GOSSIP made: '";
    const string MadeEnd = "' (sent to ";
    const string FirstTimePrefix = "GOSSIP received (first time): '";
    const string FromMark = "' from ";
    const string OriginMark = " origin ";

    /// <summary>
    /// The event a line of a node's console or output file reports (the text after its time stamp; a level mark is
    /// skipped), for the kinds a tool watching another process needs: <see cref="NodeStarted"/>,
    /// <see cref="SeedConnected"/>, <see cref="Registered"/>, <see cref="GossipMade"/> (made by <paramref name="self"/>),
    /// <see cref="GossipReceived"/>, <see cref="GossipTotals"/>, <see cref="ShuttingDown"/>, <see cref="PeerRemoved"/>,
    /// <see cref="Purged"/>, <see cref="Rejoining"/>, <see cref="Suspected"/> and <see cref="DeadReported"/>, with the fields the line tells (the rest empty). Null for
    /// any other line.
    /// </summary>
    public static NodeEvent? Recognize(string line, NodeId self)
    {
        foreach (var mark in (ReadOnlySpan<string>)["WARNING: ", "ERROR: "])
            if (line.StartsWith(mark, StringComparison.Ordinal)) line = line[mark.Length..];
        if (line == "Shutting down.") return new ShuttingDown();
        if (line.StartsWith(FirstTimePrefix, StringComparison.Ordinal))
        {
            var end = line.LastIndexOf(FromMark, StringComparison.Ordinal);
            var at = line.LastIndexOf(OriginMark, StringComparison.Ordinal);
            if (end < FirstTimePrefix.Length || at < end
                || !NodeId.TryParse(line[(end + FromMark.Length)..at], out var from) || !NodeId.TryParse(line[(at + OriginMark.Length)..], out var origin)) return null;
            return new GossipReceived(origin, line[FirstTimePrefix.Length..end], from);
        }
        if (line.StartsWith(MadePrefix, StringComparison.Ordinal))
        {
            var end = line.LastIndexOf(MadeEnd, StringComparison.Ordinal);
            if (end < MadePrefix.Length) return null;
            return new GossipMade(self, line[MadePrefix.Length..end], Number(line.AsSpan(end + MadeEnd.Length)));
        }
        var words = line.Split(' ');
        if (words.Length < 2) return null;
        if (line.StartsWith("Connected to seed ", StringComparison.Ordinal))
            return NodeId.TryParse(words[^1], out var seed) ? new SeedConnected(seed) : null;
        if (words[0] is "Seed" or "Peer" && words.Length >= 8 && words[2] == "started;" && NodeId.TryParse(words[1], out var started))
            return new NodeStarted(words[0] == "Seed" ? Role.Seed : Role.Peer, started, Number(words[3]), Number(words[^1]));
        if (line.StartsWith("Registered; ", StringComparison.Ordinal) && words.Length >= 3)
            return new Registered(Number(words[^5]), Number(words[^2]));
        if (line.StartsWith("Gossip made ", StringComparison.Ordinal) && words.Length >= 14)
            return new GossipTotals(Number(words[2]), Number(words[5]), Number(words[8]), Number(words[11]), Number(words[13]));
        if (words[0] == "SUSPECT" && words[1].EndsWith(':') && NodeId.TryParse(words[1][..^1], out var suspect))
        {
            var evidence = line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..];
            var cut = evidence.LastIndexOf("; ", StringComparison.Ordinal);
            return new Suspected(suspect, cut < 0 ? evidence : evidence[..cut], line.EndsWith("the seeds decide", StringComparison.Ordinal));
        }
        if (line.StartsWith("DEAD_REPORT sent to ", StringComparison.Ordinal) && line.IndexOf(": Dead Node:", StringComparison.Ordinal) is var r and > 0)
        {
            // The report names the suspect: Dead Node:<ip>:<port>:<timestamp>:<reporter ip> (IPv4).
            var report = line[(r + 2)..];
            var parts = report.Split(':');
            return parts.Length >= 3 && NodeId.TryParse($"{parts[1]}:{parts[2]}", out var reported) ? new DeadReported(reported, Number(words[3]), report) : null;
        }
        if (words[0] == "DEAD_CONFIRMED" && words.Length >= 3 && NodeId.TryParse(words[1], out var node))
        {
            var open = line.IndexOf('(');
            var close = open < 0 ? -1 : line.IndexOfAny([')', ';', ','], open);
            var reason = close < 0 ? "" : line[(open + 1)..close];
            if (words[2] == "names" && line.Contains(" names this peer (", StringComparison.Ordinal)) return new Rejoining(node, reason, node, 0);
            if (!words[2].StartsWith('(')) return null;   // a certificate ignored
            return line.Contains("): purged", StringComparison.Ordinal)
                ? new Purged(node, reason, 0, Seq<NodeId>(), 0, node, false, 0)
                : new PeerRemoved(node, reason, 0, Seq<NodeId>(), 0, RemovedBy.Vote, null, null, 0);
        }
        return null;
    }

    /// <summary>The leading digits of a word as a number (0 when there are none).</summary>
    static int Number(ReadOnlySpan<char> word)
    {
        var n = 0;
        foreach (var c in word)
        {
            if (c is < '0' or > '9') break;
            n = n * 10 + (c - '0');
        }
        return n;
    }
}
