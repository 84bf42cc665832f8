using System.Globalization;

namespace GossipPure.Core.Peers;

/// <summary>
/// The peer: registers with a quorum of seeds, attaches to the overlay by preferential attachment, and gossips.
/// Rules of this file: every decision a peer makes lives here; the time and the random seed come in as inputs.
/// </summary>
public static partial class PeerReducer
{
    public static readonly TimerKey RegisterTimer = new TimerKey.RegisterRetry();
    public static readonly TimerKey GossipTimer = new TimerKey.GossipRound();

    public static Step<PeerState> Step(PeerState s, Input input)
    {
        var fx = new EffectList();
        if (s.Phase is PeerPhase.Idle && input is not Started) return fx.With(s);
        if (s.Phase is PeerPhase.Stopped) return fx.With(s);
        var o = s.Options;
        var seenPeriodUs = (o.GossipHorizonMs + o.GossipFutureMs) * 1000;
        s = s with
        {
            NowUs = input.NowUs,
            Seen = SeenSet.IsDue(s.SeenRotatedUs, input.NowUs, seenPeriodUs) ? s.Seen.Expire(input.NowUs, seenPeriodUs) : s.Seen,
            Health = Health.Observe(s.Health, input, o, fx),
        };
        var next = input switch
        {
            Started st => OnStarted(s, st, fx),
            Received r => OnMessage(s, r, fx),
            ConnectFailed f => OnConnectFailed(s, f, fx),
            Disconnected d => OnDisconnected(s, d, fx),
            TimerFired t => OnTimer(s, t, fx),
            PingResult p => OnPingResult(s, p, fx),
            BadFrame b => Warn(s, fx, new FrameRefused(b.Remote, b.Reason)),
            ShutdownRequested => OnShutdown(s, fx),
            Publish p => OnPublish(s, p, fx),
            _ => s,   // HealthSample: Observe has taken it
        };
        return fx.Finish(next, next.Health, input.NowUs, static (s, h) => s with { Health = h });
    }

    static PeerState Warn(PeerState s, EffectList fx, NodeEvent e) { fx.Add(e); return s; }

    static PeerState OnStarted(PeerState s, Started st, EffectList fx)
    {
        var c = s.Config;
        fx.Add(new NodeStarted(Role.Peer, c.Self, c.Seeds.Count, c.Quorum));
        return StartRound(s with { Phase = PeerPhase.Registering, Rng = new Rng(st.RandomSeed), Incarnation = st.NowUs }, 0, fx);
    }

    static PeerState OnShutdown(PeerState s, EffectList fx)
    {
        if (s.Phase == PeerPhase.Registered)
        {
            // A departure, not a crash: neighbours drop the link quietly and the seeds remove this peer at once.
            fx.Add(new LeaveSent(s.Neighbours.Count, s.Config.Seeds.Count));
            fx.SendAll(toSeq(s.NeighbourOrder), new Leave());
            fx.SendAll(s.Config.Seeds, new Leave());
        }
        fx.Add(new GossipTotals(s.Made, s.FirstTime, s.Duplicates, s.Stale, s.Neighbours.Count));
        fx.Add(new ShuttingDown());
        fx.Add(new Stop(0));
        return s with { Phase = PeerPhase.Stopped };
    }

    // ---- Registration -------------------------------------------------------------------------------------

    static long Backoff(ProtocolOptions o, int attempt) =>
        Math.Min(o.RegisterRetryMaxMs, o.RegisterRetryMs << Math.Min(attempt, 20));

    /// <summary>Asks ⌊n/2⌋+1 randomly chosen seeds to register this peer.</summary>
    static PeerState StartRound(PeerState s, int attempt, EffectList fx)
    {
        var c = s.Config;
        var (asked, rng) = s.Rng.Sample(c.Seeds, c.Quorum);
        fx.Add(new RegisterRequestSent(asked, attempt + 1));
        var request = RequestFor(s);
        foreach (var seed in asked) fx.Send(seed, request);
        fx.Timer(RegisterTimer, Backoff(c.Options, attempt));
        return s with { Rng = rng, Round = Round.First with { Attempt = attempt, Asked = toHashSet(asked) } };
    }

    static PeerState OnConnectFailed(PeerState s, ConnectFailed f, EffectList fx)
    {
        if (s.Config.IsSeed(f.Node)) return SeedFailed(s, f.Node, f.Reason, fx);
        return OnUnreachable(s, f.Node, f.Reason, $"cannot connect ({f.Reason})", fx);
    }

