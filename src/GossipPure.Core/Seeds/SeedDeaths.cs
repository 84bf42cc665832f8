using GossipPure.Core.Peers;

namespace GossipPure.Core.Seeds;

/// <summary>
/// Two-level dead-node detection, the seeds' half. A DEAD_REPORT (or a peer's own LEAVE) starts a removal
/// proposal; every seed votes from its own evidence — it probes the suspect, or it received the suspect's LEAVE —
/// never from the report alone; ⌊n/2⌋+1 yes votes remove the peer, and DEAD_CONFIRMED with the voters as the
/// certificate reaches every seed and every peer. So no single peer and no minority of seeds can remove a live peer.
/// With signed membership a yes vote is the voter's signature of the removal (address, incarnation, reason, proposal),
/// the certificate carries those signatures, and a report carries its author's.
/// </summary>
public static partial class SeedReducer
{
    public static TimerKey DeathTimer(NodeId suspect) => new TimerKey.Death(suspect);

    static SeedState OnDeadReport(SeedState s, NodeId reporter, DeadReport r, EffectList fx)
    {
        fx.Add(new DeadReportReceived(reporter, r.Suspect, r.Report));
        // Only a member may report: a removed peer still reporting never heard of its own removal (it was cut off);
        // it gets its tombstone again so it rejoins. A stranger gets nothing.
        if (!s.Peers.ContainsKey(reporter))
        {
            foreach (var tomb in s.Removed.Find(reporter))
            {
                fx.Send(reporter, tomb);
                return Reject(s, fx, new DeadReportIgnored(reporter, r.Suspect, ReportIgnoredBecause.ReporterRemoved));
            }
            return Reject(s, fx, new DeadReportIgnored(reporter, r.Suspect, ReportIgnoredBecause.ReporterNotRegistered));
        }
        // Signed: the report names who really said it: its author's signature, checked with the key it registered.
        var sec = s.Config.Security;
        if (sec.On && !sec.Verify(s.Peers[reporter].Key, Identity.Statements.DeadReport(reporter, r.Suspect, r.Report), r.Sig))
            return Reject(s, fx, new SignatureRefused("DEAD_REPORT", reporter, reporter));
        // Removed already: the reporter missed the certificate (every copy lost), so it gets it again.
        foreach (var tomb in s.Removed.Find(r.Suspect))
        {
            fx.Send(reporter, tomb);
            return Reject(s, fx, new DeadReportIgnored(reporter, r.Suspect, ReportIgnoredBecause.SuspectRemoved));
        }
        if (!s.Peers.ContainsKey(r.Suspect))
            return Reject(s, fx, new DeadReportIgnored(reporter, r.Suspect, ReportIgnoredBecause.SuspectNotListed));
        if (r.Suspect == reporter)
            return Reject(s, fx, new DeadReportIgnored(reporter, r.Suspect, ReportIgnoredBecause.AboutItself));
        return ProposeRemoval(s, r.Suspect, DeathReasons.Crashed, reporter, fx);
    }

    static SeedState OnLeave(SeedState s, NodeId peer, EffectList fx)
    {
        if (!s.Peers.ContainsKey(peer)) return s;
        fx.Add(new LeaveReceived(peer));
        s = s with { Left = s.Left.TryAdd(peer) };
        return ProposeRemoval(s, peer, DeathReasons.Left, peer, fx);
    }

