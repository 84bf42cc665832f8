namespace GossipPure.Core.Peers;

/// <summary>
/// Two-level dead-node detection, the peer's half. Local evidence (a broken connection, missed heartbeats,
/// failed pings) makes a neighbour a suspect; other peers confirm from their own evidence (they probe it for
/// the asker when they have none); a confirmed suspicion is reported to the seeds, who probe and vote.
/// </summary>
public static partial class PeerReducer
{
    public static readonly TimerKey HeartbeatTimer = new TimerKey.HeartbeatRound();
    public static readonly TimerKey SilenceTimer = new TimerKey.SilenceCheck();
    public static readonly TimerKey PingTimer = new TimerKey.PingRound();
    public static readonly TimerKey DegreeTimer = new TimerKey.DegreeReport();
    static TimerKey WitnessTimer(NodeId n) => new TimerKey.Witness(n);
    static TimerKey ReportTimer(NodeId n) => new TimerKey.Report(n);

    static void StartDetectionTimers(ProtocolOptions o, EffectList fx)
    {
        fx.Timer(HeartbeatTimer, o.HeartbeatIntervalMs);
        fx.Timer(SilenceTimer, SilenceCheckMs(o));
        fx.Timer(PingTimer, o.PingIntervalMs);
        fx.Timer(DegreeTimer, o.DegreeReportMs);
    }

    static PeerState OnDegreeTimer(PeerState s, EffectList fx)
    {
        fx.Timer(DegreeTimer, s.Config.Options.DegreeReportMs);
        return s.Phase == PeerPhase.Registered ? ReportDegree(s, fx) : s;
    }

    /// <summary>
    /// A quarter heartbeat interval: the least time between two silence checks, and the wait before a check that found
    /// silence looks again (so a hung neighbour is suspected about a quarter interval after the limit).
    /// </summary>
    static long SilenceCheckMs(ProtocolOptions o) => Math.Max(1, o.HeartbeatIntervalMs / 4);

    static Watch WatchOf(PeerState s, NodeId n) => s.Det.Watches.Find(n).IfNone(Watch.Alive);

    /// <summary>
    /// <paramref name="n"/>'s watch set to <paramref name="w"/>, its last-heard time kept (a new watch is heard now) and its
    /// suspicion mark in <see cref="PeerState.Heard"/> made to agree with the watch.
    /// </summary>
    static PeerState SetWatch(PeerState s, NodeId n, Watch w)
    {
        var heard = s.Heard.Find(n).Map(h => h.With(w)).IfNone(LastHeard.Of(s.NowUs, w));
        return s with { Det = s.Det with { Watches = s.Det.Watches.AddOrUpdate(n, w) }, Heard = s.Heard.AddOrUpdate(n, heard) };
    }

    /// <summary><paramref name="n"/> watched afresh: <paramref name="w"/> (a phase with no suspicion), heard now.</summary>
    static PeerState NewWatch(PeerState s, NodeId n, Watch w) =>
        s with { Det = s.Det with { Watches = s.Det.Watches.AddOrUpdate(n, w) }, Heard = s.Heard.AddOrUpdate(n, LastHeard.Of(s.NowUs, w)) };

    /// <summary>Any frame from a watched node is a sign of life; from a suspect it ends the suspicion.</summary>
    static PeerState Heard(PeerState s, NodeId from, EffectList fx)
    {
        var found = s.Heard.Find(from);
        if (found.IsNone) return s;
        var h = found.IfNone(default(LastHeard));
        // Kept to a tenth of the heartbeat interval: under a stream of gossip most frames change nothing (a silence
        // is judged over several intervals, so this costs the detector nothing).
        if (!h.Suspected && s.NowUs - h.Us < s.Options.HeartbeatIntervalMs * 100) return s;
        s = s with { Heard = s.Heard.AddOrUpdate(from, h.With(s.NowUs)) };
        return h.Suspected ? Revive(s, from, SuspicionTrigger.ProvenAlive, new SuspicionDropped(from, DropCause.SentAMessage), fx) : s;
    }

