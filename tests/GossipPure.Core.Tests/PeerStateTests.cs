using System.Reflection;
using LanguageExt;

namespace GossipPure.Core.Tests;

/// <summary>
/// <see cref="PeerState"/> keeps what registration, links and membership change in a part of its own (shared by the
/// copies a step makes). The split must not show: each property reads back what was set, setting one changes no other,
/// and equality sees every one.
/// </summary>
public sealed class PeerStateTests
{
    static readonly NodeId Self = new("127.0.0.1", 6001);
    static readonly NodeId Other = new("127.0.0.1", 6002);
    static readonly PeerState Base = PeerState.Initial(new NodeConfig(Self, Seq1(new NodeId("127.0.0.1", 5011)), ProtocolOptions.Default));
    static readonly RegisterCommit Commit = new(Other, Seq1(Self), 7);

    /// <summary>Every property a <c>with</c> can set, with a value that differs from <see cref="Base"/>'s.</summary>
    static readonly (string Name, Func<PeerState, PeerState> Set)[] Changes =
    [
        (nameof(PeerState.Config), s => s with { Config = s.Config with { Self = Other } }),
        (nameof(PeerState.Phase), s => s with { Phase = PeerPhase.Registered }),
        (nameof(PeerState.Rng), s => s with { Rng = new Rng(99) }),
        (nameof(PeerState.Round), s => s with { Round = s.Round with { Attempt = 3 } }),
        (nameof(PeerState.Known), s => s with { Known = s.Known.AddOrUpdate(Other, 4) }),
        (nameof(PeerState.Neighbours), s => s with { Neighbours = s.Neighbours.Add(Other) }),
        (nameof(PeerState.Made), s => s with { Made = 5 }),
        (nameof(PeerState.Seen), s => s with { Seen = s.Seen with { RotatedUs = 12 } }),
        (nameof(PeerState.Backlog), s => s with { Backlog = s.Backlog.Enqueue(new Gossip(Other, "1:127.0.0.1:1")) }),
        (nameof(PeerState.FirstTime), s => s with { FirstTime = 6 }),
        (nameof(PeerState.Duplicates), s => s with { Duplicates = 7 }),
        (nameof(PeerState.Pending), s => s with { Pending = s.Pending.Add(Other, new PendingMember(HashSet(Self), Que<Message>.Empty)) }),
        (nameof(PeerState.AppMade), s => s with { AppMade = 8 }),
        (nameof(PeerState.Stale), s => s with { Stale = 9 }),
        (nameof(PeerState.Incarnation), s => s with { Incarnation = 10 }),
        (nameof(PeerState.NowUs), s => s with { NowUs = 11 }),
        (nameof(PeerState.Health), s => s with { Health = s.Health with { Score = 2 } }),
        (nameof(PeerState.Det), s => s with { Det = s.Det with { NextNonce = 13 } }),
        (nameof(PeerState.Heard), s => s with { Heard = s.Heard.AddOrUpdate(Other, new LastHeard(14, false)) }),
        (nameof(PeerState.Certificate), s => s with { Certificate = Commit }),
        (nameof(PeerState.Keys), s => s with { Keys = s.Keys.Add(Other, new PeerKey("k", 7, Commit)) }),
        (nameof(PeerState.CertsSent), s => s with { CertsSent = s.CertsSent.Add(Other, HashSet(new CertSent(Other, 7))) }),
    ];

    static readonly PropertyInfo[] Settable = typeof(PeerState).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.SetMethod is not null).ToArray();

    [Fact]
    public void The_cases_name_every_settable_property()
    {
        Assert.Equal(Settable.Select(p => p.Name).Order(), Changes.Select(c => c.Name).Order());
    }

    [Fact]
    public void Setting_a_property_changes_it_alone_and_equality_sees_it()
    {
        foreach (var (name, set) in Changes)
        {
            var changed = set(Base);
            foreach (var p in Settable)
            {
                var same = Equals(p.GetValue(changed), p.GetValue(Base));
                Assert.True(p.Name == name ? !same : same, $"setting {name}: {p.Name} {(same ? "did not change" : "changed too")}");
            }
            Assert.NotEqual(Base, changed);
            Assert.Equal(changed, set(Base));
            Assert.Equal(changed.GetHashCode(), set(Base).GetHashCode());
        }
    }

    [Fact]
    public void The_neighbours_index_follows_every_change_of_the_neighbours_and_takes_no_part_in_equality()
    {
        NodeId At(int port) => new("127.0.0.1", port);
        var one = Base with { Neighbours = HashSet(At(6009), At(6003)) };
        Assert.True(one.IsNeighbour(At(6009)));   // the index is built here, and kept by the copies below
        Assert.False(one.IsNeighbour(At(6004)));
        var more = one with { Neighbours = one.Neighbours.Add(At(6004)) };
        Assert.True(more.IsNeighbour(At(6004)));
        Assert.Equal(new[] { At(6003), At(6004), At(6009) }, more.ActiveNeighbours.ToArray());
        var fewer = more with { Neighbours = more.Neighbours.Remove(At(6009)) };
        Assert.False(fewer.IsNeighbour(At(6009)));
        Assert.Equal(new[] { At(6003), At(6004) }, fewer.ActiveNeighbours.ToArray());
        var other = fewer with { Phase = PeerPhase.Registered };   // another field of the same part: the same neighbours
        Assert.True(other.IsNeighbour(At(6004)));
        Assert.False(other.IsNeighbour(At(6009)));
        // A state whose index was built equals one whose index was not.
        var fresh = Base with { Neighbours = HashSet(At(6009), At(6003)) };
        Assert.Equal(fresh, one);
        Assert.Equal(fresh.GetHashCode(), one.GetHashCode());
        Assert.True(fresh.IsNeighbour(At(6003)));
        Assert.Equal(fresh, one);
    }
}

/// <summary>A newcomer's known peers are the union of the seeds' lists, each at the highest degree any list gives it.</summary>
public sealed class AttachTests
{
    [Fact]
    public void Known_peers_are_the_union_of_the_lists_at_their_highest_degree()
    {
        var peer = new Support.PeerHarness();
        var asked = peer.Step(now => new Started(now, 42)).OfType<Send>().Where(s => s.Message is RegisterRequest).Select(s => s.To).ToList();
        Assert.True(asked.Count >= 2, "a quorum of seeds is asked");
        // The same 12 peers in every list, at degrees that rise in one list and fall in the next; one more in each list alone.
        var lists = asked.Select((seed, k) => (seed, Entries: Enumerable.Range(0, 12)
            .Select(i => new PeerEntry(Support.PeerHarness.Other(i), k % 2 == 0 ? i : 11 - i))
            .Append(new PeerEntry(Support.PeerHarness.Other(20 + k), 3 + k)).ToArray())).ToList();
        foreach (var (seed, entries) in lists) peer.From(seed, new PeerList(toSeq(entries)));
        var s = peer.State;
        Assert.Equal(PeerPhase.Registered, s.Phase);
        var expected = lists.SelectMany(l => l.Entries).GroupBy(e => e.Node).ToDictionary(g => g.Key, g => g.Max(e => e.Degree));
        Assert.Equal(expected.Keys.Order(), s.Known.Keys.Order());
        // A neighbour picked counts this peer's link too.
        foreach (var (node, degree) in expected) Assert.Equal(degree + (s.Neighbours.Contains(node) ? 1 : 0), s.Known[node]);
    }
}
