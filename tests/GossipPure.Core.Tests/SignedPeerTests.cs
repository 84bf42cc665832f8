using GossipPure.Core.Identity;
using GossipPure.Core.Tests.Support;
using GossipPure.Simulation;

namespace GossipPure.Core.Tests;

/// <summary>
/// Signed membership, the peer's half (issue 14, specs/protocol.md "Signed membership: peers"): a peer signs what it
/// says, keeps its own registration certificate, takes PEER_LIST entries and MEMBER_ANSWERs only with a valid
/// certificate, refuses forged, short and replayed removals, and takes gossip and witness answers only when signed
/// by their author. Each test drives one peer reducer by hand, with the simulator's model signatures.
/// </summary>
public sealed class SignedPeerTests
{
    static readonly NodeId Self = PeerHarness.Self;
    static readonly LanguageExt.Seq<NodeId> Seeds = PeerHarness.SeedIds;
    static NodeId Other(int i) => PeerHarness.Other(i);

    readonly ModelSignatures model = new();
    ISigner Signer(NodeId n) => model.SignerFor(n.ToString());
    string KeyOf(NodeId n) => Signer(n).PublicKey;

    /// <summary>A registration certificate for <paramref name="peer"/>, signed by the first <paramref name="signers"/> seeds.</summary>
    RegisterCommit Cert(NodeId peer, long incarnation, int signers = 2, string? key = null)
    {
        key ??= KeyOf(peer);
        var pid = $"5001-{incarnation % 1000}";
        var by = Seeds.Take(signers).ToArray();
        var statement = Statements.Register(peer, key, incarnation, pid);
        return new RegisterCommit(peer, toSeq(by), incarnation)
        {
            Key = key,
            ProposalId = pid,
            Signatures = toSeq(by.Select(seed => new SeedSignature(seed, Signer(seed).Sign(statement))).ToArray()),
        };
    }

    /// <summary>A removal certificate for <paramref name="incarnation"/> of <paramref name="node"/>, signed by the first <paramref name="signers"/> seeds.</summary>
    DeadConfirmed Removal(NodeId node, long incarnation, int signers = 2)
    {
        const string pid = "5001-77";
        var statement = Statements.Dead(node, incarnation, "crashed", pid);
        var by = Seeds.Take(signers).ToArray();
        return new DeadConfirmed(node, toSeq(by), "crashed", None, incarnation)
        {
            ProposalId = pid,
            Signatures = toSeq(by.Select(seed => new SeedSignature(seed, Signer(seed).Sign(statement))).ToArray()),
        };
    }

    PeerEntry Entry(NodeId n, long incarnation = 1, int degree = 1) => new(n, degree) { Cert = Seq1(Cert(n, incarnation)) };

    Gossip SignedGossip(NodeId origin, string body, NodeId? signer = null, RegisterCommit? cert = null) =>
        new(origin, body)
        {
            Sig = Signer(signer ?? origin).Sign(Statements.Gossip(origin, body)),
            Cert = Seq1(cert ?? Cert(origin, 1)),
        };

    static string Body(PeerHarness h, int no, NodeId origin) => $"{PeerReducer.FormatTimestamp(h.State.NowUs)}:{origin.Ip}:{no}";

    PeerHarness NewPeer(ProtocolOptions? options = null)
    {
        var keys = toHashMap(Seeds.Select(s => (s, KeyOf(s))));
        var security = new Security(keys, model, Signer(Self));
        Assert.True(security.On);
        return new PeerHarness(new NodeConfig(Self, Seeds, options ?? ProtocolOptions.Default) { Security = security });
    }

    /// <summary>Starts the peer, gives it its certificate and registers it with <paramref name="known"/>; returns the start's effects and the commit's.</summary>
    (LanguageExt.Seq<Effect> Start, LanguageExt.Seq<Effect> Commit) Register(PeerHarness h, params PeerEntry[] known)
    {
        var start = h.Step(now => new Started(now, 3));
        var asked = start.OfType<Send>().Where(s => s.Message is RegisterRequest).Select(s => s.To).ToList();
        var commit = h.From(asked[0], Cert(Self, h.State.Incarnation));
        var list = new PeerList(toSeq(known));
        foreach (var seed in asked) h.From(seed, list);
        Assert.Equal(PeerPhase.Registered, h.State.Phase);
        return (start, commit);
    }