    static PeerState SeedFailed(PeerState s, NodeId seed, string reason, EffectList fx)
    {
        if (s.Phase != PeerPhase.Registering || !s.Round.Asked.Contains(seed) || s.Round.Failed.Contains(seed)) return s;
        var round = s.Round with { Failed = s.Round.Failed.TryAdd(seed) };
        fx.Add(new SeedUnreachable(seed, reason, null));
        // Ask a seed not tried in this round instead, while one is left.
        var untried = s.Config.Seeds.Filter(x => !round.Asked.Contains(x));
        if (!untried.IsEmpty)
        {
            var (pick, rng) = s.Rng.Sample(untried, 1);
            var other = pick.Head;
            fx.Add(new RegisterRequestRedirected(other, seed));
            fx.Send(other, RequestFor(s));
            return s with { Rng = rng, Round = round with { Asked = round.Asked.TryAdd(other) } };
        }
        var reachable = s.Config.Seeds.Count - round.Failed.Count;
        if (reachable < s.Config.Quorum)
            fx.Add(new NoQuorumReachable(reachable, s.Config.Seeds.Count, s.Config.Quorum, Backoff(s.Config.Options, round.Attempt)));
        return s with { Round = round };
    }

    static PeerState OnRegisterTimer(PeerState s, EffectList fx)
    {
        if (s.Phase != PeerPhase.Registering) return s;
        if (!s.Round.Lists.IsEmpty) return Attach(s, fx);   // some seeds answered: go with what they said
        return StartRound(s, s.Round.Attempt + 1, fx);
    }

    static PeerState OnPeerList(PeerState s, NodeId seed, PeerList list, EffectList fx)
    {
        var entries = list.Peers.Filter(e => e.Node != s.Config.Self);
        if (Signed(s)) (s, entries) = CheckEntries(s, seed, entries, fx);   // each entry stands on its own certificate
        // The registration lists are news; a refresh is detail (file only).
        fx.Add(new PeerListReceived(seed, entries, s.Phase == PeerPhase.Registering));
        if (s.Phase == PeerPhase.Registering)
        {
            if (!s.Round.Asked.Contains(seed)) return s;
            s = s with { Round = s.Round with { Lists = s.Round.Lists.AddOrUpdate(seed, entries) } };
            return s.Round.AllAnswered ? Attach(s, fx) : s;
        }
        // A late answer: learn new peers and fresher degrees.
        return s with { Known = s.Known.SetItems(entries.Filter(e => !s.Det.IsDead(e.Node)).Select(e => (e.Node, e.Degree))) };
    }

    /// <summary>Takes the union of the seeds' lists and picks neighbours by preferential attachment.</summary>
    static PeerState Attach(PeerState s, EffectList fx)
    {
        var c = s.Config;
        // Each peer at the highest degree any list gives it, gathered in a local table, then made the known table at once.
        var best = new System.Collections.Generic.Dictionary<NodeId, int>();
        foreach (var list in s.Round.Lists.Values)
            foreach (var e in list)
                best[e.Node] = Math.Max(e.Degree, best.TryGetValue(e.Node, out var d) ? d : 0);
        var known = NodeMap<int>.From(best);
        fx.Add(new CancelTimer(RegisterTimer));
        fx.Add(new Registered(s.Round.Lists.Count, known.Count));
        // The round's lists are in Known now: kept, they would hold every list each seed sent, for the peer's life.
        s = s with { Phase = PeerPhase.Registered, Known = known, Round = Round.First };
        fx.Timer(GossipTimer, c.Options.GossipIntervalMs);
        StartDetectionTimers(c.Options, fx);
        if (known.IsEmpty)
        {
            // The first peer: others will link to it. (Peers that register at the same moment may not see each
            // other; the seeds bridge such parts of the overlay, see SeedOverlay.)
            fx.Add(new FirstPeer());
            return ReportDegree(s, fx);
        }
        var (picked, rng) = Overlay.ChooseNeighbours(c.Options, s.KnownEntries, s.Rng);
        s = s with { Rng = rng };
        fx.Add(new NeighboursChosen(picked.Map(n => new PeerEntry(n, known[n])), known.Count));
        foreach (var n in picked) s = Link(s, n, fx);
        return ReportDegree(s, fx);
    }

