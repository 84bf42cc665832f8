using GossipPure.Core.Identity;
using GossipPure.Simulation.Tests.Support;

namespace GossipPure.Simulation.Tests;

/// <summary>
/// The lies a colluding set of Byzantine seeds (a minority) and peers (any number) tell, each signed only with the
/// signers they hold (their own, or key pairs they made) and sent as themselves. Their honest reducers run beneath:
/// they register, vote and forward, but a Byzantine seed's DEAD_VOTE and REGISTER_VOTE always say yes (validly signed by
/// it), a Byzantine peer's SUSPECT_RESPONSE always says dead; and every <see cref="IntervalUs"/> one of them, at
/// random, sends a random honest node one of <see cref="Lie"/>: forged certificates (its colluders' real signatures, the
/// honest seeds' names with made-up signature strings), certificates for addresses that never registered, gossip in a
/// live peer's name, yes votes, accusations, and replays of real certificates and gossip it received.
/// </summary>
public sealed class ByzantineAdversary : Adversary
{
    public enum Lie
    {
        ForgedDeadConfirmed, StrangerCommit, ForgedSeedSync, ForgedPeerList, ForgedMemberAnswer, YesDeadVote, YesRegisterVote,
        DeadProposal, ReplayDeadConfirmed, ReplayCommit, SpoofedGossip, AlteredGossip, ReplayGossip, DeadReport, SuspectDead,
        /// <summary>
        /// A Byzantine seed proposes, to the honest seeds, a registration it makes up: an address where nothing runs, or a
        /// live honest peer's address as a newer incarnation, under a key of its own; it gathers their signed yes votes
        /// into a certificate, then serves that certificate and gossips in the address's name with its key.
        /// </summary>
        HijackProposal,
        /// <summary>
        /// A Byzantine seed proposes, to the honest seeds, the removal of a peer it saw removed (so it is down now) as an
        /// incarnation far in the future; it gathers their signed yes votes into a certificate and replays it once the
        /// peer is back as a new incarnation.
        /// </summary>
        InflatedRemoval,
    }

    static readonly Lie[] SeedLies = Enum.GetValues<Lie>().Where(l => l is not (Lie.HijackProposal or Lie.InflatedRemoval)).ToArray();
    static readonly Lie[] PeerLies = [Lie.ForgedDeadConfirmed, Lie.StrangerCommit, Lie.ForgedPeerList, Lie.ForgedMemberAnswer,
        Lie.ReplayDeadConfirmed, Lie.SpoofedGossip, Lie.AlteredGossip, Lie.ReplayGossip, Lie.DeadReport, Lie.SuspectDead];

    readonly AdversaryKit kit;
    readonly Scenario sc;
    readonly NodeId[] mine;
    readonly NodeId[] mySeeds;
    readonly NodeId[] honestSeeds;
    readonly NodeId[] honestPeers;
    readonly NodeId[] honestNodes;
    readonly int quorum;
    readonly int percent;
    Rng rng;
    int strangers;

    // What the Byzantine nodes have seen: to replay, and to learn keys, incarnations and proposals.
    readonly List<DeadConfirmed> removals = new();
    readonly Dictionary<NodeId, RegisterCommit> certs = new();
    readonly List<Gossip> gossip = new();
    readonly Dictionary<string, DeadProposal> deadProposals = new(StringComparer.Ordinal);
    readonly Dictionary<string, (NodeId Proposer, RegisterProposal P)> registerProposals = new(StringComparer.Ordinal);
    readonly Dictionary<NodeId, long> incarnations = new();

    // Registrations the adversary proposed to the honest seeds: the signatures gathered, and the certificates they made.
    readonly bool hijack;
    readonly Dictionary<string, (RegisterProposal P, ISigner Key, Dictionary<NodeId, string> Sigs)> proposed = new(StringComparer.Ordinal);
    readonly List<(RegisterCommit Cert, ISigner Key)> hijacked = new();
    readonly Dictionary<string, (DeadProposal P, Dictionary<NodeId, string> Sigs)> proposedDeaths = new(StringComparer.Ordinal);
    readonly List<DeadConfirmed> inflated = new();
    readonly System.Collections.Generic.HashSet<NodeId> seenRemoved = new();

    /// <summary>Counts of the lies told, by kind (the property prints them).</summary>
    public Dictionary<Lie, int> Told { get; } = new();