    [Fact]
    public void A_seeds_key_challenge_is_answered_with_a_proof_of_this_peers_key_even_while_registering()
    {
        var h = NewPeer();
        h.Step(now => new Started(now, 3));
        Assert.Equal(PeerPhase.Registering, h.State.Phase);
        var seed = Seeds[2];
        var proof = Assert.Single(h.From(seed, new KeyChallenge(41)).OfType<Send>());
        Assert.Equal(seed, proof.To);
        var kp = Assert.IsType<KeyProof>(proof.Message);
        Assert.Equal(41, kp.Nonce);
        Assert.True(model.Verify(Signer(Self).PublicKey, Statements.KeyProof(Self, seed, 41), kp.Sig));
        Assert.False(model.Verify(Signer(Self).PublicKey, Statements.KeyProof(Self, Seeds[1], 41), kp.Sig));   // bound to the asking seed
        // A challenge from a node that is not a seed gets no proof.
        Assert.DoesNotContain(h.From(Other(1), new KeyChallenge(42)).OfType<Send>(), e => e.Message is KeyProof);
    }

    [Fact]
    public void The_registration_request_is_signed_and_a_valid_commit_becomes_the_peers_certificate_once()
    {
        var h = NewPeer();
        var start = h.Step(now => new Started(now, 3));
        var inc = h.State.Incarnation;
        var requests = start.OfType<Send>().Where(s => s.Message is RegisterRequest).Select(s => (RegisterRequest)s.Message).ToList();
        Assert.NotEmpty(requests);
        foreach (var r in requests)
        {
            Assert.Equal(KeyOf(Self), r.Key);
            Assert.True(model.Verify(r.Key!, Statements.Join(Self, r.Key!, inc), r.Sig!));
        }

        // A short certificate (one seed of the two needed) is refused and gives nothing.
        var shortCert = h.From(Seeds[0], Cert(Self, inc, signers: 1));
        Assert.Contains(shortCert, e => e is CertificateRefused { Message: "REGISTER_COMMIT", Fault: CertificateFault.TooFewSignatures, Valid: 1 });
        Assert.DoesNotContain(shortCert, e => e is UseCertificate);
        Assert.Null(h.State.Certificate);
        // A valid one about another key for this address is not this peer's.
        var otherKey = h.From(Seeds[0], Cert(Self, inc, key: KeyOf(Other(7))));
        Assert.Contains(otherKey, e => e is CertificateRefused { Fault: CertificateFault.WrongSubject });
        Assert.Null(h.State.Certificate);

        var cert = Cert(Self, inc);
        var kept = h.From(Seeds[0], cert);
        var use = Assert.Single(kept.OfType<UseCertificate>());
        Assert.Equal(cert, use.Cert);
        var line = Assert.Single(kept.OfType<CertificateKept>());
        Assert.Equal((Seeds[0], inc, toSeq(Seeds.Take(2).ToArray())), (line.Seed, line.Incarnation, line.Signers));
        Assert.Equal(cert, h.State.Certificate);
        // The same certificate from another seed is no news.
        Assert.DoesNotContain(h.From(Seeds[1], cert), e => e is UseCertificate);
    }

