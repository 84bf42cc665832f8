using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// A fact that needs Linux network namespaces: it is reported as skipped, with the reason, when this machine cannot
/// create them (not root, no <c>ip</c>, not Linux). It never passes without running.
/// </summary>
/// <summary>Whether this run is CI's (<c>CI=true</c>, as .ci/run is started): there, tests that need tmux or root are not skipped.</summary>
public static class Ci
{
    public static bool Running => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}

public sealed class NamespaceFactAttribute : FactAttribute
{
    public NamespaceFactAttribute()
    {
        // In CI (CI=true, where .ci/run runs as root) it is never skipped: a lab that cannot be built fails the test.
        if (NetnsLab.Unavailable is { } why && !Ci.Running) Skip = "network namespaces unavailable, test skipped: " + why;
    }
}

/// <summary>
/// A lab of hosts made of Linux network namespaces. Each node gets its own namespace with one veth (eth0, its own
/// address in 10.231.X.0/24) whose other end sits in a bridge inside a separate "switch" namespace, so nothing is
/// bridged into the root namespace. For the lab's whole life the root namespace holds
/// <c>unreachable 10.231.X.0/24</c>, so no packet for a lab address can leave the machine; nothing outside the lab's
/// namespaces is ever a target. A lab owns its X through an exclusive lock file (the kernel releases it when the
/// process dies), so what a crashed run left behind (namespaces named <c>gpnet&lt;X&gt;-*</c>, the processes still in
/// them, its guard route, its folder) is recognised by a free lock and removed before a new lab is built. Dispose
/// stops every process and removes everything, also after a failure.
/// </summary>
public sealed class NetnsLab : IDisposable
{
    static readonly string LockDir = Path.Combine(Path.GetTempPath(), "gossip-netns-locks");
    static readonly Lazy<string?> unavailable = new(Probe);

    /// <summary>Why namespaces cannot be used here, or null when they can.</summary>
    public static string? Unavailable => unavailable.Value;

    readonly FileStream ownership;
    readonly List<GossipProcess> started = new();
    readonly List<string> namespaces = new();
    bool routeAdded;

