using System.Text.Json;

namespace GossipPure.Cli.Bench;

/// <summary>
/// Writes the bench's figures as one JSON object, keys in the order given. Written with <see cref="Utf8JsonWriter"/>
/// (no reflection), so it works the same in the NativeAOT build; a figure with no samples (NaN) is written as null.
/// A value is a number, a string, or a list of such objects (the per-run figures).
/// </summary>
static class FiguresJson
{
    public static void Write(string path, IEnumerable<KeyValuePair<string, object>> figures)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        WriteObject(w, figures);
        w.Flush();
    }

    static void WriteObject(Utf8JsonWriter w, IEnumerable<KeyValuePair<string, object>> figures)
    {
        w.WriteStartObject();
        foreach (var (key, value) in figures)
        {
            w.WritePropertyName(key);
            WriteValue(w, value);
        }
        w.WriteEndObject();
    }

    static void WriteValue(Utf8JsonWriter w, object value)
    {
        switch (value)
        {
            case double d when !double.IsFinite(d): w.WriteNullValue(); break;
            case double d: w.WriteNumberValue(Math.Round(d, 3)); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case bool b: w.WriteBooleanValue(b); break;
            case string s: w.WriteStringValue(s); break;
            case IEnumerable<IEnumerable<KeyValuePair<string, object>>> list:
                w.WriteStartArray();
                foreach (var o in list) WriteObject(w, o);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(value.ToString()); break;
        }
    }
}
