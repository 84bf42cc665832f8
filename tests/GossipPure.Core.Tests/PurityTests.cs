using System.Diagnostics;
using System.Net.Sockets;
using GossipPure.Core.Tests.Support;
using Xunit.Abstractions;

namespace GossipPure.Core.Tests;

/// <summary>The core must decide, never do: its compiled metadata may not reach I/O, clocks, randomness, threads or logging.</summary>
public sealed class PurityTests(ITestOutputHelper output)
{
    /// <summary>
    /// The core as the compiler made it. Under `dotnet test --collect "XPlat Code Coverage"` coverlet rewrites the
    /// copy next to the tests (adding its own hit tracker, which reads the clock and environment); the compiler's
    /// output in obj/ is untouched, so that is the one to judge then.
    /// </summary>
    static string CorePath()
    {
        var loaded = typeof(Quorum).Assembly.Location;
        if (!AssemblyScanner.TypeDefinitions(loaded).Any(t => t.StartsWith("Coverlet.", StringComparison.Ordinal))) return loaded;
        var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dir = tfmDir;
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GossipPure.sln"))) dir = dir.Parent;
        var compiled = Path.Combine(dir!.FullName, "src", "GossipPure.Core", "obj", tfmDir.Parent!.Name, tfmDir.Name, "GossipPure.Core.dll");
        Assert.True(File.Exists(compiled), $"the loaded core is instrumented and the compiler's output {compiled} is missing");
        return compiled;
    }

    [Fact]
    public void Core_assembly_references_no_io_clock_randomness_threads_or_logging()
    {
        var path = CorePath();
        var offences = AssemblyScanner.Offences(path);
        foreach (var o in offences) output.WriteLine(o);
        Assert.True(offences.Count == 0,
            $"{Path.GetFileName(path)} is not pure:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", offences)}");
    }

    [Fact]
    public void Scanner_reads_the_core_assembly_itself()
    {
        var types = AssemblyScanner.TypeReferences(CorePath());
        Assert.Contains("System.Security.Cryptography.SHA256", types);   // Digest: allowed, and seen
        Assert.Contains("LanguageExt.HashMap`2", types);
        Assert.Contains(types, t => t.StartsWith("Stateless.StateMachine`2", StringComparison.Ordinal));
    }

    [Fact]
    public void Core_assembly_references_only_the_framework_LanguageExt_and_Stateless()
    {
        var names = AssemblyScanner.AssemblyReferences(CorePath()).ToList();
        var strangers = names.Where(n => n is not ("LanguageExt.Core" or "Stateless") && !n.StartsWith("System.", StringComparison.Ordinal) && n != "System").ToList();
        Assert.True(strangers.Count == 0, $"unexpected assembly references: {string.Join(", ", strangers)}");
        Assert.Contains("LanguageExt.Core", names);
        Assert.Contains("Stateless", names);
    }

    /// <summary>The scanner must see each kind of impurity; <see cref="ImpureSample"/> (in this assembly) has one of each.</summary>
    [Theory]
    [InlineData("member reference System.DateTime::get_UtcNow")]
    [InlineData("member reference System.DateTime::get_Now")]
    [InlineData("member reference System.DateTimeOffset::get_UtcNow")]
    [InlineData("member reference System.Guid::NewGuid")]
    [InlineData("type reference System.Random")]
    [InlineData("type reference System.Environment")]
    [InlineData("type reference System.Console")]
    [InlineData("type reference System.IO.File")]
    [InlineData("type reference System.Threading.Thread")]
    [InlineData("type reference System.Threading.Tasks.Task")]
    [InlineData("type reference System.Diagnostics.Stopwatch")]
    [InlineData("type reference System.Net.Sockets.Socket")]
    [InlineData("type reference System.Security.Cryptography.RandomNumberGenerator")]
    [InlineData("assembly reference System.Console: an I/O, clock, threading, process or logging library")]
    [InlineData("assembly reference System.Net.Sockets: an I/O, clock, threading, process or logging library")]
    public void Scanner_reports_each_kind_of_impurity(string expected)
    {
        var offences = AssemblyScanner.Offences(typeof(ImpureSample).Assembly.Location);
        Assert.Contains(expected, offences);
    }

    [Fact]
    public void Scanner_reports_a_framework_networking_assembly()
    {
        var offences = AssemblyScanner.Offences(typeof(Socket).Assembly.Location);
        Assert.Contains(offences, o => o.Contains("System.Net.", StringComparison.Ordinal) || o.Contains("System.Threading", StringComparison.Ordinal));
    }

    [Fact]
    public void Scanner_allows_SHA256_which_is_a_pure_function()
    {
        var offences = AssemblyScanner.Offences(typeof(ImpureSample).Assembly.Location);
        Assert.DoesNotContain(offences, o => o.Contains("SHA256", StringComparison.Ordinal));
        Assert.DoesNotContain(offences, o => o.Contains("System.DateTime::get_Ticks", StringComparison.Ordinal));
    }
}

/// <summary>Never run: it exists so the scanner has one reference of every forbidden kind to find in this assembly.</summary>
static class ImpureSample
{
    internal static object[] Everything() =>
    [
        DateTime.UtcNow, DateTime.Now, DateTimeOffset.UtcNow, Guid.NewGuid(), new Random(1).Next(),
        Environment.TickCount64, File.Exists("x"), Stopwatch.GetTimestamp(), Task.CompletedTask,
        new Thread(() => Console.WriteLine()), new Socket(SocketType.Stream, ProtocolType.Tcp),
        System.Security.Cryptography.RandomNumberGenerator.GetInt32(10),
        System.Security.Cryptography.SHA256.HashData([1, 2, 3]), DateTime.MinValue.Ticks,
    ];
}
