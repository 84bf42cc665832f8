namespace GossipPure.Core.Seeds;

/// <summary>
/// The seed: admits peers by majority vote, keeps the peer list with degrees, and serves it.
/// Rules of this file: every decision a seed makes lives here; every input is validated before it changes state.
/// Membership is by incarnation: a commit or removal of an older incarnation never undoes a newer one.
/// </summary>
public static partial class SeedReducer
{
    public static TimerKey ProposalTimer(NodeId peer) => new TimerKey.Proposal(peer);
    public static TimerKey ReconnectTimer(NodeId seed) => new TimerKey.Reconnect(seed);
    public static readonly TimerKey SyncTimer = new TimerKey.SyncRound();

    public static Step<SeedState> Step(SeedState s, Input input)
    {
        var fx = new EffectList();
        if (!s.Running && input is not Started) return fx.With(s);   // before start or after shutdown: nothing
        s = s with { NowUs = input.NowUs, Health = s.Health.Observe(input, s.Config.Options, fx) };
        var next = input switch
        {
            Started => OnStarted(s, fx),
            Connected c when s.Config.IsSeed(c.Node) => OnSeedUp(s, c.Node, fx),
            Disconnected d when s.Config.IsSeed(d.Node) => OnSeedLost(s, d.Node, $"connection closed ({d.Reason})", fx),
            ConnectFailed f when s.Config.IsSeed(f.Node) => OnSeedLost(s, f.Node, f.Reason, fx),
            ConnectFailed f => OnPeerUnreachable(s, f.Node, f.Reason, $"cannot connect ({f.Reason})", fx),
            Disconnected d => OnPeerDisconnected(s, d.Node, d.Reason, fx),
            TimerFired t => OnTimer(s, t.Key, fx),
            Received r => OnMessage(s, r.From, r.Message, fx),
            BadFrame b => Reject(s, fx, new FrameRefused(b.Remote, b.Reason)),
            ShutdownRequested => OnShutdown(s, fx),
            _ => s,   // HealthSample: Observe has taken it
        };
        return fx.Finish(next, next.Health, input.NowUs, static (s, h) => s with { Health = h });
    }

    static SeedState Reject(SeedState s, EffectList fx, NodeEvent e) { fx.Add(e); return s; }

    static SeedState OnStarted(SeedState s, EffectList fx)
    {
        var c = s.Config;
        fx.Add(new NodeStarted(Role.Seed, c.Self, c.Seeds.Count, c.Quorum));
        foreach (var other in c.OtherSeeds) fx.Add(new Connect(other));
        fx.Timer(OverlayTimer, c.Options.OverlayCheckMs);
        fx.Timer(SyncTimer, c.Options.SeedSyncMs);
        return s with { Running = true };
    }

    static SeedState OnShutdown(SeedState s, EffectList fx)
    {
        fx.Add(new PeerListAtShutdown(s.Peers.Count));
        fx.Add(new ShuttingDown());
        fx.Add(new Stop(0));
        return s with { Running = false };
    }

    static SeedState OnSeedUp(SeedState s, NodeId seed, EffectList fx)
    {
        fx.Add(new SeedConnected(seed));
        fx.Send(seed, SyncOf(s));
        return s with { SeedsUp = s.SeedsUp.TryAdd(seed), SeedsDown = s.SeedsDown.Remove(seed) };
    }

    static SeedSync SyncOf(SeedState s) => new(
        toSeq(s.Peers.Map((p, r) => s.CertificateOf(p, r)).Values.OrderBy(c => c.Peer).ToArray()),
        toSeq(s.Removed.Values.OrderBy(d => d.Node).ToArray()));

    /// <summary>Anti-entropy: a commit or removal lost on the way (or missed while a link was down) still arrives.</summary>
    static SeedState OnSyncTimer(SeedState s, EffectList fx)
    {
        fx.Timer(SyncTimer, s.Config.Options.SeedSyncMs);
        var sync = SyncOf(s);
        // To every other seed, up or not as far as this one knows: a seed that is down just fails to connect.
        fx.SendAll(s.Config.OtherSeeds, sync);
        return s;
    }

