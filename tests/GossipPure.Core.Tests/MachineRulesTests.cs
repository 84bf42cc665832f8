using System.Text.RegularExpressions;

namespace GossipPure.Core.Tests;

/// <summary>The rules of the machines that are about the code itself, not one step of it.</summary>
public sealed class MachineRulesTests
{
    static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GossipPure.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("GossipPure.sln not found");
    }

    /// <summary>
    /// A machine phase is written only from a fired transition's destination: no reducer assigns a phase literal
    /// (records are created in the machine's initial phase by their constructors, which this does not match).
    /// </summary>
    [Fact]
    public void No_core_source_assigns_a_machine_phase_by_hand()
    {
        var core = Path.Combine(Root(), "src", "GossipPure.Core");
        var byHand = new Regex(@"\bPhase\s*=\s*(SuspicionPhase|RegPhase|DeathPhase)\.\w+");
        var found = Directory.EnumerateFiles(core, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => byHand.IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(core, x.f)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();
        Assert.True(found.Count == 0, $"phases set by hand:\n{string.Join("\n", found)}");
    }

    [Fact]
    public void A_table_is_refused_for_a_configuration_with_actions_or_guards()
    {
        var withEntry = Assert.Throws<InvalidOperationException>(() => new Machine<RegPhase, RegTrigger>("bad", RegPhase.Requested, (read, write) =>
        {
            var m = Registration.Configure(read, write);
            m.Configure(RegPhase.Proposed).OnEntry(() => { });
            return m;
        }));
        Assert.Contains("actions", withEntry.Message, StringComparison.Ordinal);
        var withGuard = Assert.Throws<InvalidOperationException>(() => new Machine<DeathPhase, DeathTrigger>("bad", DeathPhase.Reported, (read, write) =>
        {
            var m = new Stateless.StateMachine<DeathPhase, DeathTrigger>(read, write);
            m.Configure(DeathPhase.Reported).PermitIf(DeathTrigger.Propose, DeathPhase.Proposed, () => true);
            return m;
        }));
        Assert.Contains("guard", withGuard.Message, StringComparison.Ordinal);
    }
}
