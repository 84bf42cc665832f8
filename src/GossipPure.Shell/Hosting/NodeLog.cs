using GossipPure.Core;
using Serilog;
using Serilog.Events;

namespace GossipPure.Shell.Hosting;

/// <summary>
/// A node's output file (<c>outputfile_&lt;role&gt;_&lt;port&gt;.txt</c>), echoed to the console. Every line starts with
/// the local time to the microsecond so latencies can be read from the logs.
/// </summary>
public sealed class NodeLog : IDisposable
{
    public const string FileTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.ffffff} {Message:l}{NewLine}";
    readonly Serilog.Core.Logger logger;

    public NodeLog(string path, string? consolePrefix, bool console = true)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var config = new LoggerConfiguration()
            .MinimumLevel.Verbose()
            .WriteTo.File(path, outputTemplate: FileTemplate, buffered: false);
        if (console)
            config = config.WriteTo.Console(restrictedToMinimumLevel: LogEventLevel.Information, outputTemplate: (consolePrefix ?? "") + "{Timestamp:HH:mm:ss.ffffff} {Message:l}{NewLine}");
        logger = config.CreateLogger();
    }

    public void Write(Core.LogLevel level, string text)
    {
        var (serilogLevel, mark) = level switch
        {
            Core.LogLevel.Debug => (LogEventLevel.Debug, ""),
            Core.LogLevel.Warning => (LogEventLevel.Warning, "WARNING: "),
            Core.LogLevel.Error => (LogEventLevel.Error, "ERROR: "),
            _ => (LogEventLevel.Information, ""),
        };
        logger.Write(serilogLevel, "{Text:l}", mark + text);
    }

    public void Dispose() => logger.Dispose();
}
