using System.Diagnostics;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// The native (NativeAOT) <c>gossip</c>: <c>dist/gossip</c> when it is there (CI publishes it before the tests), else
/// published once by this test run into <c>artifacts/native/</c>. A build that cannot be made fails the tests that
/// need it with the reason; it never lets them pass without running.
/// </summary>
public static class NativeGossip
{
    static readonly TimeSpan PublishBound = TimeSpan.FromMinutes(15);   // only to catch a hang: ~1–5 min on a 2-core machine
    static readonly Lazy<Task<string>> Binary = new(Find);

    /// <summary>The command that runs the native binary (for <see cref="GossipProcess"/>'s <c>program</c>).</summary>
    public static async Task<string[]> Program() => [await Binary.Value];

    static async Task<string> Find()
    {
        var dist = Path.Combine(GossipProgram.RepoRoot, "dist", "gossip");
        if (File.Exists(dist)) return dist;
        var folder = Path.Combine(GossipProgram.RepoRoot, "artifacts", "native");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = GossipProgram.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "publish", Path.Combine("src", "GossipPure.Cli"), "-c", "Release", "-o", folder, "-nologo" }) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(PublishBound);
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"native gossip: `dotnet publish src/GossipPure.Cli -c Release -o {folder}` did not finish within {PublishBound.TotalMinutes} min");
        }
        var binary = Path.Combine(folder, "gossip");
        if (p.ExitCode == 0 && File.Exists(binary)) return binary;
        var errors = (await stdout + "\n" + await stderr).Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Select(l => l.Trim()).Distinct().Take(3);
        throw new InvalidOperationException($"native gossip: `dotnet publish src/GossipPure.Cli -c Release -o {folder}` failed (exit {p.ExitCode}): {string.Join(" | ", errors)}");
    }
}

