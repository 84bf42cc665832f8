using System.Net.NetworkInformation;
using GossipPure.Core;

namespace GossipPure.Shell.Net;

/// <summary>One ICMP echo through .NET's <see cref="Ping"/>; the outcome comes back to the node as a <see cref="PingResult"/>.</summary>
public static class Icmp
{
    public const int TimeoutMs = 1000;

    public static async Task EchoAsync(string ip, Action<Input> post)
    {
        PingResult result;
        try
        {
            using var ping = new Ping();
            var reply = await ping.SendPingAsync(System.Net.IPAddress.Parse(ip), TimeoutMs);
            result = reply.Status == IPStatus.Success
                ? new PingResult(Clock.NowUs(), ip, PingOutcome.Reply, $"{reply.RoundtripTime}ms")
                : new PingResult(Clock.NowUs(), ip, PingOutcome.NoReply, reply.Status.ToString());
        }
        catch (Exception e) when (e is PingException or PlatformNotSupportedException or UnauthorizedAccessException or InvalidOperationException)
        {
            // No raw-socket privilege and no ping binary, for instance: ICMP is simply not available here.
            result = new PingResult(Clock.NowUs(), ip, PingOutcome.Unavailable, (e.InnerException ?? e).Message);
        }
        post(result);
    }
}
