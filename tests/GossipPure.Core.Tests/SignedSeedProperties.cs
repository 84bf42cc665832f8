using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Core.Identity;
using GossipPure.Core.Tests.Support;

namespace GossipPure.Core.Tests;

/// <summary>
/// With signed membership a seed applies a certificate exactly when it holds ⌊n/2⌋+1 distinct seeds' valid
/// signatures of that decision, whatever else it lists: repeated signers, seeds whose signature was made with
/// another key, strangers signing with their own keys, voters named without a signature.
/// </summary>
public sealed class SignedSeedProperties
{
    static readonly NodeId P = World.PeerId(0);

    /// <summary>n seeds; which of them sign honestly; and what padding the sender adds.</summary>
    public sealed record CertCase(int Seeds, bool[] Signs, int Repeats, int Forged, int Strangers, bool NameAll)
    {
        public override string ToString() =>
            $"n={Seeds} signers=[{string.Join(",", Signs.Select((s, i) => s ? i.ToString() : null).OfType<string>())}] repeats={Repeats} forged={Forged} strangers={Strangers} nameAll={NameAll}";
    }

    static Arbitrary<CertCase> Cases => Arb.From(
        from n in Gen.Choose(1, 7)
        from signs in Gen.ArrayOf(Gen.Elements(true, false), n)
        from repeats in Gen.Choose(0, 3)
        from forged in Gen.Choose(0, 3)
        from strangers in Gen.Choose(0, 3)
        from nameAll in Gen.Elements(true, false)
        select new CertCase(n, signs, repeats, forged, strangers, nameAll));

    /// <summary>The signatures of a case over <paramref name="statement"/>, padded as the case says.</summary>
    static LanguageExt.Seq<SeedSignature> Signatures(SignedSeedWorld w, CertCase c, byte[] statement)
    {
        var honest = w.SeedIds.Where((_, i) => c.Signs[i]).ToArray();
        var sigs = honest.Select(s => new SeedSignature(s, w.SignerOf(s).Sign(statement))).ToList();
        // The same signer again (counts once), a seed "signed" with a key not its own, a stranger with its own key.
        for (var i = 0; i < c.Repeats && honest.Length > 0; i++) sigs.Add(sigs[i % honest.Length]);
        for (var i = 0; i < c.Forged; i++) sigs.Add(new SeedSignature(w.SeedIds[i % c.Seeds], w.Model.SignerFor($"mallory{i}").Sign(statement)));
        for (var i = 0; i < c.Strangers; i++)
        {
            var stranger = SeedScripts.Stranger(i);
            sigs.Add(new SeedSignature(stranger, w.SignerOf(stranger).Sign(statement)));
        }
        return toSeq(sigs);
    }

    static LanguageExt.Seq<NodeId> Voters(SignedSeedWorld w, CertCase c) =>
        c.NameAll ? w.SeedIds : toSeq(w.SeedIds.Where((_, i) => c.Signs[i]).ToArray());

    [Property(MaxTest = 300)]
    public Property A_commit_is_applied_iff_it_holds_a_quorum_of_valid_distinct_signatures() =>
        Prop.ForAll(Cases, c =>
        {
            var w = new SignedSeedWorld(c.Seeds);
            var at = w.SeedIds[0];
            w.StartSeed(at);
            var key = w.SignerOf(P).PublicKey;
            var commit = new RegisterCommit(P, Voters(w, c), 5)
            {
                Key = key, ProposalId = "5001-1", Signatures = Signatures(w, c, Statements.Register(P, key, 5, "5001-1")),
            };
            var valid = c.Signs.Count(s => s);
            var fx = w.Inject(w.SeedIds[^1], at, commit);
            var applied = w.Seeds[at].Peers.ContainsKey(P);
            Assert.Equal(valid >= w.Quorum, applied);
            Assert.Equal(!applied, fx.Exists(e => e is CertificateRefused));
            if (applied)
            {
                // What the seed keeps and serves on is the clean certificate: the valid signers only, each once.
                var kept = w.Seeds[at].CertificateOf(P, w.Seeds[at].Peers[P]);
                Assert.Equal(valid, kept.Signatures.Count);
                Assert.Equal(kept.Voters, kept.Signatures.Map(s => s.Seed));
                Assert.True(Certificates.Commit(w.ConfigFor(at), kept).Ok);
            }
            return true.ToProperty().Classify(applied, "applied").Collect($"{c.Seeds} seeds");
        });

