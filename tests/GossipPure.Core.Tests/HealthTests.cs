using GossipPure.Core.Tests.Support;

namespace GossipPure.Core.Tests;

/// <summary>
/// Issue 12, "overload is not death", in the pure core: local health (the score, its stretching and its abstentions),
/// evidence strength, report back-off, and the seeds' merging and abstaining.
/// </summary>
public sealed class HealthTests
{
    static readonly ProtocolOptions O = ProtocolOptions.Default;
    const long T0 = 1_700_000_000_000_000;

    static LanguageExt.Seq<Effect> Fx(params Effect[] e) => toSeq(e);

    // ---- The score ---------------------------------------------------------------------------------------------

    [Fact]
    public void A_late_timer_raises_the_score_by_its_lateness_and_timely_ones_lower_it_one_step_a_second()
    {
        var fx = new EffectList();
        var h = Health.Zero.Track(T0, Fx(new SetTimer(new TimerKey.HeartbeatRound(), 1000)));
        h = h.Observe(new TimerFired(T0 + 1_600_000, new TimerKey.HeartbeatRound()), O, fx);   // 600 ms late: 600 / 250 → 2
        Assert.Equal(2, h.Score);
        Assert.Equal(3, h.Factor);
        Assert.Equal(900, h.Stretch(300));
        Assert.False(h.DueUs.ContainsKey(new TimerKey.HeartbeatRound()));   // a fired timer is forgotten until it is set again

        // Many timers held by one stall fire together: the worst lateness holds, it is not added up.
        h = h.Track(T0 + 1_600_000, Fx(new SetTimer(new TimerKey.GossipRound(), 0), new SetTimer(new TimerKey.PingRound(), 0)));
        h = h.Observe(new TimerFired(T0 + 2_100_000, new TimerKey.GossipRound()), O, fx);
        h = h.Observe(new TimerFired(T0 + 2_100_000, new TimerKey.PingRound()), O, fx);
        Assert.Equal(2, h.Score);

        // On time: down one step, at most once per HealthDecayMs.
        h = h.Track(T0 + 2_100_000, Fx(new SetTimer(new TimerKey.HeartbeatRound(), 1000)));
        h = h.Observe(new TimerFired(T0 + 3_100_000, new TimerKey.HeartbeatRound()), O, fx);
        Assert.Equal(1, h.Score);
        h = h.Track(T0 + 3_100_000, Fx(new SetTimer(new TimerKey.SilenceCheck(), 250)));
        h = h.Observe(new TimerFired(T0 + 3_350_000, new TimerKey.SilenceCheck()), O, fx);
        Assert.Equal(1, h.Score);   // only 250 ms since the last change
        h = h.Track(T0 + 3_350_000, Fx(new SetTimer(new TimerKey.HeartbeatRound(), 1000)));
        h = h.Observe(new TimerFired(T0 + 4_350_000, new TimerKey.HeartbeatRound()), O, fx);
        Assert.Equal(0, h.Score);

        // One line per change, none otherwise.
        var events = fx.ToSeq().Filter(e => e is HealthWorse or HealthBetter).ToList();
        Assert.Equal(3, events.Count);
        Assert.Equal(new HealthWorse(2, 8, 600, TimerKey.Parse("heartbeat"), 0, 0), events[0]);
        Assert.Equal(1, Assert.IsType<HealthBetter>(events[1]).Score);
        Assert.Equal(0, Assert.IsType<HealthBetter>(events[2]).Score);
    }

    [Fact]
    public void A_node_steadily_a_little_late_settles_at_its_lateness()
    {
        var fx = new EffectList();
        var h = Health.Zero.Observe(new HealthSample(T0, 2000, 0), O, fx);   // one long stall: 8
        Assert.Equal(8, h.Score);
        for (var s = 1; s <= 10; s++)
            h = h.Observe(new HealthSample(T0 + s * 1_000_000, 600, 0), O, fx);   // then 600 ms late, every second
        Assert.Equal(2, h.Score);   // 600 / 250, not 8 for ever
        h = h.Observe(new HealthSample(T0 + 11_000_000, 600, 0), O, fx);
        Assert.Equal(2, h.Score);   // as late as the score says: held
    }

