using System.Globalization;

namespace GossipPure.Core;

/// <summary>A node's listening address: the identity every other node knows it by.</summary>
public readonly record struct NodeId(string Ip, int Port) : IComparable<NodeId>
{
    public override string ToString() => Ip.Contains(':') ? $"[{Ip}]:{Port}" : $"{Ip}:{Port}";

    public int CompareTo(NodeId other)
    {
        var byIp = string.CompareOrdinal(Ip, other.Ip);
        return byIp != 0 ? byIp : Port.CompareTo(other.Port);
    }

    /// <summary>Parses <c>ip:port</c> (or <c>[v6]:port</c>); the address text is kept as written.</summary>
    public static bool TryParse(string? text, out NodeId id)
    {
        id = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) return false;
        var ip = text[..colon];
        if (ip.StartsWith('[') && ip.EndsWith(']')) ip = ip[1..^1];
        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535 || ip.Length == 0)
            return false;
        id = new NodeId(ip, port);
        return true;
    }

    public static NodeId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not an address of the form IP:Port");
}
