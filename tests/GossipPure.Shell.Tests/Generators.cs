using LanguageExt;

namespace GossipPure.Shell.Tests;

/// <summary>Generators of valid messages and inputs: every value here must survive an encode/decode round trip.</summary>
public static class Generators
{
    static Gen<long> AnyLong =>
        from hi in Gen.Choose(int.MinValue, int.MaxValue)
        from lo in Gen.Choose(int.MinValue, int.MaxValue)
        select ((long)hi << 32) | (uint)lo;

    static Gen<ulong> AnyULong => AnyLong.Select(l => unchecked((ulong)l));

    /// <summary>
    /// An incarnation: any long at all (the codec must not assume a start time), weighted towards the edges
    /// (zero, ±1, the extremes) and towards real ones (Unix microseconds around now).
    /// </summary>
    public static Gen<long> Incarnation =>
        Gen.Frequency(
            (5, AnyLong),
            (2, Gen.Elements(0L, 1L, -1L, long.MinValue, long.MaxValue, long.MinValue + 1, long.MaxValue - 1,
                (long)int.MaxValue + 1, (long)int.MinValue - 1, 9_007_199_254_740_993L)),   // 2^53 + 1: not exact as a double
            (3, Gen.Choose(0, int.MaxValue).Select(us => 1_732_520_000_000_000L + us)));

    public static Gen<NodeId> Address =>
        Gen.Frequency(
            (8, from a in Gen.Choose(0, 255)
                from b in Gen.Choose(0, 255)
                from c in Gen.Choose(0, 255)
                from d in Gen.Choose(0, 255)
                from port in Gen.Choose(1, 65535)
                select new NodeId($"{a}.{b}.{c}.{d}", port)),
            (2, from ip in Gen.Elements("::1", "fe80::1", "2001:db8::5", "::ffff:10.0.0.1", "2001:db8:0:0:1:0:0:1")
                from port in Gen.Choose(1, 65535)
                select new NodeId(ip, port)));

    /// <summary>Pieces of text that JSON escaping must get right; no control characters (messages refuse them).</summary>
    static readonly string[] Fragments =
    [
        "a", "Z", "0", "9", " ", ":", "|", "-", "\"", "\\", "/", "'", "{", "}", "[", "]", ",",
        "é", "日本", "😀", "<script>", "&amp;", "\u00a0", "\ufeff", "\ufffd", "127.0.0.1:5011",
    ];

    static Gen<string> TextOf(Gen<string> fragment, int maxPieces) =>
        from n in Gen.Choose(0, maxPieces)
        from parts in Gen.ArrayOf(fragment, n)
        select string.Concat(parts);

    /// <summary>Text a message may carry.</summary>
    public static Gen<string> Text => TextOf(Gen.Elements(Fragments), 40);

    public static Gen<string> NonEmptyText => Text.Where(s => s.Length > 0);

    /// <summary>Text an event-log line may carry outside a message: control characters allowed.</summary>
    /// <summary>Any timer key, of every kind.</summary>
    public static Gen<TimerKey> AnyTimerKey =>
        Gen.OneOf(
            Gen.Elements<TimerKey>(new TimerKey.RegisterRetry(), new TimerKey.GossipRound(), new TimerKey.HeartbeatRound(), new TimerKey.SilenceCheck(),
                new TimerKey.PingRound(), new TimerKey.DegreeReport(), new TimerKey.OverlayCheck(), new TimerKey.SyncRound()),
            from n in Address from k in Gen.Choose(0, 7)
            select k switch
            {
                0 => (TimerKey)new TimerKey.Witness(n), 1 => new TimerKey.Report(n), 2 => new TimerKey.Member(n), 3 => new TimerKey.Probe(n),
                4 => new TimerKey.Reconnect(n), 5 => new TimerKey.Proposal(n), 6 => new TimerKey.KeyCheck(n), _ => new TimerKey.Death(n),
            });

    public static Gen<string> AnyText => TextOf(Gen.Elements(Fragments.Concat(["\n", "\r", "\t", "\u0001", "\u007f", "\u2028"])), 40);

    static Gen<Seq<T>> SeqOf<T>(Gen<T> item, int max) =>
        from n in Gen.Choose(0, max)
        from items in Gen.ArrayOf(item, n)
        select new Seq<T>(items);

    /// <summary>A signed field's text: absent (unsigned membership) or present.</summary>
    static Gen<string?> MaybeText => Gen.OneOf(Gen.Constant<string?>(null), NonEmptyText.Select(t => (string?)t));

    static Gen<Seq<GossipPure.Core.Identity.SeedSignature>> Signatures =>
        SeqOf(from seed in Address from sig in NonEmptyText select new GossipPure.Core.Identity.SeedSignature(seed, sig), 4);

    public static Gen<RegisterCommit> Commit =>
        from peer in Address
        from voters in SeqOf(Address, 7)
        from incarnation in Incarnation
        from key in MaybeText
        from proposal in MaybeText
        from sigs in Signatures
        select new RegisterCommit(peer, voters, incarnation) { Key = key, ProposalId = proposal, Signatures = sigs };

    static Gen<Seq<RegisterCommit>> Cert => SeqOf(Commit, 1);

