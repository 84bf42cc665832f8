using GossipPure.Core.Identity;
using GossipPure.Core.Tests.Support;

namespace GossipPure.Core.Tests;

/// <summary>
/// The seeds' half of signed membership (issue 14): registration and removal decided by signed votes, certificates
/// that carry ⌊n/2⌋+1 seed signatures, and every certificate checked before anything of it is applied. Each test
/// drives real seed reducers with keys from the simulator's model scheme and asserts on the outcome.
/// </summary>
public sealed class SignedSeedTests
{
    static readonly NodeId P = World.PeerId(0), Q = World.PeerId(1);

    static SignedSeedWorld Started(int n = 3)
    {
        var w = new SignedSeedWorld(n);
        w.StartSeeds();
        return w;
    }

    [Fact]
    public void A_signed_registration_across_three_seeds_yields_a_commit_whose_signatures_verify_and_which_another_seed_applies()
    {
        var w = Started();
        var (s0, s1, s2) = (w.SeedIds[0], w.SeedIds[1], w.SeedIds[2]);
        var key = w.SignerOf(P).PublicKey;
        w.Inject(P, s0, w.Request(P, 5));
        // The proposal binds the key; the yes votes are signed.
        Assert.Contains(w.InFlight, e => e.Message is RegisterProposal { Key: var k } && k == key);
        w.Drain();

        // The waiting peer gets its certificate first, then its list.
        var toP = w.SentTo(P, s0).ToList();
        var commit = Assert.IsType<RegisterCommit>(toP[0]);
        Assert.IsType<PeerList>(toP[1]);
        Assert.Equal(key, commit.Key);
        Assert.NotNull(commit.ProposalId);
        var check = Certificates.CommitFor(w.ConfigFor(s2), commit, P, key);
        Assert.True(check.Ok, $"{check}");
        Assert.True(check.Valid >= w.Quorum);
        Assert.Equal(commit.Voters, commit.Signatures.Map(x => x.Seed));
        Assert.Equal(commit.Voters, check.Signers);

        // Every seed keeps the whole certificate and serves it back as it came.
        foreach (var (id, s) in w.Seeds)
        {
            Assert.Equal(key, s.Peers[P].Key);
            Assert.True(Certificates.CommitFor(w.ConfigFor(id), s.CertificateOf(P, s.Peers[P]), P, key).Ok, $"{id}'s kept certificate");
        }
        Assert.Equal(commit, w.Seeds[s0].CertificateOf(P, w.Seeds[s0].Peers[P]));

        // A seed that never heard of the vote (restarted empty) applies the certificate alone.
        w.StartSeed(s2);
        Assert.False(w.Seeds[s2].Peers.ContainsKey(P));
        var fx = w.Inject(s0, s2, commit);
        Assert.Contains(fx, e => e is CommitLearned c && c.Peer == P);
        Assert.Equal(commit, w.Seeds[s2].CertificateOf(P, w.Seeds[s2].Peers[P]));

        // A later peer's list carries P's certificate; so does a member answer about P.
        w.Register(Q, 7, via: 1);
        var list = w.SentTo(Q, s1).OfType<PeerList>().Single();
        var entry = list.Peers.Single(e => e.Node == P);
        Assert.True(Certificates.CommitFor(w.ConfigFor(Q), entry.Cert.Single(), P, key).Ok);
        w.Inject(Q, s1, new MemberQuery(P));
        var answer = w.SentTo(Q, s1).OfType<MemberAnswer>().Single();
        Assert.True(answer.Member);
        Assert.True(Certificates.CommitFor(w.ConfigFor(Q), answer.Cert.Single(), P, key).Ok);
    }

    /// <summary>Certificates that must not admit anyone, each shown to a seed by a seed that sends it.</summary>
    public static TheoryData<string> BadCommits => new() { "one-signer", "forged", "no-signatures", "other-key" };