    /// <summary>
    /// A connection to <paramref name="node"/> broke or could not be made: strong evidence when the other end's kernel
    /// said so (refused, reset, closed), weak when it only timed out (see <see cref="ConnectionEvidence"/>).
    /// </summary>
    static PeerState OnUnreachable(PeerState s, NodeId node, string reason, string evidence, EffectList fx)
    {
        var strength = ConnectionEvidence.IsWeak(reason) ? Evidence.Weak : Evidence.Strong;
        if (s.Det.Probes.ContainsKey(node))
        {
            if (strength == Evidence.Weak && s.Health.IsLate) return s;   // the probe's own (stretched) window decides
            s = ResolveProbe(s, node, dead: true, evidence, strength, fx);
        }
        return s.IsNeighbour(node) && WatchOf(s, node).Phase == SuspicionPhase.Alive ? Suspect(s, node, evidence, strength, fx) : s;
    }

    /// <summary>
    /// How much a piece of evidence says. Strong: a refused connection or a broken stream — the other end's kernel
    /// spoke, so the seeds will see the same when they probe, and the witness round is skipped. Weak: silence, a probe
    /// timeout, unanswered ICMP — a late clock on either side looks the same, so it needs witnesses, and a node that is
    /// itself late (<see cref="Health.IsLate"/>) does not act on it at all.
    /// </summary>
    enum Evidence { Strong, Weak }

    // ---- Suspicion round ------------------------------------------------------------------------------------

    static PeerState Suspect(PeerState s, NodeId x, string evidence, Evidence strength, EffectList fx)
    {
        var o = s.Config.Options;
        var w = WatchOf(s, x);
        if (strength == Evidence.Weak && s.Health.IsLate) return s;   // this peer's own lateness, most likely: no accusation
        if (!Suspicion.Machine.CanFire(w.Phase, SuspicionTrigger.Evidence)) return s;   // under suspicion already
        if (!Suspicion.Machine.Fire(w.Phase, SuspicionTrigger.Evidence, x, fx, out var suspected)) return s;
        fx.Add(new Suspected(x, evidence, strength == Evidence.Strong));
        w = w with { Phase = suspected, Evidence = evidence, Confirms = HashSet<NodeId>(), Denials = HashSet<NodeId>(), SinceUs = s.NowUs, Reports = 0 };
        // Suspected is not cut off: gossip and heartbeats still go to x. But gossip must not hang on a neighbour that
        // may be gone, so the minimum degree is made up from the peers not under suspicion while the decision is pending.
        s = TopUp(SetWatch(s, x, w), x, fx);
        if (strength == Evidence.Strong)
            return Report(s, x, SuspicionTrigger.NoWitnesses, fx);

        // Witnesses: neighbours first (they have their own view of x), then other known peers (they probe it).
        var neighbours = s.ActiveNeighbours.Filter(n => n != x && CanWitness(s, n));
        var (fromNeighbours, rng) = s.Rng.Sample(neighbours, o.Witnesses);
        var others = toSeq(s.Known.Keys.Filter(n => n != x && n != s.Config.Self && !s.IsNeighbour(n) && !s.Det.IsDead(n) && CanWitness(s, n)).OrderBy(n => n).ToArray());
        var (fromOthers, rng2) = rng.Sample(others, o.Witnesses - fromNeighbours.Count);
        var witnesses = toSeq(fromNeighbours.AsEnumerable().Concat(fromOthers).ToArray());   // not Seq + Seq: that stops the NativeAOT compiler (specs/aot.md)
        s = s with { Rng = rng2 };
        w = WatchOf(s, x);

        if (witnesses.IsEmpty)
        {
            fx.Add(new NoWitnesses(x));
            return Report(SetWatch(s, x, w), x, SuspicionTrigger.NoWitnesses, fx);
        }
        var needed = witnesses.Count / 2 + 1;
        if (!Suspicion.Machine.Fire(w.Phase, SuspicionTrigger.AskWitnesses, x, fx, out var confirming)) return SetWatch(s, x, w);
        w = w with { Phase = confirming, Witnesses = toHashSet(witnesses), Needed = needed };
        fx.Add(new WitnessesAsked(x, witnesses, needed));
        fx.SendAll(witnesses, new SuspectRequest(x));
        fx.Timer(WitnessTimer(x), s.Health.Stretch(o.WitnessTimeoutMs));
        return SetWatch(s, x, w);
    }