    static SeedState OnSeedLost(SeedState s, NodeId seed, string reason, EffectList fx)
    {
        // Log the first failure of a run of failures, not every retry.
        if (!s.SeedsDown.Contains(seed)) fx.Add(new SeedUnreachable(seed, reason, s.Config.Options.SeedReconnectMs));
        fx.Timer(ReconnectTimer(seed), s.Config.Options.SeedReconnectMs);
        return s with { SeedsUp = s.SeedsUp.Remove(seed), SeedsDown = s.SeedsDown.TryAdd(seed) };
    }

    static SeedState OnTimer(SeedState s, TimerKey key, EffectList fx)
    {
        switch (key)
        {
            case TimerKey.OverlayCheck: return OnOverlayTimer(s, fx);
            case TimerKey.SyncRound: return OnSyncTimer(s, fx);
            case TimerKey.Reconnect r when s.Config.OtherSeeds.Contains(r.Seed): fx.Add(new Connect(r.Seed)); return s;
            case TimerKey.Proposal p when s.Registrations.Find(p.Peer).Case is RegistrationRecord reg: return OnProposalTimeout(s, reg, fx);
            case TimerKey.Probe p: return OnProbeTimer(s, p.Target, fx);
            case TimerKey.Death d: return OnDeathTimer(s, d.Suspect, fx);
            default: return s;
        }
    }

    static SeedState OnMessage(SeedState s, NodeId from, Message m, EffectList fx)
    {
        var fromSeed = s.Config.IsSeed(from);
        // Any frame from a peer this seed is probing answers the probe: proof of life, whatever the frame.
        if (m is not (ProbeAck or Leave) && s.Probes.Find(from).Case is PendingProbe<BallotRef> probing)
            s = ResolveProbe(s, from, dead: false, $"it sent {Wire.TypeName(m)} {Probing.Elapsed(probing.StartedUs, s.NowUs)} after the PROBE", fx);
        return m switch
        {
            RegisterRequest when fromSeed => Reject(s, fx, new MessageIgnored(Wire.TypeName(m), from, IgnoredBecause.SeedsDoNotRegister)),
            RegisterRequest r => OnRegisterRequest(s, from, r.Incarnation, fx),
            PeerListRequest => OnPeerListRequest(s, from, fx),
            MemberQuery q when !fromSeed => OnMemberQuery(s, from, q, fx),
            DegreeUpdate d when !fromSeed => OnDegree(s, from, d, fx),
            DeadReport r when !fromSeed => OnDeadReport(s, from, r, fx),
            Leave when !fromSeed => OnLeave(s, from, fx),
            ProbeAck a => OnProbeAck(s, from, a, fx),
            RegisterProposal or RegisterVote or RegisterCommit or SeedSync or DeadProposal or DeadVote or DeadConfirmed when !fromSeed =>
                Reject(s, fx, new MessageIgnored(Wire.TypeName(m), from, IgnoredBecause.SenderNotASeed)),
            RegisterProposal p => OnProposal(s, from, p, fx),
            RegisterVote v => OnVote(s, from, v, fx),
            RegisterCommit c => OnCommit(s, from, c, fx),
            SeedSync sync => OnSync(s, from, sync, fx),
            DeadProposal p => OnDeadProposal(s, from, p, fx),
            DeadVote v => OnDeadVote(s, from, v, fx),
            DeadConfirmed c => OnDeadConfirmed(s, from, c, fx),
            _ => Reject(s, fx, new MessageIgnored(Wire.TypeName(m), from, IgnoredBecause.NotASeedMessage)),
        };
    }

    /// <summary>Why this seed would refuse <paramref name="peer"/>, or null to vote yes.</summary>
    static string? Judge(SeedState s, NodeId peer, long incarnation) =>
        s.Config.IsSeed(peer) ? $"{peer} is a seed address"
        : s.IsSuperseded(peer, incarnation) ? $"incarnation {incarnation} of {peer} was removed or replaced"
        : null;