    [Fact]
    public void A_health_sample_counts_like_a_late_timer_and_the_score_is_capped()
    {
        var fx = new EffectList();
        var h = Health.Zero.Observe(new HealthSample(T0, 0, 10_000), O, fx);
        Assert.Equal(O.HealthMax, h.Score);
        h = h.Track(T0, Fx(new SetTimer(new TimerKey.DegreeReport(), 5), new CancelTimer(new TimerKey.DegreeReport())));
        Assert.False(h.DueUs.ContainsKey(new TimerKey.DegreeReport()));
        Assert.Same(h, h.Track(T0, Fx(new ShuttingDown())));
    }

    // ---- The peer ----------------------------------------------------------------------------------------------

    static PeerHarness Registered(ProtocolOptions? o = null, int known = 2)
    {
        var p = new PeerHarness(o);
        p.Register(7, Enumerable.Range(0, known).Select(i => new PeerEntry(PeerHarness.Other(i), 1)).ToList());
        return p;
    }

    [Fact]
    public void A_ping_round_pings_each_neighbours_IP_once_in_ordinal_order()
    {
        // Two ports on one IP, twice, and IPs whose ordinal order is not their numeric one ("10.0.0.10" < "10.0.0.9").
        var known = new[] { new NodeId("10.0.0.9", 1), new NodeId("10.0.0.10", 2), new NodeId("10.0.0.9", 3), new NodeId("10.0.0.10", 4), new NodeId("127.0.0.2", 5), new NodeId("10.0.0.100", 6) };
        var p = new PeerHarness(ProtocolOptions.Default with { MinNeighbours = known.Length });
        p.Register(7, known.Select(n => new PeerEntry(n, 1)).ToList());
        Assert.Equal(known.Length, p.State.Neighbours.Count);
        var pinged = p.Step(now => new TimerFired(now, PeerReducer.PingTimer)).OfType<PingHost>().Select(h => h.Ip).ToArray();
        Assert.Equal(["10.0.0.10", "10.0.0.100", "10.0.0.9", "127.0.0.2"], pinged);
    }

    /// <summary>Fires the silence check on time, every 250 ms, for <paramref name="ms"/> with no heartbeat from anyone.</summary>
    static List<Effect> QuietFor(PeerHarness p, long ms)
    {
        var all = new List<Effect>();
        for (long t = 0; t < ms; t += 250)
        {
            p.Advance(249_000);
            all.AddRange(p.Step(now => new TimerFired(now, PeerReducer.SilenceTimer)));
        }
        return all;
    }

    [Fact]
    public void An_on_time_peer_suspects_a_silent_neighbour_and_asks_witnesses()
    {
        var p = Registered();
        var fx = QuietFor(p, 3500);
        Assert.Contains(fx, e => e is Suspected { Strong: false } x && x.Evidence.StartsWith("no heartbeat"));
        Assert.Equal(0, p.State.Health.Score);
    }

    [Fact]
    public void A_late_peer_does_not_accuse_its_silent_neighbours()
    {
        var p = Registered();
        p.Advance(3_500_000);   // the process was starved: its silence check fires 3.25 s late
        var fx = p.Step(now => new TimerFired(now, PeerReducer.SilenceTimer));
        Assert.True(p.State.Health.IsLate);
        Assert.Contains(fx, e => e is HealthWorse { Score: 8, Max: 8 } w && w.Timer == TimerKey.Parse("silence"));
        Assert.DoesNotContain(fx, e => e is Suspected);
        Assert.DoesNotContain(fx, e => e is Send { Message: SuspectRequest or DeadReport });
    }

    [Fact]
    public void Strong_evidence_goes_straight_to_the_seeds_even_from_a_late_peer()
    {
        var p = Registered();
        p.Step(now => new HealthSample(now, 3000, 0));
        Assert.True(p.State.Health.IsLate);
        var x = PeerHarness.Other(0);
        var fx = p.Step(now => new Disconnected(now, x, "connection reset"));
        Assert.Contains(fx, e => e is Suspected { Strong: true } s && s.Node == x && s.Evidence.StartsWith("connection broken"));
        Assert.Equal(3, fx.Count(e => e is Send { Message: DeadReport }));
        Assert.DoesNotContain(fx, e => e is Send { Message: SuspectRequest });
    }

