using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace GossipPure.Core.Tests;

/// <summary>
/// A seed's peer order (<see cref="PeerOrder"/>) is its table's keys in address order, position by position, after any
/// run of commits and removals: chunks split as they fill and go as they empty, and a state built one commit at a time
/// equals one given the same table whole.
/// </summary>
public sealed class PeerOrderProperties
{
    /// <summary>Add (true) or remove one of 3,000 addresses; a few ports share an IP so both parts of the order count.</summary>
    static readonly Gen<(bool Add, int Node)> Step = Gen.Frequency(
        (3, Gen.Choose(0, 2_999).Select(n => (true, n))),
        (1, Gen.Choose(0, 2_999).Select(n => (false, n))));

    static NodeId Node(int n) => new($"10.{n % 7}.{n / 50}.{n % 50 + 1}", 6001 + n % 3);

    static readonly PeerRecord Record = new(toSeq([new NodeId("127.0.0.1", 5011)]), 1);

    public static Arbitrary<(bool Add, int Node)[]> Steps =>
        Gen.Choose(0, 2_500).SelectMany(n => Step.ArrayOf(n)).ToArbitrary();

    [Property(MaxTest = 60)]
    public Property Every_position_holds_the_tables_key_in_address_order() =>
        Prop.ForAll(Steps, steps =>
        {
            var config = new NodeConfig(new NodeId("127.0.0.1", 5011), toSeq([new NodeId("127.0.0.1", 5011)]), ProtocolOptions.Default);
            var s = SeedState.Initial(config);
            foreach (var (add, n) in steps) s = add ? s.WithPeer(Node(n), Record) : s.WithoutPeer(Node(n));
            var keys = s.Peers.Keys.ToArray();
            Assert.Equal(keys.Length, s.Order.Count);
            for (var i = 0; i < keys.Length; i++) Assert.Equal(keys[i], s.Order[i]);
            Assert.Equal(SeedState.Initial(config).WithPeers(s.Peers), s);
            return true;
        });

    /// <summary>A commit, a removal, a report (a degree) or a report dropped, of one of 1,500 addresses.</summary>
    public static Arbitrary<(int Kind, int Node, int Degree)[]> ReportSteps =>
        Gen.Choose(0, 2_000).SelectMany(n => Gen.Zip(Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Constant(1)), (3, Gen.Constant(2)), (1, Gen.Constant(3))),
            Gen.Zip(Gen.Choose(0, 1_499), Gen.Choose(0, 40))).Select(t => (t.Item1, t.Item2.Item1, t.Item2.Item2)).ArrayOf(n)).ToArbitrary();

    /// <summary>
    /// Each position's degree is its key's last report (0 without one), whatever came first, the commit or the report,
    /// and a report dropped or a key removed and committed again: the same as a state given its reports whole.
    /// </summary>
    [Property(MaxTest = 60)]
    public Property Every_position_holds_its_keys_reported_degree() =>
        Prop.ForAll(ReportSteps, steps =>
        {
            var config = new NodeConfig(new NodeId("127.0.0.1", 5011), toSeq([new NodeId("127.0.0.1", 5011)]), ProtocolOptions.Default);
            var s = SeedState.Initial(config);
            foreach (var (kind, n, degree) in steps)
                s = kind switch
                {
                    0 => s.WithPeer(Node(n), Record),
                    1 => s.WithoutPeer(Node(n)),
                    2 => s.WithReport(Node(n), new NeighbourReport(degree, HashSet<NodeId>())),
                    _ => s.WithoutReport(Node(n)),
                };
            var entries = s.Order.Entries.ToArray();
            Assert.Equal(s.Peers.Keys.ToArray(), entries.Select(e => e.Key).ToArray());
            foreach (var (key, degree) in entries)
            {
                Assert.Equal(s.DegreeOf(key), degree);
                Assert.Equal(degree, s.Order.DegreeOf(key));
            }
            for (var i = 0; i < entries.Length; i++) Assert.Equal(entries[i], s.Order.At(i));
            var whole = SeedState.Initial(config).WithPeers(s.Peers).WithReports(s.Reports);
            Assert.Equal(entries, whole.Order.Entries.ToArray());
            return true;
        });

    [Fact]
    public void A_chunk_emptied_by_removals_goes_and_the_positions_after_it_move_up()
    {
        var keys = Enumerable.Range(0, 1_000).Select(Node).Order().ToArray();
        var order = PeerOrder.Of(keys);
        foreach (var k in keys[..300]) order = order.Remove(k);   // the first chunk (256 keys) and some of the next
        Assert.Equal(700, order.Count);
        for (var i = 0; i < 700; i++) Assert.Equal(keys[300 + i], order[i]);
        var one = PeerOrder.Empty.Add(keys[5]);
        Assert.Equal(keys[5], one[0]);
        Assert.Equal(0, one.Remove(keys[5]).Count);
    }

    [Fact]
    public void A_position_outside_the_order_is_refused_by_name()
    {
        var order = PeerOrder.Of([Node(1), Node(2)]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => order[2]);
        Assert.Contains("2 is not a position of 2 keys", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PeerOrder.Empty[0]);
    }

    [Fact]
    public void Adding_a_key_held_or_removing_one_not_held_changes_nothing()
    {
        var order = PeerOrder.Of([Node(1), Node(2)]);
        Assert.Same(order, order.Add(Node(2)));
        Assert.Same(order, order.Remove(Node(3)));
        Assert.Same(PeerOrder.Empty, PeerOrder.Empty.Remove(Node(3)));
    }
}
