using GossipPure.Core.Identity;

namespace GossipPure.Core.Peers;

/// <summary>
/// Signed membership, the peer's half (specs/protocol.md, "Signed membership: peers"). Everything here runs only when
/// <see cref="Security.On"/>: without seed keys the peer signs and checks nothing and behaves exactly as before.
/// A peer signs what it says (its registration request, its gossip, its dead reports, its witness answers), keeps
/// its own registration certificate, and learns other peers' keys only from certificates a seed quorum signed.
/// </summary>
public static partial class PeerReducer
{
    static bool Signed(PeerState s) => s.Config.Security.On;

    /// <summary>A seed asks this peer to prove its key before it signs a registration of it (Seeds/KeyCheck.cs): the answer.</summary>
    static PeerState AnswerKeyChallenge(PeerState s, NodeId seed, KeyChallenge c, EffectList fx)
    {
        fx.Send(seed, new KeyProof(c.Nonce, s.Config.Security.Sign(Statements.KeyProof(s.Config.Self, seed, c.Nonce))));
        return s;
    }

    /// <summary>This run's REGISTER_REQUEST: signed with this peer's key when membership is signed.</summary>
    static RegisterRequest RequestFor(PeerState s)
    {
        var sec = s.Config.Security;
        if (!sec.On) return new RegisterRequest(s.Incarnation);
        var key = sec.PublicKey!;
        return new RegisterRequest(s.Incarnation) { Key = key, Sig = sec.Sign(Statements.Join(s.Config.Self, key, s.Incarnation)) };
    }

    static DeadReport ReportFor(PeerState s, NodeId x, string report)
    {
        var sec = s.Config.Security;
        return sec.On
            ? new DeadReport(x, report) { Sig = sec.Sign(Statements.DeadReport(s.Config.Self, x, report)) }
            : new DeadReport(x, report);
    }

    static SuspectResponse AnswerFor(PeerState s, NodeId x, bool dead, string evidence)
    {
        var sec = s.Config.Security;
        return sec.On
            ? new SuspectResponse(x, dead, evidence) { Sig = sec.Sign(Statements.SuspectResponse(s.Config.Self, x, dead, evidence)) }
            : new SuspectResponse(x, dead, evidence);
    }

    /// <summary>This peer's own certificate for its current run, or null (not registered yet, or re-registering).</summary>
    static RegisterCommit? CurrentCertificate(PeerState s) =>
        s.Certificate is { } c && c.Incarnation == s.Incarnation ? c : null;

    /// <summary>A gossip message made by this peer: signed, with its certificate, when membership is signed.</summary>
    static Gossip Made(PeerState s, string body, string? data = null)
    {
        var sec = s.Config.Security;
        if (!sec.On) return new Gossip(s.Config.Self, body) { Data = data };
        return new Gossip(s.Config.Self, body)
        {
            Data = data,
            Sig = sec.Sign(Statements.Gossip(s.Config.Self, body, data)),
            Cert = Seq1(CurrentCertificate(s)!),
        };
    }

    /// <summary>Remembers <paramref name="node"/>'s key from a verified certificate, unless a newer run of it is known.</summary>
    static PeerState LearnKey(PeerState s, NodeId node, RegisterCommit cert) =>
        (s.Keys.Find(node).Case is PeerKey k && k.Incarnation > cert.Incarnation) || node == s.Config.Self
            ? s
            : s with { Keys = s.Keys.AddOrUpdate(node, new PeerKey(cert.Key!, cert.Incarnation, cert)) };

    /// <summary>The one certificate a message carries, or null (none, or more than the one it may carry).</summary>
    static RegisterCommit? One(Seq<RegisterCommit> cert) => cert.Count == 1 ? cert[0] : null;

    static CertificateRefused Refusal(string message, NodeId subject, NodeId from, CertificateCheck check) =>
        new(message, subject, from, check.Valid, check.Needed, check.Fault, check.BadSigner);

    /// <summary>The verdict on a certificate presented (or not: an empty <paramref name="cert"/>) for <paramref name="node"/>.</summary>
    static CertificateCheck CheckFor(PeerState s, Seq<RegisterCommit> cert, NodeId node) =>
        One(cert) is { } c
            ? Certificates.CommitFor(s.Config, c, node, c.Key)
            : new CertificateCheck(0, s.Config.Quorum, CertificateFault.TooFewSignatures, null, Seq<NodeId>());

