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
/// the local time to the microsecond so latencies can be read from the logs.
/// With <see cref="LogFormat.Json"/> the console echo is compact JSON (CLEF: <c>@t</c>, <c>@m</c>, <c>@l</c> when not
/// Information, and the properties <c>node</c> and <c>role</c>) and the same events go to
/// <c>outputfile_&lt;role&gt;_&lt;port&gt;.clef</c> beside the text file, which stays as it is.
/// </summary>
public sealed class NodeLog : IDisposable
{
    public const string FileTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.ffffff} {Message:l}{NewLine}";
    static readonly MessageTemplate TextTemplate = new MessageTemplateParser().Parse("{Text:l}");

    readonly Serilog.Core.Logger text;
    readonly Serilog.Core.Logger? json;
    readonly LogEventProperty[] jsonProperties;

    public NodeLog(string path, string? consolePrefix, bool console = true,
        LogFormat format = LogFormat.Text, string node = "", string role = "")
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var textConfig = new LoggerConfiguration()
            .MinimumLevel.Verbose()
            .WriteTo.File(path, outputTemplate: FileTemplate, buffered: false);
        if (console && format == LogFormat.Text)
            textConfig = textConfig.WriteTo.Console(restrictedToMinimumLevel: LogEventLevel.Information, outputTemplate: (consolePrefix ?? "") + "{Timestamp:HH:mm:ss.ffffff} {Message:l}{NewLine}");
        text = textConfig.CreateLogger();

        jsonProperties = [new("node", new ScalarValue(node)), new("role", new ScalarValue(role))];
        if (format == LogFormat.Json)
        {
            var jsonConfig = new LoggerConfiguration()
                .MinimumLevel.Verbose()
                .WriteTo.File(new RenderedCompactJsonFormatter(), Path.ChangeExtension(path, ".clef"), buffered: false);
            if (console)
                jsonConfig = jsonConfig.WriteTo.Console(new RenderedCompactJsonFormatter(), restrictedToMinimumLevel: LogEventLevel.Information);
            json = jsonConfig.CreateLogger();
        }
    }

    public void Write(Core.LogLevel level, string line)
    {
        var (serilogLevel, mark) = level switch
        {
            Core.LogLevel.Debug => (LogEventLevel.Debug, ""),
            Core.LogLevel.Warning => (LogEventLevel.Warning, "WARNING: "),
            Core.LogLevel.Error => (LogEventLevel.Error, "ERROR: "),
            _ => (LogEventLevel.Information, ""),
        };
        var now = DateTimeOffset.Now;
        text.Write(new LogEvent(now, serilogLevel, null, TextTemplate, [new LogEventProperty("Text", new ScalarValue(mark + line))]));
        // In JSON the level is @l, so the line goes without its mark. The line is the core's text, never a template:
        // it becomes one literal token (its braces escaped in the template's own text).
        json?.Write(new LogEvent(now, serilogLevel, null,
            new MessageTemplate(line.Replace("{", "{{").Replace("}", "}}"), [new TextToken(line)]), jsonProperties));
    }

    public void Dispose()
    {
        text.Dispose();
        json?.Dispose();
    }
}
