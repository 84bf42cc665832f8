using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// <c>gossip cluster</c> in a real terminal: tmux gives it a screen of a fixed size, and the test reads that screen
/// as a person would. The table must list every node, the peers must register, the counters must move, a crash
/// (key <c>k</c>) must show up as suspicions and a removal in the feed, and Ctrl+C must stop everything (exit 0).
/// </summary>
public sealed class LiveViewTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [TmuxFact]
    public async Task The_live_table_shows_every_node_registering_gossiping_and_a_crash_being_detected()
    {
        using var lab = new Lab(seedCount: 3);
        var basePort = ConsecutiveFreePorts(4);
        var peers = Enumerable.Range(basePort, 4).Select(p => $"127.0.0.1:{p}").ToList();
        var nodes = lab.Seeds.Select(s => $"{s.Ip}:{s.Port}").Concat(peers).ToList();
        // --run-for bounds the run if the test dies; the test itself ends it with Ctrl+C.
        var command = $"dotnet {GossipProgram.Dll} cluster --config {lab.ConfigPath} --log-dir {lab.Dir} --peers 4 " +
                      $"--peer-base-port {basePort} --gossip-interval 500ms --gossip-count 40 --run-for 90s; echo \"[exit $?]\"; sleep 60";
        using var tmux = new Tmux(lab.Dir, width: 140, height: 45, command);

        // Every node is listed; all peers register; messages are counted.
        var first = await tmux.WaitFor(s => nodes.All(n => s.Row(n) is not null)
            && peers.All(p => s.Row(p)!.State == "registered")
            && peers.All(p => s.Row(p)!.Made > 0 && s.Row(p)!.Received > 0), Bound, "every peer registered and counting messages");
        Assert.All(lab.Seeds, s => Assert.Equal("up", first.Row($"{s.Ip}:{s.Port}")!.State));
        Assert.Contains("registered (peer list:", first.Text);
        Assert.Contains("registered 4/4", first.Text);

        // The rows move: later, more messages made and received.
        var made = peers.Sum(p => first.Row(p)!.Made!.Value);
        var received = peers.Sum(p => first.Row(p)!.Received!.Value);
        await tmux.WaitFor(s => peers.All(p => s.Row(p) is not null)
            && peers.Sum(p => s.Row(p)!.Made ?? 0) > made && peers.Sum(p => s.Row(p)!.Received ?? 0) > received,
            Bound, "the message counters going up");   // WaitFor throws when the bound passes: this is the assertion

        // k crashes a registered peer: its neighbours suspect it, the seeds remove it, the feed says so.
        tmux.SendKeys("k");
        var crashed = await tmux.WaitFor(s => s.Text.Contains("removed by the seeds (crashed)") && s.Text.Contains(" suspects 127.0.0.1:"),
            Bound, "the crash in the event feed");
        Assert.Contains(peers, p => crashed.Row(p)?.State.StartsWith("crashed") == true);
        Assert.Contains(peers, p => crashed.Row(p)?.Suspicions > 0);

        // Ctrl+C: every node stops, the last frame stays, the exit code is 0.
        tmux.SendKeys("C-c");
        var end = await tmux.WaitFor(s => s.Text.Contains("[exit "), Bound, "the program's exit");
        Assert.Contains("[exit 0]", end.Text);
        Assert.All(nodes.Except(peers.Where(p => crashed.Row(p)?.State.StartsWith("crashed") == true)),
            n => Assert.Equal("stopped", end.Row(n)?.State));
        Assert.All(lab.Seeds, s => Assert.EndsWith("Shutting down.", lab.LogLines("seed", s.Port)[^1]));
    }

    [TmuxFact]
    public async Task With_log_format_json_a_terminal_gets_the_JSON_lines_and_no_table()
    {
        // Whoever asks for JSON reads the output with a program: even in a terminal, stdout stays one object a line.
        using var lab = new Lab(seedCount: 1);
        var peerPort = ConsecutiveFreePorts(1);
        var command = $"dotnet {GossipProgram.Dll} cluster --config {lab.ConfigPath} --log-dir {lab.Dir} --peers 1 " +
                      $"--peer-base-port {peerPort} --log-format json --run-for 90s; echo \"[exit $?]\"; sleep 60";
        using var tmux = new Tmux(lab.Dir, width: 400, height: 50, command);
        await tmux.WaitFor(s => s.Text.Contains($"\"node\":\"127.0.0.1:{peerPort}\"") && s.Text.Contains("\"@m\":\"Registered;"),
            Bound, "the peer's registration as a JSON line");
        tmux.SendKeys("C-c");
        var end = await tmux.WaitFor(s => s.Text.Contains("[exit "), Bound, "the program's exit");
        Assert.Contains("[exit 0]", end.Text);
        // The terminal echoes Ctrl+C as ^C in front of whatever is printed next.
        var lines = end.Text.Split('\n').Select(l => l.TrimEnd()).Select(l => l.StartsWith("^C") ? l[2..] : l).Where(l => l.Length > 0).ToList();
        Assert.DoesNotContain(lines, l => l.Contains('│') || l.Contains("k crash a peer"));
        Assert.All(lines, l => Assert.True(l.StartsWith("{\"@t\":") || l.StartsWith("Starting 1 seeds") || l.StartsWith("[exit "), l));
    }

    /// <summary>A first port with the next <paramref name="count"/> − 1 free too (the cluster's peers take consecutive ports).</summary>
    static int ConsecutiveFreePorts(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var first = Random.Shared.Next(20_000, 40_000);
            var listeners = new List<TcpListener>();
            try
            {
                for (var p = first; p < first + count; p++)
                {
                    var l = new TcpListener(IPAddress.Loopback, p);
                    l.Start();
                    listeners.Add(l);
                }
                return first;
            }
            catch (SocketException) { }
            finally { foreach (var l in listeners) l.Stop(); }
        }
        throw new InvalidOperationException($"no {count} consecutive free ports found");
    }
}