    [Theory]
    [InlineData("no answer within 2000ms")]
    [InlineData("timed out")]
    [InlineData("outbox full")]
    public void A_connection_that_only_timed_out_is_weak_evidence(string reason)
    {
        var x = PeerHarness.Other(0);
        var late = Registered();
        late.Step(now => new HealthSample(now, 3000, 0));
        Assert.DoesNotContain(late.Step(now => new ConnectFailed(now, x, reason)), e => e is Suspected);

        var onTime = Registered();
        var fx = onTime.Step(now => new ConnectFailed(now, x, reason));
        Assert.Contains(fx, e => e is Suspected { Strong: false } s && s.Node == x && s.Evidence == $"cannot connect ({reason})");
        Assert.Contains(fx, e => e is Send { Message: SuspectRequest });
    }

    [Fact]
    public void A_late_witness_withholds_its_verdict_on_a_probe_timeout()
    {
        var p = Registered();
        var (asker, x) = (PeerHarness.Other(1), PeerHarness.Other(0));
        p.Step(now => new Received(now, asker, new SuspectRequest(x)));
        p.Advance(2_000_000);   // starved: the probe timer fires 2 s late
        var fx = p.Step(now => new TimerFired(now, Probing.Timer(x)));
        Assert.True(p.State.Health.IsLate);
        // The window stretches ×(1 + score) from the PROBE: not over yet, so the timer is set again for the rest.
        Assert.Contains(fx, e => e is SetTimer { Key: var k } && k == Probing.Timer(x));
        Assert.DoesNotContain(fx, e => e is Send { Message: SuspectResponse });
        p.Advance(5_000_000);
        fx = p.Step(now => new TimerFired(now, Probing.Timer(x)));
        Assert.DoesNotContain(fx, e => e is Send { Message: SuspectResponse });
        Assert.Contains(fx, e => e is WitnessWithheld w && w.Node == x);
        Assert.False(p.State.Det.Probes.ContainsKey(x));
    }

    [Fact]
    public void A_witness_takes_any_frame_from_the_suspect_as_its_answer()
    {
        var p = Registered();
        var (asker, x) = (PeerHarness.Other(1), PeerHarness.Other(0));
        p.Step(now => new Received(now, asker, new SuspectRequest(x)));
        var fx = p.Step(now => new Received(now, x, new Heartbeat()));
        Assert.Contains(fx, e => e is Send { Message: SuspectResponse { Dead: false } } r && r.To == asker);
        Assert.False(p.State.Det.Probes.ContainsKey(x));
    }

    [Fact]
    public void A_dead_confirmed_about_an_unsuspected_node_purges_it_without_a_suspicion_round()
    {
        var p = Registered();
        var (asker, x) = (PeerHarness.Other(1), PeerHarness.Other(0));
        p.Step(now => new Received(now, asker, new SuspectRequest(x)));   // probing x for a neighbour
        var seeds = PeerHarness.SeedIds;
        var fx = p.Step(now => new Received(now, seeds[0], new DeadConfirmed(x, toSeq([seeds[0], seeds[1]]), "crashed", None, 1)));
        Assert.DoesNotContain(fx, e => e is Send { Message: SuspectRequest or DeadReport });
        Assert.DoesNotContain(fx, e => e is Suspected);
        Assert.Contains(fx, e => e is Send { Message: SuspectResponse { Dead: true } } s && s.To == asker);
        Assert.Contains(fx, e => e is Purged p && p.Node == x);
        Assert.DoesNotContain(x, p.State.Neighbours);
    }

    [Fact]
    public void An_undecided_report_backs_off_and_stops_when_the_suspect_shows_life()
    {
        var p = Registered();
        var x = PeerHarness.Other(0);
        var fx = p.Step(now => new Disconnected(now, x, "connection reset"));
        var delays = new List<long> { fx.OfType<SetTimer>().Single(t => t.Key == new TimerKey.Report(x)).DelayMs };
        for (var i = 0; i < 5; i++)
        {
            p.Advance(delays[^1] * 1000);
            fx = p.Step(now => new TimerFired(now, new TimerKey.Report(x)));
            Assert.Equal(3, fx.Count(e => e is Send { Message: DeadReport }));
            delays.Add(fx.OfType<SetTimer>().Single(t => t.Key == new TimerKey.Report(x)).DelayMs);
        }
        Assert.Equal([2000L, 4000, 8000, 16000, 16000, 16000], delays);

        fx = p.Step(now => new Received(now, x, new Heartbeat()));
        Assert.Contains(fx, e => e is CancelTimer { Key: var k } && k == new TimerKey.Report(x));
        Assert.Contains(fx, e => e is SuspicionDropped d && d == new SuspicionDropped(x, DropCause.SentAMessage));
        fx = p.Step(now => new TimerFired(now, new TimerKey.Report(x)));   // a stale firing sends nothing
        Assert.DoesNotContain(fx, e => e is Send { Message: DeadReport });
    }

