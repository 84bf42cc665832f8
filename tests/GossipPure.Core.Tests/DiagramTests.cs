namespace GossipPure.Core.Tests;

/// <summary>The state diagrams in specs/ are the machines' own export: a changed machine needs a new diagram.</summary>
public sealed class DiagramTests
{
    static string Specs => Path.Combine(FindRoot(), "specs");

    static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GossipPure.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("GossipPure.sln not found");
    }

    public static TheoryData<string> Machines() => new() { "registration", "suspicion", "death-vote" };

    [Theory]
    [MemberData(nameof(Machines))]
    public void The_diagram_in_specs_is_the_machine(string name)
    {
        var exported = name switch { "registration" => Registration.ToDot(), "suspicion" => Suspicion.ToDot(), _ => DeathVote.ToDot() };
        var path = Path.Combine(Specs, $"{name}.dot");
        Assert.True(File.Exists(path), $"{path} is missing: run `dotnet run --project src/GossipPure.Cli -- diagrams --out specs`");
        Assert.True(exported.ReplaceLineEndings() == File.ReadAllText(path).ReplaceLineEndings(),
            $"{path} is out of date: run `dotnet run --project src/GossipPure.Cli -- diagrams --out specs`");
    }
}