    static RegisterCommit BadCommit(SignedSeedWorld w, string kind)
    {
        var (s0, s1, s2) = (w.SeedIds[0], w.SeedIds[1], w.SeedIds[2]);
        var key = w.SignerOf(P).PublicKey;
        var both = toSeq([s0, s2]);
        return kind switch
        {
            // A dishonest seed signs alone and names an honest one beside it.
            "one-signer" => w.Commit(P, 5, key, "5003-1", both, s2),
            // ...or makes up the honest one's signature (with a key that is not the honest seed's).
            "forged" => w.Commit(P, 5, key, "5003-1", both, s2) is var c
                ? c with { Signatures = c.Signatures.Add(new SeedSignature(s0, w.Model.SignerFor("mallory").Sign(Statements.Register(P, key, 5, "5003-1")))) }
                : c,
            // Voters listed as before signing existed, no signature at all.
            "no-signatures" => w.Commit(P, 5, key, "5003-1", toSeq([s0, s1, s2])),
            // Valid signatures of a quorum, but over another key than the certificate binds.
            _ => w.Commit(P, 5, key, "5003-1", both, s0, s2) with { Key = w.SignerOf(Q).PublicKey },
        };
    }

    [Theory]
    [MemberData(nameof(BadCommits))]
    public void A_commit_without_a_quorum_of_valid_signatures_is_refused_and_changes_nothing(string kind)
    {
        var w = Started();
        var (s1, s2) = (w.SeedIds[1], w.SeedIds[2]);
        var commit = BadCommit(w, kind);
        var before = w.Seeds[s1];

        var fx = w.Inject(s2, s1, commit);
        var refused = Assert.Single(fx.OfType<CertificateRefused>());
        Assert.Equal(("REGISTER_COMMIT", P, s2), (refused.Message, refused.Subject, refused.From));
        Assert.True(refused.Valid < w.Quorum);
        Assert.DoesNotContain(fx, e => e is Send or CommitLearned);
        Assert.False(w.Seeds[s1].Peers.ContainsKey(P));
        Assert.Equal(before.Registrations, w.Seeds[s1].Registrations);

        // The same certificate in a SEED_SYNC: refused too.
        var sync = w.Inject(s2, s1, new SeedSync(1, 0, 1, false, toSeq([commit]), Seq<DeadConfirmed>()));
        Assert.Contains(sync, e => e is CertificateRefused { Message: "SEED_SYNC" } r && r.Subject == P);
        Assert.DoesNotContain(sync, e => e is Send or SyncedFromSeed);
        Assert.False(w.Seeds[s1].Peers.ContainsKey(P));
    }

    [Fact]
    public void The_refusals_name_the_fault_and_the_bad_signer()
    {
        var w = Started();
        var (s0, s2) = (w.SeedIds[0], w.SeedIds[2]);
        var forged = Assert.Single(w.Inject(s2, w.SeedIds[1], BadCommit(w, "forged")).OfType<CertificateRefused>());
        Assert.Equal((1, 2, CertificateFault.TooFewSignatures, (NodeId?)s0), (forged.Valid, forged.Needed, forged.Fault, forged.BadSigner));
        var unbound = BadCommit(w, "one-signer") with { Key = null };
        Assert.Equal(CertificateFault.Unbound, Assert.Single(w.Inject(s2, w.SeedIds[1], unbound).OfType<CertificateRefused>()).Fault);
        // The control: the same shape signed by two seeds is applied.
        var good = w.Commit(P, 5, w.SignerOf(P).PublicKey, "5003-1", toSeq([s0, s2]), s0, s2);
        Assert.Contains(w.Inject(s2, w.SeedIds[1], good), e => e is CommitLearned);
        Assert.True(w.Seeds[w.SeedIds[1]].Peers.ContainsKey(P));
    }

    [Fact]
    public void A_register_request_whose_signature_does_not_verify_makes_no_proposal()
    {
        var w = Started();
        var s0 = w.SeedIds[0];
        var forged = w.Inject(P, s0, w.Request(P, 5, signer: w.SignerOf(Q)));
        Assert.Contains(forged, e => e is SignatureRefused { Message: "REGISTER_REQUEST" } r && r.Author == P);
        var unsigned = w.Inject(P, s0, new RegisterRequest(5) { Key = w.SignerOf(P).PublicKey });
        Assert.Contains(unsigned, e => e is SignatureRefused);
        var keyless = w.Inject(P, s0, new RegisterRequest(5));
        Assert.Contains(keyless, e => e is SignatureRefused);
        foreach (var fx in new[] { forged, unsigned, keyless })
            Assert.DoesNotContain(fx, e => e is Send or RegisterProposed or SetTimer);
        Assert.True(w.Seeds[s0].Registrations.IsEmpty);
        Assert.Empty(w.InFlight);
        // The control: the peer's own signature is taken.
        Assert.Contains(w.Inject(P, s0, w.Request(P, 5)), e => e is RegisterProposed);
    }

