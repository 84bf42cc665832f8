using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace GossipPure.Cli.Bench;

/// <summary>
/// A node the bench started as its own <c>gossip</c> process. Its console lines are kept with the local time
/// they carry (to the microsecond), so latencies come from the nodes' own clocks, not from when we read them.
/// </summary>
sealed class NodeProcess : IBenchNode
{
    readonly Process process;
    public NodeProcess(string role, int port, string dir, string config, IEnumerable<string> extra)
    {
        Role = role;
        Port = port;
        var psi = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // Run the same program as this one: either the apphost, or `dotnet gossip.dll`.
        var self = Environment.GetCommandLineArgs()[0];
        if (Path.GetFileNameWithoutExtension(psi.FileName) == "dotnet") psi.ArgumentList.Add(self);
        foreach (var a in new[] { role, "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), "--config", config, "--log-dir", dir }.Concat(extra))
            psi.ArgumentList.Add(a);
        process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) OnLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) OnLine(e.Data); };
        StartedAt = DateTime.Now;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Role { get; }
    public int Port { get; }
    public int Pid => process.Id;
    public DateTime StartedAt { get; }
    public bool Alive => !process.HasExited && !Stopped;
    public bool Stopped { get; private set; }
    public LineLog Log { get; } = new();

    /// <summary>A console line, without the time it starts with (kept as the line's time).</summary>
    void OnLine(string text)
    {
        if (ParseTime(text) is { } at) Log.Add(at, text.Length > 16 ? text[16..] : "");
        else Log.Add(DateTime.Now, text);
    }

    /// <summary>The local time a console line starts with (<c>HH:mm:ss.ffffff</c>), on today's date.</summary>
    static DateTime? ParseTime(string line) =>
        line.Length >= 15 && TimeSpan.TryParseExact(line[..15], @"hh\:mm\:ss\.ffffff", CultureInfo.InvariantCulture, out var t)
            ? DateTime.Today + t
            : null;

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    public void Kill() => kill(process.Id, 9);
    public void Freeze() { kill(process.Id, 19); Stopped = true; }
    public void Interrupt() => kill(process.Id, 2);

    /// <summary>Resident memory (MiB) and CPU time so far.</summary>
    public (double RssMiB, TimeSpan Cpu) Usage()
    {
        try
        {
            process.Refresh();
            return (process.WorkingSet64 / 1048576.0, process.TotalProcessorTime);
        }
        catch (InvalidOperationException) { return (0, TimeSpan.Zero); }
    }

    /// <summary>
    /// Proportional set size (MiB, Linux): resident memory with each shared page (the runtime and framework files
    /// every node maps) divided among the processes that map it — what one more node really costs. Null where
    /// /proc/&lt;pid&gt;/smaps_rollup cannot be read.
    /// </summary>
    public double? PssMiB()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{process.Id}/smaps_rollup"))
                if (line.StartsWith("Pss:", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(4).Trim().TrimEnd("kB").Trim(), out var kb))
                    return kb / 1024.0;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    public void Dispose()
    {
        try { if (!process.HasExited) { process.Kill(); process.WaitForExit(3000); } } catch (InvalidOperationException) { }
        process.Dispose();
    }
}