    /// <summary>Links to live peers until the neighbours not under suspicion reach the minimum degree.</summary>
    static PeerState TopUp(PeerState s, NodeId suspect, EffectList fx)
    {
        var missing = s.Config.Options.MinNeighbours - s.ActiveNeighbours.Count;
        if (missing <= 0 || s.Phase != PeerPhase.Registered) return s;
        var candidates = s.KnownEntries.Filter(e => e.Node != s.Config.Self && !s.IsNeighbour(e.Node) && !s.Det.IsDead(e.Node));
        var (picked, rng) = Overlay.PickPreferential(candidates, missing, s.Rng);
        s = s with { Rng = rng };
        if (picked.IsEmpty) return s;
        fx.Add(new DegreeToppedUp(s.ActiveNeighbours.Count, s.Config.Options.MinNeighbours, suspect, picked));
        foreach (var n in picked) s = Link(s, n, fx);
        return ReportDegree(s, fx);
    }

    static PeerState OnSuspectResponse(PeerState s, NodeId witness, SuspectResponse r, EffectList fx)
    {
        var x = r.Suspect;
        var w = WatchOf(s, x);
        if (w.Phase != SuspicionPhase.Confirming || !w.Witnesses.Contains(witness)
            || w.Confirms.Contains(witness) || w.Denials.Contains(witness))
            return s;
        if (Signed(s) && !SignedByWitness(s, witness, r, fx)) return s;   // not counted
        w = r.Dead ? w with { Confirms = w.Confirms.Add(witness) } : w with { Denials = w.Denials.Add(witness) };
        fx.Add(new WitnessAnswered(x, witness, r.Dead, r.Evidence, w.Confirms.Count, w.Needed));
        s = SetWatch(s, x, w);
        if (w.Confirms.Count >= w.Needed) return Report(s, x, SuspicionTrigger.Confirmed, fx);
        if (w.Denials.Count > w.Witnesses.Count - w.Needed)
            return Revive(s, x, SuspicionTrigger.Refuted, new SuspicionDropped(x, DropCause.WitnessesReachedIt, w.Denials.Count, w.Witnesses.Count), fx);
        return s;
    }

    static PeerState OnWitnessTimeout(PeerState s, NodeId x, EffectList fx)
    {
        var w = WatchOf(s, x);
        if (w.Phase != SuspicionPhase.Confirming) return s;
        // The wait stretches with this peer's own lateness, counted from when the round started.
        var waitMs = s.Health.Stretch(s.Config.Options.WitnessTimeoutMs);
        var leftMs = waitMs - (s.NowUs - w.SinceUs) / 1000;
        if (leftMs > 0)
        {
            fx.Timer(WitnessTimer(x), leftMs);
            return s;
        }
        fx.Add(new WitnessesInconclusive(x, w.Confirms.Count, w.Needed, w.Denials.Count));
        return Report(s, x, SuspicionTrigger.Inconclusive, fx);
    }

    static string ReportString(PeerState s, NodeId x) =>
        $"Dead Node:{x.Ip}:{x.Port}:{FormatTimestamp(s.NowUs)}:{s.Config.Self.Ip}";