    [Fact]
    public void A_yes_vote_whose_signature_does_not_verify_is_not_counted()
    {
        var w = Started();
        var (s0, s1) = (w.SeedIds[0], w.SeedIds[1]);
        var key = w.SignerOf(P).PublicKey;
        w.Inject(P, s0, w.Request(P, 5));
        var id = w.Seeds[s0].Registrations[P].ProposalId;
        w.InFlight.Clear();   // the honest votes never come

        // Seed 1's yes, signed with another key; then signed by seed 1 but for another incarnation; then unsigned.
        var wrongKey = new RegisterVote(P, id, true, null) { Sig = w.SignerOf(w.SeedIds[2]).Sign(Statements.Register(P, key, 5, id)) };
        var wrongInc = new RegisterVote(P, id, true, null) { Sig = w.SignerOf(s1).Sign(Statements.Register(P, key, 6, id)) };
        foreach (var vote in new[] { wrongKey, wrongInc, new RegisterVote(P, id, true, null) })
        {
            var fx = w.Inject(s1, s0, vote);
            Assert.Contains(fx, e => e is SignatureRefused { Message: "REGISTER_VOTE" } r && r.From == s1);
            Assert.DoesNotContain(fx, e => e is RegisterVoteCounted or RegisterCommitted or Send);
            Assert.Equal([s0], w.Seeds[s0].Registrations[P].Yes.AsEnumerable());
        }
        // The control: seed 1's real signature commits.
        var good = w.Inject(s1, s0, new RegisterVote(P, id, true, null) { Sig = w.SignerOf(s1).Sign(Statements.Register(P, key, 5, id)) });
        Assert.Contains(good, e => e is RegisterCommitted);
        Assert.True(w.Seeds[s0].Peers.ContainsKey(P));
    }

    [Fact]
    public void A_seed_signs_another_seeds_registration_only_after_the_peer_proves_the_key_at_its_address()
    {
        var w = Started();
        w.AnswerKeyChecks = false;
        var (s0, s1) = (w.SeedIds[0], w.SeedIds[1]);
        var own = w.SignerOf(P).PublicKey;
        var theirs = w.SignerOf(Q).PublicKey;   // a key P does not hold (a dishonest proposer's, say)

        // A proposal this seed did not hear requested: no vote yet, a KEY_CHALLENGE to the peer's address instead.
        var fx = w.Inject(s0, s1, new RegisterProposal(P, "5001-1", 5) { Key = own });
        Assert.DoesNotContain(fx.OfType<Send>(), e => e.Message is RegisterVote);
        var challenge = Assert.Single(fx.OfType<Send>(), e => e.To == P && e.Message is KeyChallenge);
        var nonce = ((KeyChallenge)challenge.Message).Nonce;

        // The peer's proof: yes, signed, for its own key.
        var proof = new KeyProof(nonce, w.SignerOf(P).Sign(Statements.KeyProof(P, s1, nonce)));
        var yes = Assert.Single(w.Inject(P, s1, proof).OfType<Send>().Select(e => e.Message).OfType<RegisterVote>());
        Assert.True(yes.Yes);
        Assert.True(w.Model.Verify(w.SeedKeys[s1], Statements.Register(P, own, 5, "5001-1"), yes.Sig!));

        // A proposal binding P's address to another key: the real P's proof does not verify with it, so no.
        fx = w.Inject(s0, s1, new RegisterProposal(P, "5001-2", 6) { Key = theirs });
        nonce = ((KeyChallenge)Assert.Single(fx.OfType<Send>(), e => e.To == P && e.Message is KeyChallenge).Message).Nonce;
        var no = Assert.Single(w.Inject(P, s1, new KeyProof(nonce, w.SignerOf(P).Sign(Statements.KeyProof(P, s1, nonce))))
            .OfType<Send>().Select(e => e.Message).OfType<RegisterVote>());
        Assert.False(no.Yes);
        Assert.Null(no.Sig);
        Assert.Contains("does not hold the key", no.Reason);

        // An address where nothing answers: no, when the check's time is up.
        fx = w.Inject(s0, s1, new RegisterProposal(Q, "5001-3", 7) { Key = theirs });
        Assert.Contains(fx.OfType<Send>(), e => e.To == Q && e.Message is KeyChallenge);
        var late = Assert.Single(w.Step(s1, new TimerFired(w.NowUs + 1_000_000, SeedReducer.KeyCheckTimer(Q)))
            .OfType<Send>().Select(e => e.Message).OfType<RegisterVote>());
        Assert.False(late.Yes);
        Assert.Contains("did not prove the key", late.Reason);
    }