    static SeedState ProposeRemoval(SeedState s, NodeId x, string reason, NodeId reporter, EffectList fx)
    {
        var existing = s.Deaths.Find(x);
        if (existing.Map(d => d.Phase == DeathPhase.Proposed).IfNone(false))
        {
            // One decision per suspect: a report while a vote is under way joins it.
            var d = existing.IfNone(() => throw new InvalidOperationException());
            return s with { Deaths = s.Deaths.SetItem(x, d with { Reporters = d.Reporters.TryAdd(reporter) }) };
        }
        if (existing.Case is DeathRecord { Phase: DeathPhase.Rejected } rejected && !DeathReasons.IsDeparture(reason)
            && s.NowUs - rejected.DecidedUs < s.Config.Options.DeadHoldoffMs * 1000)
        {
            // Found alive moments ago: the reporter gets that answer, and no new vote starts (a storm of reports about
            // one node costs one vote per DeadHoldoffMs, not one per report).
            fx.Add(new DeadReportMerged(x, reporter, (s.NowUs - rejected.DecidedUs) / 1000, rejected.LastEvidence));
            if (reporter != s.Config.Self) fx.Send(reporter, new DeadRejected(x, rejected.LastEvidence));
            return s;
        }
        var c = s.Config;
        var seq = s.ProposalSeq + 1;
        var id = $"d{c.Self.Port}-{seq}";
        if (!DeathVote.Machine.Fire(existing.Map(d => d.Phase).IfNone(DeathVote.Machine.Initial), DeathTrigger.Propose, x, fx, out var phase)) return s;
        var incarnation = s.Peers.Find(x).Map(r => r.Incarnation).IfNone(0);
        var record = new DeathRecord(x, phase, id, reason, incarnation, HashSet<NodeId>(), HashSet<NodeId>(), HashSet(reporter), "");
        s = s with { ProposalSeq = seq, Deaths = s.Deaths.AddOrUpdate(x, record) };
        fx.Add(new DeadProposed(id, x, reason, incarnation, reporter, c.OtherSeeds.Count));
        fx.SendAll(c.OtherSeeds, new DeadProposal(x, id, reason, incarnation));
        fx.Timer(DeathTimer(x), c.Options.ProposalTimeoutMs);
        return Ballot(s, x, new BallotRef(c.Self, id) { Incarnation = incarnation, Reason = reason }, fx);
    }

    static SeedState OnDeadProposal(SeedState s, NodeId proposer, DeadProposal p, EffectList fx)
    {
        fx.Add(new DeadProposalReceived(p.ProposalId, p.Suspect, p.Reason, proposer));
        var ballot = new BallotRef(proposer, p.ProposalId) { Incarnation = p.Incarnation, Reason = p.Reason };
        // The proposal is about an incarnation this seed already knows was replaced by a restart: that one is alive.
        if (s.Peers.Find(p.Suspect).Map(r => r.Incarnation > p.Incarnation).IfNone(false))
            return CastVote(s, p.Suspect, ballot, yes: false, $"incarnation {p.Incarnation} was replaced by a newer one", fx);
        // Signed: this seed signs the removal of exactly the incarnation it lists, never another. A silent address
        // proves nothing about a run that has not started yet, and a certificate for a made-up future incarnation
        // would remove the real one when it comes (a dishonest seed's proposal, replayed later).
        if (s.Config.Security.On && !s.Peers.Find(p.Suspect).Map(r => r.Incarnation == p.Incarnation).IfNone(false))
            return CastVote(s, p.Suspect, ballot, yes: false, $"incarnation {p.Incarnation} of {p.Suspect} is not the one this seed lists", fx);
        return Ballot(s, p.Suspect, ballot, fx);
    }

    /// <summary>Votes on removing <paramref name="x"/> from this seed's own evidence: its LEAVE, or a probe.</summary>
    static SeedState Ballot(SeedState s, NodeId x, BallotRef ballot, EffectList fx)
    {
        if (s.Left.Contains(x)) return CastVote(s, x, ballot, yes: true, "it sent LEAVE", fx);
        // The attempts go out over the base window; the verdict waits for the window stretched by this seed's own
        // lateness (see OnDeathTimer).
        var table = Probing.Start(s.Probes, x, ballot, s.NextNonce, s.NowUs, s.Config.Options, fx, s.Config.Options.SeedProbeAttempts);
        return s with { Probes = table, NextNonce = s.NextNonce + 1 };
    }

    static SeedState CastVote(SeedState s, NodeId x, BallotRef ballot, bool yes, string evidence, EffectList fx)
    {
        // Signed: a yes is this seed's signature of exactly what it removes (address, incarnation, reason, proposal).
        var sec = s.Config.Security;
        var sig = yes && sec.On ? sec.Sign(Identity.Statements.Dead(x, ballot.Incarnation, ballot.Reason, ballot.ProposalId)) : null;
        if (ballot.Proposer == s.Config.Self) return TallyDeath(s, s.Config.Self, x, ballot.ProposalId, yes, evidence, sig, fx);
        fx.Add(new DeadVoteSent(ballot.ProposalId, x, yes, evidence, ballot.Proposer));
        fx.Send(ballot.Proposer, new DeadVote(x, ballot.ProposalId, yes, evidence) { Sig = sig });
        return s;
    }