    static PeerState Report(PeerState s, NodeId x, SuspicionTrigger how, EffectList fx)
    {
        var w = WatchOf(s, x);
        if (!Suspicion.Machine.Fire(w.Phase, how, x, fx, out var reported)) return s;
        var report = ReportString(s, x);
        fx.Add(new CancelTimer(WitnessTimer(x)));
        fx.Add(new DeadReported(x, s.Config.Seeds.Count, report));
        fx.SendAll(s.Config.Seeds, ReportFor(s, x, report));
        fx.Timer(ReportTimer(x), ReportBackoffMs(s.Config.Options, 0));
        return SetWatch(s, x, w with { Phase = reported, Reports = 1 });
    }

    /// <summary>Back-pressure: the k-th re-send of an undecided report waits ReportRetryMs·2^k, at most ReportRetryMaxMs.</summary>
    static long ReportBackoffMs(ProtocolOptions o, int resent) =>
        Math.Min(Math.Max(o.ReportRetryMs, o.ReportRetryMaxMs), o.ReportRetryMs << Math.Min(resent, 20));

    static PeerState OnReportTimer(PeerState s, NodeId x, EffectList fx)
    {
        var w = WatchOf(s, x);
        if (w.Phase != SuspicionPhase.Reported) return s;
        var report = ReportString(s, x);
        var nextMs = ReportBackoffMs(s.Config.Options, w.Reports);
        fx.Add(new DeadReportResent(x, nextMs, report));
        fx.SendAll(s.Config.Seeds, ReportFor(s, x, report));
        fx.Timer(ReportTimer(x), nextMs);
        return SetWatch(s, x, w with { Reports = w.Reports + 1 });
    }

    /// <summary>The suspect is alive after all: drop the suspicion and restore the link (with the gossip it missed).</summary>
    static PeerState Revive(PeerState s, NodeId x, SuspicionTrigger how, SuspicionDropped why, EffectList fx)
    {
        var w = WatchOf(s, x);
        if (!Suspicion.Machine.Fire(w.Phase, how, x, fx, out var alive)) return s;
        fx.Add(why);
        fx.Add(new CancelTimer(WitnessTimer(x)));
        fx.Add(new CancelTimer(ReportTimer(x)));
        s = NewWatch(s, x, Watch.Alive with { Phase = alive });
        if (s.IsNeighbour(x))
        {
            fx.Send(x, new LinkRequest(s.Incarnation));
            s = ForgetCertsSent(s, x);
            foreach (var g in s.Backlog) s = SendGossip(s, g, [x], fx);
        }
        return s;
    }

    static PeerState OnDeadRejected(PeerState s, NodeId seed, DeadRejected r, EffectList fx) =>
        !Suspicion.Machine.CanFire(WatchOf(s, r.Suspect).Phase, SuspicionTrigger.SeedsRejected) ? s :   // this peer's report was answered already
        Revive(s, r.Suspect, SuspicionTrigger.SeedsRejected, new SuspicionDropped(r.Suspect, DropCause.SeedsFoundItAlive, Reason: r.Reason, Seed: seed), fx);

    // ---- Witness side: probes -------------------------------------------------------------------------------

    static PeerState OnDetectionMessage(PeerState s, NodeId from, Message m, EffectList fx)
    {
        switch (m)
        {
            case Probe p:
                fx.Send(from, new ProbeAck(p.Nonce));
                return s;
            case ProbeAck a:
                // No lambda here: one capturing `a` would be made on every frame this method handles, heartbeats too.
                return s.Det.Probes.Find(from).Case is PendingProbe<NodeId> probe && probe.Nonce == a.Nonce
                    ? ResolveProbe(s, from, dead: false, $"answered PROBE in {Probing.Elapsed(probe.StartedUs, s.NowUs)}", Evidence.Strong, fx)
                    : s;
            case SuspectRequest q:
                return OnSuspectRequest(s, from, q.Suspect, fx);
            case SuspectResponse r:
                return OnSuspectResponse(s, from, r, fx);
            case Leave:
                return OnLeave(s, from, fx);
            default:
                return s;   // HEARTBEAT: Heard has already noted it
        }
    }