    [Fact]
    public void A_seed_signs_the_removal_of_exactly_the_incarnation_it_lists()
    {
        var w = Started();
        var (s0, s1) = (w.SeedIds[0], w.SeedIds[1]);
        w.Inject(P, s0, w.Request(P, 5));
        w.Drain();
        Assert.True(w.Seeds[s1].Peers.ContainsKey(P));
        foreach (var (incarnation, id) in new[] { (6L, "d5001-1"), (9_999_999_999_999_999L, "d5001-2") })
        {
            var fx = w.Inject(s0, s1, new DeadProposal(P, id, DeathReasons.Crashed, incarnation));
            var vote = Assert.Single(fx.OfType<Send>().Select(e => e.Message).OfType<DeadVote>());
            Assert.False(vote.Yes);
            Assert.Contains("is not the one this seed lists", vote.Evidence);
        }
        // Nor an address it does not list at all (a run that has not started): a silent address proves nothing.
        var unknown = w.Inject(s0, s1, new DeadProposal(Q, "d5001-3", DeathReasons.Crashed, 1));
        Assert.False(Assert.Single(unknown.OfType<Send>().Select(e => e.Message).OfType<DeadVote>()).Yes);
        // The listed incarnation is probed as ever (no vote before the probe).
        var listed = w.Inject(s0, s1, new DeadProposal(P, "d5001-4", DeathReasons.Crashed, 5));
        Assert.Contains(listed.OfType<Send>(), e => e.To == P && e.Message is Probe);
    }

    [Fact]
    public void A_proposal_without_a_key_gets_a_no()
    {
        var w = Started();
        var fx = w.Inject(w.SeedIds[0], w.SeedIds[1], new RegisterProposal(P, "5001-9", 5));
        var vote = Assert.Single(fx.OfType<Send>().Select(s => s.Message).OfType<RegisterVote>());
        Assert.False(vote.Yes);
        Assert.Null(vote.Sig);
    }

    [Fact]
    public void An_incarnation_registered_under_one_key_is_refused_under_another()
    {
        var w = Started();
        w.Register(P, 5);
        var mallory = w.Model.SignerFor("mallory");
        var request = new RegisterRequest(5) { Key = mallory.PublicKey, Sig = mallory.Sign(Statements.Join(P, mallory.PublicKey, 5)) };
        var fx = w.Inject(P, w.SeedIds[1], request);
        Assert.Contains(fx, e => e is RegistrationKeyConflict);
        Assert.Contains(fx, e => e is Send { Message: RegisterRejected });
        Assert.DoesNotContain(fx, e => e is Send { Message: PeerList or RegisterCommit });
        Assert.Equal(w.SignerOf(P).PublicKey, w.Seeds[w.SeedIds[1]].Peers[P].Key);
    }

    [Fact]
    public void While_a_vote_runs_a_request_for_the_same_incarnation_with_another_key_is_refused()
    {
        var w = Started();
        var s0 = w.SeedIds[0];
        w.Inject(P, s0, w.Request(P, 5));
        var mallory = w.Model.SignerFor("mallory");
        var fx = w.Inject(P, s0, new RegisterRequest(5) { Key = mallory.PublicKey, Sig = mallory.Sign(Statements.Join(P, mallory.PublicKey, 5)) });
        Assert.Contains(fx, e => e is RegistrationKeyConflict);
        Assert.DoesNotContain(fx, e => e is RegisterProposed);
        w.Drain();
        Assert.All(w.Seeds.Values, s => Assert.Equal(w.SignerOf(P).PublicKey, s.Peers[P].Key));
    }