    static RegistrationRecord NewRegistration(NodeId peer, long incarnation) =>
        new(peer, incarnation, RegPhase.Requested, "", HashSet<NodeId>(), HashSet<NodeId>(), HashSet<NodeId>(), null);

    static SeedState OnRegisterRequest(SeedState s, NodeId peer, long incarnation, EffectList fx)
    {
        fx.Add(new RegisterRequested(peer, incarnation));
        var current = s.Peers.Find(peer);
        if (current.Map(r => r.Incarnation == incarnation).IfNone(false))
            return SendPeerList(s, peer, fx);   // idempotent: an already committed peer just gets the list again
        if (s.IsSuperseded(peer, incarnation))
        {
            fx.Add(new RegistrationRefused(peer, incarnation));
            fx.Send(peer, new RegisterRejected($"incarnation {incarnation} of {peer} was removed or replaced; start the peer again"));
            return s;
        }
        var reg = s.Registrations.Find(peer).Filter(r => r.Incarnation == incarnation).IfNone(() => NewRegistration(peer, incarnation));
        reg = reg with { Waiting = reg.Waiting.TryAdd(peer) };
        if (reg.Phase == RegPhase.Proposed)
            return s with { Registrations = s.Registrations.AddOrUpdate(peer, reg) };   // a vote is under way
        return Propose(s, reg, fx);
    }

    static SeedState Propose(SeedState s, RegistrationRecord reg, EffectList fx)
    {
        var c = s.Config;
        var seq = s.ProposalSeq + 1;
        var id = $"{c.Self.Port}-{seq}";
        if (!Registration.Machine.Fire(reg.Phase, RegTrigger.Propose, reg.Peer, fx, out var phase)) return s;
        var no = Judge(s, reg.Peer, reg.Incarnation);
        reg = reg with
        {
            Phase = phase, ProposalId = id,
            Yes = no is null ? HashSet(c.Self) : HashSet<NodeId>(),
            No = no is null ? HashSet<NodeId>() : HashSet(c.Self),
            LastNoReason = no,
        };
        s = s with { ProposalSeq = seq, Registrations = s.Registrations.AddOrUpdate(reg.Peer, reg) };
        fx.Add(new RegisterProposed(id, reg.Peer, c.OtherSeeds.Count, no is null));
        fx.SendAll(c.OtherSeeds, new RegisterProposal(reg.Peer, id, reg.Incarnation));
        fx.Timer(ProposalTimer(reg.Peer), c.Options.ProposalTimeoutMs);
        return Tally(s, reg, fx);
    }

    static SeedState OnProposal(SeedState s, NodeId proposer, RegisterProposal p, EffectList fx)
    {
        var no = Judge(s, p.Peer, p.Incarnation);
        fx.Add(new RegisterProposalReceived(p.ProposalId, p.Peer, proposer));
        fx.Add(new RegisterVoteSent(p.ProposalId, p.Peer, proposer, no));
        fx.Send(proposer, new RegisterVote(p.Peer, p.ProposalId, no is null, no));
        return s;
    }

    static SeedState OnVote(SeedState s, NodeId voter, RegisterVote v, EffectList fx)
    {
        var found = s.Registrations.Find(v.Peer).Filter(r => r.ProposalId == v.ProposalId && r.Phase == RegPhase.Proposed);
        if (found.IsNone) return s;   // a late or stray vote: the proposal it answers is decided or gone
        var reg = found.IfNone(() => throw new InvalidOperationException());
        reg = v.Yes
            ? reg with { Yes = reg.Yes.TryAdd(voter) }
            : reg with { No = reg.No.TryAdd(voter), LastNoReason = v.Reason ?? "no reason given" };
        fx.Add(new RegisterVoteCounted(v.ProposalId, v.Peer, voter, v.Yes, v.Reason, reg.Yes.Count, s.Config.Seeds.Count, s.Config.Quorum));
        return Tally(s with { Registrations = s.Registrations.SetItem(v.Peer, reg) }, reg, fx);
    }

