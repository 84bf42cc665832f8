using System.Globalization;

namespace GossipPure.Core;

/// <summary>A node's listening address: the identity every other node knows it by.</summary>
// A class, not a struct: the persistent maps keyed by it (LanguageExt's EqDefault) test ReferenceEquals first,
// which boxes a struct key on every lookup — most of a simulation's garbage when this was a struct.
public sealed record NodeId(string Ip, int Port) : IComparable<NodeId>, ISpanFormattable
{
    public override string ToString() => Ip.Contains(':') ? $"[{Ip}]:{Port}" : $"{Ip}:{Port}";

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <summary>Writes <c>ip:port</c> (or <c>[v6]:port</c>) without making a string: what interpolated log lines use.</summary>
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        charsWritten = 0;
        var v6 = Ip.Contains(':');
        var need = Ip.Length + (v6 ? 3 : 1);
        if (destination.Length < need) return false;
        var n = 0;
        if (v6) destination[n++] = '[';
        Ip.AsSpan().CopyTo(destination[n..]);
        n += Ip.Length;
        if (v6) destination[n++] = ']';
        destination[n++] = ':';
        if (!Port.TryFormat(destination[n..], out var w, default, CultureInfo.InvariantCulture)) return false;
        charsWritten = n + w;
        return true;
    }

    public int CompareTo(NodeId? other)
    {
        if (other is null) return 1;
        var byIp = string.CompareOrdinal(Ip, other.Ip);
        return byIp != 0 ? byIp : Port.CompareTo(other.Port);
    }

    /// <summary>Parses <c>ip:port</c> (or <c>[v6]:port</c>); the address text is kept as written.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NodeId? id)
    {
        id = null;
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