    [Property(MaxTest = 200)]
    public Property A_removal_is_applied_iff_it_holds_a_quorum_of_valid_distinct_signatures() =>
        Prop.ForAll(Cases, c =>
        {
            var w = new SignedSeedWorld(c.Seeds);
            var at = w.SeedIds[0];
            w.StartSeed(at);
            var key = w.SignerOf(P).PublicKey;
            var all = w.SeedIds.ToArray();
            w.Inject(w.SeedIds[^1], at, w.Commit(P, 5, key, "5001-1", w.SeedIds, all));
            Assert.True(w.Seeds[at].Peers.ContainsKey(P));
            var dc = new DeadConfirmed(P, Voters(w, c), DeathReasons.Crashed, None, 5)
            {
                ProposalId = "d5001-2", Signatures = Signatures(w, c, Statements.Dead(P, 5, DeathReasons.Crashed, "d5001-2")),
            };
            var fx = w.Inject(w.SeedIds[^1], at, dc);
            var removed = !w.Seeds[at].Peers.ContainsKey(P);
            Assert.Equal(c.Signs.Count(s => s) >= w.Quorum, removed);
            Assert.Equal(!removed, fx.Exists(e => e is CertificateRefused));
            if (removed)
            {
                // The tombstone it keeps and the copy it passes on are clean: the valid signers only, each once.
                var kept = w.Seeds[at].Removed[P];
                Assert.Equal(c.Signs.Count(s => s), kept.Signatures.Count);
                Assert.Equal(kept.Voters, kept.Signatures.Map(s => s.Seed));
                Assert.True(Certificates.Removal(w.ConfigFor(at), kept).Ok);
                Assert.All(fx.OfType<Send>().Select(e => e.Message).OfType<DeadConfirmed>(), d => Assert.Equal(kept.Signatures, d.Signatures));
            }
            return true.ToProperty().Classify(removed, "removed").Collect($"{c.Seeds} seeds");
        });

    /// <summary>A scripted run of signed seeds: n seeds of which the last <c>Dishonest</c> forge; ops as (kind, picks).</summary>
    public sealed record RunCase(int Seeds, int Dishonest, int Peers, bool Lossy, (int Kind, int A, int B)[] Ops)
    {
        public override string ToString() =>
            $"n={Seeds} dishonest={Dishonest} peers={Peers} lossy={Lossy} ops=[{string.Join(" ", Ops.Select(o => $"{o.Kind}/{o.A}/{o.B}"))}]";
    }

    static Arbitrary<RunCase> Runs(bool lossy) => Arb.From(
        from n in Gen.Choose(1, 5)
        from dishonest in Gen.Choose(0, n - Quorum.Of(n))
        from peers in Gen.Choose(1, 3)
        from ops in Gen.Sized(size => Gen.Choose(0, 2 * size + 10).SelectMany(k =>
            Gen.ArrayOf(from kind in Gen.Choose(0, lossy ? 13 : 10) from a in Gen.Choose(0, 999) from b in Gen.Choose(0, 999) select (kind, a, b), k)))
        select new RunCase(n, dishonest, peers, lossy, ops));