    /// <summary>Commits when the yes votes reach a quorum; rejects when the no votes make that impossible.</summary>
    static SeedState Tally(SeedState s, RegistrationRecord reg, EffectList fx)
    {
        var c = s.Config;
        if (reg.Yes.Count >= c.Quorum)
        {
            var commit = new RegisterCommit(reg.Peer, toSeq(reg.Yes.OrderBy(n => n).ToArray()), reg.Incarnation);
            fx.Add(new RegisterCommitted(reg.Peer, commit.Voters, c.Seeds.Count, reg.ProposalId));
            fx.SendAll(c.OtherSeeds, commit);
            return Committed(s, reg, RegTrigger.QuorumReached, commit, fx);
        }
        if (reg.No.Count > c.Seeds.Count - c.Quorum)
        {
            if (!Registration.Machine.Fire(reg.Phase, RegTrigger.QuorumImpossible, reg.Peer, fx, out var phase)) return s;
            var reason = reg.LastNoReason ?? "refused";
            fx.Add(new RegisterVotedDown(reg.Peer, reg.No.Count, c.Seeds.Count, reason));
            fx.Add(new CancelTimer(ProposalTimer(reg.Peer)));
            foreach (var w in reg.Waiting) fx.Send(w, new RegisterRejected(reason));
            return s with { Registrations = s.Registrations.SetItem(reg.Peer, reg with { Phase = phase, Waiting = HashSet<NodeId>() }) };
        }
        return s;
    }

    /// <summary>Enters a committed incarnation into the peer list and answers the peers waiting on it.</summary>
    static SeedState Committed(SeedState s, RegistrationRecord reg, RegTrigger how, RegisterCommit commit, EffectList fx)
    {
        // The machine must allow the step; the record then leaves the table (Committed is final).
        if (!Registration.Machine.Fire(reg.Phase, how, reg.Peer, fx, out _)) return s;
        fx.Add(new CancelTimer(ProposalTimer(reg.Peer)));
        s = s with
        {
            Peers = s.Peers.AddOrUpdate(reg.Peer, new PeerRecord(commit.Voters, commit.Incarnation)),
            Registrations = s.Registrations.Remove(reg.Peer),
        };
        foreach (var w in reg.Waiting.OrderBy(n => n)) s = SendPeerList(s, w, fx);
        return s;
    }

    /// <summary>A commit from another seed counts when its certificate holds a quorum and nothing newer stands.</summary>
    static bool Applies(SeedState s, RegisterCommit c) =>
        Quorum.IsReachedBy(s.Config.Seeds, c.Voters)
        && !s.IsSuperseded(c.Peer, c.Incarnation)
        && !s.Peers.Find(c.Peer).Map(r => r.Incarnation == c.Incarnation).IfNone(false);

    static SeedState LearnCommit(SeedState s, RegisterCommit c, EffectList fx)
    {
        var reg = s.Registrations.Find(c.Peer).Filter(r => r.Incarnation == c.Incarnation).IfNone(() => NewRegistration(c.Peer, c.Incarnation));
        return Committed(s, reg, RegTrigger.CommitObserved, c with { Voters = c.Voters.Distinct().OrderBy(n => n).ToSeq() }, fx);
    }

    static SeedState OnCommit(SeedState s, NodeId from, RegisterCommit commit, EffectList fx)
    {
        if (!Quorum.IsReachedBy(s.Config.Seeds, commit.Voters))
            return Reject(s, fx, new CommitIgnored(commit.Peer, from, commit.Voters.Distinct().Count(), s.Config.Quorum));
        if (!Applies(s, commit)) return s;   // known already, or superseded: commits are idempotent
        fx.Add(new CommitLearned(commit.Peer, from, commit.Voters, s.Config.Seeds.Count));
        return LearnCommit(s, commit, fx);
    }

