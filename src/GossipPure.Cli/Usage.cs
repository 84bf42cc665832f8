using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using GossipPure.Cli.Config;

namespace GossipPure.Cli;

/// <summary>How <c>gossip</c> talks about its own command line: the help text and the answer to a wrong argument.</summary>
public static class Usage
{
    /// <summary>Exit code of a command line that does not parse (and of a bad setting), as for a misused shell builtin.</summary>
    public const int BadUsage = 2;

    /// <summary>
    /// Replaces the help with ours: the same sections as System.CommandLine's (whose help builder is not public in
    /// 2.0), defaults as they are typed (<c>5s</c>, not <c>00:00:05</c>), and for <c>gossip --help</c> every command's
    /// options with their defaults under the list of commands.
    /// </summary>
    public static void Customize(RootCommand root, NodeOptions nodeOptions)
    {
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpTextAction(nodeOptions.All.Where(s => s.Option.ValueType != typeof(bool)).ToDictionary(s => s.Option, s => s.DefaultText));
    }

    /// <summary>
    /// A command line that does not parse: its first error on one line, the usage of the command it was for, where
    /// to find more, all on stderr; exit code 2. (System.CommandLine's own answer is every error, the whole help
    /// text on stdout, and exit code 1.)
    /// </summary>
    public static int Reject(ParseResult parsed)
    {
        // "Required command was not provided" says less than an unknown word next to it, so that comes first.
        var error = parsed.Errors.OrderBy(e => parsed.UnmatchedTokens.Count > 0 && e.Message.StartsWith("Required command", StringComparison.Ordinal))
            .First().Message.ReplaceLineEndings(" ").Trim();
        var command = parsed.CommandResult.Command;
        var guess = parsed.UnmatchedTokens.Select(t => Nearest(t, command.Subcommands.Select(c => c.Name).Concat(command.Options.Select(o => o.Name))))
            .FirstOrDefault(g => g is not null);
        Console.Error.WriteLine($"gossip: {(guess is null ? error : error.TrimEnd('.'))}{(guess is null ? "" : $" (did you mean '{guess}'?)")}");
        Console.Error.WriteLine($"Usage: {HelpTextAction.UsageLine(parsed.CommandResult.Command)}");
        Console.Error.WriteLine($"Run '{HelpTextAction.PathOf(parsed.CommandResult.Command)} --help' for the options and their defaults.");
        return BadUsage;
    }

    /// <summary>The name closest to a mistyped word, if one is within two edits.</summary>
    static string? Nearest(string typed, IEnumerable<string> names) =>
        names.Select(n => (Name: n, Distance: Edits(typed, n))).Where(c => c.Distance <= 2 && c.Distance < c.Name.Length / 2 + 1)
            .OrderBy(c => c.Distance).Select(c => c.Name).FirstOrDefault();

    static int Edits(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var kept = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = kept;
            }
        }
        return row[b.Length];
    }

    /// <summary>True when the parse failed and no help or version request overrides the errors.</summary>
    public static bool Failed(ParseResult parsed) => parsed.Errors.Count > 0 && parsed.Action is ParseErrorAction or null;
}