    /// <summary>A seed saw this peer's part of the overlay cut off from the rest: link across.</summary>
    static PeerState OnBridge(PeerState s, NodeId seed, Bridge b, EffectList fx)
    {
        if (s.Phase != PeerPhase.Registered || b.Target == s.Config.Self || s.IsNeighbour(b.Target) || s.Det.IsDead(b.Target)) return s;
        fx.Add(new BridgeReceived(seed, b.Target));
        return ReportDegree(Link(s, b.Target, fx), fx);
    }

    static PeerState Link(PeerState s, NodeId n, EffectList fx)
    {
        if (s.IsNeighbour(n) || n == s.Config.Self || s.Det.IsDead(n)) return s;
        fx.Send(n, new LinkRequest(s.Incarnation));
        s = ForgetCertsSent(s, n);
        foreach (var g in s.Backlog) s = SendGossip(s, g, [n], fx);   // catch the new neighbour up on recent gossip
        return NewWatch(s.WithNeighbour(n) with { Known = s.Known.AddOrUpdate(n, s.Known.Find(n).IfNone(0) + 1) }, n, Watch.Alive);
    }

    static PeerState ReportDegree(PeerState s, EffectList fx)
    {
        // The degree whole; the neighbours named bounded, so a hub's report does not grow with the network.
        var named = s.NeighbourOrder.Take(Math.Max(0, s.Config.Options.DegreeReportMax)).ToArray();
        fx.SendAll(s.Config.Seeds, new DegreeUpdate(toSeq(named)) { Unnamed = s.Neighbours.Count - named.Length });
        return s;
    }


    // ---- Messages -----------------------------------------------------------------------------------------

    static PeerState OnMessage(PeerState s, Received r, EffectList fx) =>
        NeedsMembership(s, r.From, r.Message) ? OnStranger(s, r.From, r.Message, fx) : Dispatch(s, r.From, r.Message, fx);

    static PeerState Dispatch(PeerState s, NodeId from, Message message, EffectList fx)
    {
        s = Heard(s, from, fx);
        // Any frame from a node this peer is probing answers the probe: proof of life, whatever the frame.
        if (s.Probing && message is not (ProbeAck or Leave) && s.Det.Probes.Find(from).Case is PendingProbe<NodeId> probing)
            s = ResolveProbe(s, from, dead: false, $"it sent {Wire.TypeName(message)} {Probing.Elapsed(probing.StartedUs, s.NowUs)} after the PROBE", Evidence.Strong, fx);
        return message switch
        {
            MemberAnswer a when s.Config.IsSeed(from) => OnMemberAnswer(s, from, a, fx),
            PeerList l when s.Config.IsSeed(from) => OnPeerList(s, from, l, fx),
            RegisterRejected rej when s.Config.IsSeed(from) => OnRejected(s, from, rej, fx),
            DeadConfirmed dc when s.Config.IsSeed(from) => OnDeadConfirmed(s, from, dc, fx),
            DeadRejected dr when s.Config.IsSeed(from) => OnDeadRejected(s, from, dr, fx),
            Bridge b when s.Config.IsSeed(from) => OnBridge(s, from, b, fx),
            RegisterCommit rc when s.Config.IsSeed(from) && Signed(s) => OnRegisterCommit(s, from, rc, fx),
            KeyChallenge kc when s.Config.IsSeed(from) && Signed(s) => AnswerKeyChallenge(s, from, kc, fx),
            Heartbeat or ProbeAck or Leave or Probe or SuspectRequest or SuspectResponse => OnDetectionMessage(s, from, message, fx),
            LinkRequest l => OnLinkRequest(s, from, l.Incarnation, fx),
            Gossip g => OnGossip(s, from, g, fx),
            var m => Warn(s, fx, new MessageIgnored(Wire.TypeName(m), from, IgnoredBecause.NotAPeerMessage)),
        };
    }

    static PeerState OnRejected(PeerState s, NodeId seed, RegisterRejected rej, EffectList fx)
    {
        if (s.Phase != PeerPhase.Registering) return s;
        fx.Add(new RegistrationRejected(seed, rej.Reason));
        fx.Add(new Stop(3));
        return s with { Phase = PeerPhase.Stopped };
    }