    public ByzantineAdversary(AdversaryKit kit, ulong seed, long intervalUs, int actPercent, bool hijack = false)
    {
        this.hijack = hijack;
        this.kit = kit;
        sc = kit.Scenario;
        rng = new Rng(seed ^ 0xB42A);
        IntervalUs = intervalUs;
        percent = actPercent;
        mine = kit.Signers.Keys.OrderBy(n => n).ToArray();
        mySeeds = mine.Where(n => sc.SeedIds.Contains(n)).ToArray();
        honestSeeds = sc.SeedIds.Where(n => !kit.Signers.ContainsKey(n)).ToArray();
        honestPeers = sc.PeerIds.Where(n => !kit.Signers.ContainsKey(n)).ToArray();
        honestNodes = [.. honestSeeds, .. honestPeers];
        quorum = Quorum.Of(sc.Seeds);
    }

    public override long IntervalUs { get; }

    public override void Saw(long nowUs, NodeId at, NodeId from, Message m)
    {
        switch (m)
        {
            case DeadConfirmed dc:
                if (removals.Count < 64 && !removals.Contains(dc)) removals.Add(dc);
                if (honestPeers.Contains(dc.Node)) seenRemoved.Add(dc.Node);
                break;
            case RegisterCommit c: Keep(c); break;
            case SeedSync sync:
                foreach (var c in sync.Commits) Keep(c);
                foreach (var dc in sync.Removals) if (removals.Count < 64 && !removals.Contains(dc)) removals.Add(dc);
                break;
            case PeerList list: foreach (var e in list.Peers) foreach (var c in e.Cert) Keep(c); break;
            case MemberAnswer a: foreach (var c in a.Cert) Keep(c); if (a.Member) Learn(a.Node, a.Incarnation); break;
            case Gossip g:
                foreach (var c in g.Cert) Keep(c);
                if (gossip.Count < 64) gossip.Add(g);
                break;
            case LinkRequest l: Learn(from, l.Incarnation); break;
            case DeadProposal p: deadProposals[p.ProposalId] = p; break;
            case RegisterProposal p: registerProposals[p.ProposalId] = (from, p); break;
            case DeadVote { Yes: true, Sig: { } dsig } v when proposedDeaths.TryGetValue(v.ProposalId, out var death):
                death.Sigs[from] = dsig;
                if (death.Sigs.Count == quorum)
                {
                    var sigs = toSeq(death.Sigs.OrderBy(kv => kv.Key).Select(kv => new SeedSignature(kv.Key, kv.Value)).ToArray());
                    inflated.Add(new DeadConfirmed(death.P.Suspect, sigs.Map(x => x.Seed), death.P.Reason, None, death.P.Incarnation)
                    { ProposalId = death.P.ProposalId, Signatures = sigs });
                }
                break;
            case RegisterVote { Yes: true, Sig: { } sig } v when proposed.TryGetValue(v.ProposalId, out var ours):
                ours.Sigs[from] = sig;
                if (ours.Sigs.Count == quorum)
                {
                    var sigs = toSeq(ours.Sigs.OrderBy(kv => kv.Key).Select(kv => new SeedSignature(kv.Key, kv.Value)).ToArray());
                    hijacked.Add((new RegisterCommit(ours.P.Peer, sigs.Map(x => x.Seed), ours.P.Incarnation)
                    { Key = ours.Key.PublicKey, ProposalId = ours.P.ProposalId, Signatures = sigs }, ours.Key));
                }
                break;
        }
    }

    void Keep(RegisterCommit c)
    {
        if (!certs.TryGetValue(c.Peer, out var old) || old.Incarnation < c.Incarnation) certs[c.Peer] = c;
        Learn(c.Peer, c.Incarnation);
    }

    void Learn(NodeId n, long incarnation) => incarnations[n] = Math.Max(incarnations.GetValueOrDefault(n), incarnation);

    public override IEnumerable<Message> Outgoing(long nowUs, NodeId from, NodeId to, Message m)
    {
        // A Byzantine peer forwards every gossip with a spoiled copy just before it (its signature made up, or the
        // certificate of another peer): the copies race, so the bad one often arrives first — and must not make the
        // receiver drop the real one as a duplicate.
        if (m is Gossip g && !sc.SeedIds.Contains(from) && !kit.Signers.ContainsKey(g.Origin))
            yield return Pick(2) == 0 || certs.Count == 0 ? g with { Sig = ForgedSig() } : g with { Cert = Seq1(Any(certs.Values.ToArray())) };
        yield return Rewrite(from, m);
    }

