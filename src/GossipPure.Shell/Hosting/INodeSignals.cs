namespace GossipPure.Shell.Hosting;

/// <summary>
/// The seam through which a host stops a node the way a signal stops its process: <c>kill -9</c> (killed: it stops
/// at once, says nothing more, and its connections are reset as the kernel resets a dead process's) or
/// <c>kill -STOP</c> (stopped: it handles nothing, while its sockets stay open and the kernel keeps accepting and
/// buffering). A node run on its own has none; the bench and the live view, which host nodes in one process, do
/// (Cli/Bench/NodeSignals.cs).
/// </summary>
public interface INodeSignals
{
    bool Killed { get; }
    bool Stopped { get; }

    /// <summary>Called once the node runs: what to call when a kill arrives (wake its loop, so a stopped one sees it too; reset its connections).</summary>
    void Attach(Action wakeLoop, Action resetConnections);
}
