using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace GossipPure.Core.Tests;

/// <summary>
/// A map from address to value (<see cref="NodeMap{V}"/>; here a peer's table of known peers and their degrees) behaves
/// as a plain dictionary after any run of adds, updates, batch updates, removals and filters: the same entries, found
/// by address, none extra; and two tables of the same entries are equal with equal hash codes, whatever order they were
/// built in. Half the cases force the addresses' hash codes into five values, so that lookups must walk runs of equal
/// hashes.
/// </summary>
public sealed class NodeMapProperties
{
    /// <summary>0: add or update one; 1: remove one; 2: update a batch (its last entry for an address stands); 3: keep the entries under a degree.</summary>
    public sealed record Op(int Kind, (int Node, int Degree)[] Entries)
    {
        public override string ToString() => $"{Kind}:[{string.Join(" ", Entries.Select(e => $"{e.Node}={e.Degree}"))}]";
    }

    static readonly Gen<(int, int)> Entry = Gen.Choose(0, 199).SelectMany(n => Gen.Choose(0, 9).Select(d => (n, d)));

    static readonly Gen<Op> OneOp = Gen.Frequency(
        (4, Entry.Select(e => new Op(0, [e]))),
        (2, Entry.Select(e => new Op(1, [e]))),
        (1, Entry.ArrayOf().Select(es => new Op(2, es))),
        (1, Entry.Select(e => new Op(3, [e]))));

    public static Arbitrary<(bool Collide, Op[] Ops)> Cases =>
        Gen.Elements(false, true).SelectMany(c => Gen.Choose(0, 300).SelectMany(n => OneOp.ArrayOf(n)).Select(ops => (c, ops))).ToArbitrary();

    static readonly System.Reflection.FieldInfo HashField =
        typeof(NodeId).GetField("hash", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;

    /// <summary>Address <paramref name="n"/>, a fresh instance each call; colliding: its hash code forced to one of five.</summary>
    static NodeId Node(int n, bool collide)
    {
        var node = new NodeId($"10.0.{n / 50}.{n % 50 + 1}", 6001);
        if (collide) HashField.SetValue(node, n % 5 * 7919 + 1);
        return node;
    }

    [Property(MaxTest = 200)]
    public Property It_holds_what_a_dictionary_holds_and_equal_tables_are_equal() =>
        Prop.ForAll(Cases, c =>
        {
            var known = NodeMap<int>.Empty;
            var model = new Dictionary<int, int>();
            foreach (var op in c.Ops)
            {
                switch (op.Kind)
                {
                    case 0:
                        known = known.AddOrUpdate(Node(op.Entries[0].Node, c.Collide), op.Entries[0].Degree);
                        model[op.Entries[0].Node] = op.Entries[0].Degree;
                        break;
                    case 1:
                        known = known.Remove(Node(op.Entries[0].Node, c.Collide));
                        model.Remove(op.Entries[0].Node);
                        break;
                    case 3:
                        var under = op.Entries[0].Degree;
                        known = known.Filter(d => d < under);
                        foreach (var n in model.Where(kv => kv.Value >= under).Select(kv => kv.Key).ToList()) model.Remove(n);
                        break;
                    default:
                        known = known.SetItems(op.Entries.Select(e => (Node(e.Node, c.Collide), e.Degree)));
                        foreach (var (n, d) in op.Entries) model[n] = d;
                        break;
                }
                Assert.Equal(model.Count, known.Count);
            }
            for (var n = 0; n < 200; n++)
            {
                var node = Node(n, c.Collide);
                Assert.Equal(model.ContainsKey(n), known.ContainsKey(node));
                Assert.Equal(model.TryGetValue(n, out var d) ? Some(d) : None, known.Find(node));
            }
            var listed = known.Select(e => (e.Key, e.Value)).ToList();
            Assert.Equal(model.Select(kv => (Node(kv.Key, c.Collide), kv.Value)).OrderBy(e => e.Item1), listed.OrderBy(e => e.Key));
            Assert.Equal(listed.Select(e => e.Key), known.Keys);
            Assert.Equal(listed.Select(e => new PeerEntry(e.Key, e.Value)), known.ToEntries());

            // The same entries, given whole and in reverse: an equal table.
            var whole = NodeMap<int>.From(model.Reverse().Select(kv => (Node(kv.Key, c.Collide), kv.Value)));
            Assert.Equal(whole, known);
            Assert.Equal(whole.GetHashCode(), known.GetHashCode());
            // One degree more, or one entry fewer: not equal.
            if (model.Count > 0)
            {
                var (first, degree) = model.First();
                Assert.NotEqual(whole, known.AddOrUpdate(Node(first, c.Collide), degree + 1));
                Assert.NotEqual(whole, known.Remove(Node(first, c.Collide)));
            }
            return true;
        });

    [Fact]
    public void A_change_that_changes_nothing_keeps_the_table_and_a_missing_peer_is_named()
    {
        var a = new NodeId("10.0.0.1", 6001);
        var known = NodeMap<int>.Empty.AddOrUpdate(a, 3);
        Assert.Same(known, known.AddOrUpdate(a, 3));
        Assert.Same(known, known.SetItems([(a, 3)]));
        Assert.Same(known, known.Remove(new NodeId("10.0.0.2", 6001)));
        Assert.Same(NodeMap<int>.Empty, known.Remove(a));
        Assert.Same(known, known.Filter(d => d == 3));
        Assert.Same(NodeMap<int>.Empty, known.Filter(d => d != 3));
        Assert.Equal(3, known[a]);
        var missing = Assert.Throws<KeyNotFoundException>(() => known[new NodeId("10.0.0.2", 6001)]);
        Assert.Contains("10.0.0.2:6001", missing.Message);
    }
}
