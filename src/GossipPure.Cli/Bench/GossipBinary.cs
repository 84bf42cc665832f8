namespace GossipPure.Cli.Bench;

/// <summary>
/// The <c>gossip</c> program the bench starts for each node with --processes: an executable (<see cref="Prefix"/>
/// empty), or <c>dotnet</c> with the path of a <c>gossip.dll</c> first. <see cref="Kind"/> says which build it is.
/// </summary>
public sealed record GossipBinary(string FileName, IReadOnlyList<string> Prefix, string Path, string Kind)
{
    /// <summary>A NativeAOT executable (no gossip.dll beside it).</summary>
    public bool IsNative => Kind == "native";

    /// <summary>What the bench prints and writes as "binary": the kind and the full path.</summary>
    public override string ToString() => $"{Kind}: {(Prefix.Count > 0 ? $"{FileName} {string.Join(' ', Prefix)}" : FileName)}";

    /// <summary>
    /// The program named by --binary; else <c>dist/gossip</c> under the current folder or the repository this program
    /// was built in (the native build, <c>dotnet publish src/GossipPure.Cli -c Release -o dist</c>); else this very
    /// program (the JIT build, as <c>dotnet gossip.dll</c> or its apphost). An error text when --binary names nothing.
    /// </summary>
    public static (GossipBinary? Binary, string? Error) Choose(string? explicitPath)
    {
        if (explicitPath is { Length: > 0 })
        {
            var full = System.IO.Path.GetFullPath(explicitPath);
            return File.Exists(full) ? (Of(full), null) : (null, $"--binary: no file at {full}");
        }
        foreach (var root in new[] { Environment.CurrentDirectory, RepoRoot() }.OfType<string>())
        {
            var native = System.IO.Path.Combine(root, "dist", "gossip");
            if (File.Exists(native)) return (Of(native), null);
        }
        return (Self(), null);
    }

    /// <summary>This very program: <c>dotnet gossip.dll</c>, its apphost, or the native executable.</summary>
    public static GossipBinary Self()
    {
        var self = Environment.ProcessPath ?? "dotnet";
        return System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? Of(System.IO.Path.GetFullPath(Environment.GetCommandLineArgs()[0]))
            : Of(self);
    }

    /// <summary>A .dll runs under <c>dotnet</c>; an apphost beside its gossip.dll is the JIT build; any other file is taken as native.</summary>
    static GossipBinary Of(string path) =>
        path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? new GossipBinary("dotnet", new[] { path }, path, "jit")
        : File.Exists(path + ".dll") ? new GossipBinary(path, Array.Empty<string>(), path, "jit (apphost)")
        : new GossipBinary(path, Array.Empty<string>(), path, "native");

    /// <summary>The folder holding GossipPure.sln above this program, if it runs from a build or a dist/ inside the repository.</summary>
    static string? RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(System.IO.Path.Combine(d.FullName, "GossipPure.sln"))) return d.FullName;
        return null;
    }
}