    [Fact]
    public void Gossip_is_signed_with_the_certificate_attached_and_waits_for_the_certificate()
    {
        var h = NewPeer();
        var start = h.Step(now => new Started(now, 3));
        var asked = start.OfType<Send>().Where(s => s.Message is RegisterRequest).Select(s => s.To).ToList();
        foreach (var seed in asked) h.From(seed, new PeerList(toSeq([Entry(Other(0)), Entry(Other(1))])));
        Assert.Equal(PeerPhase.Registered, h.State.Phase);
        // Registered, but no certificate yet: no gossip is made (none could go out unsigned), the round is tried again.
        var early = h.Step(now => new TimerFired(now, PeerReducer.GossipTimer));
        Assert.DoesNotContain(early, e => e is GossipMade or Send { Message: Gossip });
        Assert.Contains(early, e => e is SetTimer { Key: TimerKey.GossipRound });
        Assert.Equal(0, h.State.Made);

        var cert = Cert(Self, h.State.Incarnation);
        h.From(asked[0], cert);
        var made = h.Step(now => new TimerFired(now, PeerReducer.GossipTimer));
        var sends = made.OfType<Send>().Where(s => s.Message is Gossip).ToList();
        Assert.NotEmpty(sends);
        var g = (Gossip)sends[0].Message;
        Assert.Equal(Self, g.Origin);
        Assert.Equal(cert, Assert.Single(g.Cert));
        Assert.True(model.Verify(KeyOf(Self), Statements.Gossip(Self, g.Body), g.Sig!));
        Assert.Same(g, h.State.Backlog.Last());   // new neighbours are caught up with the same signed object
    }

    [Fact]
    public void After_a_rejoin_the_new_runs_certificate_replaces_the_old_one()
    {
        var h = NewPeer();
        var (_, first) = Register(h, Entry(Other(0)), Entry(Other(1)));
        var old = Assert.Single(first.OfType<UseCertificate>()).Cert;
        var oldInc = h.State.Incarnation;

        // The seeds removed this run (a valid certificate): it registers again as a newer incarnation.
        var fx = h.From(Seeds[0], Removal(Self, oldInc));
        Assert.Contains(fx, e => e is Rejoining);
        var newInc = h.State.Incarnation;
        Assert.True(newInc > oldInc);
        var requests = fx.OfType<Send>().Select(s => s.Message).OfType<RegisterRequest>().ToList();
        Assert.NotEmpty(requests);
        Assert.All(requests, r => Assert.True(model.Verify(KeyOf(Self), Statements.Join(Self, KeyOf(Self), newInc), r.Sig!)));
        foreach (var seed in fx.OfType<Send>().Where(s => s.Message is RegisterRequest).Select(s => s.To))
            h.From(seed, new PeerList(toSeq([Entry(Other(0)), Entry(Other(1))])));
        Assert.Equal(PeerPhase.Registered, h.State.Phase);
        // The old run's certificate signs nothing for the new run.
        Assert.DoesNotContain(h.Step(now => new TimerFired(now, PeerReducer.GossipTimer)), e => e is Send { Message: Gossip });
        Assert.DoesNotContain(h.From(Seeds[1], old), e => e is UseCertificate);

        var renewed = Cert(Self, newInc);
        Assert.Equal(renewed, Assert.Single(h.From(Seeds[1], renewed).OfType<UseCertificate>()).Cert);
        var g = h.Step(now => new TimerFired(now, PeerReducer.GossipTimer)).OfType<Send>().Select(s => s.Message).OfType<Gossip>().First();
        Assert.Equal(renewed, Assert.Single(g.Cert));
    }

    [Fact]
    public void A_gossip_in_another_peers_name_is_refused_and_does_not_keep_out_the_real_one()
    {
        var h = NewPeer();
        Register(h, Entry(Other(0)), Entry(Other(1)), Entry(Other(2)));
        var sender = h.State.Neighbours.OrderBy(n => n).First();
        var origin = new[] { Other(0), Other(1), Other(2) }.First(n => n != sender);
        var body = Body(h, 1, origin);

        // Signed by the sender, carrying the origin's real certificate: the signature is not the origin's.
        var forged = SignedGossip(origin, body, signer: sender, cert: Cert(origin, 1));
        var fx = h.From(sender, forged);
        Assert.Contains(fx, e => e is SignatureRefused { Message: "GOSSIP", Author: var a, From: var f } && a == origin && f == sender);
        Assert.DoesNotContain(fx, e => e is GossipReceived or Send { Message: Gossip });
        // Signed by the sender, carrying the sender's own certificate: it is not a certificate for the origin.
        var forged2 = SignedGossip(origin, body, signer: sender, cert: Cert(sender, 1));
        fx = h.From(sender, forged2);
        Assert.Contains(fx, e => e is CertificateRefused { Message: "GOSSIP", Fault: CertificateFault.WrongSubject });
        Assert.DoesNotContain(fx, e => e is GossipReceived or Send { Message: Gossip });
        // Unsigned, as an unauthenticated network would send it.
        fx = h.From(sender, new Gossip(origin, body));
        Assert.DoesNotContain(fx, e => e is GossipReceived or Send { Message: Gossip });
        Assert.Equal(0, h.State.FirstTime);

        // The real message, arriving after the forgeries, is taken.
        var real = SignedGossip(origin, body);
        fx = h.From(sender, real);
        Assert.Contains(fx, e => e is GossipReceived r && r.Origin == origin && r.Body == body);
        Assert.Equal(1, h.State.FirstTime);
    }