/// <summary>A network of native <c>gossip</c> processes on loopback, and the commands of the native binary.</summary>
public sealed class NativeProcessTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);   // only to catch hangs
    static readonly string[] FastGossip = { "--gossip-interval", "250ms", "--gossip-count", "1000" };

    [Fact]
    public async Task Native_seeds_and_peers_register_gossip_purge_a_killed_peer_and_stop_cleanly_on_ctrl_c()
    {
        using var net = new Network(await NativeGossip.Program(), seeds: 3, peers: 4, FastGossip);
        await net.WaitUntilGossiping();   // every peer registered and has gossip from every other

        var victim = net.PeerPorts[1];
        net.Peers[victim].Signal(9);
        await net.WaitForDeadConfirmedEverywhere(victim, Bound);
        foreach (var node in net.Seeds.Values.Concat(net.Peers.Where(kv => kv.Key != victim).Select(kv => kv.Value)))
            Assert.DoesNotContain(node.Output, l => l.Contains("DEAD_CONFIRMED") && !l.Contains(Network.Id(victim)));

        var survivors = net.Seeds.Values.Concat(net.Peers.Where(kv => kv.Key != victim).Select(kv => kv.Value)).ToList();
        foreach (var p in survivors) p.Interrupt();
        var codes = await Task.WhenAll(survivors.Select(p => p.WaitForExit(Bound)));
        foreach (var (p, code) in survivors.Zip(codes))
        {
            Assert.True(code == 0, $"{p.Name} exited with {code}");
            Assert.Contains(p.Output, l => l.EndsWith("Shutting down."));
            Assert.DoesNotContain(p.Output, l => l.StartsWith("stderr: ") && l.Contains("Exception"));
        }

        // A native node's event log replays (with the JIT build: the two builds agree on every effect).
        var survivor = net.PeerPorts.First(p => p != victim);
        using var replay = new GossipProcess(net.Lab.Dir, "replay", Path.Combine(net.Lab.Dir, $"events_peer_{survivor}.jsonl"));
        Assert.Equal(0, await replay.WaitForExit(Bound));
        Assert.Matches(@"^replayed \d+ steps: all effects match", replay.Output[^1]);
    }

    [Fact]
    public async Task Native_cluster_runs_four_peers_for_ten_seconds_and_stops_by_itself()
    {
        using var lab = new Lab(seedCount: 3);
        var basePort = FreeRun(4);
        using var p = new GossipProcess(lab.Dir, [], ["cluster", "--peers", "4", "--gossip-interval", "1s", "--run-for", "10s", "--plain",
            "--config", lab.ConfigPath, "--log-dir", lab.Dir, "--peer-base-port", basePort.ToString()], program: await NativeGossip.Program());
        Assert.Equal(0, await p.WaitForExit(TimeSpan.FromSeconds(60)));
        for (var i = 0; i < 4; i++)
        {
            var port = basePort + i;
            Assert.Contains(p.Output, l => l.StartsWith($"[peer {port}] ") && l.Contains("Registered;"));
            Assert.Contains(p.Output, l => l.StartsWith($"[peer {port}] ") && l.Contains("GOSSIP received (first time)"));
        }
        Assert.Equal(7, p.Output.Count(l => l.EndsWith("Shutting down.")));
    }

    [Fact]
    public async Task Native_simulate_gives_the_trace_hash_of_the_jit_build()
    {
        string[] args = ["simulate", "--seeds", "3", "--peers", "20", "--seed", "42", "--seconds", "20", "--crash", "1"];
        using var lab = new Lab(seedCount: 1);
        using var native = new GossipProcess(lab.Dir, [], args, program: await NativeGossip.Program());
        using var jit = new GossipProcess(lab.Dir, args);
        Assert.Equal(0, await native.WaitForExit(TimeSpan.FromSeconds(120)));
        Assert.Equal(0, await jit.WaitForExit(TimeSpan.FromSeconds(120)));
        static string Hash(GossipProcess p) => p.Output.Single(l => l.StartsWith("trace hash: "));
        Assert.Matches("^trace hash: [0-9a-f]{64}$", Hash(native));
        Assert.Equal(Hash(jit), Hash(native));
    }

    [Fact]
    public async Task A_large_native_simulate_runs_in_its_own_process_with_the_same_trace_as_the_jit_child()
    {
        // The native build links only the nodes' GC: starting itself again would gain nothing, so it does not.
        string[] args = ["simulate", "--peers", "5000", "--seed", "3", "--seconds", "2"];
        using var lab = new Lab(seedCount: 1);
        using var native = new GossipProcess(lab.Dir, [], args, program: await NativeGossip.Program());
        await native.WaitForLine(l => l.StartsWith("workload: "), TimeSpan.FromSeconds(120), "the workload line");
        var children = native.Children();
        Assert.Equal(0, await native.WaitForExit(TimeSpan.FromSeconds(120)));
        using var jit = new GossipProcess(lab.Dir, args);
        Assert.Equal(0, await jit.WaitForExit(TimeSpan.FromSeconds(120)));
        Assert.Empty(children);
        Assert.Contains(native.Output, l => l.StartsWith("wall time: ") && l.Contains("workstation GC"));
        Assert.Contains(jit.Output, l => l.StartsWith("wall time: ") && l.Contains("server GC"));
        static string Hash(GossipProcess p) => p.Output.Single(l => l.StartsWith("trace hash: "));
        Assert.Equal(Hash(jit), Hash(native));
    }

    [Fact]
    public async Task Native_help_lists_every_command_and_diagrams_writes_the_state_machines()
    {
        using var lab = new Lab(seedCount: 1);
        var program = await NativeGossip.Program();
        using var help = new GossipProcess(lab.Dir, [], ["--help"], program: program);
        Assert.Equal(0, await help.WaitForExit(Bound));
        foreach (var command in new[] { "seed", "peer", "cluster", "bench", "simulate", "replay", "topology", "diagrams" })
            Assert.Contains(help.Output, l => Regex.IsMatch(l, $@"^\s+{command}\b"));

        using var diagrams = new GossipProcess(lab.Dir, [], ["diagrams", "--out", lab.Dir], program: program);
        Assert.Equal(0, await diagrams.WaitForExit(Bound));
        Assert.StartsWith("digraph", File.ReadAllText(Path.Combine(lab.Dir, "registration.dot")).TrimStart());
        Assert.StartsWith("digraph", File.ReadAllText(Path.Combine(lab.Dir, "suspicion.dot")).TrimStart());
    }

    /// <summary>
    /// Concatenating two LanguageExt Seqs starts a generic cycle on which the NativeAOT compiler's IL scanner stops
    /// (specs/aot.md); `dotnet publish` would say so after minutes, this says it in a second, naming the method.
    /// </summary>
    [Fact]
    public void Our_assemblies_concatenate_no_LanguageExt_Seqs()
    {
        var dir = Path.GetDirectoryName(GossipProgram.Dll)!;
        var offences = new List<string>();
        foreach (var file in new[] { "gossip.dll", "GossipPure.Core.dll", "GossipPure.Shell.dll", "GossipPure.Simulation.dll" })
        {
            using var pe = new PEReader(File.OpenRead(Path.Combine(dir, file)));
            var md = pe.GetMetadataReader();
            string Name(EntityHandle h) => h.Kind switch
            {
                HandleKind.TypeReference => md.GetString(md.GetTypeReference((TypeReferenceHandle)h).Namespace) + "." + md.GetString(md.GetTypeReference((TypeReferenceHandle)h).Name),
                HandleKind.TypeSpecification => GenericOf((TypeSpecificationHandle)h),
                _ => "",
            };
            string GenericOf(TypeSpecificationHandle h)
            {
                var blob = md.GetBlobReader(md.GetTypeSpecification(h).Signature);
                if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance) return "";
                blob.ReadSignatureTypeCode();   // class or value type
                return Name(blob.ReadTypeHandle());
            }
            var concatenations = new HashSet<int>();
            foreach (var h in md.MemberReferences)
            {
                var m = md.GetMemberReference(h);
                var (name, parent) = (md.GetString(m.Name), Name(m.Parent));
                if (parent is "LanguageExt.Seq`1" && name is "Concat" or "op_Addition" or "Append"
                    || parent is "LanguageExt.Seq" or "LanguageExt.Prelude" && name is "append" or "concat")
                    concatenations.Add(System.Reflection.Metadata.Ecma335.MetadataTokens.GetToken(h));
            }
            foreach (var def in md.MethodDefinitions.Select(md.GetMethodDefinition).Where(d => d.RelativeVirtualAddress != 0))
            {
                var il = pe.GetMethodBody(def.RelativeVirtualAddress).GetILReader();
                var bytes = il.ReadBytes(il.Length);
                for (var i = 0; i + 4 < bytes.Length; i++)
                    if (bytes[i] is 0x28 or 0x6F && concatenations.Contains(BitConverter.ToInt32(bytes, i + 1)))
                    {
                        offences.Add($"{file}: {md.GetString(md.GetTypeDefinition(def.GetDeclaringType()).Name)}.{md.GetString(def.Name)}");
                        break;
                    }
            }
        }
        Assert.True(offences.Count == 0, "concatenation of LanguageExt Seqs (use Enumerable.Concat or arrays; specs/aot.md) in: " + string.Join(", ", offences));
    }

    /// <summary>The first of <paramref name="n"/> consecutive free loopback ports (cluster numbers its peers from one).</summary>
    static int FreeRun(int n)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var start = FreePorts.Take(1).Single();
            if (start + n - 1 > 65535) continue;
            var listeners = new List<System.Net.Sockets.TcpListener>();
            try
            {
                for (var port = start; port < start + n; port++)
                {
                    var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                    l.Start();
                    listeners.Add(l);
                }
                return start;
            }
            catch (System.Net.Sockets.SocketException) { }
            finally { foreach (var l in listeners) l.Stop(); }
        }
        throw new InvalidOperationException($"no {n} consecutive free loopback ports");
    }
}
