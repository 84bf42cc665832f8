using System.Globalization;
using System.Text;
using GossipPure.Core;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;

namespace GossipPure.Shell.Hosting;

/// <summary>How a node's console speaks: the text lines of its output file, or CLEF (one JSON object a line).</summary>
public enum LogFormat { Text, Json }

public static class LogFormats
{
    /// <summary>Reads <c>text</c> or <c>json</c> (any case); null for anything else.</summary>
    public static LogFormat? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        _ => null,
    };
}

/// <summary>
/// A node's output file (<c>outputfile_&lt;role&gt;_&lt;port&gt;.txt</c>), echoed to the console. Every line starts with
/// the local time to the microsecond (from <see cref="Clock"/>, the time base of the inputs) so latencies can be read
/// from the logs.
/// With <see cref="LogFormat.Json"/> the console echo is compact JSON (CLEF: <c>@t</c>, <c>@m</c>, <c>@l</c> when not
/// Information, and the properties <c>node</c> and <c>role</c>) and the same events go to
/// <c>outputfile_&lt;role&gt;_&lt;port&gt;.clef</c> beside the text file, which stays as it is.
/// The files are buffered: <see cref="Write"/> keeps the line in memory until <see cref="Flush"/> (the node loop
/// calls it when its inbox is empty) or <see cref="WriteNow"/>; the console gets each line as it is written.
/// </summary>
public sealed class NodeLog : IDisposable
{
    /// <summary>The layout of a line of the text file (Serilog's template syntax; <see cref="FormatLine"/> writes it).</summary>
    public const string FileTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.ffffff} {Message:l}{NewLine}";
    static readonly MessageTemplate TextTemplate = new MessageTemplateParser().Parse("{Text:l}");
    static readonly RenderedCompactJsonFormatter JsonFormatter = new();

    readonly object gate = new();
    readonly StreamWriter file;
    readonly StreamWriter? clef;
    readonly Serilog.Core.Logger? console;
    readonly LogEventProperty[] jsonProperties;
    readonly bool json;
    bool disposed;   // under gate: a transport thread may still say something while the node closes

    public NodeLog(string path, string? consolePrefix, bool console = true,
        LogFormat format = LogFormat.Text, string node = "", string role = "")
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        json = format == LogFormat.Json;
        file = Open(path);
        if (json) clef = Open(Path.ChangeExtension(path, ".clef"));
        jsonProperties = [new("node", new ScalarValue(node)), new("role", new ScalarValue(role))];
        if (console)
        {
            var consoleConfig = new LoggerConfiguration().MinimumLevel.Information();
            this.console = (json
                ? consoleConfig.WriteTo.Console(JsonFormatter)
                : consoleConfig.WriteTo.Console(outputTemplate: (consolePrefix ?? "") + "{Timestamp:HH:mm:ss.ffffff} {Message:l}{NewLine}"))
                .CreateLogger();
        }
    }

    // Appends, as Serilog's file sink did (a restarted node adds to its file); readers may open it while it is written.
    static StreamWriter Open(string path) =>
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1),
            new UTF8Encoding(false), 16 * 1024) { AutoFlush = false, NewLine = "\n" };

    /// <summary>
    /// Writes an event: its line (<see cref="EventText"/>) in the text file; in the JSON log also its kind
    /// (<c>event</c>) and its fields (<c>fields</c>), as the event log records them.
    /// </summary>
    public void Write(NodeEvent e)
    {
        var (level, line) = EventText.Render(e);
        Write(level, line, json ? EventProperties(e) : null);
    }

    /// <summary>Writes a line; it reaches the files at the next <see cref="Flush"/>.</summary>
    public void Write(Core.LogLevel level, string line) => Write(level, line, null);

    LogEventProperty[] EventProperties(NodeEvent e)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(EventJson.Encode(e));
        return [.. jsonProperties, new("event", new ScalarValue(EventJson.KindOf(e))), new("fields", Value(doc.RootElement))];
    }

    static LogEventPropertyValue Value(System.Text.Json.JsonElement el) => el.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Object => new StructureValue(el.EnumerateObject().Select(p => new LogEventProperty(p.Name, Value(p.Value))).ToList()),
        System.Text.Json.JsonValueKind.Array => new SequenceValue(el.EnumerateArray().Select(Value).ToList()),
        System.Text.Json.JsonValueKind.String => new ScalarValue(el.GetString()),
        System.Text.Json.JsonValueKind.Number => new ScalarValue(el.TryGetInt64(out var n) ? n : el.GetDouble()),
        System.Text.Json.JsonValueKind.True => new ScalarValue(true),
        System.Text.Json.JsonValueKind.False => new ScalarValue(false),
        _ => new ScalarValue(null),
    };

    void Write(Core.LogLevel level, string line, LogEventProperty[]? properties)
    {
        var (serilogLevel, mark) = level switch
        {
            Core.LogLevel.Debug => (LogEventLevel.Debug, ""),
            Core.LogLevel.Warning => (LogEventLevel.Warning, "WARNING: "),
            Core.LogLevel.Error => (LogEventLevel.Error, "ERROR: "),
            _ => (LogEventLevel.Information, ""),
        };
        var now = DateTimeOffset.FromUnixTimeMilliseconds(0).AddTicks(Clock.NowUs() * 10).ToLocalTime();
        // In JSON the level is @l, so the line goes without its mark. The line is the core's text, never a template:
        // it becomes one literal token (its braces escaped in the template's own text).
        var jsonEvent = json
            ? new LogEvent(now, serilogLevel, null, new MessageTemplate(line.Replace("{", "{{").Replace("}", "}}"), [new TextToken(line)]), properties ?? jsonProperties)
            : null;
        lock (gate)
        {
            if (disposed) return;
            FormatLine(file, now, mark + line);
            if (jsonEvent is not null) JsonFormatter.Format(jsonEvent, clef!);
        }
        if (console is not null && serilogLevel >= LogEventLevel.Information)
            console.Write(jsonEvent ?? new LogEvent(now, serilogLevel, null, TextTemplate, [new LogEventProperty("Text", new ScalarValue(mark + line))]));
    }

    /// <summary>Writes a line and flushes the files (for lines that come from outside the node loop).</summary>
    public void WriteNow(Core.LogLevel level, string line)
    {
        Write(level, line);
        Flush();
    }

    /// <summary>Hands what was written to the operating system (one write per file).</summary>
    public void Flush()
    {
        lock (gate)
        {
            if (disposed) return;
            file.Flush();
            clef?.Flush();
        }
    }

    /// <summary>One line of the text file, as <see cref="FileTemplate"/> lays it out.</summary>
    public static void FormatLine(TextWriter w, DateTimeOffset at, string text)
    {
        Span<char> stamp = stackalloc char[32];
        at.TryFormat(stamp, out var n, "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        w.Write(stamp[..n]);
        w.Write(' ');
        w.Write(text);
        w.Write('\n');
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            file.Dispose();
            clef?.Dispose();
        }
        console?.Dispose();
    }
}