    [Fact]
    public void A_signed_gossip_from_an_origin_never_met_is_taken_once_and_forwarded_unchanged()
    {
        var h = NewPeer();
        Register(h, Entry(Other(0)), Entry(Other(1)), Entry(Other(2)));
        var sender = h.State.Neighbours.OrderBy(n => n).First();
        var stranger = Other(20);   // on no list this peer got: only its certificate vouches for it
        Assert.False(h.State.Known.ContainsKey(stranger));
        var g = SignedGossip(stranger, Body(h, 1, stranger), cert: Cert(stranger, 42));
        var fx = h.From(sender, g);
        Assert.Single(fx.OfType<GossipReceived>(), r => r.Origin == stranger);
        var forwarded = fx.OfType<Send>().Where(s => s.Message is Gossip).ToList();
        Assert.Equal(h.State.Neighbours.Count - 1, forwarded.Count);
        Assert.All(forwarded, s => { Assert.Same(g, s.Message); Assert.NotEqual(sender, s.To); });
        Assert.Equal(new PeerKey(KeyOf(stranger), 42, Cert(stranger, 42)), h.State.Keys[stranger]);
        // A copy is a plain duplicate; the next message of that run needs no certificate check to be taken.
        var again = h.From(h.State.Neighbours.OrderBy(n => n).Last(), g);
        Assert.DoesNotContain(again, e => e is GossipReceived or Send or CertificateRefused or SignatureRefused);
        var next = new Gossip(stranger, Body(h, 2, stranger)) { Sig = Signer(stranger).Sign(Statements.Gossip(stranger, Body(h, 2, stranger))) };
        Assert.Single(h.From(sender, next).OfType<GossipReceived>());
        Assert.Equal(2, h.State.FirstTime);
    }

    [Fact]
    public void A_makers_certificate_crosses_each_link_once_and_again_after_the_link_breaks()
    {
        var h = NewPeer();
        Register(h, Entry(Other(0)), Entry(Other(1)), Entry(Other(2)));
        var sender = h.State.Neighbours.OrderBy(n => n).First();
        var maker = Other(20);
        List<Send> Forwarded(Message m) => h.From(sender, m).OfType<Send>().Where(s => s.Message is Gossip).ToList();
        static int Certs(Send s) => ((Gossip)s.Message).Cert.Count;

        var first = Forwarded(SignedGossip(maker, Body(h, 1, maker), cert: Cert(maker, 42)));
        Assert.Equal(h.State.Neighbours.Count - 1, first.Count);
        Assert.All(first, s => Assert.Equal(1, Certs(s)));
        // The next message of that maker crosses the same links without it: the same origin, body and signature.
        var next = SignedGossip(maker, Body(h, 2, maker), cert: Cert(maker, 42));
        var second = Forwarded(next);
        Assert.Equal(first.Select(s => s.To), second.Select(s => s.To));
        Assert.All(second, s => Assert.Equal(0, Certs(s)));
        Assert.All(second, s => Assert.Equal((next.Origin, next.Body, next.Sig), (((Gossip)s.Message).Origin, ((Gossip)s.Message).Body, ((Gossip)s.Message).Sig)));

        // A link that breaks starts afresh: a message that came without its certificate goes on with the one this
        // peer verified on that link, and without it on the others.
        var broken = second[0].To;
        h.Step(now => new Disconnected(now, broken, "connection reset"));
        var third = Forwarded(SignedGossip(maker, Body(h, 3, maker)) with { Cert = Seq<RegisterCommit>() });
        Assert.Equal(1, Certs(Assert.Single(third, s => s.To == broken)));
        Assert.Equal(Cert(maker, 42), ((Gossip)third.Single(s => s.To == broken).Message).Cert[0]);
        Assert.All(third.Where(s => s.To != broken), s => Assert.Equal(0, Certs(s)));
        Assert.Equal(3, h.State.FirstTime);
    }