    static PeerState OnSuspectRequest(PeerState s, NodeId asker, NodeId x, EffectList fx)
    {
        string? verdict = x == s.Config.Self ? null
            : s.Det.IsDead(x) ? "confirmed dead by the seeds"
            : WatchOf(s, x).IsSuspected && s.Det.Watches.ContainsKey(x) ? $"own suspicion: {WatchOf(s, x).Evidence}"
            : "";
        if (verdict is null)
        {
            fx.Send(asker, AnswerFor(s, x, false, "this is the suspect answering"));
            return s;
        }
        if (verdict.Length > 0)
        {
            fx.Add(new WitnessVerdict(x, asker, verdict));
            fx.Send(asker, AnswerFor(s, x, true, verdict));
            return s;
        }
        fx.Add(new WitnessProbing(x, asker));
        var table = Probing.Start(s.Det.Probes, x, asker, s.Det.NextNonce, s.NowUs, s.Config.Options, fx, timeoutMs: s.Health.Stretch(s.Config.Options.ProbeTimeoutMs));
        return s with { Det = s.Det with { Probes = table, NextNonce = s.Det.NextNonce + 1 } };
    }

    static PeerState OnProbeTimeout(PeerState s, NodeId x, EffectList fx)
    {
        if (s.Det.Probes.Find(x).Case is not PendingProbe<NodeId> p) return s;
        // The window stretches with this peer's own lateness, counted from the PROBE.
        var windowMs = s.Health.Stretch(s.Config.Options.ProbeTimeoutMs);
        var leftMs = windowMs - (s.NowUs - p.StartedUs) / 1000;
        if (leftMs > 0)
        {
            fx.Timer(Probing.Timer(x), leftMs);
            return s;
        }
        if (s.Health.IsLate)
        {
            // A late witness cannot tell a silent suspect from its own slowness: it gives no verdict (the asker's
            // witness wait then leaves the decision to the seeds, who probe for themselves).
            fx.Add(new WitnessWithheld(x, windowMs, s.Health.Score, s.Config.Options.HealthMax));
            return s with { Det = s.Det with { Probes = s.Det.Probes.Remove(x) } };
        }
        return ResolveProbe(s, x, dead: true, $"no answer to PROBE within {windowMs}ms", Evidence.Weak, fx);
    }

    /// <summary>
    /// Answers everyone who waited on a probe of <paramref name="x"/>; a failed probe of a neighbour is also this
    /// peer's own evidence (of the given strength; none when <paramref name="strength"/> is null: the seeds decided).
    /// </summary>
    static PeerState ResolveProbe(PeerState s, NodeId x, bool dead, string evidence, Evidence? strength, EffectList fx)
    {
        var probe = s.Det.Probes.Find(x);
        if (probe.IsNone) return s;
        fx.Add(new CancelTimer(Probing.Timer(x)));
        foreach (var asker in probe.Map(p => p.Waiting).IfNone(Seq<NodeId>()).Distinct())
        {
            fx.Add(new WitnessAnswerSent(x, asker, dead, evidence));
            fx.Send(asker, AnswerFor(s, x, dead, evidence));
        }
        s = s with { Det = s.Det with { Probes = s.Det.Probes.Remove(x) } };
        return dead && strength is { } how && s.IsNeighbour(x) && WatchOf(s, x).Phase == SuspicionPhase.Alive ? Suspect(s, x, evidence, how, fx) : s;
    }

    // ---- Probes this peer runs on its own neighbours ---------------------------------------------------------

