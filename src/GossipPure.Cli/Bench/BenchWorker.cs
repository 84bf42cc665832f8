using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using GossipPure.Shell.Hosting;

namespace GossipPure.Cli.Bench;

/// <summary>
/// A share of the nodes hosted in a child process, for networks larger than one process's open-file limit allows
/// (each hosted node holds two files and both ends of its links to other hosted nodes). The child is this program
/// run as <c>gossip bench</c> with <see cref="EnvVar"/> set; it takes commands on stdin (<c>start ROLE PORT
/// INTERVAL_MS COUNT</c>, <c>kill PORT</c>, <c>freeze PORT</c>, <c>stop PORT</c>) and writes each node's events on
/// stdout as <c>PORT TICKS KIND FIELDS</c> (<see cref="EventJson"/>), the local time of the event in ticks (same clock
/// as the parent's).
/// It exits when its stdin closes.
/// </summary>
sealed class WorkerHost : IDisposable
{
    public const string EnvVar = "GOSSIP_BENCH_WORKER";
    readonly Process process;
    readonly Dictionary<int, RemoteNode> nodes = new();
    readonly object gate = new();

    public WorkerHost(string dir, LanguageExt.Seq<Core.NodeId> seeds, BenchKeys? keys = null)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet")
        {
            WorkingDirectory = dir, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        var self = Environment.GetCommandLineArgs()[0];
        if (Path.GetFileNameWithoutExtension(psi.FileName) == "dotnet") psi.ArgumentList.Add(self);
        psi.ArgumentList.Add("bench");
        // Idle thread-pool threads spin (sched_yield) before they sleep: in a trace of the seeds' process at 1,000 peers
        // that spinning was 45 % of the CPU samples. On two shared cores the workers skip it (CPU per node 0.077 → 0.062 s;
        // latencies unchanged within noise).
        psi.Environment["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0";
        psi.Environment[EnvVar] = $"{dir}|{string.Join(',', seeds.Map(s => s.ToString()))}|{keys?.Spec ?? ""}";
        process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) OnLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"gossip bench worker: {e.Data}"); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => process.Id;

    void OnLine(string line)
    {
        var a = line.IndexOf(' ');
        var b = a < 0 ? -1 : line.IndexOf(' ', a + 1);
        var c = b < 0 ? -1 : line.IndexOf(' ', b + 1);
        if (c < 0 || !int.TryParse(line.AsSpan(0, a), CultureInfo.InvariantCulture, out var port)
            || !long.TryParse(line.AsSpan(a + 1, b - a - 1), CultureInfo.InvariantCulture, out var ticks)) return;
        RemoteNode? node;
        lock (gate) nodes.TryGetValue(port, out node);
        if (node is null) return;
        try
        {
            using var fields = JsonDocument.Parse(line.AsMemory(c + 1));
            if (EventJson.TryRead(line[(b + 1)..c], fields.RootElement, out var e, out var error)) node.Log.Add(new DateTime(ticks), e);
            else Console.Error.WriteLine($"gossip bench worker: {error}");
        }
        catch (JsonException x)
        {
            Console.Error.WriteLine($"gossip bench worker: an event line that is not JSON: {x.Message}");
        }
    }

    void Send(string command)
    {
        lock (gate)
        {
            try { process.StandardInput.WriteLine(command); process.StandardInput.Flush(); }
            catch (IOException) { }
        }
    }

    public IBenchNode Start(Core.Role role, int port, long gossipIntervalMs, int gossipCount)
    {
        var node = new RemoteNode(this, role == Core.Role.Seed ? "seed" : "peer", port);
        lock (gate) nodes[port] = node;
        Send(string.Create(CultureInfo.InvariantCulture, $"start {node.Role} {port} {gossipIntervalMs} {gossipCount}"));
        return node;
    }

    /// <summary>Resident memory (MiB) and CPU time of the worker process.</summary>
    public (double RssMiB, TimeSpan Cpu) Usage()
    {
        try { process.Refresh(); return (process.WorkingSet64 / 1048576.0, process.TotalProcessorTime); }
        catch (InvalidOperationException) { return (0, TimeSpan.Zero); }
    }

    public void Dispose()
    {
        try { process.StandardInput.Close(); } catch (IOException) { }
        try { if (!process.WaitForExit(5000)) process.Kill(); } catch (InvalidOperationException) { }
        process.Dispose();
    }

    sealed class RemoteNode(WorkerHost host, string role, int port) : IBenchNode
    {
        bool stopped;
        public string Role { get; } = role;
        public int Port { get; } = port;
        public bool Alive => !stopped;
        public EventFeed Log { get; } = new();
        public void Kill() { stopped = true; host.Send($"kill {Port}"); }
        public void Freeze() { stopped = true; host.Send($"freeze {Port}"); }
        public void Interrupt() { host.Send($"stop {Port}"); }
        public void Dispose() { }
    }

    /// <summary>The child's side: hosts the nodes it is told to start and forwards their lines.</summary>
    public static async Task<int> RunChildAsync(string spec, CancellationToken ct)
    {
        var parts = spec.Split('|');
        var dir = parts[0];
        var seeds = LanguageExt.Prelude.toSeq(parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s =>
        {
            var i = s.LastIndexOf(':');
            return new Core.NodeId(s[..i], int.Parse(s[(i + 1)..], CultureInfo.InvariantCulture));
        }).ToArray());
        var keys = parts.Length > 2 && parts[2].Length > 0 ? BenchKeys.FromSpec(parts[2]) : null;
        if (FileLimit.Ensure(FileLimit.PerHostedNode * 600) is { } why) Console.Error.WriteLine(why);
        // One writer for stdout: the nodes' threads queue their lines.
        var lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
        var writer = Task.Run(async () =>
        {
            while (await lines.Reader.WaitToReadAsync())
            {
                while (lines.Reader.TryRead(out var l)) stdout.WriteLine(l);
                stdout.Flush();
            }
        });
        var hosted = new Dictionary<int, InProcNode>();
        string? command;
        while ((command = await Console.In.ReadLineAsync(ct)) is not null)
        {
            var w = command.Split(' ');
            var port = w.Length > 1 && int.TryParse(w[w[0] == "start" ? 2 : 1], CultureInfo.InvariantCulture, out var p) ? p : 0;
            switch (w[0])
            {
                case "start" when w.Length == 5:
                    var options = Core.ProtocolOptions.Default with
                    {
                        GossipIntervalMs = long.Parse(w[3], CultureInfo.InvariantCulture), GossipCount = int.Parse(w[4], CultureInfo.InvariantCulture),
                    };
                    var node = new InProcNode(w[1] == "seed" ? Core.Role.Seed : Core.Role.Peer, BenchKeys.Secure(keys, new Core.NodeConfig(new Core.NodeId("127.0.0.1", port), seeds, options)), dir,
                        (at, e) => lines.Writer.TryWrite(string.Create(CultureInfo.InvariantCulture, $"{port} {at.Ticks} {EventJson.KindOf(e)} {EventJson.Encode(e)}")));
                    hosted[port] = node;
                    break;
                case "kill" when hosted.TryGetValue(port, out var n): n.Kill(); break;
                case "freeze" when hosted.TryGetValue(port, out var n): n.Freeze(); break;
                case "stop" when hosted.TryGetValue(port, out var n): n.Interrupt(); break;
            }
        }
        foreach (var n in hosted.Values) n.Interrupt();
        foreach (var n in hosted.Values) n.Dispose();
        lines.Writer.TryComplete();
        await writer;
        return 0;
    }
}