    static SeedState OnProbeAck(SeedState s, NodeId from, ProbeAck a, EffectList fx) =>
        s.Probes.Find(from).Map(p => p.Nonce == a.Nonce).IfNone(false)
            ? ResolveProbe(s, from, dead: false, $"answered PROBE in {Probing.Elapsed(s.Probes[from].StartedUs, s.NowUs)}", fx)
            : s;

    /// <summary>
    /// A dial to a probed peer failed: refused or reset is strong evidence, a yes vote even from a late seed; a
    /// timeout is only silence, judged like an unanswered PROBE (a late seed abstains).
    /// </summary>
    /// <summary>
    /// A registered peer's connection to this seed broke with strong evidence (reset, refused, closed). A peer that
    /// crashes before any neighbour linked to it would otherwise never be reported by anyone and stay on every seed's
    /// list, handed out in peer lists. So the seed asks the seeds itself, as for a report: every seed probes before it
    /// votes, and a live peer is found alive and stays. A peer that said LEAVE is removed by that already.
    /// </summary>
    static SeedState OnPeerDisconnected(SeedState s, NodeId node, string reason, EffectList fx) =>
        // While this seed probes the node, its connection breaking answers the probe as a refused dial would (a PROBE
        // written into the dying connection would otherwise wait for the next attempt).
        s.Probes.ContainsKey(node) ? OnPeerUnreachable(s, node, reason, $"connection lost ({reason})", fx) : OnPeerConnectionLost(s, node, reason, fx);

    static SeedState OnPeerConnectionLost(SeedState s, NodeId node, string reason, EffectList fx)
    {
        if (!s.Peers.ContainsKey(node) || s.Left.Contains(node) || ConnectionEvidence.IsWeak(reason)) return s;
        if (s.Deaths.Find(node).Map(d => d.Phase == DeathPhase.Proposed).IfNone(false)) return s;   // a vote is under way
        fx.Add(new PeerConnectionLost(node, reason));
        return ProposeRemoval(s, node, DeathReasons.Crashed, s.Config.Self, fx);
    }

    static SeedState OnPeerUnreachable(SeedState s, NodeId node, string reason, string evidence, EffectList fx)
    {
        if (s.Probes.Find(node).Case is not PendingProbe<BallotRef> p) return s;
        if (!ConnectionEvidence.IsWeak(reason)) return ResolveProbe(s, node, dead: true, evidence, fx);
        return s.Health.IsLate ? Abstain(s, node, p, s.Health.Stretch(s.Config.Options.ProbeTimeoutMs), fx) : ResolveProbe(s, node, dead: true, evidence, fx);
    }

    static SeedState ResolveProbe(SeedState s, NodeId x, bool dead, string evidence, EffectList fx)
    {
        var probe = s.Probes.Find(x);
        if (probe.IsNone) return s;
        fx.Add(new CancelTimer(Probing.Timer(x)));
        s = s with { Probes = s.Probes.Remove(x) };
        foreach (var ballot in probe.Map(p => p.Waiting).IfNone(Seq<BallotRef>()).Distinct())
            s = CastVote(s, x, ballot, yes: dead, evidence, fx);
        return s;
    }

    static SeedState Abstain(SeedState s, NodeId x, PendingProbe<BallotRef> p, long windowMs, EffectList fx)
    {
        fx.Add(new CancelTimer(Probing.Timer(x)));
        foreach (var ballot in p.Waiting.Distinct())
            fx.Add(new DeadVoteWithheld(ballot.ProposalId, x, windowMs, s.Health.Score, s.Config.Options.HealthMax));
        return s with { Probes = s.Probes.Remove(x) };
    }

    static SeedState OnDeadVote(SeedState s, NodeId voter, DeadVote v, EffectList fx) =>
        TallyDeath(s, voter, v.Suspect, v.ProposalId, v.Yes, v.Evidence, v.Sig, fx);