    static PeerState OnHeartbeatTimer(PeerState s, EffectList fx)
    {
        // To suspects too: a suspicion is a question, not a verdict, and a slow neighbour must not be starved into one.
        var beat = new Heartbeat();   // a value: one serves every send
        foreach (var n in s.NeighbourOrder) fx.Send(n, beat);
        if (!s.Pending.IsEmpty) foreach (var n in LinkedUnchecked(s)) fx.Send(n, beat);
        fx.Timer(HeartbeatTimer, s.Config.Options.HeartbeatIntervalMs);
        // Links that ended without a broken connection (a neighbour dropped or purged) leave their record of certificates sent.
        return !s.CertsSent.IsEmpty && s.CertsSent.Keys.Any(n => !s.IsNeighbour(n))
            ? s with { CertsSent = s.CertsSent.Filter((n, _) => s.IsNeighbour(n)) }
            : s;
    }

    static PeerState OnSilenceTimer(PeerState s, EffectList fx)
    {
        var o = s.Config.Options;
        // Silence is weak evidence, and a late check sees everyone silent: while this peer is late it judges no
        // silence at all (more than any stretch of the window; Suspect would refuse the weak evidence anyway).
        var limitUs = o.HeartbeatMisses * o.HeartbeatIntervalMs * 1000;
        var seenUs = s.Det.SilenceSeenUs;
        s = seenUs == 0 ? s : s with { Det = s.Det with { SilenceSeenUs = 0 } };
        var earliestUs = EarliestHeardUs(s);
        if (!s.Health.IsLate && s.NowUs - earliestUs > limitUs)
        {
            // A check can fire before what waited for this peer is read (after a stall too short, or too early in the
            // sparse checks' cycle, for any timer to have measured it): a silence is judged only by a second check,
            // one SilenceCheckMs later, and only for neighbours silent past the limit at the first and not heard since.
            if (seenUs == 0)
            {
                fx.Timer(SilenceTimer, SilenceCheckMs(o));
                return s with { Det = s.Det with { SilenceSeenUs = s.NowUs } };
            }
            foreach (var n in s.ActiveNeighbourArray())
            {
                var lastUs = s.LastHeardUs(n);
                if (seenUs - lastUs > limitUs)
                    s = Suspect(s, n, $"no heartbeat for {(s.NowUs - lastUs) / 1000}ms ({o.HeartbeatMisses} missed)", Evidence.Weak, fx);
            }
            earliestUs = EarliestHeardUs(s);   // the ones just suspected no longer count
        }
        // Due when the earliest neighbour not under suspicion would pass the limit, never sooner than SilenceCheckMs (a
        // neighbour past it already, unjudged while late, would otherwise re-arm at once): a peer whose neighbours all
        // speak checks about once per limit. Hearing from a neighbour does not move the timer; a check that finds it
        // heard meanwhile re-arms for the new deadline.
        fx.Timer(SilenceTimer, Math.Max(SilenceCheckMs(o), (earliestUs + limitUs - s.NowUs) / 1000 + 1));
        return s;
    }

    /// <summary>
    /// When the neighbour not under suspicion heard from longest ago was last heard (now if none): one pass over the
    /// watches, without sorting or copying the neighbours, tells both whether anyone is silent past the limit (the
    /// check's common answer is no) and when the next check is due. A neighbour with no watch yet counts as heard now.
    /// </summary>
    static long EarliestHeardUs(PeerState s)
    {
        var earliestUs = s.NowUs;
        foreach (var (_, h) in s.Heard)
            if (!h.Suspected && !h.Ended && h.Us < earliestUs) earliestUs = h.Us;   // not ended: a neighbour's
        return earliestUs;
    }

    static PeerState OnPingTimer(PeerState s, EffectList fx)
    {
        // Each IP once, in ordinal order: the active neighbours come in address order (the IP's text, then the port),
        // so an IP's ports are side by side and a repeat is the one before it.
        string? last = null;
        foreach (var n in s.ActiveNeighbourArray())
        {
            if (n.Ip == last) continue;
            last = n.Ip;
            fx.Add(new PingHost(last));
        }
        fx.Timer(PingTimer, s.Config.Options.PingIntervalMs);
        return s;
    }

