using FsCheck;
using LanguageExt;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GossipPure.Core.Seeds;

namespace GossipPure.Core.Tests;

/// <summary>
/// A seed recognises a repeated DEGREE_UPDATE without building its set (<see cref="SeedReducer.IsSameReport"/>). Its yes
/// must be certain: whenever it says the same, the report built the long way equals the last one. And it must say yes to
/// what peers really send again and again (their neighbours, in any order, without repeats), or it saves nothing.
/// </summary>
public sealed class DegreeReportProperties
{
    static NodeId Peer(int n) => new($"10.0.0.{n + 1}", 6001 + n);   // a fresh instance each time: compared by value
    static readonly NodeId From = Peer(0);

    /// <summary>The report the seed keeps, built the long way (as <c>OnDegree</c> does).</summary>
    static NeighbourReport Built(Seq<NodeId> list, int unnamed)
    {
        var named = toHashSet(list.Filter(n => n != From));
        return new NeighbourReport(named.Count + unnamed, named);
    }

    public static Arbitrary<(int[] Last, int LastUnnamed, int[] Now, int NowUnnamed)> Cases =>
        (from last in Gen.Choose(0, 9).ArrayOf()
         from lastUnnamed in Gen.Choose(0, 2)
         // the same again, anything, one repeated on top, or one repeated in place of another (as many, but not the same)
         from now in Gen.OneOf(Gen.Shuffle(last), Gen.Choose(0, 9).ArrayOf(), Gen.Shuffle(last).Select(a => a.Append(a.Length > 0 ? a[0] : 1).ToArray()),
             Gen.Shuffle(last).Select(a => a.Length > 1 ? a.Skip(1).Append(a[1]).ToArray() : a))
         from nowUnnamed in Gen.OneOf(Gen.Constant(lastUnnamed), Gen.Choose(0, 2))
         select (last, lastUnnamed, now, nowUnnamed)).ToArbitrary();

    /// <summary>
    /// A hub's reports: longer than the pairwise check for repeats (33–300 of 400 addresses), sent again in address
    /// order (as peers send them), shuffled, with one repeated in place of another, or with one more.
    /// </summary>
    public static Arbitrary<(int[] Last, int LastUnnamed, int[] Now, int NowUnnamed)> HubCases =>
        (from size in Gen.Choose(33, 300)
         from last in Gen.Shuffle(Enumerable.Range(0, 400).ToArray()).Select(a => a.Take(size).ToArray())
         let sorted = last.OrderBy(Peer).ToArray()
         from now in Gen.OneOf(Gen.Constant(sorted), Gen.Shuffle(sorted),
             Gen.Choose(1, size - 1).Select(k => sorted.Select((x, i) => i == k ? sorted[k - 1] : x).ToArray()),
             Gen.Constant(sorted.Append(401).ToArray()))
         from unnamed in Gen.Choose(0, 2)
         select (last, unnamed, now, unnamed)).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property A_hubs_report_called_the_same_is_the_same_and_its_repeat_in_order_is_recognised() =>
        Prop.ForAll(HubCases, c =>
        {
            var same = SaidTheSameOnlyWhenItIs(c);
            // The repeat as peers send it (the same set, in address order) is recognised without the long way.
            if (c.Now.SequenceEqual(c.Last.OrderBy(Peer)) && c.NowUnnamed == c.LastUnnamed) Assert.True(same);
            return true.ToProperty().Classify(same, "said the same");
        });

    /// <summary>Whether the seed called the report the same; when it did, the report built the long way is the last one.</summary>
    static bool SaidTheSameOnlyWhenItIs((int[] Last, int LastUnnamed, int[] Now, int NowUnnamed) c)
    {
        var last = Built(toSeq(c.Last.Select(Peer)), c.LastUnnamed);
        var now = new DegreeUpdate(toSeq(c.Now.Select(Peer).ToArray())) { Unnamed = c.NowUnnamed };
        var same = SeedReducer.IsSameReport(last, From, now);
        if (same) Assert.Equal(last, Built(now.Neighbours, now.Unnamed));
        return same;
    }

    [Property(MaxTest = 2000)]
    public Property A_report_called_the_same_is_the_same() =>
        Prop.ForAll(Cases, c => true.ToProperty().Classify(SaidTheSameOnlyWhenItIs(c), "said the same"));

    [Fact]
    public void The_same_neighbours_in_another_order_are_the_same_report_and_a_change_is_not()
    {
        var last = Built(toSeq([Peer(1), Peer(2), Peer(3)]), 0);
        bool Same(int unnamed, params int[] ns) => SeedReducer.IsSameReport(last, From, new DegreeUpdate(toSeq(ns.Select(Peer).ToArray())) { Unnamed = unnamed });
        Assert.True(Same(0, 3, 1, 2));
        Assert.True(Same(0, 2, 0, 3, 1));      // the sender naming itself is left out, as the long way leaves it
        Assert.False(Same(0, 1, 2));           // one fewer
        Assert.False(Same(0, 1, 2, 3, 4));     // one more
        Assert.False(Same(0, 1, 2, 4));        // another
        Assert.False(Same(1, 1, 2, 3));        // the same names, a larger degree
        Assert.False(Same(0, 1, 2, 2));        // a repeat: the long way decides
    }
}
