using System.Text.Json;

namespace GossipPure.Cli;

/// <summary>
/// Writes a flat table of figures (name → number or text) as an indented JSON object, the way
/// <c>JsonSerializer.Serialize</c> wrote it, but with <see cref="Utf8JsonWriter"/>: no reflection, so the native
/// (NativeAOT) build writes the same file.
/// </summary>
public static class JsonFigures
{
    public static void Write(string path, IEnumerable<KeyValuePair<string, object>> figures)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        foreach (var (name, value) in figures)
        {
            switch (value)
            {
                case string s: w.WriteString(name, s); break;
                case bool b: w.WriteBoolean(name, b); break;
                case int i: w.WriteNumber(name, i); break;
                case long l: w.WriteNumber(name, l); break;
                case double d: w.WriteNumber(name, d); break;
                case null: w.WriteNull(name); break;
                default: throw new ArgumentException($"figure '{name}': a {value.GetType().Name} is not a number or a text", nameof(figures));
            }
        }
        w.WriteEndObject();
    }
}