    static SeedState TallyDeath(SeedState s, NodeId voter, NodeId x, string proposalId, bool yes, string evidence, string? sig, EffectList fx)
    {
        var found = s.Deaths.Find(x).Filter(d => d.ProposalId == proposalId && d.Phase == DeathPhase.Proposed);
        if (found.IsNone) return s;   // late or stray: that proposal is decided or gone
        var d = found.IfNone(() => throw new InvalidOperationException());
        var sec = s.Config.Security;
        if (yes && sec.On)
        {
            // Another seed's yes counts only as its valid signature (its config.csv key) of this very removal.
            if (voter != s.Config.Self
                && !sec.Verify(sec.SeedKeys.Find(voter).IfNoneUnsafe((string?)null), Identity.Statements.Dead(x, d.Incarnation, d.Reason, d.ProposalId), sig))
                return Reject(s, fx, new SignatureRefused("DEAD_VOTE", voter, voter));
            d = d with { Sigs = d.Sigs.AddOrUpdate(voter, sig!) };
        }
        d = yes ? d with { Yes = d.Yes.TryAdd(voter), LastEvidence = evidence } : d with { No = d.No.TryAdd(voter), LastEvidence = evidence };
        var c = s.Config;
        fx.Add(new DeadVoteCounted(proposalId, x, voter, yes, evidence, d.Yes.Count, c.Seeds.Count, c.Quorum));
        s = s with { Deaths = s.Deaths.SetItem(x, d) };
        if (d.Yes.Count >= c.Quorum)
        {
            if (!DeathVote.Machine.Fire(d.Phase, DeathTrigger.QuorumReached, x, fx, out var confirmedPhase)) return s;
            var voters = toSeq(d.Yes.OrderBy(n => n).ToArray());
            fx.Add(new CancelTimer(DeathTimer(x)));
            s = s with { Deaths = s.Deaths.SetItem(x, d with { Phase = confirmedPhase }) };
            var confirmed = c.Security.On
                ? new DeadConfirmed(x, voters, d.Reason, Rendezvous(s, x), d.Incarnation)
                {
                    ProposalId = d.ProposalId,
                    Signatures = voters.Map(v => new Identity.SeedSignature(v, d.Sigs[v])),
                }
                : new DeadConfirmed(x, voters, d.Reason, Rendezvous(s, x), d.Incarnation);
            fx.SendAll(c.OtherSeeds, confirmed);
            return Remove(Tombstone(s, confirmed), confirmed, RemovedBy.Vote, proposalId, null, fx);
        }
        if (d.No.Count > c.Seeds.Count - c.Quorum)
        {
            if (!DeathVote.Machine.Fire(d.Phase, DeathTrigger.QuorumImpossible, x, fx, out var rejectedPhase)) return s;
            fx.Add(new CancelTimer(DeathTimer(x)));
            fx.Add(new DeadVotedDown(x, d.No.Count, c.Seeds.Count, evidence));
            foreach (var r in d.Reporters.Filter(r => r != x && r != c.Self).OrderBy(r => r)) fx.Send(r, new DeadRejected(x, evidence));
            return s with { Deaths = s.Deaths.SetItem(x, d with { Phase = rejectedPhase, DecidedUs = s.NowUs }) };
        }
        return s;
    }

    static SeedState OnDeadConfirmed(SeedState s, NodeId from, DeadConfirmed c, EffectList fx)
    {
        var signed = s.Config.Security.On;
        var check = Identity.Certificates.Removal(s.Config, c);
        if (!check.Ok)
            return Reject(s, fx, signed
                ? new CertificateRefused("DEAD_CONFIRMED", c.Node, from, check.Valid, check.Needed, check.Fault, check.BadSigner)
                : new ConfirmationIgnored(c.Node, from, c.Voters.Distinct().Count(), s.Config.Quorum));
        // Signed: a valid old certificate replayed after the peer registered again removes nothing (unsigned, it is
        // idempotent as before: the newer incarnation stands and the tombstone only bars older ones).
        if (signed && s.Peers.Find(c.Node).Case is PeerRecord { } listed && listed.Incarnation > c.Incarnation)
            return Reject(s, fx, new StaleCertificateRefused("DEAD_CONFIRMED", c.Node, from, c.Incarnation, listed.Incarnation));
        c = CleanRemoval(s, c, check);
        var present = s.Peers.Find(c.Node).Map(r => r.Incarnation <= c.Incarnation).IfNone(false);
        s = Tombstone(s, c);
        if (!present) return s;   // already removed, or a newer incarnation stands: idempotent
        fx.Add(new CancelTimer(DeathTimer(c.Node)));
        return Remove(s, c, RemovedBy.Confirmation, null, from, fx);
    }

