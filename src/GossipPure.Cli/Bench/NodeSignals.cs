using GossipPure.Shell.Hosting;

namespace GossipPure.Cli.Bench;

/// <summary>
/// <c>kill -9</c> and <c>kill -STOP</c> for a node hosted in this process: the bench's in-process nodes, and the live
/// view's crash and freeze keys. The runner reads the flags at each batch (<see cref="INodeSignals"/>).
/// </summary>
sealed class NodeSignals : INodeSignals
{
    readonly Lock gate = new();
    volatile bool killed;
    volatile bool stopped;
    Action? wakeLoop;
    Action? resetConnections;

    public bool Killed => killed;
    public bool Stopped => stopped;

    public void Attach(Action wakeLoop, Action resetConnections)
    {
        lock (gate) (this.wakeLoop, this.resetConnections) = (wakeLoop, resetConnections);
        if (killed) Kill();   // killed before it ran
    }

    /// <summary>As <c>kill -9</c>: the node stops at once, says nothing more, and its connections are reset.</summary>
    public void Kill()
    {
        killed = true;
        Action? wake, reset;
        lock (gate) (wake, reset) = (wakeLoop, resetConnections);
        reset?.Invoke();
        wake?.Invoke();   // also a stopped one: it sees the flag at once
    }

    /// <summary>As <c>kill -STOP</c>: the node handles nothing more, while its sockets stay open.</summary>
    public void Stop() => stopped = true;
}