/// <summary>A fact that needs tmux; skipped, saying why, where tmux is not installed (never in CI, where .ci/run installs it).</summary>
public sealed class TmuxFactAttribute : FactAttribute
{
    public TmuxFactAttribute()
    {
        if (!Tmux.Available && !Ci.Running) Skip = "tmux is not installed (apt-get install tmux): the live view is checked in a real terminal that tmux provides";
    }
}

/// <summary>One screen as captured, with the live table's rows read out of it.</summary>
public sealed record Screen(string Text)
{
    public sealed record TableRow(string Node, string Role, string State, int? Degree, int? Peers, int? Made, long? Received, long? Dropped, int? Suspicions);

    /// <summary>The table row of <paramref name="node"/> (IP:port), if the screen shows one.</summary>
    public TableRow? Row(string node)
    {
        foreach (var line in Text.Split('\n'))
        {
            var cells = line.Split('│').Select(c => c.Trim()).ToArray();
            if (cells.Length < 11 || cells[1] != node) continue;
            static long? Num(string c) => long.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
            return new TableRow(cells[1], cells[2], cells[3], (int?)Num(cells[4]), (int?)Num(cells[5]), (int?)Num(cells[6]),
                Num(cells[7]), Num(cells[8]), (int?)Num(cells[9]));
        }
        return null;
    }
}

/// <summary>A private tmux server (its own socket) running one command in a detached session of a fixed size.</summary>
public sealed class Tmux : IDisposable
{
    readonly string socket = $"gossip-test-{Environment.ProcessId}-{Guid.NewGuid():N}";

    public static bool Available { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "tmux")));

    public Tmux(string workDir, int width, int height, string command)
    {
        Run("new-session", "-d", "-s", "main", "-x", width.ToString(), "-y", height.ToString(), "-c", workDir, command);
    }

    public string Capture() => Run("capture-pane", "-p", "-t", "main");

    public void SendKeys(string keys) => Run("send-keys", "-t", "main", keys);

    /// <summary>Captures the screen until <paramref name="ok"/> holds; the last screen is in the failure message.</summary>
    public async Task<Screen> WaitFor(Func<Screen, bool> ok, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        var screen = new Screen("");
        while (DateTime.UtcNow < deadline)
        {
            screen = new Screen(Capture());
            if (ok(screen)) return screen;
            await Task.Delay(250);   // the view redraws four times a second: there is no event to wait for on a screen
        }
        throw new TimeoutException($"no screen with {what} within {timeout.TotalSeconds}s; the last one:\n{screen.Text}");
    }

    string Run(params string[] args)
    {
        var psi = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-L");
        psi.ArgumentList.Add(socket);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(10_000)) { p.Kill(); throw new TimeoutException("tmux " + string.Join(' ', args)); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"tmux {string.Join(' ', args)}: {error.Trim()}");
        return output;
    }

    public void Dispose()
    {
        // Ends the session and whatever still runs in it (the cluster, if a wait above failed).
        try { Run("kill-server"); } catch (Exception e) when (e is InvalidOperationException or TimeoutException) { }
    }
}
