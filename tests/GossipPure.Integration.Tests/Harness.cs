using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace GossipPure.Integration.Tests;

/// <summary>Finds the built <c>gossip</c> program next to this test build (same configuration).</summary>
public static class GossipProgram
{
    public static string RepoRoot { get; } = FindRoot();

    static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GossipPure.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("GossipPure.sln not found above " + AppContext.BaseDirectory);
    }

    public static string Dll
    {
        get
        {
            // bin/<Configuration>/net10.0/ of this test project → the same of the CLI project.
            var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfmDir.Parent!.Name;
            var path = Path.Combine(RepoRoot, "src", "GossipPure.Cli", "bin", configuration, tfmDir.Name, "gossip.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("gossip.dll not built", path);
        }
    }
}

/// <summary>A scratch folder with a config.csv, removed at the end.</summary>
public sealed class Lab : IDisposable
{
    public Lab(int seedCount)
    {
        Dir = Directory.CreateTempSubdirectory("gossip-it-").FullName;
        Seeds = FreePorts.Take(seedCount).Select(p => ("127.0.0.1", p)).ToList();
        ConfigPath = Path.Combine(Dir, "config.csv");
        File.WriteAllLines(ConfigPath, Seeds.Select(s => $"{s.Item1},{s.Item2}"));
    }

    public string Dir { get; }
    public string ConfigPath { get; }
    public List<(string Ip, int Port)> Seeds { get; }

    public string LogOf(string role, int port) => Path.Combine(Dir, $"outputfile_{role}_{port}.txt");
    public string[] LogLines(string role, int port) => File.ReadAllLines(LogOf(role, port));

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// Loopback ports for the nodes a test starts. A port the OS hands out for port 0 comes from its ephemeral range
/// (32768–60999 on Linux), where any outgoing connection of a node already running may take it before the node that
/// owns it binds it. So ports come from 10000–19999 (below that range, and below the 20000–32000 that `gossip bench`
/// uses), from one cursor for the whole test run that starts at a random place: no two tests of a run get the same
/// port, and each is checked free by binding it.
/// </summary>
public static class FreePorts
{
    const int First = 10_000, Last = 19_999;
    static int cursor = First + Random.Shared.Next(0, Last - First);
    static readonly object gate = new();

    public static IEnumerable<int> Take(int n)
    {
        var ports = new List<int>(n);
        lock (gate)
        {
            for (var tried = 0; ports.Count < n; tried++)
            {
                if (tried > Last - First) throw new InvalidOperationException($"only {ports.Count} of {n} free loopback ports in {First}–{Last}");
                var port = cursor;
                cursor = cursor >= Last ? First : cursor + 1;
                try
                {
                    var l = new TcpListener(IPAddress.Loopback, port);
                    l.Start();
                    l.Stop();
                    ports.Add(port);
                }
                catch (SocketException) { }
            }
        }
        return ports;
    }
}

/// <summary>
/// A running <c>gossip</c> process. Its console echo is watched line by line, so a test waits for the line it
/// expects (an event), bounded by a timeout, instead of sleeping.
/// </summary>
public sealed class GossipProcess : IDisposable
{
    readonly Process process;
    readonly List<string> lines = new();
    readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> waiters = new();
    readonly object gate = new();

    public GossipProcess(string workDir, params string[] args)
        : this(workDir, [], args) { }

    /// <summary>
    /// Runs <c>gossip</c> behind <paramref name="launcher"/> (e.g. <c>ip netns exec &lt;ns&gt;</c>, which becomes the
    /// program itself), named <paramref name="name"/> in timeouts (default: its arguments). <paramref name="program"/>
    /// is the command that is <c>gossip</c> (default: <c>dotnet gossip.dll</c>; the native tests give the native binary).
    /// </summary>
    public GossipProcess(string workDir, string[] launcher, string[] args, string? name = null, string[]? program = null)
    {
        string[] command = [.. launcher, .. program ?? ["dotnet", GossipProgram.Dll], .. args];
        var psi = new ProcessStartInfo(command[0]) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) OnLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) OnLine("stderr: " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Args = string.Join(' ', args);
        Name = name ?? $"gossip {Args}";
    }

    public string Args { get; }
    public string Name { get; }
    public int Pid => process.Id;

    /// <summary>The process ids of this process's children now (from <c>/proc/&lt;pid&gt;/task/*/children</c>).</summary>
    public List<int> Children() =>
        Directory.GetDirectories($"/proc/{process.Id}/task")
            .SelectMany(t => File.ReadAllText(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(int.Parse).ToList();

    void OnLine(string line)
    {
        lock (gate)
        {
            lines.Add(line);
            foreach (var w in waiters.Where(w => w.Match(line)).ToList())
            {
                waiters.Remove(w);
                w.Done.TrySetResult(line);
            }
        }
    }

    public IReadOnlyList<string> Output { get { lock (gate) return lines.ToList(); } }

    /// <summary>Waits for a console line matching <paramref name="match"/> (already seen or yet to come).</summary>
    public async Task<string> WaitForLine(Func<string, bool> match, TimeSpan timeout, string what, int fromLine = 0)
    {
        TaskCompletionSource<string> tcs;
        lock (gate)
        {
            var seen = lines.Skip(fromLine).FirstOrDefault(match);
            if (seen is not null) return seen;
            tcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((match, tcs));
        }
        var finished = await Task.WhenAny(tcs.Task, Task.Delay(timeout), process.WaitForExitAsync());
        if (finished == tcs.Task) return await tcs.Task;
        throw new TimeoutException($"{Name}: no line with {what} within {timeout.TotalSeconds}s (exited: {process.HasExited}). Last output:\n" + string.Join('\n', Output.TakeLast(15)));
    }

    /// <summary>Counts the console lines matching a pattern, waiting until there are at least <paramref name="count"/>.</summary>
    public async Task WaitForCount(Regex pattern, int count, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            TaskCompletionSource<string> next;
            lock (gate)
            {
                if (lines.Count(l => pattern.IsMatch(l)) >= count) return;
                next = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                waiters.Add((pattern.IsMatch, next));
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(next.Task, Task.Delay(left), process.WaitForExitAsync()) != next.Task)
                throw new TimeoutException($"{Name}: fewer than {count} lines with {what} within {timeout.TotalSeconds}s. Last output:\n" + string.Join('\n', Output.TakeLast(15)));
        }
    }

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    public void Signal(int sig) => kill(process.Id, sig);
    public void Interrupt() => Signal(2);

    public async Task<int> WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"gossip {Args} did not exit within {timeout.TotalSeconds}s"); }
        process.WaitForExit();   // drains the redirected output
        return process.ExitCode;
    }

    public void Dispose()
    {
        try { if (!process.HasExited) { process.Kill(entireProcessTree: true); process.WaitForExit(5000); } }
        catch (InvalidOperationException) { }
        process.Dispose();
    }
}
