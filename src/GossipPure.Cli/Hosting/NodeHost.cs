using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GossipPure.Cli.Hosting;

/// <summary>
/// Runs nodes under the .NET Generic Host: its console lifetime turns Ctrl+C and SIGTERM (and SIGQUIT) into a
/// graceful stop on Linux, macOS and Windows. Each node then handles its shutdown input (a peer says LEAVE) and
/// logs <c>Shutting down.</c>; the exit code is the first non-zero one of the nodes, else 0.
/// The host's own logging is off: the nodes' Serilog files and console lines are the log.
/// </summary>
public static class NodeHost
{
    /// <summary>Runs <paramref name="nodes"/> until they stop, Ctrl+C/SIGTERM, or <paramref name="runFor"/> (when above zero).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<HostedNode> nodes, TimeSpan runFor, Func<NodeSet, Task>? view = null)
    {
        // The empty builder reads no appsettings, environment or command line of its own and adds no logger:
        // settings are ours (NodeOptions), and startup stays fast.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "gossip" });
        builder.Logging.ClearProviders();
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        var set = new NodeSet(nodes, runFor);
        builder.Services.AddSingleton(set);
        // Hosted services stop in the reverse order of registration: the view, registered first, stops last,
        // after the nodes have said their last lines.
        if (view is not null) builder.Services.AddHostedService(_ => new ViewService(set, view));
        builder.Services.AddHostedService<NodesService>();
        using var host = builder.Build();
        await host.RunAsync();
        return set.ExitCode;
    }
}

/// <summary>The nodes one host runs, and their outcome.</summary>
public sealed class NodeSet(IReadOnlyList<HostedNode> nodes, TimeSpan runFor)
{
    readonly TaskCompletionSource<int> done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<HostedNode> Nodes { get; } = nodes;
    public TimeSpan RunFor { get; } = runFor;
    public DateTime StartedAt { get; } = DateTime.Now;

    /// <summary>Completes when every node has stopped.</summary>
    public Task<int> Completion => done.Task;
    public int ExitCode => done.Task.IsCompletedSuccessfully ? done.Task.Result : 1;

    internal void Complete(int exitCode) => done.TrySetResult(exitCode);
}

/// <summary>Starts every node with the host's stopping token, and stops the host when they have all stopped.</summary>
sealed class NodesService(NodeSet set, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (set.RunFor > TimeSpan.Zero)
            _ = Task.Delay(set.RunFor, stoppingToken).ContinueWith(t => { if (!t.IsCanceled) lifetime.StopApplication(); }, TaskScheduler.Default);
        try
        {
            var codes = await Task.WhenAll(set.Nodes.Select(n => Task.Run(() => n.RunAsync(stoppingToken), CancellationToken.None)));
            set.Complete(codes.FirstOrDefault(c => c != 0));
        }
        finally
        {
            set.Complete(1);   // only if the line above did not run
            lifetime.StopApplication();
        }
    }
}

/// <summary>Runs a view of the nodes (the live table) until the nodes have stopped.</summary>
sealed class ViewService(NodeSet set, Func<NodeSet, Task> view) : BackgroundService
{
    // The view ends by itself once every node has stopped, so it ignores the stopping token and shows the end.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() => view(set), CancellationToken.None);
}
