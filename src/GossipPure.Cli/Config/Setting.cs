using System.CommandLine;
using System.Globalization;
using System.Text;

namespace GossipPure.Cli.Config;

/// <summary>
/// One setting of the node commands: a command-line option (<c>--gossip-interval</c>), a key in gossip.json
/// (<c>GossipInterval</c>) and an environment variable (<c>GOSSIP_GOSSIP_INTERVAL</c>), all three read by one parser,
/// so a bad value gets the same words wherever it comes from.
/// </summary>
public abstract class Setting
{
    protected Setting(string name, string description)
    {
        Name = name;
        Description = description;
    }

    /// <summary>The option as typed: <c>--gossip-interval</c>.</summary>
    public string Name { get; }
    public string Description { get; }
    public abstract Option Option { get; }

    /// <summary>The key in gossip.json: <c>GossipInterval</c> (matched without regard to case, dashes or underscores).</summary>
    public string JsonKey => string.Concat(Words.Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    /// <summary>The environment variable: <c>GOSSIP_GOSSIP_INTERVAL</c>.</summary>
    public string EnvironmentVariable => SettingSources.EnvironmentPrefix + string.Join('_', Words).ToUpperInvariant();

    /// <summary>How any spelling of a key compares: lower case, no dashes or underscores.</summary>
    public string Normalized => Normalize(Name);

    public static string Normalize(string key)
    {
        var b = new StringBuilder(key.Length);
        foreach (var c in key)
            if (c is not ('-' or '_' or ':')) b.Append(char.ToLowerInvariant(c));
        return b.ToString();
    }

    IEnumerable<string> Words => Name.TrimStart('-').Split('-', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The default as people write it (<c>5s</c>, not <c>00:00:05</c>); shown in the help.</summary>
    public abstract string DefaultText { get; }

    /// <summary>Reads <paramref name="text"/> from gossip.json or the environment; null error when it is good.</summary>
    internal abstract (object? Value, string? Error) ParseText(string text);

    internal abstract object? DefaultBoxed { get; }
    internal abstract string Show(object? value);

    /// <summary>The value typed on the command line, if it was (not the option's default).</summary>
    internal abstract bool TryGetCommandLine(ParseResult pr, out object? value);

    /// <summary>A duration (<c>200ms</c>, <c>5s</c>, <c>1m</c>); with <paramref name="positive"/>, 0 is refused too.</summary>
    public static Setting<TimeSpan> Duration(string name, string description, TimeSpan fallback, bool positive = false) =>
        new(name, description, fallback, text =>
            !Durations.TryParse(text, out var v) ? (default, $"'{text}' is not a duration (e.g. 200ms, 5s, 1m)")
            : positive && v <= TimeSpan.Zero ? (default, $"'{text}' is not more than 0")
            : (v, null),
            ShowDuration);

    public static Setting<int> Int(string name, string description, int fallback, int min = int.MinValue, int max = int.MaxValue) =>
        new(name, description, fallback, text =>
            !int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? (0, $"'{text}' is not a whole number")
            : v < min || v > max ? (0, max == int.MaxValue ? $"{v} is below {min}" : $"{v} is out of range ({min}-{max})")
            : (v, null),
            v => v.ToString(CultureInfo.InvariantCulture));

    public static Setting<string> Text(string name, string description, string fallback) =>
        new(name, description, fallback, text => (text, null), v => v);

    /// <summary>A file that may be named or not: by default none (shown as <c>none</c>); an empty value is none too.</summary>
    public static Setting<string> OptionalFile(string name, string description) =>
        new(name, description, "", text => (text.Trim(), null), v => v.Length == 0 ? "none" : v);

    /// <summary>One of a fixed set of words, e.g. <c>--log-format text|json</c>.</summary>
    public static Setting<string> Choice(string name, string description, string fallback, params string[] choices) =>
        new(name, $"{description} ({string.Join('|', choices)})", fallback, text =>
            choices.FirstOrDefault(c => string.Equals(c, text.Trim(), StringComparison.OrdinalIgnoreCase)) is { } c
                ? (c, null) : ("", $"'{text}' is not one of {string.Join(", ", choices)}"),
            v => v);

    /// <summary>A switch: <c>--plain</c> on the command line, <c>true</c>/<c>false</c> in gossip.json or the environment.</summary>
    public static Setting<bool> Flag(string name, string description) =>
        new(name, description, false, text =>
            bool.TryParse(text.Trim(), out var v) ? (v, null)
            : text.Trim() is "1" or "yes" or "on" ? (true, null)
            : text.Trim() is "0" or "no" or "off" ? (false, null)
            : (false, $"'{text}' is not true or false"),
            v => v ? "true" : "false");

    public static string ShowDuration(TimeSpan t) =>
        t == TimeSpan.Zero ? "0"
        : t.TotalMilliseconds % 3_600_000 == 0 ? $"{t.TotalMilliseconds / 3_600_000:0}h"
        : t.TotalMilliseconds % 60_000 == 0 ? $"{t.TotalMilliseconds / 60_000:0}m"
        : t.TotalMilliseconds % 1000 == 0 ? $"{t.TotalMilliseconds / 1000:0}s"
        : $"{t.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture)}ms";
}

/// <summary>A setting whose value is a <typeparamref name="T"/>.</summary>
public sealed class Setting<T> : Setting
{
    readonly Func<string, (T Value, string? Error)> parse;
    readonly Func<T, string> show;

    public Setting(string name, string description, T fallback, Func<string, (T, string?)> parse, Func<T, string> show)
        : base(name, description)
    {
        Default = fallback;
        this.parse = parse;
        this.show = show;
        TypedOption = new Option<T>(name) { Description = description, DefaultValueFactory = _ => fallback };
        if (typeof(T) != typeof(bool))
        {
            // The command line reads values with the same parser as gossip.json and the environment.
            TypedOption.CustomParser = r =>
            {
                var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
                var (value, error) = parse(text);
                if (error is null) return value;
                r.AddError($"{name}: {error}");
                return fallback;
            };
        }
    }

    public T Default { get; }
    public Option<T> TypedOption { get; }
    public override Option Option => TypedOption;
    public override string DefaultText => show(Default);

    internal override (object? Value, string? Error) ParseText(string text)
    {
        var (value, error) = parse(text);
        return (value, error);
    }

    internal override object? DefaultBoxed => Default;

    internal override bool TryGetCommandLine(ParseResult pr, out object? value)
    {
        value = null;
        if (pr.GetResult(TypedOption) is not { Implicit: false }) return false;
        value = pr.GetValue(TypedOption);
        return true;
    }
    internal override string Show(object? value) => show((T)value!);
}