    [Fact]
    public void A_suspect_still_gets_heartbeats_and_gossip()
    {
        var p = Registered();
        var (x, other) = (PeerHarness.Other(0), PeerHarness.Other(1));
        p.Step(now => new Disconnected(now, x, "connection reset"));
        Assert.True(p.State.Det.Watches[x].IsSuspected);
        var fx = p.Step(now => new TimerFired(now, PeerReducer.HeartbeatTimer));
        Assert.Contains(fx, e => e is Send { Message: Heartbeat } s && s.To == x);
        var g = new Gossip(other, $"{PeerReducer.FormatTimestamp(T0 + 10_000_000)}:{other.Ip}:1");
        fx = p.Step(now => new Received(now, other, g));
        Assert.Contains(fx, e => e is Send { Message: Gossip } s && s.To == x);
    }

    [Fact]
    public void A_suspicion_tops_the_minimum_degree_up_from_live_peers()
    {
        // A random seed whose attachment picks exactly the minimum (2) of the 3 known peers.
        PeerHarness? p = null;
        for (ulong seed = 1; seed < 200 && p is null; seed++)
        {
            var h = new PeerHarness();
            h.Register(seed, Enumerable.Range(0, 3).Select(i => new PeerEntry(PeerHarness.Other(i), 1)).ToList());
            if (h.State.Neighbours.Count == 2) p = h;
        }
        Assert.NotNull(p);
        var x = p.State.Neighbours.OrderBy(n => n).First();
        var spare = Enumerable.Range(0, 3).Select(PeerHarness.Other).Single(n => !p.State.Neighbours.Contains(n));
        var fx = p.Step(now => new Disconnected(now, x, "connection reset"));
        Assert.Contains(fx, e => e is Send { Message: LinkRequest } s && s.To == spare);
        Assert.Contains(spare, p.State.Neighbours);
        Assert.Contains(x, p.State.Neighbours);   // suspected, not cut off
        Assert.Equal(2, p.State.ActiveNeighbours.Count);
    }

    // ---- The seed ----------------------------------------------------------------------------------------------

    sealed class OneSeed
    {
        public static readonly NodeId Self = PeerHarness.SeedIds[0];
        public static readonly NodeId A = PeerHarness.Other(0), X = PeerHarness.Other(1);
        public SeedState State;
        public long Now = T0;

        public OneSeed()
        {
            State = SeedState.Initial(new NodeConfig(Self, PeerHarness.SeedIds, O));
            Step(now => new Started(now, 1));
            var voters = toSeq([PeerHarness.SeedIds[1], PeerHarness.SeedIds[2]]);
            Step(now => new Received(now, PeerHarness.SeedIds[1], new RegisterCommit(A, voters, 1)));
            Step(now => new Received(now, PeerHarness.SeedIds[1], new RegisterCommit(X, voters, 1)));
        }

        public LanguageExt.Seq<Effect> Step(Func<long, Input> input, long afterUs = 1_000)
        {
            Now += afterUs;
            var i = input(Now);
            var next = SeedReducer.Step(State, i);
            Support.MachineAudit.Check(State.Config.Self, i, State, next.State, next.Effects, next.Transitions);
            State = next.State;
            return next.Effects;
        }

        /// <summary>A's report about X; returns the proposal id.</summary>
        public (string? Id, LanguageExt.Seq<Effect> Fx) Report()
        {
            var fx = Step(now => new Received(now, A, new DeadReport(X, "Dead Node:…")));
            return (fx.OfType<Send>().Select(s => s.Message).OfType<DeadProposal>().FirstOrDefault()?.ProposalId, fx);
        }

