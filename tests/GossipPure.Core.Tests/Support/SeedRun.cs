namespace GossipPure.Core.Tests.Support;

/// <summary>
/// Plays a <see cref="SeedCase"/> against real seed reducers and checks, after every step and from the outside,
/// that no honest seed holds a peer without a quorum certificate of seeds that really said yes.
/// </summary>
public sealed class SeedRun
{
    public SeedCase Case { get; }
    public World World { get; }
    public int Honest { get; }
    public System.Collections.Generic.HashSet<NodeId> Requested { get; } = new();
    /// <summary>Per peer: the seeds seen to say yes to it (a yes REGISTER_VOTE sent, or a proposal of their own).</summary>
    readonly Dictionary<NodeId, System.Collections.Generic.HashSet<NodeId>> yes = new();

    public SeedRun(SeedCase c)
    {
        Case = c;
        World = new World(c.SeedCount);
        Honest = c.SeedCount - c.Colluders;
        World.Observe = Check;
        for (var i = 0; i < Honest; i++) World.StartSeed(World.SeedId(i));
    }

    NodeId HonestSeed(int i) => World.SeedId(Math.Abs(i) % Honest);
    NodeId Colluder(int i) => World.SeedId(Honest + Math.Abs(i) % Case.Colluders);

    System.Collections.Generic.HashSet<NodeId> YesFor(NodeId peer) =>
        yes.TryGetValue(peer, out var set) ? set : yes[peer] = new();

    /// <summary>Plays every op, then (when <paramref name="drain"/>) delivers everything still in flight.</summary>
    public SeedRun Play(bool drain = true)
    {
        foreach (var op in Case.Ops) Apply(op);
        if (drain) World.Drain();
        return this;
    }

    void Apply(SeedOp op)
    {
        var w = World;
        switch (op)
        {
            case RequestOp r:
                var peer = World.PeerId(r.Peer);
                Requested.Add(peer);
                w.Inject(peer, HonestSeed(r.Seed), new RegisterRequest(r.Incarnation));
                break;
            case RestartOp s: w.RestartSeed(HonestSeed(s.Seed)); break;
            case DeliverOp d when w.InFlight.Count > 0: w.Deliver(w.InFlight[d.Pick % w.InFlight.Count]); break;
            case DuplicateOp d when w.InFlight.Count > 0: w.Deliver(w.InFlight[d.Pick % w.InFlight.Count], duplicate: true); break;
            case DropOp d when w.InFlight.Count > 0: w.Drop(w.InFlight[d.Pick % w.InFlight.Count]); break;
            case FireOp f when w.Timers.Count > 0:
                var (node, key) = w.Timers.ElementAt(f.Pick % w.Timers.Count);
                w.Fire(node, key);
                break;
            case ReconnectOp c when HonestSeed(c.At) != HonestSeed(c.Other): w.Connected(HonestSeed(c.At), HonestSeed(c.Other)); break;
            case ForgeOp f: Forge(f); break;
        }
    }

    void Forge(ForgeOp f)
    {
        var from = Colluder(f.Colluder);
        var to = HonestSeed(f.Target);
        var peer = f.Peer < 0 ? SeedScripts.ForgedPeer : World.PeerId(f.Peer);
        var voters = toSeq(f.Voters.Select(v => v < 0 ? SeedScripts.Stranger(v) : Colluder(v)).ToArray());
        Message m = f.Kind switch
        {
            ForgeKind.Commit => new RegisterCommit(peer, voters, 1),
            ForgeKind.Sync => new SeedSync(1, 0, 1, false, toSeq([new RegisterCommit(peer, voters, 1), new RegisterCommit(peer, voters.Rev(), 1)]), Seq<DeadConfirmed>()),
            ForgeKind.Proposal => new RegisterProposal(peer, $"forged-{f.Voters.Length}", 1),
            // A colluder did receive the honest proposal, so it can answer it: its vote is a real vote of a faulty seed.
            _ => new RegisterVote(peer, World.Seeds[to].Registrations.Find(peer).Map(r => r.ProposalId).IfNone("none"), f.Yes, f.Yes ? null : "forged no"),
        };
        if (m is RegisterVote { Yes: true }) YesFor(peer).Add(from);
        World.Inject(from, to, m);
    }

    /// <summary>The safety invariant, checked after every step of every seed.</summary>
    void Check(StepRecord step)
    {
        if (!World.Seeds.TryGetValue(step.Node, out var seed)) return;
        foreach (var e in step.Effects)
        {
            if (e is Send { Message: RegisterVote { Yes: true } v }) YesFor(v.Peer).Add(step.Node);
            if (e is SetTimer { Key: TimerKey.Proposal } t)
                foreach (var p in Requested.Where(p => SeedReducer.ProposalTimer(p) == t.Key)) YesFor(p).Add(step.Node);   // own vote: peers here are never seed addresses
        }
        var quorum = World.Quorum;
        foreach (var (peer, record) in seed.Peers)
        {
            var where = $"at {step.Node} after {World.Describe(step.Input)} (step {World.Trace.Count})";
            Assert.False(peer == SeedScripts.ForgedPeer, $"{where}: the forged peer {peer} entered the peer list with voters [{string.Join(", ", record.Voters)}]");
            var distinct = record.Voters.Distinct().ToList();
            Assert.True(distinct.All(v => World.SeedIds.Contains(v)), $"{where}: {peer}'s certificate names a non-seed: [{string.Join(", ", record.Voters)}]");
            Assert.True(distinct.Count >= quorum, $"{where}: {peer} committed with {distinct.Count} distinct voters [{string.Join(", ", record.Voters)}], quorum is {quorum}");
            var said = YesFor(peer);
            var liars = distinct.Where(v => !said.Contains(v)).ToList();
            Assert.True(liars.Count == 0, $"{where}: {peer}'s certificate names [{string.Join(", ", liars)}], which never voted yes for it (yes came from [{string.Join(", ", said.Order())}])");
        }
    }

    /// <summary>Every requested peer is in every honest seed's peer list, and the lists are equal.</summary>
    public void AssertAllCommittedEverywhere()
    {
        var expected = Requested.Order().ToList();
        foreach (var (id, s) in World.Seeds)
            Assert.True(expected.SequenceEqual(s.Peers.Keys.Order()),
                $"{id} has peers [{string.Join(", ", s.Peers.Keys.Order())}], expected [{string.Join(", ", expected)}]");
    }
}