    static SeedState OnSync(SeedState s, NodeId from, SeedSync sync, EffectList fx)
    {
        var removed = 0;
        var learned = new System.Collections.Generic.List<NodeId>();
        // Removals first: a commit is then checked against every tombstone the other seed knows.
        foreach (var dc in sync.Removals)
        {
            if (!Quorum.IsReachedBy(s.Config.Seeds, dc.Voters) || s.Removed.Find(dc.Node).Map(t => t.Incarnation >= dc.Incarnation).IfNone(false)) continue;
            var present = s.Peers.Find(dc.Node).Map(r => r.Incarnation <= dc.Incarnation).IfNone(false);
            s = Tombstone(s, dc);
            if (present) { s = Remove(s, dc, RemovedBy.Sync, null, from, fx); removed++; }
        }
        foreach (var commit in sync.Commits.Filter(c => Applies(s, c)))
        {
            s = LearnCommit(s, commit, fx);
            learned.Add(commit.Peer);
        }
        if (learned.Count + removed > 0) fx.Add(new SyncedFromSeed(from, toSeq(learned.ToArray()), removed));
        return s;
    }

    static SeedState OnProposalTimeout(SeedState s, RegistrationRecord reg, EffectList fx)
    {
        if (!Registration.Machine.Fire(reg.Phase, RegTrigger.Expire, reg.Peer, fx, out var phase)) return s;
        var c = s.Config;
        fx.Add(new RegisterTimedOut(reg.ProposalId, reg.Peer, reg.Yes.Count, c.Seeds.Count, c.Quorum));
        return s with { Registrations = s.Registrations.SetItem(reg.Peer, reg with { Phase = phase, Waiting = HashSet<NodeId>() }) };
    }

    static SeedState OnPeerListRequest(SeedState s, NodeId from, EffectList fx) =>
        s.Peers.ContainsKey(from)
            ? SendPeerList(s, from, fx)
            : Reject(s, fx, new MessageIgnored("PEER_LIST_REQUEST", from, IgnoredBecause.NotRegistered));

    /// <summary>A registered peer asks whether a node that contacted it is registered: this seed's list answers.</summary>
    static SeedState OnMemberQuery(SeedState s, NodeId from, MemberQuery q, EffectList fx)
    {
        if (!s.Peers.ContainsKey(from))
            return Reject(s, fx, new MessageIgnored("MEMBER_QUERY", from, IgnoredBecause.NotRegistered));
        var record = s.Peers.Find(q.Node);
        fx.Add(new MemberQueryAnswered(from, q.Node, record.IsSome));
        fx.Send(from, new MemberAnswer(q.Node, record.IsSome, record.Map(r => r.Incarnation).IfNone(0)));
        return s;
    }

    static SeedState SendPeerList(SeedState s, NodeId to, EffectList fx)
    {
        var list = s.PeerListFor(to);
        var listed = s.Peers.Count - (s.Peers.ContainsKey(to) ? 1 : 0);
        fx.Add(new PeerListSent(to, list.Peers.Count, listed));
        fx.Send(to, list);
        return s;
    }

    static SeedState OnDegree(SeedState s, NodeId from, DegreeUpdate d, EffectList fx)
    {
        // A removed peer still reporting never heard of its removal (it was cut off then): tell it, so it rejoins.
        if (!s.Peers.ContainsKey(from))
            foreach (var tomb in s.Removed.Find(from))
            {
                fx.Add(new DegreeFromRemoved(from));
                fx.Send(from, tomb);
                return s;
            }
        // Kept only for members and peers being admitted (a report may overtake the commit): strangers cannot
        // grow this table, and a peer that is refused re-reports once it is admitted.
        if (!s.Peers.ContainsKey(from) && !s.Registrations.ContainsKey(from))
        {
            fx.Add(new DegreeUpdateIgnored(from));
            return s;
        }
        return s with { Reports = s.Reports.AddOrUpdate(from, toHashSet(d.Neighbours.Filter(n => n != from))) };
    }
}