/// <summary>Writes the help of the command the user asked about.</summary>
sealed class HelpTextAction(IReadOnlyDictionary<Option, string> defaults) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        Write(parseResult.CommandResult.Command, Console.Out);
        return 0;
    }

    static int Width => Console.IsOutputRedirected ? 120 : Math.Max(60, Console.WindowWidth);

    public void Write(Command command, TextWriter output)
    {
        if (!string.IsNullOrEmpty(command.Description))
        {
            output.WriteLine("Description:");
            output.WriteLine($"  {command.Description}");
            output.WriteLine();
        }
        output.WriteLine("Usage:");
        output.WriteLine($"  {UsageLine(command)}");
        var arguments = command.Arguments.Where(a => !a.Hidden).Select(a => ($"<{a.Name}>", a.Description ?? "")).ToList();
        if (arguments.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Arguments:");
            Columns(output, arguments, "  ");
        }
        // Options of this command and the recursive ones of its parents (--help).
        var options = command.Options.Concat(AncestorsOf(command).SelectMany(c => c.Options).Where(o => o.Recursive))
            .Where(o => !o.Hidden).Distinct().ToList();
        if (options.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Options:");
            Columns(output, options.Select(Row).ToList(), "  ");
        }
        var subcommands = command.Subcommands.Where(c => !c.Hidden).ToList();
        if (subcommands.Count == 0) return;
        output.WriteLine();
        output.WriteLine("Commands:");
        Columns(output, subcommands.Select(c => (Label(c), c.Description ?? "")).ToList(), "  ");
        if (command is not RootCommand) return;
        output.WriteLine();
        output.WriteLine("Options of each command:");
        foreach (var sub in subcommands)
        {
            output.WriteLine();
            output.WriteLine($"  {UsageLine(sub)}");
            var rows = sub.Options.Where(o => !o.Hidden && o is not HelpOption).Select(Row).ToList();
            if (rows.Count > 0) Columns(output, rows, "    ");
        }
    }

    (string, string) Row(Option o)
    {
        var names = string.Join(", ", new[] { o.Name }.Concat(o.Aliases).Where(n => !n.StartsWith('/')).Distinct().OrderBy(n => n.Length));
        var label = o.Arity.MaximumNumberOfValues > 0 && o.ValueType != typeof(bool) ? $"{names} <{o.HelpName ?? o.Name.TrimStart('-')}>" : names;
        var text = o.Description ?? "";
        var fallback = defaults.TryGetValue(o, out var d) ? d : DefaultOf(o);
        if (o.Required) text += " (required)";
        else if (fallback is not null) text += $" [default: {fallback}]";
        return (label, text);
    }

    static string? DefaultOf(Option o)
    {
        if (!o.HasDefaultValue) return null;
        return o.GetDefaultValue() switch
        {
            null or false => null,
            TimeSpan t => Setting.ShowDuration(t),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var v => v.ToString(),
        };
    }

    static void Columns(TextWriter output, IReadOnlyList<(string Left, string Right)> rows, string indent)
    {
        var leftWidth = rows.Max(r => r.Left.Length) + 2;
        var rightWidth = Math.Max(30, Width - indent.Length - leftWidth - 1);
        foreach (var (left, right) in rows)
        {
            var lines = Wrap(right, rightWidth).ToList();
            output.WriteLine($"{indent}{left.PadRight(leftWidth)}{(lines.Count > 0 ? lines[0] : "")}".TrimEnd());
            foreach (var more in lines.Skip(1)) output.WriteLine($"{indent}{new string(' ', leftWidth)}{more}");
        }
    }

    static IEnumerable<string> Wrap(string text, int width)
    {
        var line = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line;
                line = word;
            }
            else line = line.Length == 0 ? word : line + " " + word;
        }
        if (line.Length > 0) yield return line;
    }

    static string Label(Command c) =>
        string.Join(' ', new[] { c.Name }.Concat(c.Arguments.Where(a => !a.Hidden).Select(a => $"<{a.Name}>")));

    static IEnumerable<Command> AncestorsOf(Command command)
    {
        for (var c = command.Parents.OfType<Command>().FirstOrDefault(); c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
            yield return c;
    }

    public static string PathOf(Command command) =>
        string.Join(' ', AncestorsOf(command).Reverse().Append(command).Select(c => c.Name));

    public static string UsageLine(Command command)
    {
        var parts = new List<string> { PathOf(command) };
        parts.AddRange(command.Arguments.Where(a => !a.Hidden).Select(a => $"<{a.Name}>"));
        if (command.Subcommands.Count > 0) parts.Add("[command]");
        parts.Add("[options]");
        return string.Join(' ', parts);
    }
}