    /// <summary>
    /// A REGISTER_COMMIT from a seed: about this peer's current run and key, and valid, it is this peer's certificate
    /// (kept, and handed to the transport for its HELLOs once per new certificate). A valid one about another peer
    /// only teaches its key; a late one about an earlier run of this peer changes nothing.
    /// </summary>
    static PeerState OnRegisterCommit(PeerState s, NodeId seed, RegisterCommit rc, EffectList fx)
    {
        var self = s.Config.Self;
        if (rc.Peer == self && rc.Incarnation != s.Incarnation) return s;   // an earlier run's, or not yet ours
        var check = Certificates.CommitFor(s.Config, rc, rc.Peer, rc.Peer == self ? s.Config.Security.PublicKey : rc.Key);
        if (!check.Ok) return Warn(s, fx, Refusal("REGISTER_COMMIT", rc.Peer, seed, check));
        if (rc.Peer != self) return LearnKey(s, rc.Peer, rc);
        if (CurrentCertificate(s) is not null) return s;   // each seed may send one: the first is kept
        fx.Add(new CertificateKept(seed, rc.Incarnation, check.Signers));
        fx.Add(new UseCertificate(rc));
        return s with { Certificate = rc };
    }

    /// <summary>
    /// A PEER_LIST's entries, each checked against its certificate: a bad one is dropped with a refusal, the keys of
    /// the good ones learned.
    /// </summary>
    static (PeerState, Seq<PeerEntry>) CheckEntries(PeerState s, NodeId seed, Seq<PeerEntry> entries, EffectList fx)
    {
        var taken = new System.Collections.Generic.List<PeerEntry>(entries.Count);
        foreach (var e in entries)
        {
            var check = CheckFor(s, e.Cert, e.Node);
            if (!check.Ok)
            {
                fx.Add(Refusal("PEER_LIST", e.Node, seed, check));
                continue;
            }
            var cert = One(e.Cert)!;
            s = LearnKey(s, e.Node, cert);
            taken.Add(e);
        }
        return (s, taken.Count == entries.Count ? entries : toSeq(taken.ToArray()));
    }

    /// <summary>A MEMBER_ANSWER "yes" counts only with a valid certificate for the node (whose key it then gives).</summary>
    static PeerState? VouchedFor(PeerState s, NodeId seed, MemberAnswer a, EffectList fx)
    {
        var check = CheckFor(s, a.Cert, a.Node);
        if (!check.Ok)
        {
            fx.Add(Refusal("MEMBER_ANSWER", a.Node, seed, check));
            return null;
        }
        var cert = One(a.Cert)!;
        return LearnKey(s, a.Node, cert);
    }

    /// <summary>The newest run of <paramref name="x"/> this peer knows from a verified certificate or a link, if any.</summary>
    static long? KnownIncarnation(PeerState s, NodeId x)
    {
        long? known = s.Keys.Find(x).Case is PeerKey k ? k.Incarnation : null;
        if (s.Det.Incarnations.Find(x).Case is long linked && (known is null || linked > known)) known = linked;
        return known;
    }

    /// <summary>
    /// A first-time gossip message, checked before anything of it is taken: its origin's key comes from the
    /// certificate it carries (or from a verified certificate of that run met before, so a stream of messages from one
    /// origin costs one certificate check), and its signature must verify with that key. Null: refused (and not
    /// marked seen, so a forged copy that arrives first cannot keep out the real one).
    /// </summary>
    static PeerState? Authentic(PeerState s, NodeId from, Gossip g, EffectList fx)
    {
        var origin = g.Origin;
        var cert = One(g.Cert);
        var known = s.Keys.Find(origin).Case is PeerKey k ? k : (PeerKey?)null;
        string key;
        if (cert is not null && !(known is { } kn && kn.Key == cert.Key && kn.Incarnation >= cert.Incarnation))
        {
            var check = Certificates.CommitFor(s.Config, cert, origin, cert.Key);
            if (!check.Ok)
            {
                fx.Add(Refusal("GOSSIP", origin, from, check));
                return null;
            }
            key = cert.Key!;
            s = LearnKey(s, origin, cert);
        }
        else if (cert is not null) key = cert.Key!;   // bound to the origin by a certificate checked before
        else if (known is { } only) key = only.Key;
        else
        {
            fx.Add(Refusal("GOSSIP", origin, from, CheckFor(s, g.Cert, origin)));
            return null;
        }
        if (!s.Config.Security.VerifyOnce(key, Statements.Gossip(origin, g.Body, g.Data), g.Sig))
        {
            fx.Add(new SignatureRefused("GOSSIP", from, origin));
            return null;
        }
        return s;
    }

