namespace GossipPure.Core.Identity;

/// <summary>Why a certificate was refused (<see cref="CertificateCheck"/>).</summary>
public enum CertificateFault
{
    /// <summary>Nothing: it holds a quorum.</summary>
    None,
    /// <summary>Fewer distinct valid seed signatures (or, unauthenticated, seed voters) than the quorum.</summary>
    TooFewSignatures,
    /// <summary>A registration certificate without the key it binds, or one without its proposal id.</summary>
    Unbound,
    /// <summary>It is about another address or key than the one it was presented for.</summary>
    WrongSubject,
}

/// <summary>The verdict on one certificate: how many distinct seeds signed validly, of how many needed.</summary>
/// <param name="BadSigner">The first listed signer whose signature did not verify (or that is no seed), if any.</param>
public readonly record struct CertificateCheck(int Valid, int Needed, CertificateFault Fault, NodeId? BadSigner, Seq<NodeId> Signers)
{
    public bool Ok => Fault == CertificateFault.None;
}

/// <summary>
/// Quorum certificates, checked: pure functions of the configuration and the certificate. A registration or a
/// removal counts only with ⌊n/2⌋+1 distinct seeds of config.csv that each signed exactly that decision (address,
/// key, incarnation, reason, proposal id), so no minority of seeds — and no peer — can admit or remove anyone.
/// Without seed keys (unauthenticated membership) the voters' names are counted, as before signing existed.
/// </summary>
public static class Certificates
{
    /// <summary>Checks a registration certificate (REGISTER_COMMIT, a SEED_SYNC commit, a PEER_LIST admission).</summary>
    public static CertificateCheck Commit(NodeConfig c, RegisterCommit commit)
    {
        if (!c.Security.On) return ByNames(c, commit.Voters);
        if (commit.Key is null || commit.ProposalId is null) return new(0, c.Quorum, CertificateFault.Unbound, null, Seq<NodeId>());
        return BySignatures(c, commit.Signatures, Statements.Register(commit.Peer, commit.Key, commit.Incarnation, commit.ProposalId));
    }

    /// <summary>Checks a registration certificate presented for <paramref name="peer"/> holding <paramref name="key"/>.</summary>
    public static CertificateCheck CommitFor(NodeConfig c, RegisterCommit commit, NodeId peer, string? key)
    {
        var check = Commit(c, commit);
        if (!check.Ok) return check;
        return commit.Peer != peer || (c.Security.On && commit.Key != key) ? check with { Fault = CertificateFault.WrongSubject } : check;
    }

    /// <summary>Checks a removal certificate (DEAD_CONFIRMED, a SEED_SYNC removal).</summary>
    public static CertificateCheck Removal(NodeConfig c, DeadConfirmed dc)
    {
        if (!c.Security.On) return ByNames(c, dc.Voters);
        if (dc.ProposalId is null) return new(0, c.Quorum, CertificateFault.Unbound, null, Seq<NodeId>());
        return BySignatures(c, dc.Signatures, Statements.Dead(dc.Node, dc.Incarnation, dc.Reason, dc.ProposalId));
    }

    static CertificateCheck ByNames(NodeConfig c, Seq<NodeId> voters)
    {
        var valid = voters.Filter(c.IsSeed).Distinct().OrderBy(n => n).ToSeq();
        var bad = voters.Find(v => !c.IsSeed(v)).Case as NodeId;
        return new(valid.Count, c.Quorum, valid.Count >= c.Quorum ? CertificateFault.None : CertificateFault.TooFewSignatures, bad, valid);
    }

    static CertificateCheck BySignatures(NodeConfig c, Seq<SeedSignature> sigs, byte[] statement)
    {
        var valid = new System.Collections.Generic.SortedSet<NodeId>();
        NodeId? bad = null;
        foreach (var s in sigs)
        {
            if (valid.Contains(s.Seed)) continue;
            if (c.Security.SeedKeys.Find(s.Seed).Case is string key && c.Security.Verify(key, statement, s.Sig)) valid.Add(s.Seed);
            else bad ??= s.Seed;
        }
        return new(valid.Count, c.Quorum, valid.Count >= c.Quorum ? CertificateFault.None : CertificateFault.TooFewSignatures, bad, toSeq(valid.ToArray()));
    }
}