    /// <summary>
    /// The removal as this seed keeps and passes on: signed, only the valid signers (<paramref name="check"/>), each with
    /// its first valid signature, so junk padding is not spread; unsigned, as it came.
    /// </summary>
    static DeadConfirmed CleanRemoval(SeedState s, DeadConfirmed c, Identity.CertificateCheck check) =>
        s.Config.Security.On
            ? c with { Voters = check.Signers, Signatures = ValidSignatures(s.Config, c.Signatures, check.Signers, Identity.Statements.Dead(c.Node, c.Incarnation, c.Reason, c.ProposalId!)) }
            : c;

    /// <summary>Where the former neighbours of <paramref name="x"/> reconnect: the live peer of highest degree (lowest address on a tie).</summary>
    static Option<NodeId> Rendezvous(SeedState s, NodeId x) =>
        s.Peers.Keys.Filter(n => n != x).OrderByDescending(s.DegreeOf).ThenBy(n => n).HeadOrNone();

    /// <summary>Remembers the newest removal of an address, so no older commit brings it back.</summary>
    static SeedState Tombstone(SeedState s, DeadConfirmed c) =>
        s.Removed.Find(c.Node).Map(t => t.Incarnation >= c.Incarnation).IfNone(false)
            ? s
            : Touch(s, c.Node) with { Removed = s.Removed.AddOrUpdate(c.Node, c with { Rendezvous = None }) };

    /// <summary>Takes a confirmed node out of the peer list and tells every peer (each seed does, so none is missed).</summary>
    static SeedState Remove(SeedState s, DeadConfirmed c, RemovedBy how, string? proposalId, NodeId? from, EffectList fx)
    {
        var x = c.Node;
        // A vote still open (or lost or timed out) here is decided by the certificate; the record then leaves the table.
        foreach (var d in s.Deaths.Find(x).Filter(d => DeathVote.Machine.CanFire(d.Phase, DeathTrigger.ConfirmObserved)))
            DeathVote.Machine.Fire(d.Phase, DeathTrigger.ConfirmObserved, x, fx, out _);
        s = Touch(s, x).WithoutPeer(x).WithoutReport(x) with
        {
            Deaths = s.Deaths.Remove(x),
            Registrations = s.Registrations.Remove(x),
            Left = s.Left.Remove(x),
        };
        fx.Add(new PeerRemoved(x, c.Reason, c.Incarnation, c.Voters, s.Config.Seeds.Count, how, proposalId, from, s.Peers.Count));
        fx.SendAll(toSeq(s.Peers.Keys.OrderBy(n => n).ToArray()), c);
        // The removed node too: if it is alive after all (it hung, or was cut off), it learns it must register again.
        fx.Send(x, c);
        fx.Add(new Disconnect(x));
        return s;
    }

    static SeedState OnProbeTimer(SeedState s, NodeId target, EffectList fx)
    {
        var o = s.Config.Options;
        var retried = Probing.Retry(s.Probes, target, o.SeedProbeAttempts, o, fx);
        if (retried.Case is HashMap<NodeId, PendingProbe<BallotRef>> table) return s with { Probes = table };
        if (s.Probes.Find(target).Case is not PendingProbe<BallotRef> p) return s;
        // "No answer" is weak evidence: judged over a window stretched by this seed's own lateness...
        var windowMs = s.Health.Stretch(o.ProbeTimeoutMs);
        var leftMs = windowMs - (s.NowUs - p.StartedUs) / 1000;
        if (leftMs > 0)
        {
            fx.Timer(Probing.Timer(target), leftMs);
            return s;
        }
        // ...and a seed that is itself late casts no yes vote on it: it abstains (a refused connection still counts).
        if (s.Health.IsLate) return Abstain(s, target, p, windowMs, fx);
        return ResolveProbe(s, target, dead: true, $"no answer to {o.SeedProbeAttempts} PROBEs within {windowMs}ms", fx);
    }

    static SeedState OnDeathTimer(SeedState s, NodeId x, EffectList fx)
    {
        var found = s.Deaths.Find(x).Filter(d => d.Phase == DeathPhase.Proposed);
        if (found.IsNone) return s;
        var d = found.IfNone(() => throw new InvalidOperationException());
        var c = s.Config;
        fx.Add(new DeadTimedOut(d.ProposalId, x, d.Yes.Count, c.Seeds.Count, c.Quorum));
        if (!DeathVote.Machine.Fire(d.Phase, DeathTrigger.Expire, x, fx, out var timedOut)) return s;
        return s with { Deaths = s.Deaths.SetItem(x, d with { Phase = timedOut }) };
    }
}