    public static Gen<DeadConfirmed> Removal =>
        from n in Address
        from voters in SeqOf(Address, 7)
        from r in Text
        from rv in Gen.OneOf(Gen.Constant(Option<NodeId>.None), Address.Select(Option<NodeId>.Some))
        from incarnation in Incarnation
        from proposal in MaybeText
        from sigs in Signatures
        select new DeadConfirmed(n, voters, r, rv, incarnation) { ProposalId = proposal, Signatures = sigs };

    public static Gen<Message> Message => Gen.OneOf(
        from a in Address from seed in Gen.Elements(true, false) from key in MaybeText from proof in MaybeText from cert in Cert
        select (Message)new Hello(a, seed ? Role.Seed : Role.Peer) { Key = key, Proof = proof, Cert = cert },
        from i in Incarnation from key in MaybeText from sig in MaybeText select (Message)new RegisterRequest(i) { Key = key, Sig = sig },
        from p in Address from id in NonEmptyText from i in Incarnation from key in MaybeText select (Message)new RegisterProposal(p, id, i) { Key = key },
        from p in Address
        from id in NonEmptyText
        from yes in Gen.Elements(true, false)
        from reason in Gen.OneOf(Gen.Constant<string?>(null), Text.Select(t => (string?)t))
        from sig in MaybeText
        select (Message)new RegisterVote(p, id, yes, reason) { Sig = sig },
        Commit.Select(c => (Message)c),
        Text.Select(r => (Message)new RegisterRejected(r)),
        Gen.Constant<Message>(new PeerListRequest()),
        SeqOf(from n in Address from d in Gen.Choose(0, int.MaxValue) from cert in Cert select new PeerEntry(n, d) { Cert = cert }, 12)
            .Select(l => (Message)new PeerList(l)),
        from n in SeqOf(Address, 16) from unnamed in Gen.Elements(0, 0, 1, 5000) select (Message)new DegreeUpdate(n) { Unnamed = unnamed },
        from run in Incarnation from since in Incarnation select (Message)new SeedSyncRequest(run, since),
        from c in SeqOf(Commit, 5) from r in SeqOf(Removal, 5)
        from run in Incarnation from since in Incarnation from upto in Incarnation from more in Gen.Elements(true, false)
        select (Message)new SeedSync(run, since, upto, more, c, r),
        Address.Select(t => (Message)new Bridge(t)),
        Incarnation.Select(i => (Message)new LinkRequest(i)),
        from o in Address from body in Text from sig in MaybeText from cert in Cert from data in MaybeText
        select (Message)new Gossip(o, body) { Sig = sig, Cert = cert, Data = data },
        AnyLong.Select(n => (Message)new KeyChallenge(n)),
        from n in AnyLong from sig in Text select (Message)new KeyProof(n, sig),
        FailureDetection);

    static Gen<Message> FailureDetection => Gen.OneOf(
        Gen.Constant<Message>(new Heartbeat()),
        AnyLong.Select(n => (Message)new Probe(n)),
        AnyLong.Select(n => (Message)new ProbeAck(n)),
        Address.Select(a => (Message)new SuspectRequest(a)),
        from a in Address from dead in Gen.Elements(true, false) from e in Text from sig in MaybeText select (Message)new SuspectResponse(a, dead, e) { Sig = sig },
        from a in Address from r in Text from sig in MaybeText select (Message)new DeadReport(a, r) { Sig = sig },
        from a in Address from id in NonEmptyText from r in Text from i in Incarnation select (Message)new DeadProposal(a, id, r, i),
        from a in Address from id in NonEmptyText from yes in Gen.Elements(true, false) from e in Text from sig in MaybeText select (Message)new DeadVote(a, id, yes, e) { Sig = sig },
        Removal.Select(d => (Message)d),
        from a in Address from r in Text select (Message)new DeadRejected(a, r),
        Gen.Constant<Message>(new Leave()),
        Address.Select(a => (Message)new MemberQuery(a)),
        from a in Address from m in Gen.Elements(true, false) from i in Incarnation from cert in Cert select (Message)new MemberAnswer(a, m, i) { Cert = cert });

    public static Gen<Input> Input => Gen.OneOf(
        from t in AnyLong from s in AnyULong select (Input)new Started(t, s),
        from t in AnyLong from f in Address from m in Message select (Input)new Received(t, f, m),
        from t in AnyLong from n in Address select (Input)new Connected(t, n),
        from t in AnyLong from n in Address from r in AnyText select (Input)new Disconnected(t, n, r),
        from t in AnyLong from n in Address from r in AnyText select (Input)new ConnectFailed(t, n, r),
        from t in AnyLong from k in AnyTimerKey select (Input)new TimerFired(t, k),
        from t in AnyLong from remote in AnyText from r in AnyText select (Input)new BadFrame(t, remote, r),
        AnyLong.Select(t => (Input)new ShutdownRequested(t)),
        from t in AnyLong
        from ip in Address.Select(a => a.Ip)
        from o in Gen.Elements(PingOutcome.Reply, PingOutcome.NoReply, PingOutcome.Unavailable)
        from d in AnyText
        select (Input)new PingResult(t, ip, o, d),
        from t in AnyLong from late in AnyLong from age in AnyLong select (Input)new HealthSample(t, late, age));

    public static Gen<long> Step => AnyLong.Select(l => l & long.MaxValue);
}