    Message Rewrite(NodeId from, Message m) => m switch
    {
        // A Byzantine seed votes yes to every removal and every admission, with its own valid signature.
        DeadVote v when deadProposals.TryGetValue(v.ProposalId, out var p) => v with
        {
            Yes = true, Evidence = "lie: no answer to PROBE",
            Sig = Sign(from, Statements.Dead(p.Suspect, p.Incarnation, p.Reason, p.ProposalId)),
        },
        DeadVote v => v with { Yes = true, Evidence = "lie: no answer to PROBE" },
        RegisterVote v when registerProposals.TryGetValue(v.ProposalId, out var rp) && rp.P.Key is { } key => v with
        {
            Yes = true, Reason = null, Sig = Sign(from, Statements.Register(rp.P.Peer, key, rp.P.Incarnation, rp.P.ProposalId)),
        },
        RegisterVote v => v with { Yes = true, Reason = null },
        // A Byzantine peer answers every witness request "dead", signed as itself.
        SuspectResponse r => r with
        {
            Dead = true, Evidence = "lie: no answer to PROBE",
            Sig = Sign(from, Statements.SuspectResponse(from, r.Suspect, true, "lie: no answer to PROBE")),
        },
        _ => m,
    };

    string Sign(NodeId who, byte[] statement) => kit.Signers[who].Sign(statement);

    int Pick(int n) => Cases.Pick(ref rng, n);
    T Any<T>(IReadOnlyList<T> items) => items[Pick(items.Count)];

    /// <summary>Something shaped like a signature that no key made.</summary>
    string ForgedSig() => Convert.ToBase64String(BitConverter.GetBytes(Cases.PickUs(ref rng, 0, long.MaxValue)).Concat(new byte[24]).ToArray());

    /// <summary>
    /// A certificate as the colluders can make it: every Byzantine seed's real signature, then honest seeds' names (so
    /// the names alone reach a quorum) with signatures they never made — or, sometimes, a Byzantine seed's real
    /// signature filed under an honest seed's name.
    /// </summary>
    (Seq<NodeId> Voters, Seq<SeedSignature> Sigs) Forge(byte[] statement)
    {
        var sigs = mySeeds.Select(z => new SeedSignature(z, Sign(z, statement))).ToList();
        foreach (var h in honestSeeds.Take(Math.Max(0, quorum - sigs.Count + Pick(2))))
            sigs.Add(new SeedSignature(h, mySeeds.Length > 0 && Pick(3) == 0 ? Sign(Any(mySeeds), statement) : ForgedSig()));
        if (Pick(4) == 0 && sigs.Count > 0) sigs.Add(sigs[0]);   // one signature twice
        return (toSeq(sigs.Select(s => s.Seed).Distinct().OrderBy(n => n).ToArray()), toSeq(sigs.ToArray()));
    }

    long IncarnationOf(NodeId n) =>
        Pick(3) == 0 || !incarnations.TryGetValue(n, out var inc) ? 9_999_999_999_999_999 : inc + Pick(2);

    DeadConfirmed ForgedRemoval(NodeId victim)
    {
        var inc = IncarnationOf(victim);
        var pid = $"{Any(mine).Port}-{1 + Pick(50)}";
        var (voters, sigs) = Forge(Statements.Dead(victim, inc, "crashed", pid));
        return new DeadConfirmed(victim, voters, "crashed", None, inc) { ProposalId = pid, Signatures = sigs };
    }

    /// <summary>A certificate for an address where nothing runs, or (sometimes) for a live honest peer under a key the adversary made.</summary>
    RegisterCommit ForgedCommit(long nowUs)
    {
        var k = strangers++;
        var peer = Pick(3) == 0 && honestPeers.Length > 0 ? Any(honestPeers) : new NodeId($"10.66.{k / 250}.{1 + k % 250}", 7000 + k % 1000);
        var key = kit.NewKeyPair($"stranger {k}").PublicKey;
        var inc = sc.EpochUs + nowUs;
        var pid = $"{Any(mine).Port}-{1 + Pick(50)}";
        var (voters, sigs) = Forge(Statements.Register(peer, key, inc, pid));
        return new RegisterCommit(peer, voters, inc) { Key = key, ProposalId = pid, Signatures = sigs };
    }

    public override IEnumerable<(NodeId From, NodeId To, Message Message)> Act(long nowUs)
    {
        if (Pick(100) >= percent || honestNodes.Length == 0) return [];
        var from = Any(mine);
        var lie = hijack && Pick(3) == 0 ? (Pick(2) == 0 ? Lie.HijackProposal : Lie.InflatedRemoval) : Any(sc.SeedIds.Contains(from) ? SeedLies : PeerLies);
        var messages = Tell(nowUs, from, lie).ToArray();
        if (messages.Length > 0) Told[lie] = Told.GetValueOrDefault(lie) + 1;
        return messages;
    }