    const int PingUnavailable = -1;

    static PeerState OnPingResult(PeerState s, PingResult r, EffectList fx)
    {
        var failures = s.Det.PingFailures.Find(r.Ip).IfNone(0);
        switch (r.Outcome)
        {
            case PingOutcome.Unavailable:
                if (failures != PingUnavailable)
                    fx.Add(new PingUnavailable(r.Ip, r.Detail));
                return WithPingFailures(s, r.Ip, PingUnavailable);
            case PingOutcome.Reply:
                return WithPingFailures(s, r.Ip, 0);
        }
        failures = Math.Max(0, failures) + 1;
        fx.Add(new PingUnanswered(r.Ip, r.Detail, failures, s.Config.Options.PingFailures));
        if (failures < s.Config.Options.PingFailures) return WithPingFailures(s, r.Ip, failures);
        s = WithPingFailures(s, r.Ip, 0);
        foreach (var n in s.ActiveNeighbours.Filter(n => n.Ip == r.Ip))
            s = Suspect(s, n, $"{s.Config.Options.PingFailures} ICMP echoes to {r.Ip} unanswered", Evidence.Weak, fx);
        return s;
    }

    static PeerState WithPingFailures(PeerState s, string ip, int n) =>
        s.Det.PingFailures.Find(ip).Case is int was && was == n ? s   // a reply where none failed: nothing changes
            : s with { Det = s.Det with { PingFailures = s.Det.PingFailures.AddOrUpdate(ip, n) } };

    // ---- Removal: departures and confirmed deaths ------------------------------------------------------------

    static PeerState OnLeave(PeerState s, NodeId from, EffectList fx)
    {
        if (!s.IsNeighbour(from)) return s;
        fx.Add(new NeighbourLeft(from));
        var o = s.Det;
        s = s.WithoutNeighbour(from) with
        {
            Known = s.Known.Remove(from),
            Det = o with { Watches = o.Watches.Remove(from) },
            Heard = s.Heard.Remove(from),
        };
        fx.Add(new CancelTimer(WitnessTimer(from)));
        fx.Add(new CancelTimer(ReportTimer(from)));
        return RepairAfterLoss(s, wasNeighbour: true, None, fx);
    }

    static PeerState OnDeadConfirmed(PeerState s, NodeId seed, DeadConfirmed dc, EffectList fx)
    {
        var x = dc.Node;
        if (Signed(s))
        {
            var check = Identity.Certificates.Removal(s.Config, dc);
            if (!check.Ok) return Warn(s, fx, Refusal("DEAD_CONFIRMED", x, seed, check));
        }
        else if (!Quorum.IsReachedBy(s.Config.Seeds, dc.Voters))
            return Warn(s, fx, new ConfirmationIgnored(x, seed, dc.Voters.Distinct().Count(), s.Config.Quorum));
        if (x == s.Config.Self)
        {
            if (dc.Incarnation >= s.Incarnation) return Rejoin(s, seed, dc, fx);
            // About an earlier run of this address: signed, that is a replay of an old certificate, and it says so.
            return Signed(s) ? Warn(s, fx, new StaleCertificateRefused("DEAD_CONFIRMED", x, seed, dc.Incarnation, s.Incarnation)) : s;
        }
        // A replay after a rejoin, before the duplicate check: the old removal may still be in Dead here.
        if (Signed(s) && KnownIncarnation(s, x) is { } current && current > dc.Incarnation)
            return Warn(s, fx, new StaleCertificateRefused("DEAD_CONFIRMED", x, seed, dc.Incarnation, current));
        if (s.Det.Dead.Find(x).Map(inc => inc >= dc.Incarnation).IfNone(false)) return s;   // each seed sends it; the first one counts
        if (s.Det.Incarnations.Find(x).Map(inc => inc > dc.Incarnation).IfNone(false)) return s;   // about an older run of x
        // A decision ends the questions: answer whoever waits on a probe of x, but open no suspicion round of its own.
        if (s.Det.Probes.ContainsKey(x)) s = ResolveProbe(s, x, dead: true, "confirmed dead by the seeds", strength: null, fx);
        var wasNeighbour = s.IsNeighbour(x);
        // The watch enters Dead and stays (with the incarnation in Dead) until a newer incarnation links.
        foreach (var w in s.Det.Watches.Find(x).Filter(w => Suspicion.Machine.CanFire(w.Phase, SuspicionTrigger.DeadConfirmed)))
            if (Suspicion.Machine.Fire(w.Phase, SuspicionTrigger.DeadConfirmed, x, fx, out var dead)) s = SetWatch(s, x, w with { Phase = dead });
        s = s.WithoutNeighbour(x) with
        {
            Known = s.Known.Remove(x),
            Det = s.Det with { Dead = s.Det.Dead.AddOrUpdate(x, dc.Incarnation), Incarnations = s.Det.Incarnations.Remove(x) },
        };
        fx.Add(new CancelTimer(WitnessTimer(x)));
        fx.Add(new CancelTimer(ReportTimer(x)));
        fx.Add(new Disconnect(x));
        fx.Add(new Purged(x, dc.Reason, dc.Incarnation, dc.Voters, s.Config.Seeds.Count, seed, wasNeighbour, s.Neighbours.Count));
        return RepairAfterLoss(s, wasNeighbour, dc.Rendezvous, fx);
    }

