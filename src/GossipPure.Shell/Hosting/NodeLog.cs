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
    readonly RollingFile file;
    readonly RollingFile? clef;
    readonly Serilog.Core.Logger? console;
    readonly LogEventProperty[] jsonProperties;
    readonly bool json;
    bool disposed;   // under gate: a transport thread may still say something while the node closes
    readonly StringWriter clefLine = new() { NewLine = "\n" };   // under gate: one JSON record, measured before it is written

    public NodeLog(string path, string? consolePrefix, bool console = true,
        LogFormat format = LogFormat.Text, string node = "", string role = "", DiskBudget? budget = null)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        json = format == LogFormat.Json;
        budget ??= DiskBudget.Default with { JsonLog = json };
        file = new RollingFile(path, budget.TextShare, SayProblem);
        if (json) clef = new RollingFile(Path.ChangeExtension(path, ".clef"), budget.ClefShare, SayProblem);
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

    // A file problem (disk full) goes to the console, and to the files when they take it again; once a minute at most.
    readonly OncePerMinute notices = new();

    void SayProblem(string problem)
    {
        if (notices.Take(problem) is not { } line) return;
        var now = DateTimeOffset.FromUnixTimeMilliseconds(0).AddTicks(Clock.NowUs() * 10).ToLocalTime();
        console?.Write(new LogEvent(now, LogEventLevel.Error, null, TextTemplate, [new LogEventProperty("Text", new ScalarValue("ERROR: " + line))]));
    }

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
            var text = mark + line;
            if (file.Take(LineBytes(text)) is { } w) FormatLine(w, now, text);
            if (jsonEvent is not null)
            {
                clefLine.GetStringBuilder().Clear();
                JsonFormatter.Format(jsonEvent, clefLine);
                var record = clefLine.ToString();
                clef!.Take(Encoding.UTF8.GetByteCount(record))?.Write(record);
            }
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

    /// <summary>The bytes of the line <see cref="FormatLine"/> writes for <paramref name="text"/>.</summary>
    static int LineBytes(string text) => StampFormat.Length + 1 + Encoding.UTF8.GetByteCount(text) + 1;

    const string StampFormat = "yyyy-MM-dd HH:mm:ss.ffffff";

    /// <summary>One line of the text file, as <see cref="FileTemplate"/> lays it out.</summary>
    public static void FormatLine(TextWriter w, DateTimeOffset at, string text)
    {
        Span<char> stamp = stackalloc char[32];
        at.TryFormat(stamp, out var n, StampFormat, CultureInfo.InvariantCulture);
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

/// <summary>
/// One of a node's text files (output file, JSON log) cut into segments within its share (<see cref="Segments"/>). A
/// node restarted in the same folder starts a new segment, as the event log does: the earlier run's current segment
/// gets the next number, nothing is appended to it or overwritten. An eighth of a segment before the folder would need
/// their space, the oldest segments are handed to the thread pool to delete (<see cref="Segments.TrimAhead"/>), so the
/// roll, on whichever thread writes the line that does not fit (the node's loop, mostly), only renames and opens. A write the disk refuses is said (once
/// a minute, by the caller), the file is cut back to its last whole line, and lines are dropped until a new segment
/// opens (tried once a second). Not thread-safe: <see cref="NodeLog"/> holds its lock.
/// </summary>
sealed class RollingFile
{
    readonly Segments segments;
    readonly Action<string> problem;
    FileStream? stream;
    StreamWriter? writer;
    long bytes;      // of the current segment, buffered lines included
    long flushed;    // of the current segment on disk
    long lastTryTicks;

    public RollingFile(string path, long shareBytes, Action<string> problem)
    {
        segments = new Segments(path, shareBytes);
        this.problem = problem;
        TryOpen();
    }

    /// <summary>The file's segments (their accounting, for tests).</summary>
    public Segments Segments => segments;

    /// <summary>The writer for a line of <paramref name="lineBytes"/>, after rolling when it would pass the segment; null while the disk refuses.</summary>
    public TextWriter? Take(int lineBytes)
    {
        if (writer is null)
        {
            if (System.Diagnostics.Stopwatch.GetElapsedTime(lastTryTicks) < InputRecorder.RetryEvery || !TryOpen()) return null;
        }
        else if (bytes > 0 && bytes + lineBytes > segments.SegmentBytes)
        {
            Flush();
            Close(truncate: false);
            if (!TryOpen()) return null;
        }
        bytes += lineBytes;
        segments.Grew(bytes, segments.Reserve(0));
        return writer;
    }

    public void Flush()
    {
        if (writer is null) return;
        try
        {
            writer.Flush();
            flushed = bytes;
        }
        catch (IOException e)
        {
            problem($"cannot write {segments.Path}: {e.Message.ReplaceLineEndings(" ")}; the node goes on and retries");
            Close(truncate: true);
        }
    }

    bool TryOpen()
    {
        lastTryTicks = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            segments.Roll();
            stream = new FileStream(segments.Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);
            writer = new StreamWriter(stream, new UTF8Encoding(false), 16 * 1024) { AutoFlush = false, NewLine = "\n" };
            bytes = flushed = stream.Length;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem($"cannot open {segments.Path}: {e.Message.ReplaceLineEndings(" ")}; the node goes on and retries");
            Close(truncate: false);
            return false;
        }
    }

    void Close(bool truncate)
    {
        var (s, w) = (stream, writer);
        (stream, writer) = (null, null);
        // The writer closes its stream even when its last flush fails; what that flush wrote in part is cut after.
        if (w is not null)
            try { w.Dispose(); } catch (IOException) { }
        try { s?.Dispose(); } catch (IOException) { }
        if (truncate && s is not null)
            try
            {
                using var cut = new FileStream(segments.Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
                if (cut.Length > flushed) cut.SetLength(flushed);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        Flush();
        Close(truncate: false);
        segments.WaitForDeletions();
    }
}