    [Fact]
    public void A_committed_peer_that_asks_again_gets_its_certificate_again_before_its_list()
    {
        var w = Started();
        w.Register(P, 5);
        w.Outbox.Clear();
        w.Inject(P, w.SeedIds[2], w.Request(P, 5));
        var sent = w.SentTo(P).ToList();
        Assert.Equal(2, sent.Count);
        var cert = Assert.IsType<RegisterCommit>(sent[0]);
        Assert.IsType<PeerList>(sent[1]);
        Assert.True(Certificates.CommitFor(w.ConfigFor(P), cert, P, w.SignerOf(P).PublicKey).Ok);
        Assert.Empty(w.InFlight);   // no new vote
    }

    [Fact]
    public void A_dead_report_whose_signature_does_not_verify_starts_no_vote()
    {
        var w = Started();
        w.Register(P, 5);
        w.Register(Q, 6);
        var s0 = w.SeedIds[0];
        foreach (var bad in new[] { w.Report(Q, P, signer: w.SignerOf(P)), w.Report(Q, P) with { Sig = null } })
        {
            var fx = w.Inject(Q, s0, bad);
            Assert.Contains(fx, e => e is SignatureRefused { Message: "DEAD_REPORT" } r && r.Author == Q);
            Assert.DoesNotContain(fx, e => e is DeadProposed or Send);
            Assert.True(w.Seeds[s0].Deaths.IsEmpty);
        }
        // The control: the reporter's own signature starts the vote.
        Assert.Contains(w.Inject(Q, s0, w.Report(Q, P)), e => e is DeadProposed);
    }

    /// <summary>
    /// The real removal: Q reports P, each seed finds P refusing connections and votes yes with its signature, and the
    /// proposer's DEAD_CONFIRMED carries a quorum of signatures that any seed checks.
    /// </summary>
    static DeadConfirmed RemoveByVote(SignedSeedWorld w, long incarnation)
    {
        var (s0, s1) = (w.SeedIds[0], w.SeedIds[1]);
        w.Inject(Q, s0, w.Report(Q, P));
        w.ConnectFailed(s0, P, "connection refused");            // s0's own yes
        w.Drain(e => e.Message is DeadProposal && e.To == s1);   // s1 probes...
        w.ConnectFailed(s1, P, "connection refused");            // ...and votes yes
        w.Drain(e => e.Message is DeadVote && e.To == s0);
        var confirmed = w.InFlight.Select(e => e.Message).OfType<DeadConfirmed>().First();
        Assert.Equal(incarnation, confirmed.Incarnation);
        return confirmed;
    }

    [Fact]
    public void A_removal_voted_by_signed_yes_votes_carries_a_certificate_every_seed_applies()
    {
        var w = Started();
        w.Register(P, 5);
        w.Register(Q, 6);
        var confirmed = RemoveByVote(w, 5);
        Assert.NotNull(confirmed.ProposalId);
        Assert.Equal(confirmed.Voters, confirmed.Signatures.Map(x => x.Seed));
        Assert.True(Certificates.Removal(w.ConfigFor(Q), confirmed).Ok);
        w.Drain();
        Assert.All(w.Seeds.Values, s => Assert.False(s.Peers.ContainsKey(P)));
        // The tombstone keeps the signatures, so a sync of it is a valid certificate too.
        Assert.True(Certificates.Removal(w.ConfigFor(Q), w.Seeds[w.SeedIds[2]].Removed[P]).Ok);
        Assert.Contains(w.SentTo(Q), m => m is DeadConfirmed d && d.Node == P && Certificates.Removal(w.ConfigFor(Q), d).Ok);
    }

    [Fact]
    public void A_yes_dead_vote_whose_signature_does_not_verify_is_not_counted()
    {
        var w = Started();
        w.Register(P, 5);
        w.Register(Q, 6);
        var (s0, s1) = (w.SeedIds[0], w.SeedIds[1]);
        w.Inject(Q, s0, w.Report(Q, P));
        w.ConnectFailed(s0, P, "connection refused");
        var id = w.Seeds[s0].Deaths[P].ProposalId;
        // Signed by seed 1, but for a "left" it never decided.
        var lie = new DeadVote(P, id, true, "refused") { Sig = w.SignerOf(s1).Sign(Statements.Dead(P, 5, DeathReasons.Left, id)) };
        var fx = w.Inject(s1, s0, lie);
        Assert.Contains(fx, e => e is SignatureRefused { Message: "DEAD_VOTE" });
        Assert.DoesNotContain(fx, e => e is DeadVoteCounted or PeerRemoved);
        Assert.True(w.Seeds[s0].Peers.ContainsKey(P));
        var truth = new DeadVote(P, id, true, "refused") { Sig = w.SignerOf(s1).Sign(Statements.Dead(P, 5, DeathReasons.Crashed, id)) };
        Assert.Contains(w.Inject(s1, s0, truth), e => e is PeerRemoved);
    }

