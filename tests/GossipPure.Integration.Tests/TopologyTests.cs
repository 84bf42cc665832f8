using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// <c>gossip topology</c>: the overlay as DOT, an SVG this program draws, and a log-log degree plot, from a simulated
/// run or from the event files of real processes.
/// </summary>
public sealed class TopologyTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);
    static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    static async Task<(int Code, IReadOnlyList<string> Output)> Topology(string dir, params string[] args)
    {
        using var p = new GossipProcess(dir, ["topology", .. args]);
        var code = await p.WaitForExit(Bound);
        return (code, p.Output);
    }

    static string Tail(IReadOnlyList<string> output) => string.Join('\n', output.TakeLast(20));

    /// <summary>A DOT file as this program writes it: nodes with their attributes, and undirected edges.</summary>
    sealed record Dot(Dictionary<string, Dictionary<string, string>> Nodes, List<(string A, string B, bool Dashed)> Edges)
    {
        static readonly Regex NodeLine = new(@"^  ""([^""]+)"" \[(.*)\];$");
        static readonly Regex EdgeLine = new(@"^  ""([^""]+)"" -- ""([^""]+)""( \[.*\])?;$");
        static readonly Regex Attribute = new(@"(\w+)=(""[^""]*""|[^,\s]+)");

        public static Dot Parse(string path)
        {
            var text = File.ReadAllText(path);
            Assert.Matches(@"(?m)^graph overlay \{$", text);
            Assert.EndsWith("}\n", text);
            var nodes = new Dictionary<string, Dictionary<string, string>>();
            var edges = new List<(string, string, bool)>();
            foreach (var line in text.Split('\n'))
            {
                if (EdgeLine.Match(line) is { Success: true } e)
                    edges.Add((e.Groups[1].Value, e.Groups[2].Value, e.Groups[3].Value.Contains("style=dashed")));
                else if (NodeLine.Match(line) is { Success: true } n)
                    nodes.Add(n.Groups[1].Value, Attribute.Matches(n.Groups[2].Value).ToDictionary(a => a.Groups[1].Value, a => a.Groups[2].Value.Trim('"')));
            }
            return new Dot(nodes, edges);
        }

        public int Degree(string node) => int.Parse(Nodes[node]["degree"], CultureInfo.InvariantCulture);
        public bool IsDead(string node) => Nodes[node].GetValueOrDefault("dead") == "true";
        public IEnumerable<(string A, string B)> LiveEdges => Edges.Where(e => !e.Dashed).Select(e => (e.A, e.B));

        /// <summary>Every edge joins two declared nodes, once, and no node links to itself.</summary>
        public void AssertWellFormed()
        {
            Assert.All(Edges, e => Assert.True(Nodes.ContainsKey(e.A) && Nodes.ContainsKey(e.B) && e.A != e.B, $"edge {e.A} -- {e.B}"));
            var keys = Edges.Select(e => string.CompareOrdinal(e.A, e.B) < 0 ? (e.A, e.B) : (e.B, e.A)).ToList();
            Assert.Equal(keys.Count, keys.Distinct().Count());
        }

        /// <summary>A live peer's own degree is the number of live links it has: the overlay is symmetric.</summary>
        public void AssertDegreesMatchLiveLinks()
        {
            var incident = Nodes.Keys.ToDictionary(n => n, _ => 0);
            foreach (var (a, b) in LiveEdges) { incident[a]++; incident[b]++; }
            Assert.All(Nodes.Keys.Where(n => !IsDead(n)), n => Assert.True(Degree(n) == incident[n], $"{n}: degree {Degree(n)} but {incident[n]} live links"));
        }

        public bool LiveConnected()
        {
            var live = Nodes.Keys.Where(n => !IsDead(n)).ToHashSet();
            var adjacency = live.ToDictionary(n => n, _ => new List<string>());
            foreach (var (a, b) in LiveEdges.Where(e => live.Contains(e.A) && live.Contains(e.B))) { adjacency[a].Add(b); adjacency[b].Add(a); }
            var seen = new HashSet<string> { live.First() };
            var queue = new Queue<string>(seen);
            while (queue.TryDequeue(out var n))
                foreach (var m in adjacency[n].Where(seen.Add)) queue.Enqueue(m);
            return seen.Count == live.Count;
        }
    }

    static (double Alpha, int KMin, int N) Exponent(IReadOnlyList<string> output)
    {
        var m = output.Select(l => Regex.Match(l, @"^power-law exponent: α=(\d+\.\d\d) \(k_min=(\d+), n=(\d+)\)$")).Single(m => m.Success);
        return (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value));
    }

    static (int Peers, int Dead, int Links) OverlayLine(IReadOnlyList<string> output)
    {
        var m = output.Select(l => Regex.Match(l, @"^overlay: (\d+) peers \((\d+) dead\), (\d+) links; ")).Single(m => m.Success);
        return (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value));
    }

    static IEnumerable<XElement> PeerCircles(XDocument svg) =>
        svg.Descendants(Svg + "circle").Where(c => ((string?)c.Attribute("class") ?? "").Split(' ').Contains("peer"));

    [Fact]
    public async Task Simulate_200_draws_every_peer_and_link_and_fits_a_power_law()
    {
        using var lab = new Lab(seedCount: 1);
        var name = Path.Combine(lab.Dir, "pictures", "overlay");
        var (code, output) = await Topology(lab.Dir, "--simulate", "200", "--out", name);
        Assert.True(code == 0, Tail(output));
        foreach (var ext in new[] { ".dot", ".svg", ".degrees.svg" })
        {
            Assert.Contains($"wrote {name}{ext}", output);
            Assert.True(File.Exists(name + ext), name + ext);
        }
        var (peers, dead, links) = OverlayLine(output);
        Assert.Equal((200, 0), (peers, dead));

        // The DOT file: 200 peers, the links the run had (each peer's neighbour set, both ends agreeing), one graph.
        var dot = Dot.Parse(name + ".dot");
        dot.AssertWellFormed();
        Assert.Equal(200, dot.Nodes.Count);
        Assert.Equal(links, dot.Edges.Count);
        Assert.DoesNotContain(dot.Edges, e => e.Dashed);
        dot.AssertDegreesMatchLiveLinks();
        Assert.True(dot.LiveConnected(), "the overlay is one connected graph");
        Assert.All(dot.Nodes.Values, a => Assert.True(a.ContainsKey("width") && a.ContainsKey("pos")));

        // The fitted exponent: in the range of a preferential-attachment overlay, over every peer (min degree 2).
        var (alpha, kMin, n) = Exponent(output);
        Assert.InRange(alpha, 1.5, 3.5);
        Assert.Equal(2, kMin);
        Assert.Equal(dot.Nodes.Keys.Count(k => dot.Degree(k) >= kMin), n);

        // The picture: well-formed XML, one circle per peer (named in its title), one line per link, all on the canvas.
        var svg = XDocument.Load(name + ".svg");
        var circles = PeerCircles(svg).ToList();
        Assert.Equal(200, circles.Count);
        Assert.Equal(dot.Nodes.Keys.Order(), circles.Select(c => c.Element(Svg + "title")!.Value.Split(' ')[0]).Order());
        var linkLines = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "links").Elements(Svg + "line");
        Assert.Equal(links, linkLines.Count());
        var width = double.Parse(svg.Root!.Attribute("width")!.Value, CultureInfo.InvariantCulture);
        var height = double.Parse(svg.Root!.Attribute("height")!.Value, CultureInfo.InvariantCulture);
        Assert.All(circles, c =>
        {
            double V(string a) => double.Parse(c.Attribute(a)!.Value, CultureInfo.InvariantCulture);
            Assert.InRange(V("cx") - V("r"), 0, width);
            Assert.InRange(V("cx") + V("r"), 0, width);
            Assert.InRange(V("cy") + V("r"), 0, height);
        });

        // The degree plot: one point per degree that occurs, with the count the DOT file gives, and the fitted line.
        var plot = XDocument.Load(name + ".degrees.svg");
        var points = plot.Descendants(Svg + "circle").Where(c => (string?)c.Attribute("class") == "degree")
            .Select(c => Regex.Match(c.Element(Svg + "title")!.Value, @"^degree (\d+): (\d+) peers$"))
            .ToDictionary(m => int.Parse(m.Groups[1].Value), m => int.Parse(m.Groups[2].Value));
        var histogram = dot.Nodes.Keys.GroupBy(dot.Degree).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(histogram.OrderBy(kv => kv.Key), points.OrderBy(kv => kv.Key));
        Assert.Single(plot.Descendants(Svg + "line"), l => (string?)l.Attribute("class") == "power-law");
        Assert.Contains(plot.Descendants(Svg + "text"), t => t.Value == $"α = {alpha.ToString("0.00", CultureInfo.InvariantCulture)}");
    }

    [Fact]
    public async Task The_same_seed_draws_the_same_picture_and_another_seed_another()
    {
        using var lab = new Lab(seedCount: 1);
        string Name(string n) => Path.Combine(lab.Dir, n);
        foreach (var (seed, name) in new[] { ("5", "a"), ("5", "b"), ("6", "c") })
        {
            var (code, output) = await Topology(lab.Dir, "--simulate", "30", "--seed", seed, "--out", Name(name));
            Assert.True(code == 0, Tail(output));
        }
        foreach (var ext in new[] { ".dot", ".svg", ".degrees.svg" })
            Assert.Equal(File.ReadAllText(Name("a") + ext), File.ReadAllText(Name("b") + ext));
        Assert.NotEqual(File.ReadAllText(Name("a") + ".svg"), File.ReadAllText(Name("c") + ".svg"));
    }

    [Fact]
    public async Task Crashed_peers_are_drawn_dead_with_their_last_links_dashed()
    {
        using var lab = new Lab(seedCount: 1);
        var name = Path.Combine(lab.Dir, "crashed");
        var (code, output) = await Topology(lab.Dir, "--simulate", "40", "--crash", "2", "--seed", "3", "--out", name);
        Assert.True(code == 0, Tail(output));
        Assert.Equal((40, 2), (OverlayLine(output).Peers, OverlayLine(output).Dead));

        var dot = Dot.Parse(name + ".dot");
        dot.AssertWellFormed();
        var dead = dot.Nodes.Keys.Where(dot.IsDead).ToList();
        Assert.Equal(2, dead.Count);
        // The live peers have purged the dead ones: only the dead peers' own last sets still name those links.
        Assert.All(dot.Edges.Where(e => dead.Contains(e.A) || dead.Contains(e.B)), e => Assert.True(e.Dashed, $"{e.A} -- {e.B}"));
        Assert.All(dot.Edges.Where(e => e.Dashed), e => Assert.True(dead.Contains(e.A) || dead.Contains(e.B)));
        dot.AssertDegreesMatchLiveLinks();
        Assert.True(dot.LiveConnected(), "the live peers are still one connected graph");

        var svg = XDocument.Load(name + ".svg");
        Assert.Equal(2, PeerCircles(svg).Count(c => ((string)c.Attribute("class")!).Contains("dead")));
        Assert.Equal(40, PeerCircles(svg).Count());
        // The fit is over the live peers only.
        Assert.True(Exponent(output).N <= 38);
    }

    [Theory]
    [InlineData("neither", new string[0], "give one of --simulate N or --log-dir DIR")]
    [InlineData("both", new[] { "--simulate", "5", "--log-dir", "." }, "give one of --simulate N or --log-dir DIR")]
    [InlineData("no peers", new[] { "--simulate", "0" }, "--simulate 0: the number of peers must be at least 1")]
    [InlineData("missing dir", new[] { "--log-dir", "no-such-dir" }, "--log-dir 'no-such-dir': no such directory")]
    [InlineData("empty dir", new[] { "--log-dir", "." }, "no events_*.jsonl files")]
    public async Task Wrong_arguments_are_a_one_line_error_with_exit_code_2(string what, string[] args, string message)
    {
        using var lab = new Lab(seedCount: 1);
        var (code, output) = await Topology(lab.Dir, [.. args, "--out", Path.Combine(lab.Dir, "x")]);
        Assert.True(code == 2, $"{what}: exit code {code}\n{Tail(output)}");
        var line = Assert.Single(output);
        Assert.StartsWith("stderr: gossip topology: ", line);
        Assert.Contains(message, line);
        Assert.Empty(Directory.GetFiles(lab.Dir, "x*"));
    }

    static (string, string) Link(string a, string b) => string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);

    /// <summary>The last DEGREE_UPDATE each peer sent, as the seeds' event files recorded it.</summary>
    static Dictionary<string, string[]> SeedsView(Lab lab)
    {
        var last = new Dictionary<string, (long At, string[] Neighbours)>();
        foreach (var file in Directory.GetFiles(lab.Dir, "events_seed_*.jsonl"))
            foreach (var line in File.ReadLines(file).Skip(1).Where(l => l.Contains("\"DEGREE_UPDATE\"") && l.EndsWith('}')))
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                var from = root.GetProperty("from").GetString()!;
                var at = root.GetProperty("t").GetInt64();
                if (!last.TryGetValue(from, out var seen) || seen.At <= at)
                    last[from] = (at, root.GetProperty("msg").GetProperty("neighbours").EnumerateArray().Select(e => e.GetString()!).ToArray());
            }
        return last.ToDictionary(kv => kv.Key, kv => kv.Value.Neighbours);
    }

    [Fact]
    public async Task A_real_network_is_drawn_from_its_event_files_while_it_runs_and_after_it_stops()
    {
        using var net = new Network(seeds: 3, peers: 4, "--gossip-count", "0");
        await Task.WhenAll(net.Peers.Values.Select(p => p.WaitForLine(l => l.Contains("Registered;"), Network.Bound, "registration")));
        var victim = net.PeerPorts[1];
        // The event file is written out per handled batch (specs/node-loop.md): a kill -9 in the very batch that
        // registered would leave a file without the registration. Kill once the file has it, as the drawing needs.
        var victimEvents = Path.Combine(net.Lab.Dir, $"events_peer_{victim}.jsonl");
        var deadline = DateTime.UtcNow + Network.Bound;
        bool Flushed() => File.Exists(victimEvents) && File.ReadAllText(victimEvents).Contains("\"kind\":\"Registered\"");
        while (!Flushed() && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(Flushed(), $"{victimEvents} never recorded the registration");
        net.Peers[victim].Signal(9);
        await net.WaitForDeadConfirmedEverywhere(victim, Network.Bound, victim);
        var live = net.PeerPorts.Where(p => p != victim).Select(Network.Id).ToHashSet();

        // While it runs: the peers as they are, the crashed one dead with its last links dashed.
        var running = Path.Combine(net.Lab.Dir, "running");
        var (code, output) = await Topology(net.Lab.Dir, "--log-dir", net.Lab.Dir, "--out", running);
        Assert.True(code == 0, Tail(output));
        Assert.Contains(output, l => l.Contains("4 peers replayed from their own files"));
        var dot = Dot.Parse(running + ".dot");
        dot.AssertWellFormed();
        Assert.Equal(net.PeerPorts.Select(Network.Id).Order(), dot.Nodes.Keys.Order());
        Assert.Equal(new[] { Network.Id(victim) }, dot.Nodes.Keys.Where(dot.IsDead));
        Assert.All(dot.Edges.Where(e => !live.Contains(e.A) || !live.Contains(e.B)), e => Assert.True(e.Dashed));
        dot.AssertDegreesMatchLiveLinks();
        Assert.True(dot.LiveConnected(), "the live peers are one connected graph");
        Assert.Single(PeerCircles(XDocument.Load(running + ".svg")), c => ((string)c.Attribute("class")!).Contains("dead"));

        // The same links as the live peers last reported to the seeds (a second, independent record).
        var reported = SeedsView(net.Lab).Where(kv => live.Contains(kv.Key))
            .SelectMany(kv => kv.Value.Where(live.Contains).Select(n => Link(kv.Key, n))).Distinct().Order().ToList();
        Assert.Equal(reported, dot.LiveEdges.Select(e => Link(e.A, e.B)).Order().ToList());

        // Stopped one peer after another (each LEAVE takes links apart): drawn as it was when the stop began.
        foreach (var port in live.Select(a => int.Parse(a.Split(':')[1])))
        {
            net.Peers[port].Interrupt();
            Assert.Equal(0, await net.Peers[port].WaitForExit(Network.Bound));
        }
        var stopped = Path.Combine(net.Lab.Dir, "stopped");
        (code, output) = await Topology(net.Lab.Dir, "--log-dir", net.Lab.Dir, "--out", stopped);
        Assert.True(code == 0, Tail(output));
        Assert.Contains(output, l => l.Contains("when its peers began to stop"));
        var after = Dot.Parse(stopped + ".dot");
        Assert.Equal(dot.Nodes.Keys.Order(), after.Nodes.Keys.Order());
        Assert.Equal(dot.LiveEdges.Order(), after.LiveEdges.Order());
        Assert.Equal(new[] { Network.Id(victim) }, after.Nodes.Keys.Where(after.IsDead));
    }
}
