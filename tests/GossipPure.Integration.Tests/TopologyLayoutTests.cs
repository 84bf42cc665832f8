using System.Reflection;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// The pure parts of <c>gossip topology</c>, called directly: the force layout, the overlap removal and the choice of
/// the moment a stopped network is drawn at. This project runs the CLI as a process and does not compile against it,
/// so the built <c>gossip.dll</c> is loaded and its public static methods are called by name.
/// </summary>
public sealed class TopologyLayoutTests
{
    static readonly Assembly Cli = Assembly.LoadFrom(GossipProgram.Dll);

    static object? Call(string type, string method, params object?[] args) =>
        (Cli.GetType("GossipPure.Cli.Topology." + type, throwOnError: true)!.GetMethod(method, BindingFlags.Public | BindingFlags.Static)
            ?? throw new MissingMethodException(type, method)).Invoke(null, args);

    static (double X, double Y)[] Points(object? result) =>
        ((Array)result!).Cast<object>().Select(p => ((double)p.GetType().GetProperty("X")!.GetValue(p)!, (double)p.GetType().GetProperty("Y")!.GetValue(p)!)).ToArray();

    static double Distance((double X, double Y) a, (double X, double Y) b) => Math.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));

    /// <summary>Two rings of 8 joined by one link, and a node with no link at all.</summary>
    static readonly (int, int)[] TwoRings =
        Enumerable.Range(0, 8).SelectMany(i => new[] { (i, (i + 1) % 8), (8 + i, 8 + (i + 1) % 8) }).Append((0, 8)).ToArray();

    static (double X, double Y)[] Layout(ulong seed) => Points(Call("ForceLayout", "Compute", 17, TwoRings, seed, null));

    [Fact]
    public void The_layout_is_a_function_of_its_seed()
    {
        Assert.Equal(Layout(7), Layout(7));
        Assert.NotEqual(Layout(7), Layout(8));
    }

    [Fact]
    public void The_layout_puts_linked_nodes_closer_than_unlinked_ones_and_keeps_a_lone_node_near()
    {
        var p = Layout(3);
        Assert.All(p, q => Assert.True(double.IsFinite(q.X) && double.IsFinite(q.Y)));
        var links = TwoRings.Select(l => (Math.Min(l.Item1, l.Item2), Math.Max(l.Item1, l.Item2))).ToHashSet();
        var linked = links.Select(l => Distance(p[l.Item1], p[l.Item2])).Average();
        var unlinked = (from i in Enumerable.Range(0, 16) from j in Enumerable.Range(0, 16)
                        where i < j && !links.Contains((i, j)) select Distance(p[i], p[j])).Average();
        Assert.True(linked < unlinked * 0.6, $"mean linked distance {linked:0.000}, unlinked {unlinked:0.000}");
        // Each ring stays together: a ring's nodes are nearer their own centre than the other ring's.
        (double X, double Y) Centre(int from) => (p.Skip(from).Take(8).Average(q => q.X), p.Skip(from).Take(8).Average(q => q.Y));
        var (a, b) = (Centre(0), Centre(8));
        Assert.All(Enumerable.Range(0, 8), i => Assert.True(Distance(p[i], a) < Distance(p[i], b)));
        Assert.All(Enumerable.Range(8, 8), i => Assert.True(Distance(p[i], b) < Distance(p[i], a)));
        // The pull to the centre keeps the node without links in the picture.
        Assert.InRange(Distance(p[16], (0.5, 0.5)), 0, 1.5);
    }

    [Fact]
    public void Separation_leaves_no_two_circles_overlapping()
    {
        var pointType = Cli.GetType("GossipPure.Cli.Topology.Point", throwOnError: true)!;
        var points = Array.CreateInstance(pointType, 4);
        foreach (var (i, x, y) in new[] { (0, 100.0, 100.0), (1, 100.0, 100.0), (2, 104.0, 101.0), (3, 300.0, 300.0) })
            points.SetValue(Activator.CreateInstance(pointType, x, y), i);
        var radii = new[] { 5.0, 5.0, 8.0, 3.0 };
        var p = Points(Call("ForceLayout", "Separate", points, radii, 1.0, 30));
        for (var i = 0; i < 4; i++)
            for (var j = i + 1; j < 4; j++)
                Assert.True(Distance(p[i], p[j]) >= radii[i] + radii[j] + 1 - 1e-6, $"circles {i} and {j} overlap");
        Assert.Equal((300.0, 300.0), p[3]);
    }

    static long? FinalStop(long[] shutdownsS, double lastS) =>
        (long?)Call("LoggedOverlay", "FinalStopUs", shutdownsS.Select(s => s * 1_000_000).ToArray(), (long)(lastS * 1_000_000), 5_000_000L);

    [Fact]
    public void A_network_stopped_together_is_drawn_as_at_the_first_shutdown_of_the_stop()
    {
        Assert.Equal(100_000_000, FinalStop([100, 101, 103], 103.2));
        // A peer that left long before the stop is not part of it.
        Assert.Equal(100_000_000, FinalStop([20, 100, 101], 101.5));
        // Peers went on long after the last departure, or nobody shut down: the network runs; no cut.
        Assert.Null(FinalStop([20], 60));
        Assert.Null(FinalStop([], 60));
    }
}
