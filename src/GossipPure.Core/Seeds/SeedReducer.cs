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
        s = s with { NowUs = input.NowUs, Health = Health.Observe(s.Health, input, s.Config.Options, fx) };
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
            Publish p => Reject(s, fx, new PublishRefused(Math.Max(AppMessage.SizeOf(p.Data), 0), "only a peer gossips application messages")),
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
        // This run's versions are told from an earlier run's by the time it started (see SeedSync.cs).
        return s with { Running = true, Run = s.NowUs };
    }

    static SeedState OnShutdown(SeedState s, EffectList fx)
    {
        fx.Add(new PeerListAtShutdown(s.Peers.Count));
        fx.Add(new ShuttingDown());
        fx.Add(new Stop(0));
        return s with { Running = false };
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
            case TimerKey.KeyCheck k: return OnKeyCheckTimer(s, k.Peer, fx);
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
            RegisterRequest r => OnRegisterRequest(s, from, r, fx),
            PeerListRequest => OnPeerListRequest(s, from, fx),
            MemberQuery q when !fromSeed => OnMemberQuery(s, from, q, fx),
            DegreeUpdate d when !fromSeed => OnDegree(s, from, d, fx),
            DeadReport r when !fromSeed => OnDeadReport(s, from, r, fx),
            Leave when !fromSeed => OnLeave(s, from, fx),
            ProbeAck a => OnProbeAck(s, from, a, fx),
            KeyProof k when !fromSeed => OnKeyProof(s, from, k, fx),
            RegisterProposal or RegisterVote or RegisterCommit or SeedSyncRequest or SeedSync or DeadProposal or DeadVote or DeadConfirmed when !fromSeed =>
                Reject(s, fx, new MessageIgnored(Wire.TypeName(m), from, IgnoredBecause.SenderNotASeed)),
            RegisterProposal p => OnProposal(s, from, p, fx),
            RegisterVote v => OnVote(s, from, v, fx),
            RegisterCommit c => OnCommit(s, from, c, fx),
            SeedSyncRequest r => OnSyncRequest(s, from, r, fx),
            SeedSync sync => OnSync(s, from, sync, fx),
            DeadProposal p => OnDeadProposal(s, from, p, fx),
            DeadVote v => OnDeadVote(s, from, v, fx),
            DeadConfirmed c => OnDeadConfirmed(s, from, c, fx),
            _ => Reject(s, fx, new MessageIgnored(Wire.TypeName(m), from, IgnoredBecause.NotASeedMessage)),
        };
    }

    /// <summary>Why this seed would refuse <paramref name="peer"/> (with <paramref name="key"/>, when signed), or null to vote yes.</summary>
    static string? Judge(SeedState s, NodeId peer, long incarnation, string? key) =>
        s.Config.IsSeed(peer) ? $"{peer} is a seed address"
        : s.IsSuperseded(peer, incarnation) ? $"incarnation {incarnation} of {peer} was removed or replaced"
        : s.Config.Security.On && key is null ? "the proposal binds no key"
        : HeldUnderAnotherKey(s, peer, incarnation, key) ? $"incarnation {incarnation} of {peer} is registered under another key"
        : null;

    /// <summary>With signed membership: this incarnation of <paramref name="peer"/> is committed here with another key.</summary>
    static bool HeldUnderAnotherKey(SeedState s, NodeId peer, long incarnation, string? key) =>
        s.Config.Security.On && s.Peers.Find(peer).Map(r => r.Incarnation == incarnation && r.Key != key).IfNone(false);

    static RegistrationRecord NewRegistration(NodeId peer, long incarnation) =>
        new(peer, incarnation, RegPhase.Requested, "", HashSet<NodeId>(), HashSet<NodeId>(), HashSet<NodeId>(), null);

    static SeedState OnRegisterRequest(SeedState s, NodeId peer, RegisterRequest request, EffectList fx)
    {
        var incarnation = request.Incarnation;
        fx.Add(new RegisterRequested(peer, incarnation));
        var signed = s.Config.Security.On;
        // Signed: the peer proves it holds the key it asks to be admitted with; no proof, no proposal.
        if (signed && (request.Key is null || !s.Config.Security.Verify(request.Key, Identity.Statements.Join(peer, request.Key, incarnation), request.Sig)))
            return Reject(s, fx, new SignatureRefused("REGISTER_REQUEST", peer, peer));
        if (HeldUnderAnotherKey(s, peer, incarnation, request.Key))
        {
            fx.Add(new RegistrationKeyConflict(peer, incarnation));
            fx.Send(peer, new RegisterRejected($"incarnation {incarnation} of {peer} is registered under another key; start the peer again"));
            return s;
        }
        var current = s.Peers.Find(peer);
        if (current.Case is PeerRecord held && held.Incarnation == incarnation)
        {
            // Idempotent: an already committed peer just gets the list again (signed: its certificate first, which it waits for).
            if (signed) fx.Send(peer, s.CertificateOf(peer, held));
            return SendPeerList(s, peer, fx);
        }
        if (s.IsSuperseded(peer, incarnation))
        {
            fx.Add(new RegistrationRefused(peer, incarnation));
            fx.Send(peer, new RegisterRejected($"incarnation {incarnation} of {peer} was removed or replaced; start the peer again"));
            return s;
        }
        var open = s.Registrations.Find(peer).Filter(r => r.Incarnation == incarnation);
        if (signed && open.Case is RegistrationRecord { Phase: RegPhase.Proposed } voting && voting.Key != request.Key)
        {
            // A vote on this incarnation with another key is under way: the first request stands.
            fx.Add(new RegistrationKeyConflict(peer, incarnation));
            fx.Send(peer, new RegisterRejected($"incarnation {incarnation} of {peer} is being registered under another key; start the peer again"));
            return s;
        }
        var reg = open.Filter(r => !signed || r.Key == request.Key).IfNone(() => NewRegistration(peer, incarnation) with { Key = signed ? request.Key : null });
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
        var no = Judge(s, reg.Peer, reg.Incarnation, reg.Key);
        // Signed: this seed's own yes is its own signature, like any other seed's.
        var sigs = no is null && c.Security.On
            ? HashMap((c.Self, c.Security.Sign(Identity.Statements.Register(reg.Peer, reg.Key!, reg.Incarnation, id))))
            : HashMap<NodeId, string>();
        reg = reg with
        {
            Phase = phase, ProposalId = id,
            Yes = no is null ? HashSet(c.Self) : HashSet<NodeId>(),
            No = no is null ? HashSet<NodeId>() : HashSet(c.Self),
            LastNoReason = no,
            Sigs = sigs,
        };
        s = s with { ProposalSeq = seq, Registrations = s.Registrations.AddOrUpdate(reg.Peer, reg) };
        fx.Add(new RegisterProposed(id, reg.Peer, c.OtherSeeds.Count, no is null));
        fx.SendAll(c.OtherSeeds, new RegisterProposal(reg.Peer, id, reg.Incarnation) { Key = reg.Key });
        fx.Timer(ProposalTimer(reg.Peer), c.Options.ProposalTimeoutMs);
        return Tally(s, reg, fx);
    }

    static SeedState OnProposal(SeedState s, NodeId proposer, RegisterProposal p, EffectList fx)
    {
        var no = Judge(s, p.Peer, p.Incarnation, p.Key);
        fx.Add(new RegisterProposalReceived(p.ProposalId, p.Peer, proposer));
        // Signed: this seed signs only a key it saw the peer prove, at the peer's own address (see KeyCheck.cs).
        if (no is null && s.Config.Security.On && !HasProvenKey(s, p.Peer, p.Key!, p.Incarnation))
            return StartKeyCheck(s, p.Peer, new KeyBallot(proposer, p.ProposalId, p.Key!, p.Incarnation), fx);
        SendRegisterVote(s, proposer, p.Peer, p.ProposalId, p.Key, p.Incarnation, no, fx);
        return s;
    }

    static void SendRegisterVote(SeedState s, NodeId proposer, NodeId peer, string proposalId, string? key, long incarnation, string? no, EffectList fx)
    {
        fx.Add(new RegisterVoteSent(proposalId, peer, proposer, no));
        // Signed: a yes is this seed's signature of exactly what it admits (address, key, incarnation, proposal).
        var sig = no is null && s.Config.Security.On ? s.Config.Security.Sign(Identity.Statements.Register(peer, key!, incarnation, proposalId)) : null;
        fx.Send(proposer, new RegisterVote(peer, proposalId, no is null, no) { Sig = sig });
    }

    static SeedState OnVote(SeedState s, NodeId voter, RegisterVote v, EffectList fx)
    {
        var found = s.Registrations.Find(v.Peer).Filter(r => r.ProposalId == v.ProposalId && r.Phase == RegPhase.Proposed);
        if (found.IsNone) return s;   // a late or stray vote: the proposal it answers is decided or gone
        var reg = found.IfNone(() => throw new InvalidOperationException());
        var sec = s.Config.Security;
        if (v.Yes && sec.On)
        {
            // A yes counts only as the voter's valid signature (its config.csv key) of what the proposal admits.
            var statement = Identity.Statements.Register(reg.Peer, reg.Key ?? "", reg.Incarnation, reg.ProposalId);
            if (reg.Key is null || !sec.Verify(sec.SeedKeys.Find(voter).IfNoneUnsafe((string?)null), statement, v.Sig))
                return Reject(s, fx, new SignatureRefused("REGISTER_VOTE", voter, voter));
            reg = reg with { Sigs = reg.Sigs.AddOrUpdate(voter, v.Sig!) };
        }
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
            var voters = toSeq(reg.Yes.OrderBy(n => n).ToArray());
            var commit = c.Security.On
                ? new RegisterCommit(reg.Peer, voters, reg.Incarnation)
                {
                    Key = reg.Key, ProposalId = reg.ProposalId,
                    Signatures = voters.Map(v => new Identity.SeedSignature(v, reg.Sigs[v])),
                }
                : new RegisterCommit(reg.Peer, voters, reg.Incarnation);
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
        s = Touch(s, reg.Peer).WithPeer(reg.Peer, PeerRecord.Of(commit)) with { Registrations = s.Registrations.Remove(reg.Peer) };
        foreach (var w in reg.Waiting.OrderBy(n => n))
        {
            // Signed: a waiting peer gets its certificate (it proves its admission with it) just before its list.
            if (s.Config.Security.On) fx.Send(w, commit);
            s = SendPeerList(s, w, fx);
        }
        return s;
    }

    /// <summary>A commit from another seed is new here: nothing newer stands and this incarnation is not listed yet.</summary>
    static bool IsNew(SeedState s, RegisterCommit c) =>
        !s.IsSuperseded(c.Peer, c.Incarnation)
        && !s.Peers.Find(c.Peer).Map(r => r.Incarnation == c.Incarnation).IfNone(false);

    /// <summary>
    /// The commit as this seed keeps it: the voters distinct and in order; signed, only the valid signers
    /// (<paramref name="check"/>) with their first valid signature each, so junk padding is not served on.
    /// </summary>
    static RegisterCommit Clean(SeedState s, RegisterCommit c, Identity.CertificateCheck check)
    {
        if (!s.Config.Security.On) return c with { Voters = c.Voters.Distinct().OrderBy(n => n).ToSeq() };
        var statement = Identity.Statements.Register(c.Peer, c.Key!, c.Incarnation, c.ProposalId!);
        return c with { Voters = check.Signers, Signatures = ValidSignatures(s.Config, c.Signatures, check.Signers, statement) };
    }

    /// <summary>For each of <paramref name="signers"/> (in order), its first signature of <paramref name="statement"/> that verifies.</summary>
    static Seq<Identity.SeedSignature> ValidSignatures(NodeConfig c, Seq<Identity.SeedSignature> sigs, Seq<NodeId> signers, byte[] statement) =>
        signers.Map(n => sigs.Find(x => x.Seed == n && c.Security.Verify(c.Security.SeedKeys.Find(n).IfNoneUnsafe((string?)null), statement, x.Sig)))
            .Somes().ToSeq().Strict();

    static SeedState LearnCommit(SeedState s, RegisterCommit c, Identity.CertificateCheck check, EffectList fx)
    {
        var reg = s.Registrations.Find(c.Peer).Filter(r => r.Incarnation == c.Incarnation).IfNone(() => NewRegistration(c.Peer, c.Incarnation));
        return Committed(s, reg, RegTrigger.CommitObserved, Clean(s, c, check), fx);
    }

    /// <summary>The refusal of a certificate that does not hold: signed, the shared CertificateRefused; unsigned, today's line.</summary>
    static NodeEvent CommitRefused(SeedState s, string message, NodeId from, RegisterCommit commit, Identity.CertificateCheck check) =>
        s.Config.Security.On
            ? new CertificateRefused(message, commit.Peer, from, check.Valid, check.Needed, check.Fault, check.BadSigner)
            : new CommitIgnored(commit.Peer, from, commit.Voters.Distinct().Count(), s.Config.Quorum);

    static SeedState OnCommit(SeedState s, NodeId from, RegisterCommit commit, EffectList fx)
    {
        var check = Identity.Certificates.Commit(s.Config, commit);
        if (!check.Ok) return Reject(s, fx, CommitRefused(s, "REGISTER_COMMIT", from, commit, check));
        if (!IsNew(s, commit)) return s;   // known already, or superseded: commits are idempotent
        fx.Add(new CommitLearned(commit.Peer, from, s.Config.Security.On ? check.Signers : commit.Voters, s.Config.Seeds.Count));
        return LearnCommit(s, commit, check, fx);
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
        // Signed: a member's answer carries its certificate, which the asker checks.
        var cert = s.Config.Security.On ? record.Map(r => s.CertificateOf(q.Node, r)).ToSeq() : Seq<RegisterCommit>();
        fx.Send(from, new MemberAnswer(q.Node, record.IsSome, record.Map(r => r.Incarnation).IfNone(0)) { Cert = cert });
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
        // One lookup in the table of 100,000 peers (a dozen cold tree nodes), for both questions below.
        var member = s.Peers.ContainsKey(from);
        // A removed peer still reporting never heard of its removal (it was cut off then): tell it, so it rejoins.
        if (!member)
            foreach (var tomb in s.Removed.Find(from))
            {
                fx.Add(new DegreeFromRemoved(from));
                fx.Send(from, tomb);
                return s;
            }
        // Kept only for members and peers being admitted (a report may overtake the commit): strangers cannot
        // grow this table, and a peer that is refused re-reports once it is admitted.
        if (!member && !s.Registrations.ContainsKey(from))
        {
            fx.Add(new DegreeUpdateIgnored(from));
            return s;
        }
        // Peers repeat their report every DegreeReportMs: only a different one is a change of the overlay. Most are the
        // last one again, recognised without building its set (3.7 KB of garbage a report, for nothing).
        var last = s.Reports.Find(from).Case as NeighbourReport;
        if (last is not null && IsSameReport(last, from, d)) return s;
        var named = toHashSet(d.Neighbours.Filter(n => n != from));
        var report = new NeighbourReport(named.Count + d.Unnamed, named);
        if (report.Equals(last)) return s;
        return s.WithReport(from, report) with { ReportsChanged = s.ReportsChanged + 1 };
    }

    /// <summary>
    /// Whether <paramref name="d"/> (from <paramref name="from"/>) says what <paramref name="last"/> says: the same
    /// neighbours but the sender, and the same degree. Certain when it answers yes; a no (a list that names an address
    /// twice, say, or a long list out of address order) only sends the report the long way, which decides.
    /// </summary>
    public static bool IsSameReport(NeighbourReport last, NodeId from, DegreeUpdate d)
    {
        // Up to this many names, repeats are looked for pair by pair, in any order; a longer list (a hub's, up to
        // DegreeReportMax) has none when it is in strictly ascending address order, as every peer sends it.
        const int PairwiseUpTo = 32;
        var list = d.Neighbours;
        var named = 0;
        for (var i = 0; i < list.Count; i++)
        {
            var n = list[i];
            if (n == from) continue;
            if (!last.Neighbours.Contains(n)) return false;
            named++;
        }
        // Every address named is in the last report's set, and as many as it holds: the same set, unless one repeats.
        if (named != last.Neighbours.Count || last.Degree != named + d.Unnamed) return false;
        if (list.Count > PairwiseUpTo)
        {
            for (var i = 1; i < list.Count; i++)
                if (list[i - 1].CompareTo(list[i]) >= 0) return false;
            return true;
        }
        for (var i = 0; i < list.Count; i++)
            for (var j = i + 1; j < list.Count; j++)
                if (list[i] == list[j]) return false;
        return true;
    }
}