    [Fact]
    public void A_removal_with_too_few_signatures_is_refused_and_the_neighbour_stays()
    {
        var h = NewPeer();
        Register(h, Entry(Other(0)), Entry(Other(1)), Entry(Other(2)));
        var victim = h.State.Neighbours.OrderBy(n => n).First();

        // One real seed signature of the two needed (the other seed is named as a voter, but did not sign).
        var shortCert = Removal(victim, 1, signers: 1) with { Voters = toSeq(Seeds.Take(2).ToArray()) };
        var fx = h.From(Seeds[0], shortCert);
        Assert.Contains(fx, e => e is CertificateRefused { Message: "DEAD_CONFIRMED", Valid: 1, Needed: 2 } r && r.Subject == victim);
        Assert.DoesNotContain(fx, e => e is Purged or Disconnect);
        // Names only, as an unauthenticated network sends it.
        var named = new DeadConfirmed(victim, toSeq(Seeds.ToArray()), "crashed", None, 1);
        Assert.Contains(h.From(Seeds[0], named), e => e is CertificateRefused { Fault: CertificateFault.Unbound });
        Assert.Contains(victim, h.State.Neighbours);
        Assert.True(h.State.Known.ContainsKey(victim));

        // A whole certificate does remove it.
        Assert.Contains(h.From(Seeds[1], Removal(victim, 1)), e => e is Purged p && p.Node == victim);
        Assert.DoesNotContain(victim, h.State.Neighbours);
    }

    [Fact]
    public void An_old_valid_removal_replayed_after_a_rejoin_is_refused_as_stale()
    {
        var h = NewPeer();
        Register(h, Entry(Other(0), incarnation: 6), Entry(Other(1), incarnation: 6), Entry(Other(2), incarnation: 6));
        var node = h.State.Neighbours.OrderBy(n => n).First();
        Assert.Equal(6, h.State.Keys[node].Incarnation);
        var fx = h.From(Seeds[0], Removal(node, 5));
        var stale = Assert.Single(fx.OfType<StaleCertificateRefused>());
        Assert.Equal((node, 5L, 6L), (stale.Node, stale.Incarnation, stale.Current));
        Assert.DoesNotContain(fx, e => e is Purged or Disconnect);
        Assert.Contains(node, h.State.Neighbours);
        Assert.True(h.State.Known.ContainsKey(node));
        // The removal of the run it knows counts.
        Assert.Contains(h.From(Seeds[0], Removal(node, 6)), e => e is Purged);
    }

    [Fact]
    public void A_peer_list_entry_with_a_forged_certificate_is_dropped_and_the_rest_taken()
    {
        var h = NewPeer();
        var forged = new PeerEntry(Other(1), 9) { Cert = Seq1(Cert(Other(1), 1, signers: 1)) };
        Register(h, Entry(Other(0)), forged, Entry(Other(2)), new PeerEntry(Other(3), 9));
        Assert.True(h.State.Known.ContainsKey(Other(0)));
        Assert.True(h.State.Known.ContainsKey(Other(2)));
        Assert.False(h.State.Known.ContainsKey(Other(1)));
        Assert.False(h.State.Known.ContainsKey(Other(3)));   // no certificate at all
        Assert.DoesNotContain(Other(1), h.State.Neighbours);
        Assert.False(h.State.Keys.ContainsKey(Other(1)));
        Assert.Equal(KeyOf(Other(2)), h.State.Keys[Other(2)].Key);
    }