    /// <summary>
    /// The seeds removed this peer (it hung past the heartbeat limit, say, or was cut off): everyone dropped it, so it
    /// registers again as a new incarnation and attaches afresh. Messages it made keep their numbers.
    /// </summary>
    static PeerState Rejoin(PeerState s, NodeId seed, DeadConfirmed dc, EffectList fx)
    {
        fx.Add(new Rejoining(s.Config.Self, dc.Reason, seed, dc.Incarnation));
        foreach (var n in s.NeighbourOrder) fx.Add(new Disconnect(n));
        s = s with
        {
            Phase = PeerPhase.Registering,
            Incarnation = Math.Max(s.NowUs, dc.Incarnation + 1),
            Neighbours = HashSet<NodeId>(),
            Known = NodeMap<int>.Empty,
            Det = Detection.Empty with { NextNonce = s.Det.NextNonce },
            Heard = NodeMap<LastHeard>.Empty,
        };
        return StartRound(s, 0, fx);
    }

    /// <summary>
    /// After losing a neighbour: link to the rendezvous the seeds named (every former neighbour of a dead node
    /// links to the same peer, so the parts a dead hub leaves behind join again), then top up to the minimum degree
    /// by preferential attachment.
    /// </summary>
    static PeerState RepairAfterLoss(PeerState s, bool wasNeighbour, Option<NodeId> rendezvous, EffectList fx)
    {
        if (!wasNeighbour || s.Phase != PeerPhase.Registered) return s;
        foreach (var r in rendezvous)
            if (r != s.Config.Self && !s.IsNeighbour(r) && !s.Det.IsDead(r))
            {
                fx.Add(new RendezvousLinked(r));
                s = Link(s, r, fx);
            }
        var missing = s.Config.Options.MinNeighbours - s.Neighbours.Count;
        if (missing > 0)
        {
            var candidates = s.KnownEntries.Filter(e => e.Node != s.Config.Self && !s.IsNeighbour(e.Node) && !s.Det.IsDead(e.Node));
            var (picked, rng) = Overlay.PickPreferential(candidates, missing, s.Rng);
            s = s with { Rng = rng };
            if (!picked.IsEmpty)
            {
                fx.Add(new DegreeRepaired(s.Neighbours.Count, s.Config.Options.MinNeighbours, picked));
                foreach (var n in picked) s = Link(s, n, fx);
            }
        }
        return ReportDegree(s, fx);
    }
}
