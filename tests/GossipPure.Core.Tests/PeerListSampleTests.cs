namespace GossipPure.Core.Tests;

/// <summary>
/// A seed's PEER_LIST in a network larger than <see cref="ProtocolOptions.PeerListMax"/>: a uniform sample of that many
/// other peers, in address order, the same every time for one receiver — drawn by position in the sorted table, so
/// it costs O(max · log N) and not a sort of the whole table per list.
/// </summary>
public sealed class PeerListSampleTests
{
    static readonly NodeId Self = new("127.0.0.1", 5011);

    static SeedState WithPeers(int count, int max)
    {
        var config = new NodeConfig(Self, toSeq([Self]), ProtocolOptions.Default with { PeerListMax = max });
        var peers = LanguageExt.Map.createRange(Enumerable.Range(0, count)
            .Select(i => (new NodeId($"10.0.{i / 250}.{i % 250 + 1}", 6001 + i), new PeerRecord(toSeq([Self]), 1))));
        return SeedState.Initial(config).WithPeers(peers);
    }

    [Fact]
    public void A_sample_is_max_distinct_other_peers_in_address_order_and_the_same_each_time()
    {
        var s = WithPeers(1000, 128);
        foreach (var receiver in s.Peers.Keys.Take(50).Append(new NodeId("192.168.0.1", 7000)))
        {
            var list = s.PeerListFor(receiver).Peers.Map(e => e.Node).ToArray();
            Assert.Equal(128, list.Length);
            Assert.DoesNotContain(receiver, list);
            Assert.Equal(list.Order().ToArray(), list);
            Assert.Equal(list.Length, list.Distinct().Count());
            Assert.All(list, n => Assert.True(s.Peers.ContainsKey(n)));
            Assert.Equal(list, s.PeerListFor(receiver).Peers.Map(e => e.Node).ToArray());
        }
    }

    [Fact]
    public void A_small_network_is_listed_whole_without_the_receiver()
    {
        var s = WithPeers(129, 128);
        var receiver = s.Peers.Keys.Skip(7).First();
        Assert.Equal(s.Peers.Keys.Where(n => n != receiver).ToArray(), s.PeerListFor(receiver).Peers.Map(e => e.Node).ToArray());
    }

    /// <summary>Over many receivers (members among them) every peer is picked about equally often: the sample is uniform.</summary>
    [Fact]
    public void Every_peer_is_picked_about_equally_often()
    {
        var s = WithPeers(300, 128);
        var counts = s.Peers.Keys.ToDictionary(n => n, _ => 0);
        var receivers = s.Peers.Keys.Concat(Enumerable.Range(0, 1700).Select(i => new NodeId("192.168.1.1", 1 + i))).ToArray();
        foreach (var receiver in receivers)
            foreach (var e in s.PeerListFor(receiver).Peers)
                counts[e.Node]++;
        // Each peer is in a list with probability 128/300 (128/299 for the lists of members): about 853 of 2000 lists.
        var expected = receivers.Length * 128.0 / 300;
        Assert.All(counts, kv => Assert.InRange(kv.Value, expected * 0.8, expected * 1.2));
    }
}