    [Fact]
    public void A_peer_list_refuses_each_bad_entry_with_a_line()
    {
        var h = NewPeer();
        var start = h.Step(now => new Started(now, 3));
        var seed = start.OfType<Send>().First(s => s.Message is RegisterRequest).To;
        var forged = new PeerEntry(Other(1), 9) { Cert = Seq1(Cert(Other(0), 1)) };   // another peer's (valid) certificate
        var fx = h.From(seed, new PeerList(toSeq([Entry(Other(0)), forged])));
        var refused = Assert.Single(fx.OfType<CertificateRefused>());
        Assert.Equal(("PEER_LIST", Other(1), seed, CertificateFault.WrongSubject), (refused.Message, refused.Subject, refused.From, refused.Fault));
        Assert.Equal(Seq1(Other(0)), Assert.Single(fx.OfType<PeerListReceived>()).Entries.Map(e => e.Node));
    }

    [Fact]
    public void A_member_answer_without_a_certificate_does_not_admit_the_stranger()
    {
        var h = NewPeer();
        Register(h, Entry(Other(0)), Entry(Other(1)));
        var stranger = Other(9);
        var q = Assert.Single(h.From(stranger, new LinkRequest(5)).OfType<Send>(), s => s.Message is MemberQuery);
        var fx = h.From(q.To, new MemberAnswer(stranger, true, 5));
        Assert.Contains(fx, e => e is CertificateRefused { Message: "MEMBER_ANSWER" } r && r.Subject == stranger && r.From == q.To);
        Assert.DoesNotContain(fx, e => e is MemberConfirmed);
        Assert.DoesNotContain(stranger, h.State.Neighbours);
        Assert.False(h.State.Known.ContainsKey(stranger));
        // Counted as a "no": the next seed is asked, and a yes with its certificate admits it.
        var next = Assert.Single(fx.OfType<Send>(), s => s.Message is MemberQuery);
        Assert.NotEqual(q.To, next.To);
        var ok = h.From(next.To, new MemberAnswer(stranger, true, 5) { Cert = Seq1(Cert(stranger, 5)) });
        Assert.Contains(ok, e => e is MemberConfirmed);
        Assert.Contains(stranger, h.State.Neighbours);
        Assert.Equal(new PeerKey(KeyOf(stranger), 5, Cert(stranger, 5)), h.State.Keys[stranger]);
    }

    [Fact]
    public void A_witness_answer_with_a_bad_signature_is_not_counted()
    {
        var h = NewPeer();
        Register(h, Entry(Other(0)), Entry(Other(1)), Entry(Other(2)), Entry(Other(3)), Entry(Other(4)));
        var suspect = h.State.Neighbours.OrderBy(n => n).First();
        var fx = h.Step(now => new Disconnected(now, suspect, "timed out"));   // weak evidence: witnesses are asked
        var asked = fx.OfType<WitnessesAsked>().Single();
        var witness = asked.Witnesses.Head;

        // Signed by someone else (the suspect, say), or not at all: not counted.
        var bySuspect = new SuspectResponse(suspect, false, "it answered PROBE in 1ms")
        {
            Sig = Signer(suspect).Sign(Statements.SuspectResponse(witness, suspect, false, "it answered PROBE in 1ms")),
        };
        var bad = h.From(witness, bySuspect);
        Assert.Contains(bad, e => e is SignatureRefused { Message: "SUSPECT_RESPONSE" } r && r.Author == witness);
        Assert.DoesNotContain(bad, e => e is WitnessAnswered);
        Assert.Contains(h.From(witness, new SuspectResponse(suspect, true, "no answer")), e => e is SignatureRefused);
        var w = h.State.Det.Watches[suspect];
        Assert.Equal(SuspicionPhase.Confirming, w.Phase);
        Assert.True(w.Confirms.IsEmpty && w.Denials.IsEmpty);

        // The witness's own signature counts.
        var good = new SuspectResponse(suspect, true, "no answer")
        {
            Sig = Signer(witness).Sign(Statements.SuspectResponse(witness, suspect, true, "no answer")),
        };
        Assert.Contains(h.From(witness, good), e => e is WitnessAnswered a && a.Witness == witness);
        Assert.Contains(witness, h.State.Det.Watches[suspect].Confirms);
    }