    /// <summary>Certificates one link remembers as sent; past this the link's record starts again (they are sent anew).</summary>
    public const int CertsSentPerLink = 4096;

    /// <summary>
    /// Sends gossip <paramref name="g"/> to each of <paramref name="to"/> but <paramref name="except"/>. Signed, a message needs its maker's
    /// certificate only where the receiver may not know the maker's key: it goes with the certificate on a link that
    /// has not carried it since the link began, and without it (the same origin, body and signature: what the signature
    /// covers) on one that has. A receiver takes a certificate it is sent (or knows the key already), so the second
    /// and later messages of a maker cross each link at a fifth of the size. A link that breaks or links again starts
    /// afresh (<see cref="ForgetCertsSent"/>).
    /// </summary>
    static PeerState SendGossip(PeerState s, Gossip g, NodeId[] to, EffectList fx, NodeId? except = null)
    {
        // The newest certificate this peer verified for the maker (a message may carry an older run's that still holds).
        var cert = Signed(s) ? CertificateFor(s, g.Origin) ?? One(g.Cert) : null;
        if (cert is null)
        {
            foreach (var n in to) if (n != except) fx.Send(n, g);
            return s;
        }
        Gossip? full = One(g.Cert) == cert ? g : null, bare = g.Cert.IsEmpty ? g : null;
        var slot = new CertSent(g.Origin, cert.Incarnation);
        var sent = s.CertsSent;
        foreach (var n in to)
        {
            if (n == except) continue;
            var onLink = sent.Find(n).IfNone(HashSet<CertSent>());
            if (onLink.Contains(slot))
            {
                fx.Send(n, bare ??= g with { Cert = Seq<RegisterCommit>() });
                continue;
            }
            fx.Send(n, full ??= g with { Cert = Seq1(cert) });
            sent = sent.AddOrUpdate(n, (onLink.Count >= CertsSentPerLink ? HashSet<CertSent>() : onLink).Add(slot));
        }
        return s with { CertsSent = sent };
    }

    /// <summary>The certificate to send with <paramref name="origin"/>'s gossip: this peer's own, or the one it verified.</summary>
    static RegisterCommit? CertificateFor(PeerState s, NodeId origin) =>
        origin == s.Config.Self ? CurrentCertificate(s) : s.Keys.Find(origin).Case is PeerKey k ? k.Cert : null;

    /// <summary>A link to <paramref name="n"/> begins again (or ends): gossip to it carries certificates afresh.</summary>
    static PeerState ForgetCertsSent(PeerState s, NodeId n) =>
        s.CertsSent.ContainsKey(n) ? s with { CertsSent = s.CertsSent.Remove(n) } : s;

    /// <summary>With signed membership only peers whose key this peer knows are asked to witness: another's answer could not count.</summary>
    static bool CanWitness(PeerState s, NodeId n) => !Signed(s) || s.Keys.ContainsKey(n);

    /// <summary>A witness's answer counts only when signed with the witness's key, known from its certificate.</summary>
    static bool SignedByWitness(PeerState s, NodeId witness, SuspectResponse r, EffectList fx)
    {
        var key = s.Keys.Find(witness).Case is PeerKey k ? k.Key : null;
        if (s.Config.Security.Verify(key, Statements.SuspectResponse(witness, r.Suspect, r.Dead, r.Evidence), r.Sig)) return true;
        fx.Add(new SignatureRefused("SUSPECT_RESPONSE", witness, witness));
        return false;
    }
}
