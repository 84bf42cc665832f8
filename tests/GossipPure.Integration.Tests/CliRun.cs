using System.Diagnostics;

namespace GossipPure.Integration.Tests;

/// <summary>
/// One run of <c>gossip</c> to its end, with its own environment, its stdout and stderr kept apart (the CLI's
/// errors and usage go to stderr, its answers to stdout).
/// </summary>
public sealed record CliRun(int ExitCode, IReadOnlyList<string> Out, IReadOnlyList<string> Err)
{
    public static async Task<CliRun> Of(string workDir, IReadOnlyDictionary<string, string>? env, TimeSpan bound, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(GossipProgram.Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // Settings in this process's environment must not leak into the run under test.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("GOSSIP_", StringComparison.Ordinal)).ToList()) psi.Environment.Remove(key);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(bound);
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"gossip {string.Join(' ', args)} did not exit within {bound.TotalSeconds}s");
        }
        static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        return new CliRun(p.ExitCode, Lines(await stdout), Lines(await stderr));
    }

    public override string ToString() =>
        $"exit {ExitCode}\nstdout:\n{string.Join('\n', Out.Take(40))}\nstderr:\n{string.Join('\n', Err.Take(40))}";
}