        /// <summary>Fires the probe timer at each moment it is due (on time) until it is no longer set.</summary>
        public List<Effect> ProbeToTheEnd()
        {
            var all = new List<Effect>();
            var key = Probing.Timer(X);
            while (State.Health.DueUs.Find(key).Case is long due)
            {
                var fx = Step(now => new TimerFired(now, key), afterUs: Math.Max(0, due - Now));
                all.AddRange(fx);
            }
            return all;
        }
    }

    [Fact]
    public void An_on_time_seed_votes_yes_when_its_probes_go_unanswered()
    {
        var s = new OneSeed();
        var (id, _) = s.Report();
        Assert.NotNull(id);
        var fx = s.ProbeToTheEnd();
        Assert.Contains(fx, e => e is DeadVoteCounted { Yes: true } v && v.ProposalId == id && v.Suspect == OneSeed.X && v.Voter == OneSeed.Self && v.Evidence == "no answer to 3 PROBEs within 300ms");
    }

    [Fact]
    public void A_late_seed_abstains_instead_of_voting_yes_on_silence()
    {
        var s = new OneSeed();
        s.Step(now => new HealthSample(now, 2500, 0));
        Assert.True(s.State.Health.IsLate);
        var (id, _) = s.Report();
        var fx = s.ProbeToTheEnd();
        Assert.DoesNotContain(fx, e => e is DeadVoteCounted { Yes: true } or DeadVoteSent { Yes: true });
        Assert.Contains(fx, e => e is DeadVoteWithheld w && w.ProposalId == id && w.Suspect == OneSeed.X);
        Assert.Empty(s.State.Deaths[OneSeed.X].Yes);
    }

    [Fact]
    public void A_late_seed_still_votes_yes_on_a_refused_connection()
    {
        var s = new OneSeed();
        s.Step(now => new HealthSample(now, 2500, 0));
        var (id, _) = s.Report();
        var fx = s.Step(now => new ConnectFailed(now, OneSeed.X, "connection refused"));
        Assert.Contains(fx, e => e is DeadVoteCounted { Yes: true } v && v.ProposalId == id && v.Suspect == OneSeed.X && v.Voter == OneSeed.Self && v.Evidence == "cannot connect (connection refused)");
    }

    [Fact]
    public void A_late_seed_abstains_on_a_dial_that_timed_out()
    {
        var s = new OneSeed();
        s.Step(now => new HealthSample(now, 2500, 0));
        var (id, _) = s.Report();
        var fx = s.Step(now => new ConnectFailed(now, OneSeed.X, "no answer within 2000ms"));
        Assert.DoesNotContain(fx, e => e is DeadVoteCounted { Yes: true } or DeadVoteSent { Yes: true });
        Assert.Contains(fx, e => e is DeadVoteWithheld w && w.ProposalId == id);
    }

    [Fact]
    public void Any_frame_from_the_suspect_during_the_probe_is_proof_of_life()
    {
        var s = new OneSeed();
        var (id, _) = s.Report();
        var fx = s.Step(now => new Received(now, OneSeed.X, new DegreeUpdate(toSeq([OneSeed.A]))));
        Assert.Contains(fx, e => e is DeadVoteCounted { Yes: false } v && v.ProposalId == id && v.Suspect == OneSeed.X && v.Voter == OneSeed.Self && v.Evidence.StartsWith("it sent DEGREE_UPDATE"));
        Assert.False(s.State.Probes.ContainsKey(OneSeed.X));
    }

    [Fact]
    public void Reports_soon_after_the_seeds_found_a_node_alive_are_answered_and_start_no_new_vote()
    {
        var s = new OneSeed();
        var (id, _) = s.Report();
        foreach (var voter in PeerHarness.SeedIds.Skip(1))
            s.Step(now => new Received(now, voter, new DeadVote(OneSeed.X, id!, false, "answered PROBE in 1ms")));
        Assert.Equal(DeathPhase.Rejected, s.State.Deaths[OneSeed.X].Phase);

        var (again, fx) = s.Report();
        Assert.Null(again);
        Assert.Contains(fx, e => e is Send { Message: DeadRejected } r && r.To == OneSeed.A);
        Assert.DoesNotContain(fx, e => e is Send { Message: Probe });

        s.Now += O.DeadHoldoffMs * 1000;
        (again, _) = s.Report();
        Assert.NotNull(again);   // later, a new report is a new question
    }
}