    [Fact]
    public void A_dead_confirmed_signed_by_one_seed_only_is_refused()
    {
        var w = Started();
        w.Register(P, 5);
        var (s0, s1, s2) = (w.SeedIds[0], w.SeedIds[1], w.SeedIds[2]);
        // The dishonest seed 2 signs alone and lists an honest seed beside it.
        var alone = w.Removal(P, 5, "d5003-1", s2) with { Voters = toSeq([s0, s2]) };
        var fx = w.Inject(s2, s1, alone);
        var refused = Assert.Single(fx.OfType<CertificateRefused>());
        Assert.Equal(("DEAD_CONFIRMED", P, 1, 2), (refused.Message, refused.Subject, refused.Valid, refused.Needed));
        Assert.DoesNotContain(fx, e => e is Send or PeerRemoved);
        Assert.True(w.Seeds[s1].Peers.ContainsKey(P));
        Assert.True(w.Seeds[s1].Removed.IsEmpty);
        // In a SEED_SYNC, too.
        var sync = w.Inject(s2, s1, new SeedSync(1, 0, 1, false, Seq<RegisterCommit>(), toSeq([alone])));
        Assert.Contains(sync, e => e is CertificateRefused { Message: "SEED_SYNC" });
        Assert.True(w.Seeds[s1].Peers.ContainsKey(P));
    }

    [Fact]
    public void An_old_valid_dead_confirmed_replayed_after_the_peer_rejoined_is_refused_as_stale()
    {
        var w = Started();
        w.Register(P, 5);
        w.Register(Q, 6);
        var old = RemoveByVote(w, 5);
        w.Drain();
        Assert.All(w.Seeds.Values, s => Assert.False(s.Peers.ContainsKey(P)));
        w.Register(P, 6);   // P restarts as incarnation 6

        var s2 = w.SeedIds[2];
        var fx = w.Inject(w.SeedIds[0], s2, old);
        var stale = Assert.Single(fx.OfType<StaleCertificateRefused>());
        Assert.Equal(("DEAD_CONFIRMED", P, 5L, 6L), (stale.Message, stale.Node, stale.Incarnation, stale.Current));
        Assert.DoesNotContain(fx, e => e is Send or PeerRemoved);
        Assert.All(w.Seeds.Values, s => Assert.Equal(6, s.Peers[P].Incarnation));
    }

    [Fact]
    public void Unsigned_membership_sends_no_signed_fields_and_keeps_todays_refusals()
    {
        var w = new SignedSeedWorld(3, signed: false);
        w.StartSeeds();
        w.Inject(P, w.SeedIds[0], new RegisterRequest(5));
        w.Drain();
        Assert.All(w.Seeds.Values, s => Assert.True(s.Peers.ContainsKey(P)));
        foreach (var m in w.Trace.SelectMany(t => t.Effects.OfType<Send>()).Select(s => s.Message))
        {
            Assert.False(m is RegisterProposal { Key: not null } or RegisterVote { Sig: not null } or RegisterCommit { Key: not null } or RegisterCommit { ProposalId: not null });
            Assert.False(m is RegisterCommit c && !c.Signatures.IsEmpty);
            Assert.False(m is PeerList l && l.Peers.Exists(e => !e.Cert.IsEmpty));
        }
        Assert.IsType<PeerList>(w.SentTo(P).Single());   // no commit to the peer
        var fx = w.Inject(w.SeedIds[2], w.SeedIds[1], new DeadConfirmed(P, toSeq([w.SeedIds[2]]), DeathReasons.Crashed, None, 5));
        Assert.Contains(fx, e => e is ConfirmationIgnored);
        Assert.DoesNotContain(fx, e => e is CertificateRefused);
    }
}
