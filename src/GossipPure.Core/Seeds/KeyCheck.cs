namespace GossipPure.Core.Seeds;

/// <summary>A registration vote this seed owes <paramref name="Proposer"/>, waiting for the peer to prove <paramref name="Key"/>.</summary>
public sealed record KeyBallot(NodeId Proposer, string ProposalId, string Key, long Incarnation);

/// <summary>A KEY_CHALLENGE out to a peer: its nonce, and the votes that wait for the answer.</summary>
public sealed record KeyCheckRecord(long Nonce, Seq<KeyBallot> Ballots);

/// <summary>
/// Signed membership: a seed signs a registration another seed proposed only for a key it has seen the peer prove.
/// Without this, a dishonest seed could propose any address — a live peer's, or one where nothing runs — bound to a
/// key of its own, and honest seeds, finding nothing against it, would sign: with ⌊n/2⌋+1−f honest yes votes that is
/// a valid certificate, and the dishonest seed could then speak as that peer. So the seed asks the peer itself, over
/// a connection it dials to the peer's address (KEY_CHALLENGE with a fresh nonce), to sign the nonce
/// (<see cref="Identity.Statements.KeyProof"/>); it votes yes for each waiting proposal whose key the answer verifies
/// with, no for the others, and no when no answer comes within <see cref="ProtocolOptions.ProposalTimeoutMs"/> / 2. A
/// seed that heard the peer's own signed REGISTER_REQUEST for that key and incarnation, or lists it so, needs no check.
/// </summary>
public static partial class SeedReducer
{
    public static TimerKey KeyCheckTimer(NodeId peer) => new TimerKey.KeyCheck(peer);

    /// <summary>How long a peer has to answer a KEY_CHALLENGE: half the proposal's time, so the vote still counts.</summary>
    static long KeyCheckMs(SeedState s) => Math.Max(1, s.Config.Options.ProposalTimeoutMs / 2);

    /// <summary>True when this seed has seen <paramref name="peer"/> prove <paramref name="key"/> for this incarnation itself.</summary>
    static bool HasProvenKey(SeedState s, NodeId peer, string key, long incarnation) =>
        s.Peers.Find(peer).Map(r => r.Incarnation == incarnation && r.Key == key).IfNone(false)
        || s.Registrations.Find(peer).Map(r => r.Incarnation == incarnation && r.Key == key && !r.Waiting.IsEmpty).IfNone(false);

    static SeedState StartKeyCheck(SeedState s, NodeId peer, KeyBallot ballot, EffectList fx)
    {
        if (s.KeyChecks.Find(peer).Case is KeyCheckRecord open)
            return s with { KeyChecks = s.KeyChecks.SetItem(peer, open with { Ballots = open.Ballots.Add(ballot) }) };
        var nonce = s.NextNonce;
        fx.Send(peer, new KeyChallenge(nonce));
        fx.Timer(KeyCheckTimer(peer), KeyCheckMs(s));
        return s with { NextNonce = nonce + 1, KeyChecks = s.KeyChecks.AddOrUpdate(peer, new KeyCheckRecord(nonce, Seq1(ballot))) };
    }

    static SeedState OnKeyProof(SeedState s, NodeId peer, KeyProof proof, EffectList fx)
    {
        if (s.KeyChecks.Find(peer).Case is not KeyCheckRecord check || check.Nonce != proof.Nonce) return s;   // late, or not asked
        fx.Add(new CancelTimer(KeyCheckTimer(peer)));
        var statement = Identity.Statements.KeyProof(peer, s.Config.Self, check.Nonce);
        foreach (var b in check.Ballots)
            SendRegisterVote(s, b.Proposer, peer, b.ProposalId, b.Key, b.Incarnation,
                s.Config.Security.VerifyOnce(b.Key, statement, proof.Sig) ? Judge(s, peer, b.Incarnation, b.Key) : $"{peer} does not hold the key the proposal binds", fx);
        return s with { KeyChecks = s.KeyChecks.Remove(peer) };
    }

    static SeedState OnKeyCheckTimer(SeedState s, NodeId peer, EffectList fx)
    {
        if (s.KeyChecks.Find(peer).Case is not KeyCheckRecord check) return s;
        foreach (var b in check.Ballots)
            SendRegisterVote(s, b.Proposer, peer, b.ProposalId, b.Key, b.Incarnation,
                $"{peer} did not prove the key the proposal binds within {KeyCheckMs(s)}ms", fx);
        return s with { KeyChecks = s.KeyChecks.Remove(peer) };
    }
}
