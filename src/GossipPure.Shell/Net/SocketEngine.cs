namespace GossipPure.Shell.Net;

/// <summary>
/// How this process's sockets complete. .NET on Linux hands every socket completion from its epoll thread to the
/// thread pool, whose workers then spin for more work (measured: ~190 <c>sched_yield</c> per input of an idle
/// peer). With inline completions the epoll thread runs the continuation itself: a frame is read, decoded and
/// posted to the node's inbox (<see cref="Hosting.NodeLoop"/>) with no hop. Our continuations never block (they
/// parse, take a short lock, post), which is what inline completions require.
/// The runtime reads only the environment variable, once, when the first socket starts async work; so it is set
/// here, before the first socket, unless the user set it (to 0, say).
/// </summary>
public static class SocketEngine
{
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Asks for inline completions unless the environment already says; call before the first socket.</summary>
    public static void PreferInlineCompletions()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
    }
}
