using System.CommandLine;
using System.Text;
using GossipPure.Simulation;

namespace GossipPure.Cli.Topology;

/// <summary>
/// <c>gossip topology</c>: a picture of the overlay, from a simulated run (<c>--simulate N</c>) or from the event files
/// of a real one (<c>--log-dir DIR</c>). Writes NAME.dot, NAME.svg (laid out and drawn by this program) and
/// NAME.degrees.svg (the log-log degree histogram with the fitted power law).
/// </summary>
public static class TopologyCommand
{
    public static Command Create()
    {
        var simulate = new Option<int?>("--simulate") { Description = "Simulate 3 seeds and N peers (deterministic: same --seed, same overlay) until registration settles", HelpName = "N" };
        var logDir = new Option<string?>("--log-dir") { Description = "Draw a running or finished network from the files in DIR. Source: " + LoggedOverlay.SourceHelp, HelpName = "DIR" };
        var seed = new Option<ulong>("--seed") { Description = "Random seed of the simulation and of the layout", DefaultValueFactory = _ => 1, HelpName = "S" };
        var crash = new Option<int>("--crash") { Description = "With --simulate: crash this many peers once the overlay has formed, and draw them dead", DefaultValueFactory = _ => 0, HelpName = "K" };
        var output = new Option<string?>("--out") { Description = "Write NAME.dot, NAME.svg and NAME.degrees.svg", HelpName = "NAME" };
        var cmd = new Command("topology",
            "Draw the overlay: peers sized by degree, dead peers grey and dashed, and its degree distribution with the fitted power-law exponent " +
            "(SVG drawn by this program, plus Graphviz DOT)")
            { simulate, logDir, seed, crash, output };
        cmd.SetAction(pr => Run(pr.GetValue(simulate), pr.GetValue(logDir), pr.GetValue(seed), pr.GetValue(crash), pr.GetValue(output)));
        return cmd;
    }

    static int Run(int? peers, string? logDir, ulong seed, int crashes, string? output)
    {
        if ((peers is null) == (logDir is null)) return Fail("give one of --simulate N or --log-dir DIR");
        if (peers is < 1) return Fail($"--simulate {peers}: the number of peers must be at least 1");
        if (crashes < 0 || peers is { } p && crashes > p) return Fail($"--crash {crashes}: must be between 0 and the number of peers");
        if (crashes > 0 && logDir is not null) return Fail("--crash goes with --simulate only");
        if (string.IsNullOrWhiteSpace(output)) return Fail("--out NAME is required (NAME.dot, NAME.svg and NAME.degrees.svg are written)");

        OverlayGraph graph;
        if (peers is { } n)
            graph = SimulatedOverlay.Run(n, seed, crashes);
        else
        {
            var notes = new List<string>();
            var read = LoggedOverlay.Read(logDir!, notes);
            foreach (var note in notes) Console.WriteLine($"note: {note}");
            if (read.IsLeft) return Fail(read.LeftToSeq().Head);
            graph = read.RightToSeq().Head;
        }

        var at = OverlaySvg.Place(graph, seed);
        var files = new (string Path, string Text)[]
        {
            (output + ".dot", OverlayDot.Write(graph, at)),
            (output + ".svg", OverlaySvg.Write(graph, at)),
            (output + ".degrees.svg", DegreeSvg.Write(graph.Degrees, $"Overlay degree distribution ({graph.Nodes.Count} peers)")),
        };
        try
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(output));
            if (dir is not null) Directory.CreateDirectory(dir);
            foreach (var (path, text) in files) File.WriteAllText(path, text, new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            Console.Error.WriteLine($"gossip topology: cannot write {output}.*: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }

        Console.WriteLine($"overlay: {graph.Nodes.Count} peers ({graph.Dead} dead), {graph.LiveEdges} links; {graph.Source}");
        foreach (var (path, _) in files) Console.WriteLine($"wrote {path}");
        var d = graph.Degrees;
        Console.WriteLine($"power-law exponent: α={NodeStyle.N2(d.Alpha)} (k_min={d.KMin}, n={d.Tail})");
        return 0;
    }

    static int Fail(string message)
    {
        Console.Error.WriteLine($"gossip topology: {message}");
        return 2;
    }
}