    static PeerState OnLinkRequest(PeerState s, NodeId from, long incarnation, EffectList fx)
    {
        if (from == s.Config.Self || s.Config.IsSeed(from)) return Warn(s, fx, new MessageIgnored("LINK_REQUEST", from, IgnoredBecause.FromSelfOrSeed));
        if (s.Det.Dead.Find(from).Map(inc => inc >= incarnation).IfNone(false))
            return Warn(s, fx, new MessageIgnored("LINK_REQUEST", from, IgnoredBecause.IncarnationDead));
        // A newer incarnation than any removed one: it (re)joined. Remember it, so a late removal of an older run
        // of this address does not drop this one.
        s = s with { Det = s.Det with { Dead = s.Det.Dead.Remove(from), Incarnations = s.Det.Incarnations.AddOrUpdate(from, incarnation) } };
        foreach (var dead in s.Det.Watches.Find(from).Filter(w => w.Phase == SuspicionPhase.Dead))   // the dead run's watch ends: this run is watched afresh
            if (Suspicion.Machine.Fire(dead.Phase, SuspicionTrigger.Rejoined, from, fx, out var alive)) s = NewWatch(s, from, Watch.Alive with { Phase = alive });
        if (s.IsNeighbour(from)) return s;
        s = NewWatch(s.WithNeighbour(from) with { Known = s.Known.AddOrUpdate(from, s.Known.Find(from).IfNone(1)) }, from, Watch.Alive);
        fx.Add(new NeighbourAdded(from, s.Neighbours.Count));
        s = ForgetCertsSent(s, from);
        foreach (var g in s.Backlog) s = SendGossip(s, g, [from], fx);
        return ReportDegree(s, fx);
    }

    static PeerState OnDisconnected(PeerState s, Disconnected d, EffectList fx) =>
        OnUnreachable(ForgetCertsSent(s, d.Node), d.Node, d.Reason, $"connection broken ({d.Reason})", fx);

    // ---- Gossip -------------------------------------------------------------------------------------------

    static PeerState OnTimer(PeerState s, TimerFired t, EffectList fx) => t.Key switch
    {
        TimerKey.RegisterRetry => OnRegisterTimer(s, fx),
        TimerKey.GossipRound => MakeGossip(s, t.NowUs, fx),
        TimerKey.HeartbeatRound => OnHeartbeatTimer(s, fx),
        TimerKey.SilenceCheck => OnSilenceTimer(s, fx),
        TimerKey.PingRound => OnPingTimer(s, fx),
        TimerKey.DegreeReport => OnDegreeTimer(s, fx),
        TimerKey.Probe p => OnProbeTimeout(s, p.Target, fx),
        TimerKey.Witness w => OnWitnessTimeout(s, w.Suspect, fx),
        TimerKey.Report r => OnReportTimer(s, r.Suspect, fx),
        TimerKey.Member m => OnMemberTimer(s, m.Node, fx),
        _ => s,
    };

    /// <summary>Why a gossip message may not be taken, or null: its timestamp must lie within the horizon.</summary>
    static string? Staleness(PeerState s, Gossip g)
    {
        if (!TryParseTimestamp(g.Body, out var madeUs)) return "its body is not <timestamp>:<IP>:<MsgNo>";
        var o = s.Config.Options;
        var ageUs = s.NowUs - madeUs;
        if (ageUs > o.GossipHorizonMs * 1000) return $"made {ageUs / 1_000_000}s ago, beyond the {o.GossipHorizonMs / 1000}s horizon";
        if (-ageUs > o.GossipFutureMs * 1000) return $"made {-ageUs / 1_000_000}s in the future (clock skew over {o.GossipFutureMs / 1000}s)";
        return null;
    }