    [Fact]
    public void Only_peers_whose_key_is_known_are_asked_to_witness()
    {
        var h = NewPeer(ProtocolOptions.Default with { Witnesses = 8 });
        Register(h, Entry(Other(0)), Entry(Other(1)), Entry(Other(2)), Entry(Other(3)));
        var unkeyed = Other(30);
        h.From(Seeds[0], new Bridge(unkeyed));   // a neighbour no certificate has shown this peer
        Assert.Contains(unkeyed, h.State.Neighbours);
        Assert.False(h.State.Keys.ContainsKey(unkeyed));
        var suspect = h.State.Neighbours.OrderBy(n => n).First(n => n != unkeyed);
        var asked = h.Step(now => new Disconnected(now, suspect, "timed out")).OfType<WitnessesAsked>().Single();
        Assert.DoesNotContain(unkeyed, asked.Witnesses);
        Assert.All(asked.Witnesses, w => Assert.True(h.State.Keys.ContainsKey(w)));
        Assert.Equal(3, asked.Witnesses.Count);   // the other keyed peers, neighbours or not
    }

    [Fact]
    public void Without_seed_keys_nothing_is_signed_or_checked()
    {
        var h = new PeerHarness();
        Assert.False(h.State.Config.Security.On);
        var start = h.Step(now => new Started(now, 3));
        Assert.All(start.OfType<Send>().Select(s => s.Message).OfType<RegisterRequest>(), r => Assert.True(r.Key is null && r.Sig is null));
        foreach (var seed in start.OfType<Send>().Where(s => s.Message is RegisterRequest).Select(s => s.To))
            h.Step(now => new Received(now, seed, new PeerList(toSeq([new PeerEntry(Other(0), 1), new PeerEntry(Other(1), 1)]))));
        Assert.Equal(PeerPhase.Registered, h.State.Phase);
        // A REGISTER_COMMIT is no peer message, as before; gossip is made at once, unsigned.
        var commit = h.Step(now => new Received(now, Seeds[0], Cert(Self, h.State.Incarnation)));
        Assert.Contains(commit, e => e is MessageIgnored { Why: IgnoredBecause.NotAPeerMessage });
        Assert.DoesNotContain(commit, e => e is UseCertificate or CertificateKept);
        var g = h.Step(now => new TimerFired(now, PeerReducer.GossipTimer)).OfType<Send>().Select(s => s.Message).OfType<Gossip>().First();
        Assert.True(g.Sig is null && g.Cert.IsEmpty);
        // Unsigned gossip and removals by names are taken.
        var sender = h.State.Neighbours.OrderBy(n => n).First();
        var body = $"{PeerReducer.FormatTimestamp(h.State.NowUs)}:127.0.0.1:1";
        Assert.Contains(h.Step(now => new Received(now, sender, new Gossip(Other(20), body))), e => e is GossipReceived);
        Assert.Contains(h.Step(now => new Received(now, Seeds[0], new DeadConfirmed(sender, toSeq(Seeds.ToArray()), "crashed", None, 1))), e => e is Purged);
    }

    [Fact]
    public void Dead_reports_and_witness_answers_this_peer_sends_are_signed()
    {
        var h = NewPeer();
        Register(h, Entry(Other(0)), Entry(Other(1)), Entry(Other(2)));
        var suspect = h.State.Neighbours.OrderBy(n => n).First();
        // A refused connection is strong evidence: straight to the seeds.
        var fx = h.Step(now => new Disconnected(now, suspect, "connection refused"));
        var reports = fx.OfType<Send>().Where(s => s.Message is DeadReport).Select(s => (DeadReport)s.Message).ToList();
        Assert.Equal(Seeds.Count, reports.Count);
        Assert.All(reports, r => Assert.True(model.Verify(KeyOf(Self), Statements.DeadReport(Self, suspect, r.Report), r.Sig!)));

        var asker = h.State.Neighbours.OrderBy(n => n).First(n => n != suspect);
        var answer = h.From(asker, new SuspectRequest(suspect)).OfType<Send>().Select(s => s.Message).OfType<SuspectResponse>().Single();
        Assert.True(model.Verify(KeyOf(Self), Statements.SuspectResponse(Self, suspect, answer.Dead, answer.Evidence), answer.Sig!));
    }
}
