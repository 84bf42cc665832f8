using FsCheck;
using FsCheck.Fluent;

namespace GossipPure.Core.Tests.Support;

/// <summary>One scripted event in a world of seeds. Picks are taken modulo what is available at that moment.</summary>
public abstract record SeedOp;
/// <summary>
/// Scripted peer <c>Peer</c> sends REGISTER_REQUEST to seed <c>Seed</c> as incarnation <c>Incarnation</c> (a peer that
/// restarted asks again with a later one; a late copy of an earlier request may still arrive).
/// </summary>
public sealed record RequestOp(int Peer, int Seed, long Incarnation = 1) : SeedOp
{
    public override string ToString() => $"Request(p{Peer}->s{Seed}, inc {Incarnation})";
}
/// <summary>
/// Honest seed <c>Seed</c> crashes and starts again as a new process: its state, its timers and the messages in flight
/// to it are gone; it relearns the committed peers from the others' SEED_SYNC.
/// </summary>
public sealed record RestartOp(int Seed) : SeedOp { public override string ToString() => $"Restart(s{Seed})"; }
public sealed record DeliverOp(int Pick) : SeedOp { public override string ToString() => $"Deliver({Pick})"; }
public sealed record DropOp(int Pick) : SeedOp { public override string ToString() => $"Drop({Pick})"; }
public sealed record DuplicateOp(int Pick) : SeedOp { public override string ToString() => $"Duplicate({Pick})"; }
/// <summary>A pending seed timer fires (a proposal timeout, a reconnect).</summary>
public sealed record FireOp(int Pick) : SeedOp { public override string ToString() => $"Fire({Pick})"; }
/// <summary>Seed <c>At</c> sees its connection to seed <c>Other</c> come up, and sends it a SEED_SYNC.</summary>
public sealed record ReconnectOp(int At, int Other) : SeedOp { public override string ToString() => $"Reconnect(s{At}<-s{Other})"; }

public enum ForgeKind { Commit, Sync, Proposal, Vote }

/// <summary>
/// A colluding seed sends a forged message to an honest seed. <c>Voters</c> index the colluding seeds (with repeats);
/// a negative index is an address that is no seed at all. <c>Peer</c> &lt; 0 is the never-requested forged peer.
/// </summary>
public sealed record ForgeOp(ForgeKind Kind, int Colluder, int Target, int Peer, int[] Voters, bool Yes) : SeedOp
{
    public override string ToString() =>
        $"Forge{Kind}(c{Colluder}->h{Target}, peer {Peer}, voters [{string.Join(",", Voters)}]{(Kind == ForgeKind.Vote ? (Yes ? ", yes" : ", no") : "")})";
}

/// <summary>A whole scenario: n seeds, some scripted peers, and what happens in which order.</summary>
public sealed record SeedCase(int SeedCount, int PeerCount, int Colluders, SeedOp[] Ops)
{
    public override string ToString() =>
        $"n={SeedCount} peers={PeerCount} colluders={Colluders} ops=[{string.Join(", ", Ops.Select(o => o.ToString()))}]";
}

public static class SeedScripts
{
    /// <summary>The peer only forged messages ever name: no REGISTER_REQUEST comes from it.</summary>
    public static readonly NodeId ForgedPeer = new("127.0.0.1", 6666);

    /// <summary>An address that is not a seed, for forged certificates padded with strangers.</summary>
    public static NodeId Stranger(int i) => new("127.0.0.1", 9000 + Math.Abs(i));

    static Gen<SeedOp> Op(int n, int peers, bool lossy, int colluders)
    {
        var pick = Gen.Choose(0, 999);
        var ops = new List<(int, Gen<SeedOp>)>
        {
            (3, from p in Gen.Choose(0, peers - 1) from s in Gen.Choose(0, n - 1)
                from inc in Gen.Frequency((6, Gen.Constant(1L)), (2, Gen.Constant(2L)), (1, Gen.Constant(3L)))
                select (SeedOp)new RequestOp(p, s, inc)),
            (12, pick.Select(i => (SeedOp)new DeliverOp(i))),
            (2, pick.Select(i => (SeedOp)new DuplicateOp(i))),
        };
        if (lossy)
        {
            ops.Add((2, pick.Select(i => (SeedOp)new DropOp(i))));
            ops.Add((1, pick.Select(i => (SeedOp)new FireOp(i))));
            ops.Add((1, from a in Gen.Choose(0, n - 1) from b in Gen.Choose(0, n - 1) select (SeedOp)new ReconnectOp(a, b)));
            ops.Add((1, Gen.Choose(0, n - 1).Select(i => (SeedOp)new RestartOp(i))));
        }
        if (colluders > 0)
        {
            var forge =
                from kind in Gen.Elements(Enum.GetValues<ForgeKind>())
                from c in Gen.Choose(0, colluders - 1)
                from t in Gen.Choose(0, n - colluders - 1)
                from peer in Gen.Choose(-1, peers - 1)
                from count in Gen.Choose(1, 2 * n)
                from voters in Gen.ArrayOf(Gen.Frequency((5, Gen.Choose(0, colluders - 1)), (1, Gen.Choose(-3, -1))), count)
                from yes in Gen.Elements(true, false)
                select (SeedOp)new ForgeOp(kind, c, t, peer, voters, yes);
            ops.Add((4, forge));
        }
        return Gen.Frequency(ops.ToArray());
    }

    /// <param name="honestQuorum">When colluding: at most n − quorum colluders, so the honest seeds alone are a quorum.</param>
    static Gen<SeedCase> Case(int minSeeds, bool lossy, bool collude, bool honestQuorum = false) =>
        from n in Gen.Choose(minSeeds, 7)
        from peers in Gen.Choose(1, 4)
        from colluders in collude ? Gen.Choose(1, honestQuorum ? n - Quorum.Of(n) : Quorum.Of(n) - 1) : Gen.Constant(0)
        from ops in Gen.Sized(size => Gen.Choose(0, 3 * size + 10).SelectMany(k => Gen.ArrayOf(Op(n, peers, lossy, colluders), k)))
        select new SeedCase(n, peers, colluders, ops);

    /// <summary>Shrinks by removing runs of ops, longest first, then by dropping peers that no op needs.</summary>
    static IEnumerable<SeedCase> Shrink(SeedCase c)
    {
        for (var chunk = Math.Max(1, c.Ops.Length / 2); chunk >= 1; chunk /= 2)
        {
            for (var i = 0; i + chunk <= c.Ops.Length; i += chunk)
                yield return c with { Ops = [.. c.Ops[..i], .. c.Ops[(i + chunk)..]] };
            if (chunk == 1) break;
        }
    }

    /// <summary>Any order, loss, duplication, timeouts, reconnections and seed restarts.</summary>
    public static Arbitrary<SeedCase> Lossy => Arb.From(Case(1, lossy: true, collude: false), Shrink);
    /// <summary>Any order and duplication, nothing lost, no timer fires.</summary>
    public static Arbitrary<SeedCase> Lossless => Arb.From(Case(1, lossy: false, collude: false), Shrink);
    /// <summary>Fewer than a quorum of seeds collude and forge; the honest seeds' messages may be lost or repeated.</summary>
    public static Arbitrary<SeedCase> Colluding => Arb.From(Case(2, lossy: true, collude: true), Shrink);
    /// <summary>Colluders forge, the honest seeds lose nothing and are a quorum by themselves (so n ≥ 3).</summary>
    public static Arbitrary<SeedCase> ColludingLossless => Arb.From(Case(3, lossy: false, collude: true, honestQuorum: true), Shrink);
}