    /// <summary>Reads the <c>&lt;seconds&gt;[.&lt;fraction&gt;]</c> before the first ':' of a gossip body as µs since the epoch.</summary>
    public static bool TryParseTimestamp(string body, out long unixUs)
    {
        unixUs = 0;
        var end = body.IndexOf(':');
        if (end <= 0) return false;
        var text = body.AsSpan(0, end);
        var dot = text.IndexOf('.');
        var whole = dot < 0 ? text : text[..dot];
        var fraction = dot < 0 ? ReadOnlySpan<char>.Empty : text[(dot + 1)..];
        if (whole.Length is 0 or > 12 || fraction.Length > 6 || (dot >= 0 && fraction.Length == 0)) return false;
        if (!long.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        long micros = 0;
        foreach (var c in fraction)
        {
            if (c is < '0' or > '9') return false;
            micros = micros * 10 + (c - '0');
        }
        for (var i = fraction.Length; i < 6; i++) micros *= 10;
        unixUs = seconds * 1_000_000 + micros;
        return true;
    }

    public static string FormatTimestamp(long unixUs) =>
        string.Create(CultureInfo.InvariantCulture, $"{unixUs / 1_000_000}.{unixUs % 1_000_000:D6}");

    static PeerState MakeGossip(PeerState s, long nowUs, EffectList fx)
    {
        var o = s.Config.Options;
        if (s.Phase != PeerPhase.Registered || s.Made >= o.GossipCount) return s;
        if (Signed(s) && CurrentCertificate(s) is null)
        {
            // Signed gossip carries its maker's certificate: none yet for this run, so nothing is made until it comes.
            fx.Timer(GossipTimer, o.GossipIntervalMs);
            return s;
        }
        var no = s.Made + 1;
        var g = Made(s, $"{FormatTimestamp(nowUs)}:{s.Config.Self.Ip}:{no}");
        var to = s.NeighbourOrder;   // suspects too: a suspicion is a question, not a verdict
        fx.Add(new GossipMade(g.Origin, g.Body, to.Length));
        s = SendGossip(s, g, to, fx);
        if (no < o.GossipCount) fx.Timer(GossipTimer, o.GossipIntervalMs);
        return Remember(s, g, g.Digest) with { Made = no };
    }

    /// <summary>
    /// An application message handed to this peer: gossiped as its own, with the id <c>&lt;timestamp&gt;:&lt;IP&gt;:a&lt;n&gt;</c>,
    /// or refused with the reason (not base64, too big, not registered, no certificate yet when signed).
    /// </summary>
    static PeerState OnPublish(PeerState s, Publish p, EffectList fx)
    {
        var size = AppMessage.SizeOf(p.Data);
        var why = size < 0 ? "the payload is not base64"
            : size > AppMessage.MaxBytes ? $"{size} bytes, more than {AppMessage.MaxBytes}"
            : s.Phase != PeerPhase.Registered ? "this peer is not registered yet"
            : Signed(s) && CurrentCertificate(s) is null ? "this peer holds no certificate for its run yet"
            : null;
        if (why is not null)
        {
            fx.Add(new PublishRefused(Math.Max(size, 0), why));
            return s;
        }
        var no = s.AppMade + 1;
        var g = Made(s, $"{FormatTimestamp(s.NowUs)}:{s.Config.Self.Ip}:a{no}", p.Data);
        var to = s.NeighbourOrder;
        fx.Add(new AppMade(g.Body, size, to.Length));
        s = SendGossip(s, g, to, fx);
        return Remember(s, g, g.Digest) with { AppMade = no };
    }

    static PeerState Remember(PeerState s, Gossip g, Digest d)
    {
        var backlog = s.Backlog.Enqueue(g);
        if (backlog.Count > s.Config.Options.BacklogSize) backlog = backlog.Dequeue();
        return s with { Seen = s.Seen.Add(d), Backlog = backlog };
    }

    /// <summary>First receipt: remember, log, forward to every neighbour but the sender. Repeats are counted and dropped.</summary>
    static PeerState OnGossip(PeerState s, NodeId from, Gossip g, EffectList fx)
    {
        var d = g.Digest;
        if (s.Seen.Contains(d)) return s with { Duplicates = s.Duplicates + 1 };
        if (g.Origin == s.Config.Self) return s with { Duplicates = s.Duplicates + 1 };
        if (Signed(s))
        {
            // Checked before it is marked seen: a forged copy is dropped without keeping out the real message.
            if (Authentic(s, from, g, fx) is not { } checkedState) return s;
            s = checkedState;
        }
        if (Staleness(s, g) is { } why)
        {
            // Detail, not news: a replay of old gossip can be long, and each frame of it gets only this line.
            fx.Add(new GossipStale(g.Origin, g.Body, from, why));
            return s with { Stale = s.Stale + 1 };
        }
        if (g.Data is { } data)
        {
            if (AppMessage.SizeOf(data) is var size && size < 0)
            {
                fx.Add(new GossipStale(g.Origin, g.Body, from, "its data is not base64"));
                return s with { Stale = s.Stale + 1 };
            }
            TryParseTimestamp(g.Body, out var madeUs);
            fx.Add(new AppReceived(g.Origin, g.Body, size, from, s.NowUs - madeUs));
            fx.Add(new Deliver(g.Origin, g.Body, data, from, s.NowUs - madeUs));
        }
        else fx.Add(new GossipReceived(g.Origin, g.Body, from));
        s = SendGossip(s, g, s.NeighbourOrder, fx, except: from);
        return Remember(s, g, d) with { FirstTime = s.FirstTime + 1 };
    }
}