    /// <summary>
    /// Signed seeds under any order and duplication (and, lossy, loss, timeouts and restarts), with fewer than a
    /// quorum of dishonest seeds that forge commits and removals signed with their own real keys: after every step,
    /// every peer an honest seed lists holds a valid certificate for its own key, the never-requested peer is listed
    /// nowhere and no one is removed; without loss every requested peer ends listed at every honest seed.
    /// </summary>
    static Property PlaySigned(RunCase c)
    {
        var w = new SignedSeedWorld(c.Seeds);
        var honest = w.SeedIds.Take(c.Seeds - c.Dishonest).ToArray();
        var liars = w.SeedIds.Skip(c.Seeds - c.Dishonest).ToArray();
        var requested = new System.Collections.Generic.HashSet<NodeId>();
        var forgedPeer = SeedScripts.ForgedPeer;
        w.Observe = step =>
        {
            if (!honest.Contains(step.Node)) return;
            Assert.DoesNotContain(step.Effects, e => e is PeerRemoved);
            var s = w.Seeds[step.Node];
            foreach (var (peer, record) in s.Peers)
            {
                Assert.NotEqual(forgedPeer, peer);
                var check = Certificates.CommitFor(s.Config, s.CertificateOf(peer, record), peer, w.SignerOf(peer).PublicKey);
                Assert.True(check.Ok, $"{step.Node} lists {peer} with {check}");
            }
        };
        foreach (var id in honest) w.StartSeed(id);
        foreach (var (kind, a, b) in c.Ops)
        {
            var pick = w.InFlight.Count > 0 ? w.InFlight[a % w.InFlight.Count] : null;
            switch (kind)
            {
                case 0 or 1:
                    var peer = World.PeerId(a % c.Peers);
                    requested.Add(peer);
                    w.Inject(peer, honest[b % honest.Length], w.Request(peer, 1 + b % 2));
                    break;
                case 9 when liars.Length > 0:
                    // A dishonest seed's own real signature, alone, on a commit that names every seed.
                    var liar = liars[a % liars.Length];
                    w.Inject(liar, honest[b % honest.Length], w.Commit(forgedPeer, 1, w.SignerOf(forgedPeer).PublicKey, "forged-1", w.SeedIds, liars));
                    break;
                case 10 when liars.Length > 0:
                    // ...and on the removal of a listed peer (signed by every dishonest seed: still fewer than a quorum).
                    var target = honest[b % honest.Length];
                    foreach (var (victim, r) in w.Seeds[target].Peers.Take(1))
                        w.Inject(liars[a % liars.Length], target, w.Removal(victim, r.Incarnation, "forged-d", liars) with { Voters = w.SeedIds });
                    break;
                case 11 when pick is not null: w.InFlight.Remove(pick); break;
                case 12 when w.Timers.Count > 0:
                    var (node, key) = w.Timers[a % w.Timers.Count];
                    w.Fire(node, key);
                    break;
                case 13: w.StartSeed(honest[a % honest.Length]); break;
                case 8 when pick is not null: w.Deliver(pick, duplicate: true); break;
                default: if (pick is not null) w.Deliver(pick); break;
            }
        }
        w.Drain();
        if (!c.Lossy)
            foreach (var id in honest)
                Assert.True(requested.All(w.Seeds[id].Peers.ContainsKey), $"{id} lists [{string.Join(", ", w.Seeds[id].Peers.Keys.Order())}], requested [{string.Join(", ", requested.Order())}]");
        return true.ToProperty()
            .Classify(c.Dishonest > 0, "dishonest seeds")
            .Classify(honest.Any(id => !w.Seeds[id].Peers.IsEmpty), "a peer committed");
    }

    [Property(MaxTest = 200)]
    public Property Signed_seeds_commit_only_with_valid_certificates_under_any_order_and_loss() =>
        Prop.ForAll(Runs(lossy: true), PlaySigned);

    [Property(MaxTest = 150)]
    public Property Without_loss_signed_seeds_commit_every_requested_peer_despite_dishonest_seeds() =>
        Prop.ForAll(Runs(lossy: false), PlaySigned);
}
