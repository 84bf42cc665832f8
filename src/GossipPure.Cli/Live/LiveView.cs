using GossipPure.Cli.Hosting;
using GossipPure.Core;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace GossipPure.Cli.Live;

/// <summary>
/// <c>gossip cluster</c> in a terminal: a table of every node (role, state, degree, peers known, messages made and
/// received, duplicates dropped, suspicions) redrawn four times a second, and a feed of registrations, suspicions
/// and removals. Keys: <c>k</c> crashes a registered peer, <c>f</c> freezes one (to watch detection at work);
/// Ctrl+C stops every node.
/// </summary>
public sealed class LiveView(string configPath, string logDir)
{
    static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(250);
    ClusterModel? model;

    /// <summary>True when standard output is a terminal that can redraw (not redirected, not TERM=dumb).</summary>
    public static bool CanRun() =>
        !Console.IsOutputRedirected
        && Environment.GetEnvironmentVariable("TERM") is not "dumb"
        && AnsiConsole.Profile.Capabilities.Ansi;

    public async Task RunAsync(NodeSet set)
    {
        model = new ClusterModel(set.Nodes);
        try
        {
            await AnsiConsole.Live(Render(set, model))
                .AutoClear(false)
                .Overflow(VerticalOverflow.Ellipsis)
                .Cropping(VerticalOverflowCropping.Bottom)
                .StartAsync(async ctx =>
                {
                    while (!set.Completion.IsCompleted)
                    {
                        HandleKeys(set, model);
                        model.Drain();
                        ctx.UpdateTarget(Render(set, model));
                        await Task.WhenAny(set.Completion, Task.Delay(Frame));
                    }
                    model.Drain();
                    ctx.UpdateTarget(Render(set, model));
                });
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // The terminal went away: the nodes go on and stop as usual; their files have everything.
            Console.Error.WriteLine($"gossip: live view stopped: {e.Message}");
        }
    }

    /// <summary>After the view: one line for each node that failed (its last error line), and where the logs are.</summary>
    public void PrintSummary(IReadOnlyList<HostedNode> nodes)
    {
        foreach (var n in nodes.Where(n => n.ExitCode is not (null or 0)))
        {
            var last = File.Exists(n.LogPath) ? File.ReadLines(n.LogPath).LastOrDefault(l => l.Contains("ERROR")) : null;
            Console.Error.WriteLine($"gossip: {n.Label} stopped with exit code {n.ExitCode}{(last is null ? "" : ": " + last[(last.IndexOf("ERROR", StringComparison.Ordinal))..])}");
        }
        Console.WriteLine($"Logs in {logDir}.");
    }

    static void HandleKeys(NodeSet set, ClusterModel model)
    {
        if (Console.IsInputRedirected) return;
        try
        {
            while (Console.KeyAvailable)
            {
                var key = Console.ReadKey(intercept: true).KeyChar;
                if (key is not ('k' or 'f')) continue;
                var victim = set.Nodes.FirstOrDefault(n => n.Role == Role.Peer && n.ExitCode is null && n.Fault is null
                    && n.State is Core.Peers.PeerState { Phase: Core.Peers.PeerPhase.Registered });
                if (victim is null) { model.Note("note", "no registered peer left to fault"); continue; }
                if (key == 'k') { victim.Crash(); model.Note("fault", $"{victim.Label} crashed (as kill -9)"); }
                else { victim.Freeze(); model.Note("fault", $"{victim.Label} frozen (as kill -STOP)"); }
            }
        }
        catch (InvalidOperationException) { }
    }

    IRenderable Render(NodeSet set, ClusterModel model)
    {
        var rows = model.Rows();
        var peers = rows.Count(r => r.Role == Role.Peer);
        var registered = rows.Count(r => r.Role == Role.Peer && r.State == "registered");
        var made = rows.Sum(r => r.Made ?? 0);
        var up = DateTime.Now - set.StartedAt;
        var stopping = set.Completion.IsCompleted ? "[bold]stopped[/]" : "[grey]k[/] crash a peer · [grey]f[/] freeze a peer · [grey]Ctrl+C[/] stop";
        var header = new Markup(
            $"[bold]GossipPure cluster[/] · {rows.Count - peers} seeds ({Markup.Escape(configPath)}), {peers} peers · " +
            $"registered [bold]{registered}/{peers}[/] · messages made [bold]{made}[/] · up {up:mm\\:ss}" +
            (set.RunFor > TimeSpan.Zero ? $" of {set.RunFor:mm\\:ss}" : "") + $"\n{stopping} · logs in {Markup.Escape(logDir)}");

        var table = new Table().Border(TableBorder.Rounded).Expand();
        table.AddColumn("Node");
        table.AddColumn("Role");
        table.AddColumn("State");
        foreach (var c in new[] { "Degree", "Peers", "Made", "Received", "Dup dropped", "Suspicions" })
            table.AddColumn(new TableColumn(c).RightAligned());
        foreach (var r in rows)
        {
            table.AddRow(
                new Text(r.Node),
                new Text(r.Role == Role.Seed ? "seed" : "peer"),
                new Markup($"[{StateColour(r.State)}]{Markup.Escape(r.State)}[/]"),
                Num(r.Degree), Num(r.Known), Num(r.Made), Num(r.Received), Num(r.Dropped),
                r.Role == Role.Seed ? Num(null) : new Text(r.Suspicions.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var feed = new Table().Border(TableBorder.None).HideHeaders();
        feed.AddColumn("at");
        feed.AddColumn("event");
        foreach (var e in model.Feed)
            feed.AddRow(new Text(e.At.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture), new Style(Color.Grey)),
                new Markup($"[{KindColour(e.Kind)}]{Markup.Escape(e.Text)}[/]"));
        var events = new Panel(model.Feed.Count == 0 ? new Text("(nothing yet)", new Style(Color.Grey)) : feed)
            .Header("events").Border(BoxBorder.Rounded).Expand();
        return new Rows(header, table, events);
    }

    static IRenderable Num(long? value) =>
        value is { } v ? new Text(v.ToString(System.Globalization.CultureInfo.InvariantCulture)) : new Text("-", new Style(Color.Grey));

    static string StateColour(string state) => state switch
    {
        "registered" or "up" => "green",
        "registering" or "starting" => "yellow",
        "suspect" => "orange1",
        "stopped" => "grey",
        _ => "red",
    };

    static string KindColour(string kind) => kind switch
    {
        "registered" or "commit" => "green",
        "suspect" or "rejoin" => "orange1",
        "dead" or "error" or "fault" => "red",
        _ => "grey",
    };
}