    IEnumerable<(NodeId, NodeId, Message)> Tell(long nowUs, NodeId from, Lie lie)
    {
        var to = Any(honestNodes);
        var toPeer = honestPeers.Length > 0 ? Any(honestPeers) : to;
        var toSeed = honestSeeds.Length > 0 ? Any(honestSeeds) : to;
        var victim = honestPeers.Length > 0 ? Any(honestPeers) : Any(sc.PeerIds.ToArray());
        switch (lie)
        {
            case Lie.ForgedDeadConfirmed:
                yield return (from, Pick(4) == 0 ? victim : to, ForgedRemoval(victim));
                break;
            case Lie.StrangerCommit:
                yield return (from, to, ForgedCommit(nowUs));
                break;
            case Lie.ForgedSeedSync:
                yield return (from, toSeed, new SeedSync(1, 0, 1, false, Seq(ForgedCommit(nowUs), ForgedCommit(nowUs)), Seq1(ForgedRemoval(victim))));
                break;
            case Lie.ForgedPeerList:
                {
                    var forged = ForgedCommit(nowUs);
                    var real = certs.Values.Take(3).Select(c => new PeerEntry(c.Peer, 1) { Cert = Seq1(c) });
                    yield return (from, toPeer, new PeerList(toSeq(real.Append(new PeerEntry(forged.Peer, 9) { Cert = Seq1(forged) }).ToArray())));
                    break;
                }
            case Lie.ForgedMemberAnswer:
                {
                    var forged = ForgedCommit(nowUs);
                    yield return (from, toPeer, new MemberAnswer(forged.Peer, true, forged.Incarnation) { Cert = Seq1(forged) });
                    break;
                }
            case Lie.YesDeadVote:
                {
                    var open = deadProposals.Values.ToArray();
                    if (open.Length > 0)
                    {
                        var p = Any(open);
                        yield return (from, toSeed, new DeadVote(p.Suspect, p.ProposalId, true, "lie: no answer to PROBE")
                        { Sig = Sign(from, Statements.Dead(p.Suspect, p.Incarnation, p.Reason, p.ProposalId)) });
                    }
                    else
                    {
                        var pid = $"{toSeed.Port}-{1 + Pick(40)}";
                        var inc = IncarnationOf(victim);
                        yield return (from, toSeed, new DeadVote(victim, pid, true, "lie: no answer to PROBE")
                        { Sig = Sign(from, Statements.Dead(victim, inc, "crashed", pid)) });
                    }
                    break;
                }
            case Lie.YesRegisterVote:
                {
                    var open = registerProposals.Values.ToArray();
                    if (open.Length > 0 && Pick(2) == 0)
                    {
                        var (proposer, p) = Any(open);
                        if (!kit.Signers.ContainsKey(proposer))
                            yield return (from, proposer, new RegisterVote(p.Peer, p.ProposalId, true, null)
                            { Sig = p.Key is null ? ForgedSig() : Sign(from, Statements.Register(p.Peer, p.Key, p.Incarnation, p.ProposalId)) });
                    }
                    else
                    {
                        var c = ForgedCommit(nowUs);
                        yield return (from, toSeed, new RegisterVote(c.Peer, $"{toSeed.Port}-{1 + Pick(40)}", true, null) { Sig = c.Signatures.Head.Sig });
                    }
                    break;
                }
            case Lie.DeadProposal:
                yield return (from, toSeed, new DeadProposal(victim, $"{from.Port}-{1000 + Pick(1000)}", "crashed", IncarnationOf(victim)));
                break;
            case Lie.ReplayDeadConfirmed:
                if (removals.Count > 0) yield return (from, to, Any(removals));
                break;
            case Lie.ReplayCommit:
                if (certs.Count > 0) yield return (from, to, Any(certs.Values.ToArray()));
                break;
            case Lie.SpoofedGossip:
                {
                    // A message in a live peer's name: signed by the liar (or not at all, or with made-up bytes), carrying
                    // the named peer's real certificate when the liar has seen it, else its own.
                    var body = $"{PeerReducer.FormatTimestamp(sc.EpochUs + nowUs)}:{victim.Ip}:{1 + Pick(20)}";
                    var cert = certs.TryGetValue(victim, out var vc) && Pick(3) > 0 ? Seq1(vc)
                        : certs.TryGetValue(from, out var own) ? Seq1(own) : Seq<RegisterCommit>();
                    var sig = Pick(4) switch
                    {
                        0 => ForgedSig(),
                        1 => null,
                        2 => Sign(from, Statements.Gossip(from, body)),
                        _ => Sign(from, Statements.Gossip(victim, body)),
                    };
                    yield return (from, toPeer, new Gossip(victim, body) { Sig = sig, Cert = cert });
                    break;
                }
            case Lie.AlteredGossip:
                {
                    // A real message, its body changed, its origin's signature and certificate kept.
                    var real = gossip.Where(g => !kit.Signers.ContainsKey(g.Origin)).ToArray();
                    if (real.Length == 0) break;
                    var g = Any(real);
                    var body = $"{PeerReducer.FormatTimestamp(sc.EpochUs + nowUs)}:{g.Origin.Ip}:{100 + Pick(100)}";
                    yield return (from, toPeer, g with { Body = body });
                    break;
                }
            case Lie.ReplayGossip:
                if (gossip.Count > 0) yield return (from, toPeer, Any(gossip));
                break;
            case Lie.DeadReport:
                {
                    var report = $"Dead Node:{victim.Ip}:{victim.Port}:{PeerReducer.FormatTimestamp(sc.EpochUs + nowUs)}:{from.Ip}";
                    foreach (var s in sc.SeedIds.Where(s => !kit.Signers.ContainsKey(s)))
                        yield return (from, s, new DeadReport(victim, report) { Sig = Sign(from, Statements.DeadReport(from, victim, report)) });
                    break;
                }
            case Lie.HijackProposal:
                {
                    // Use a certificate gathered earlier, or propose a new registration.
                    if (hijacked.Count > 0 && Pick(4) > 0)
                    {
                        var (cert, key) = Any(hijacked);
                        var x = cert.Peer;
                        var body = $"{PeerReducer.FormatTimestamp(sc.EpochUs + nowUs)}:{x.Ip}:{1 + Pick(20)}";
                        var forged = new Gossip(x, body) { Sig = key.Sign(Statements.Gossip(x, body)), Cert = Seq1(cert) };
                        var gossiper = mine.Where(n => !sc.SeedIds.Contains(n)).DefaultIfEmpty(from).First();
                        yield return (gossiper, toPeer, forged);
                        if (mySeeds.Length > 0)
                        {
                            var z = Any(mySeeds);
                            yield return (z, toSeed, cert);
                            yield return (z, toPeer, cert);
                            yield return (z, toPeer, new PeerList(Seq1(new PeerEntry(x, 9) { Cert = Seq1(cert) })));
                        }
                        break;
                    }
                    if (mySeeds.Length == 0) break;
                    var k = strangers++;
                    var peer = Pick(2) == 0 && honestPeers.Length > 0 ? Any(honestPeers) : new NodeId($"10.77.{k / 250}.{1 + k % 250}", 7000 + k % 1000);
                    var signer = kit.NewKeyPair($"hijack {k}");
                    var z0 = Any(mySeeds);
                    var p = new RegisterProposal(peer, $"{z0.Port}-{90_000 + k}", sc.EpochUs + nowUs) { Key = signer.PublicKey };
                    var statement = Statements.Register(peer, signer.PublicKey, p.Incarnation, p.ProposalId);
                    proposed[p.ProposalId] = (p, signer, mySeeds.ToDictionary(z => z, z => Sign(z, statement)));
                    foreach (var h in honestSeeds) yield return (z0, h, p);
                    break;
                }
            case Lie.InflatedRemoval:
                {
                    if (inflated.Count > 0 && Pick(2) == 0)
                    {
                        var dc = Any(inflated);
                        yield return (from, to, dc);
                        yield return (from, dc.Node, dc);
                        break;
                    }
                    if (mySeeds.Length == 0) break;
                    var target = seenRemoved.Count > 0 && Pick(4) > 0 ? Any(seenRemoved.OrderBy(n => n).ToArray()) : victim;
                    var z = Any(mySeeds);
                    var p = new DeadProposal(target, $"{z.Port}-{80_000 + strangers++}", "crashed", 9_999_999_999_999_999);
                    var statement = Statements.Dead(target, p.Incarnation, p.Reason, p.ProposalId);
                    proposedDeaths[p.ProposalId] = (p, mySeeds.ToDictionary(b => b, b => Sign(b, statement)));
                    foreach (var h in honestSeeds) yield return (z, h, p);
                    break;
                }
            case Lie.SuspectDead:
                yield return (from, toPeer, new SuspectResponse(victim, true, "lie: it is dead")
                { Sig = Sign(from, Statements.SuspectResponse(from, victim, true, "lie: it is dead")) });
                break;
        }
    }
}
