using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace GossipPure.Cli.Config;

/// <summary>
/// Where settings come from, lowest first: the built-in defaults, then <c>gossip.json</c> (in the working folder,
/// or <c>--settings FILE</c>), then <c>GOSSIP_…</c> environment variables, then the command line. The two middle
/// layers are ordinary Microsoft.Extensions.Configuration providers; each is asked on its own so an error can
/// name the source that gave the bad value.
/// </summary>
public sealed class SettingSources
{
    public const string EnvironmentPrefix = "GOSSIP_";
    public const string DefaultFileName = "gossip.json";

    readonly IConfigurationRoot root;

    SettingSources(IConfigurationRoot root, string? jsonPath, string jsonName)
    {
        this.root = root;
        JsonPath = jsonPath;
        JsonName = jsonName;
    }

    /// <summary>The settings file that was read, if any.</summary>
    public string? JsonPath { get; }

    /// <summary>
    /// Loads gossip.json and the environment. <paramref name="settingsFile"/> (from <c>--settings</c>) must exist;
    /// without it, a gossip.json in <paramref name="workingDir"/> is read if there is one.
    /// </summary>
    public static (SettingSources? Sources, string? Error) Load(string? settingsFile, string workingDir)
    {
        var builder = new ConfigurationBuilder();
        string? path = null;
        if (settingsFile is not null)
        {
            path = Path.GetFullPath(settingsFile, workingDir);
            if (!File.Exists(path)) return (null, $"settings file '{settingsFile}' not found");
        }
        else if (File.Exists(Path.Combine(workingDir, DefaultFileName)))
            path = Path.Combine(workingDir, DefaultFileName);
        if (path is not null) builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        try
        {
            return (new SettingSources(builder.Build(), path, settingsFile ?? DefaultFileName), null);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException or UnauthorizedAccessException)
        {
            // The JSON provider wraps the parser's complaint; its first line says where.
            var why = e.GetBaseException().Message.Split('\n')[0].Trim();
            return (null, $"{settingsFile ?? DefaultFileName}: cannot read it as JSON settings: {why}");
        }
    }

    /// <summary>
    /// The value of every setting, each from the highest layer that has it. An unknown key in the settings file
    /// or a value that does not parse is a one-line error naming the key and its source.
    /// </summary>
    public (EffectiveSettings? Settings, string? Error) Bind(ParseResult pr, IReadOnlyList<Setting> settings, IReadOnlyList<Setting> known)
    {
        var byKey = known.ToDictionary(s => s.Normalized);
        foreach (var (provider, _) in Layers)
        {
            if (provider is not JsonConfigurationProvider) continue;
            foreach (var key in provider.GetChildKeys([], null).Distinct(StringComparer.OrdinalIgnoreCase))
                if (!byKey.ContainsKey(Setting.Normalize(key)))
                    return (null, $"{JsonName}: unknown setting \"{key}\" (known: {string.Join(", ", known.Select(s => s.JsonKey))})");
        }

        // Every known key is checked, also those this command does not take: one gossip.json serves seeds and peers,
        // and a bad value should not wait for the first peer to be found.
        var values = new Dictionary<Setting, (object? Value, string Source)>();
        foreach (var setting in known)
        {
            (object? Value, string Source) chosen = (setting.DefaultBoxed, "default");
            foreach (var (provider, describe) in Layers)
            {
                foreach (var key in provider.GetChildKeys([], null).Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    if (Setting.Normalize(key) != setting.Normalized || !provider.TryGet(key, out var text)) continue;
                    var source = describe(key);
                    var (value, error) = setting.ParseText(text ?? "");
                    if (error is not null) return (null, $"{source}: {error}");
                    chosen = (value, source);
                }
            }
            if (!settings.Contains(setting)) continue;
            if (setting.TryGetCommandLine(pr, out var typed)) chosen = (typed, "command line");
            values[setting] = chosen;
        }
        return (new EffectiveSettings(values), null);
    }

    /// <summary>The settings file as the user named it (<c>gossip.json</c>, or the path given to <c>--settings</c>).</summary>
    string JsonName { get; }

    /// <summary>The providers, lowest precedence first, each with how it names a key in an error.</summary>
    IEnumerable<(IConfigurationProvider Provider, Func<string, string> Describe)> Layers =>
        root.Providers.Select(p => p switch
        {
            JsonConfigurationProvider => (p, (Func<string, string>)(key => $"{JsonName}: \"{key}\"")),
            EnvironmentVariablesConfigurationProvider => (p, key => $"environment variable {EnvironmentPrefix}{key}"),
            _ => (p, key => key),
        });
}

/// <summary>The value of each setting after all layers, and which layer it came from.</summary>
public sealed class EffectiveSettings
{
    readonly Dictionary<Setting, (object? Value, string Source)> values;

    internal EffectiveSettings(Dictionary<Setting, (object? Value, string Source)> values) => this.values = values;

    public T Get<T>(Setting<T> setting) => values.TryGetValue(setting, out var v) ? (T)v.Value! : setting.Default;

    public string SourceOf(Setting setting) => values.TryGetValue(setting, out var v) ? v.Source : "default";

    /// <summary>One line a setting: name, value, source (what <c>--print-config</c> prints).</summary>
    public IEnumerable<string> Lines()
    {
        var width = values.Keys.Max(s => s.Name.Length);
        var valueWidth = values.Max(kv => kv.Key.Show(kv.Value.Value).Length);
        return values.Select(kv => $"{kv.Key.Name.PadRight(width)}  {kv.Key.Show(kv.Value.Value).PadRight(valueWidth)}  ({kv.Value.Source})");
    }
}
