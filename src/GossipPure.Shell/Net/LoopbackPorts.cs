using System.Net;
using System.Net.Sockets;

namespace GossipPure.Shell.Net;

/// <summary>Ports on 127.0.0.1 for the nodes a bench or a test starts.</summary>
public static class LoopbackPorts
{
    /// <summary>Whether <paramref name="port"/> is free on 127.0.0.1 right now (it can be bound, and is released again).</summary>
    public static bool IsFree(int port)
    {
        try
        {
            var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            l.Stop();
            return true;
        }
        catch (SocketException) { return false; }
    }
}
