using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using GossipPure.Shell.Hosting;

namespace GossipPure.Cli.Bench;

/// <summary>
/// A node the bench started as its own <c>gossip</c> process. Its console lines are kept with the local time
/// they carry (to the microsecond), so latencies come from the nodes' own clocks, not from when we read them.
/// </summary>
sealed class NodeProcess : IBenchNode
{
    readonly Process process;
    readonly Core.NodeId self;
    /// <param name="exited">Called when the process exits, whoever ended it (see <see cref="EndedAt"/>).</param>
    public NodeProcess(GossipBinary binary, string role, int port, string dir, string config, IEnumerable<string> extra, Action<NodeProcess>? exited = null)
    {
        Role = role;
        Port = port;
        self = new Core.NodeId("127.0.0.1", port);
        var psi = new ProcessStartInfo(binary.FileName)
        {
            WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in binary.Prefix.Concat(new[] { role, "127.0.0.1", port.ToString(CultureInfo.InvariantCulture), "--config", config, "--log-dir", dir }).Concat(extra))
            psi.ArgumentList.Add(a);
        // A node's settings come from its command line only, as the bench decides them.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("GOSSIP_", StringComparison.Ordinal)).ToList()) psi.Environment.Remove(key);
        process = new Process { StartInfo = psi, EnableRaisingEvents = exited is not null };
        if (exited is not null) process.Exited += (_, _) => exited(this);
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
    public bool Alive => !process.HasExited && !Stopped && EndedAt is null;
    public bool Stopped { get; private set; }
    /// <summary>When the bench killed, froze or interrupted this node: a removal after it is not a false one.</summary>
    public DateTime? EndedAt { get; private set; }
    public EventFeed Log { get; } = new();

    /// <summary>
    /// A console line: the event it reports, read by the renderer (<see cref="EventText.Recognize"/>), with the time
    /// the line starts with. Lines of other kinds are not kept.
    /// </summary>
    void OnLine(string text)
    {
        var at = ParseTime(text);
        var line = at is null ? text : text.Length > 16 ? text[16..] : "";
        if (EventText.Recognize(line, self) is { } e) Log.Add(at ?? DateTime.Now, e);
    }

    /// <summary>The local time a console line starts with (<c>HH:mm:ss.ffffff</c>), on today's date.</summary>
    static DateTime? ParseTime(string line) =>
        line.Length >= 15 && TimeSpan.TryParseExact(line[..15], @"hh\:mm\:ss\.ffffff", CultureInfo.InvariantCulture, out var t)
            ? DateTime.Today + t
            : null;

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    public void Kill() { EndedAt ??= DateTime.Now; kill(process.Id, 9); }
    public void Freeze() { EndedAt ??= DateTime.Now; kill(process.Id, 19); Stopped = true; }
    public void Interrupt() { EndedAt ??= DateTime.Now; kill(process.Id, 2); }

    public bool HasExited => process.HasExited;
    public int ExitCode => process.HasExited ? process.ExitCode : 0;

    /// <summary>Completes when the process has exited (and its output is read).</summary>
    public Task Exited(CancellationToken ct) => process.WaitForExitAsync(ct);

    /// <summary>Linux clock ticks a second in /proc (USER_HZ: 100 on every architecture .NET runs on).</summary>
    public const double TicksPerSecond = 100;

    /// <summary>User + system CPU time so far in clock ticks (/proc/&lt;pid&gt;/stat fields 14 and 15); null once gone.</summary>
    public long? CpuTicks()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{process.Id}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { return null; }
    }

    /// <summary>Resident memory (MiB, VmRSS of /proc/&lt;pid&gt;/status); null once gone.</summary>
    public double? RssMiB() => KiB($"/proc/{process.Id}/status", "VmRSS:") / 1024.0;

    /// <summary>
    /// Proportional set size (MiB, Linux): resident memory with each shared page (the runtime and framework files
    /// every node maps) divided among the processes that map it — what one more node really costs. Null where
    /// /proc/&lt;pid&gt;/smaps_rollup cannot be read.
    /// </summary>
    public double? PssMiB() => KiB($"/proc/{process.Id}/smaps_rollup", "Pss:") / 1024.0;

    /// <summary>
    /// The value (in kB, or a count) of the line that starts with <paramref name="key"/> in a /proc file; null where the
    /// file or the line is missing. The simulator reads its own memory and the huge-page pool with it too.
    /// </summary>
    internal static long? KiB(string path, string key)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
                if (line.StartsWith(key, StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(key.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture, out var kb))
                    return kb;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    public void Dispose()
    {
        // A frozen process takes SIGKILL as it is; nothing is left running.
        try { if (!process.HasExited) { process.Kill(); process.WaitForExit(3000); } } catch (InvalidOperationException) { }
        process.Dispose();
    }
}