    public NetnsLab()
    {
        try
        {
            SweepAbandonedLabs();
            (X, ownership) = ClaimSubnet();
            RemoveLab(X);   // a run that crashed after the sweep may have left this X behind
            Directory.CreateDirectory(Dir);
            // The guard comes first: from here on a lab address can only be reached inside the lab.
            Ip($"route add unreachable {Subnet}");
            routeAdded = true;
            AddNamespace(Switch);
            Ip($"-n {Switch} link set lo up");
            Ip($"-n {Switch} link add name br0 type bridge");
            Ip($"-n {Switch} link set br0 up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int X { get; }
    public string Subnet => $"10.231.{X}.0/24";
    /// <summary>The lab's files: config.csv and one folder per node (its output and event logs).</summary>
    public string Dir => DirOf(X);
    static string DirOf(int x) => Path.Combine(Path.GetTempPath(), $"gossip-netns-10.231.{x}");
    string Prefix => $"gpnet{X}-";
    string Switch => Prefix + "sw";

    /// <summary>A node's namespace name from its short name (e.g. "s1").</summary>
    public string Namespace(string node) => Prefix + node;

    /// <summary>Creates a host: a namespace with lo up and eth0 at 10.231.X.<paramref name="hostByte"/>, wired to the switch.</summary>
    public string AddHost(string node, int hostByte)
    {
        if (node.Length > 10) throw new ArgumentException("node names are at most 10 characters (interface names)", nameof(node));
        var ns = Namespace(node);
        AddNamespace(ns);
        Ip($"-n {ns} link set lo up");
        Ip($"-n {Switch} link add name v-{node} type veth peer name eth0 netns {ns}");
        Ip($"-n {Switch} link set v-{node} master br0");
        Ip($"-n {Switch} link set v-{node} up");
        Ip($"-n {ns} addr add 10.231.{X}.{hostByte}/24 dev eth0");
        Ip($"-n {ns} link set eth0 up");
        return $"10.231.{X}.{hostByte}";
    }

    /// <summary>Cuts a host off: its port on the switch goes down, so every frame to or from it is dropped.</summary>
    public void Cut(string node) => Ip($"-n {Switch} link set v-{node} down");

    /// <summary>Puts a cut host back on the switch.</summary>
    public void Heal(string node) => Ip($"-n {Switch} link set v-{node} up");

    /// <summary>Starts <c>gossip</c> inside a node's namespace, in its own folder (each node writes its own files there).</summary>
    public GossipProcess Start(string node, params string[] args)
    {
        var dir = Path.Combine(Dir, node);
        Directory.CreateDirectory(dir);
        var p = new GossipProcess(dir, ["ip", "netns", "exec", Namespace(node)], args, node);
        started.Add(p);
        return p;
    }

    public void Dispose()
    {
        foreach (var p in started) p.Dispose();
        foreach (var ns in namespaces.AsEnumerable().Reverse()) DeleteNamespace(ns);
        if (routeAdded) TryIp($"route del unreachable {Subnet}");
        if (ownership is not null) DeleteDir(Dir);
        ownership?.Dispose();
    }

    // ---- set-up and clean-up ----

    static string LockPath(int x) => Path.Combine(Directory.CreateDirectory(LockDir).FullName, $"10.231.{x}.lock");

    /// <summary>The lock that says a live lab owns 10.231.X.0/24 (the kernel drops it when the process ends), or null when one does.</summary>
    static FileStream? TryLock(int x)
    {
        // FileShare.None is an exclusive flock on Unix: a second open fails while the owner's handle is open.
        try { return new FileStream(LockPath(x), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) { return null; }
    }

    /// <summary>
    /// Picks X (starting from a value derived from the process id) whose lock this process can hold and whose /24
    /// the root namespace routes nowhere, or only to the guard of an abandoned lab.
    /// </summary>
    static (int X, FileStream Lock) ClaimSubnet()
    {
        var start = Environment.ProcessId % 250;
        for (var i = 0; i < 250; i++)
        {
            var x = 1 + (start + i) % 250;
            if (TryLock(x) is not { } held) continue;   // a live lab has it
            var routes = Ip($"route show exact 10.231.{x}.0/24").Trim();
            if (routes.Length == 0 || routes == $"unreachable 10.231.{x}.0/24") return (x, held);
            held.Dispose();   // this /24 is routed somewhere real: not ours to use
        }
        throw new InvalidOperationException("no free 10.231.X.0/24 for a namespace lab");
    }

    /// <summary>
    /// Removes what runs that crashed (test host killed, say) left behind: any lab namespaces or guard routes whose X
    /// no live lab holds the lock of.
    /// </summary>
    static void SweepAbandonedLabs()
    {
        var xs = new SortedSet<int>();
        foreach (var line in Ip("netns list").Split('\n'))
            if (Regex.Match(line, @"^gpnet(\d+)-") is { Success: true } m) xs.Add(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        foreach (var line in Ip("route show type unreachable").Split('\n'))
            if (Regex.Match(line, @"^unreachable 10\.231\.(\d+)\.0/24\b") is { Success: true } m) xs.Add(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        foreach (var x in xs)
        {
            using var held = TryLock(x);
            if (held is not null) RemoveLab(x);
        }
        // A privilege probe cut short: its process is gone.
        foreach (var line in Ip("netns list").Split('\n'))
            if (Regex.Match(line, @"^(gpnet-probe-(\d+))\b") is { Success: true } m && !Directory.Exists($"/proc/{m.Groups[2].Value}"))
                DeleteNamespace(m.Groups[1].Value);
    }

    /// <summary>Everything of lab X: its namespaces (and the processes still in them), then its guard route.</summary>
    static void RemoveLab(int x)
    {
        var prefix = $"gpnet{x}-";
        foreach (var ns in Ip("netns list").Split('\n').Select(l => l.Split(' ')[0].Trim()).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
            DeleteNamespace(ns);
        if (Ip($"route show exact 10.231.{x}.0/24").Trim() == $"unreachable 10.231.{x}.0/24") Ip($"route del unreachable 10.231.{x}.0/24");
        DeleteDir(DirOf(x));
    }

    static void DeleteDir(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    void AddNamespace(string ns)
    {
        Ip($"netns add {ns}");
        namespaces.Add(ns);
    }

    static void DeleteNamespace(string ns)
    {
        // Processes keep a namespace alive after its name is gone: end the ones a test started in it first.
        foreach (var pid in TryIp($"netns pids {ns}").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (int.TryParse(pid.Trim(), out var id))
                try { using var p = Process.GetProcessById(id); p.Kill(); p.WaitForExit(5000); }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { }
        TryIp($"netns del {ns}");
    }

    /// <summary>Can this process create namespaces and veth pairs? Tried on a throw-away namespace.</summary>
    static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "not Linux";
        var ns = $"gpnet-probe-{Environment.ProcessId}";
        try
        {
            Ip($"netns add {ns}");
            try { Ip($"-n {ns} link add name probe0 type veth peer name probe1"); }
            finally { TryIp($"netns del {ns}"); }
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return $"`ip netns add` or a veth pair failed (root or CAP_NET_ADMIN and CAP_SYS_ADMIN, and iproute2, are needed): {e.Message}";
        }
    }

    static string TryIp(string args)
    {
        try { return Ip(args); }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { return ""; }
    }

    /// <summary>Runs <c>ip</c> with <paramref name="args"/> (space-separated, no quoting needed); throws with its stderr when it fails.</summary>
    public static string Ip(string args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args.Split(' ', StringSplitOptions.RemoveEmptyEntries)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(10_000))
        {
            p.Kill();
            throw new InvalidOperationException($"ip {args}: no exit within 10s");
        }
        if (p.ExitCode != 0) throw new InvalidOperationException($"ip {args}: exit code {p.ExitCode}: {stderr.Trim()}");
        return stdout.Result;
    }
}
