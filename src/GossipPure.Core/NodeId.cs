using System.Globalization;

namespace GossipPure.Core;

/// <summary>
/// A node's listening address: the identity every other node knows it by. This is the one parser of addresses:
/// config.csv, the command line, the wire and the event log all read addresses through it.
/// </summary>
/// <remarks>
/// The IP is kept in one canonical text, so that two spellings of one address are one node: an IPv4 address is a
/// strict dotted quad (four decimal octets 0–255, no leading zeros, which some parsers read as octal); an IPv6
/// address is written as RFC 5952 says (lower-case hex without leading zeros, the longest run of two or more zero
/// groups as <c>::</c>, the first such run on a tie, and the dotted form only for an IPv4-mapped address), so
/// <c>::1</c>, <c>0::1</c> and <c>0:0:0:0:0:0:0:1</c> are one node. The constructor makes the text canonical; an IP
/// that is already canonical is kept as given, without a copy.
/// </remarks>
// A class, not a struct: the persistent maps keyed by it (LanguageExt's EqDefault) test ReferenceEquals first,
// which boxes a struct key on every lookup — most of a simulation's garbage when this was a struct.
public sealed record NodeId(string Ip, int Port) : IComparable<NodeId>, ISpanFormattable
{
    /// <summary>The IP in its canonical text (see the remarks of <see cref="NodeId"/>).</summary>
    public string Ip { get { return field; } init { field = CanonicalIp(value); hash = 0; packed = PackedIp.Of(field); } } = CanonicalIp(Ip);

    public int Port { get { return field; } init { field = value; hash = 0; } } = Port;

    // Every persistent map and set of the core is keyed by addresses: the hash of the IP text is taken once per
    // instance, not on every lookup (0: not yet; `with` copies it, so both setters clear it).
    int hash;

    // The IP text packed for comparison without reading the string (see PackedIp). Set with the IP; the initialiser
    // writes the field, not through the setter, hence the canonical text made here a second time (nothing for IPv4).
    PackedIp packed = PackedIp.Of(CanonicalIp(Ip));

    /// <summary>
    /// An IP text of at most 16 characters, each 1–127 (every IPv4 text and short IPv6 ones), as two words: eight
    /// characters a word, the first in the highest byte, zero after the end. Two packed texts compare as their words
    /// do exactly as the texts compare ordinally (no character is zero, so a text that is a prefix of a longer one comes
    /// first, as ordinally), so <see cref="CompareTo"/> and <see cref="Equals(NodeId?)"/> need not read the strings: in a
    /// large table the string is one more object away, one more cache miss at every comparison. Any other text (longer,
    /// a character outside 1–127, empty) does not pack (<c>High</c> 0) and is compared as text.
    /// </summary>
    internal readonly record struct PackedIp(ulong High, ulong Low)
    {
        public bool IsPacked => High != 0;

        public static PackedIp Of(string? ip)
        {
            if (ip is null || ip.Length is 0 or > 16) return default;
            ulong high = 0, low = 0;
            for (var i = 0; i < 16; i++)
            {
                var c = i < ip.Length ? ip[i] : '\0';
                if (i < ip.Length && c is < (char)1 or > (char)127) return default;
                if (i < 8) high = (high << 8) | c;
                else low = (low << 8) | c;
            }
            return new(high, low);
        }
    }

    /// <summary>The IP packed for comparison (see <see cref="PackedIp"/>).</summary>
    internal PackedIp Packed => packed;

    public bool Equals(NodeId? other) =>
        ReferenceEquals(this, other) || (other is not null && Port == other.Port
            && (packed.IsPacked && other.packed.IsPacked ? packed == other.packed : string.Equals(Ip, other.Ip)));

    public override int GetHashCode()
    {
        var h = hash;
        if (h == 0) hash = h = HashCode.Combine(Ip, Port) | 1;
        return h;
    }

    /// <summary>Longest IP text: the longest IPv6 form (as in <c>0000:0000:0000:0000:0000:ffff:255.255.255.255</c>).</summary>
    public const int MaxIpChars = 45;

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
        if (packed.IsPacked && other.packed.IsPacked)
        {
            var (a, b) = (packed, other.packed);
            return a.High != b.High ? a.High.CompareTo(b.High) : a.Low != b.Low ? a.Low.CompareTo(b.Low) : Port.CompareTo(other.Port);
        }
        var byIp = string.CompareOrdinal(Ip, other.Ip);
        return byIp != 0 ? byIp : Port.CompareTo(other.Port);
    }

    // ---- Parsing --------------------------------------------------------------------------------------------

    /// <summary>
    /// Parses <c>ip:port</c> or <c>[ip]:port</c>: the text after the last colon is the port (decimal digits only,
    /// 1–65535), brackets around the IP are dropped, and the IP must be one (<see cref="IsIp"/>).
    /// </summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NodeId? id)
    {
        if (text is not null && TryParse(text.AsSpan(), out var ipStart, out var ipLength, out var port))
        {
            id = new NodeId(text.Substring(ipStart, ipLength), port);
            return true;
        }
        id = null;
        return false;
    }

    public static NodeId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not an address of the form IP:Port");

    /// <summary>
    /// The rules of <see cref="TryParse(string?, out NodeId?)"/> on characters, without making a string: where in
    /// <paramref name="text"/> the IP is, and the port. (The wire decoder reads addresses with it.)
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out int ipStart, out int ipLength, out int port)
    {
        ipStart = ipLength = port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) return false;
        if (!TryParsePort(text[(colon + 1)..], out port)) return false;
        var ip = text[..colon];
        if (ip.Length >= 2 && ip[0] == '[' && ip[^1] == ']')
        {
            ipStart = 1;
            ip = ip[1..^1];
        }
        ipLength = ip.Length;
        return IsIp(ip);
    }

    /// <summary>A port: decimal digits only (leading zeros allowed, as config.csv's may have), 1–65535.</summary>
    public static bool TryParsePort(ReadOnlySpan<char> text, out int port)
    {
        port = 0;
        if (text.IsEmpty) return false;
        foreach (var ch in text)
        {
            if (!char.IsAsciiDigit(ch)) return false;
            port = port * 10 + (ch - '0');
            if (port > 65535) return false;
        }
        return port >= 1;
    }

    /// <summary>A strict dotted quad, or an IPv6 address (hex groups, at most one <c>::</c>, an optional dotted tail).</summary>
    public static bool IsIp(ReadOnlySpan<char> ip)
    {
        if (ip.Length is 0 or > MaxIpChars) return false;
        if (!ip.Contains(':')) return IsIPv4(ip, out _);
        Span<ushort> groups = stackalloc ushort[8];
        return TryParseIPv6(ip, groups);
    }

    /// <summary>Four dot-separated decimal octets, each 0–255 written without leading zeros (<c>0</c> itself is fine).</summary>
    static bool IsIPv4(ReadOnlySpan<char> ip, out uint value)
    {
        value = 0;
        var octets = 0;
        var octet = 0;
        var digits = 0;
        for (var i = 0; i <= ip.Length; i++)
        {
            if (i == ip.Length || ip[i] == '.')
            {
                if (digits == 0 || ++octets > 4) return false;
                value = (value << 8) | (uint)octet;
                octet = digits = 0;
            }
            else if (char.IsAsciiDigit(ip[i]))
            {
                if (digits == 1 && octet == 0) return false;   // a leading zero
                if (++digits > 3) return false;
                octet = octet * 10 + (ip[i] - '0');
                if (octet > 255) return false;
            }
            else return false;
        }
        return octets == 4;
    }

    /// <summary>
    /// Reads an IPv6 address into its eight groups: groups of 1–4 hex digits separated by colons, at most one
    /// <c>::</c> standing for at least one zero group, and optionally a dotted quad as the last two groups.
    /// </summary>
    static bool TryParseIPv6(ReadOnlySpan<char> ip, Span<ushort> groups)
    {
        groups.Clear();
        Span<ushort> read = stackalloc ushort[8];
        var n = 0;
        var gap = -1;   // where the :: stands, in groups read so far
        var i = 0;
        if (ip.StartsWith("::"))
        {
            gap = 0;
            i = 2;
        }
        else if (ip.StartsWith(":")) return false;
        while (i < ip.Length)
        {
            var start = i;
            while (i < ip.Length && char.IsAsciiHexDigit(ip[i])) i++;
            if (i < ip.Length && ip[i] == '.')
            {
                // A dotted tail: the last two groups.
                if (n > 6 || !IsIPv4(ip[start..], out var v4)) return false;
                read[n++] = (ushort)(v4 >> 16);
                read[n++] = (ushort)v4;
                i = ip.Length;
                break;
            }
            if (i - start is 0 or > 4 || n == 8) return false;
            read[n++] = ushort.Parse(ip[start..i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            if (i == ip.Length) break;
            if (ip[i] != ':') return false;
            i++;
            if (i == ip.Length) return false;
            if (ip[i] == ':')
            {
                if (gap >= 0) return false;
                gap = n;
                i++;
            }
        }
        if (gap < 0)
        {
            if (n != 8) return false;
            read.CopyTo(groups);
            return true;
        }
        if (n > 7) return false;
        read[..gap].CopyTo(groups);
        read[gap..n].CopyTo(groups[(8 - (n - gap))..]);
        return true;
    }

    // ---- The canonical text ---------------------------------------------------------------------------------

    /// <summary>
    /// The canonical text of an IPv6 address (RFC 5952); any other text (an IPv4 address, or no address at all) as
    /// it is. Allocates only when <paramref name="ip"/> is an IPv6 address written otherwise.
    /// </summary>
    static string CanonicalIp(string ip)
    {
        if (ip is null || ip.Length > MaxIpChars || !ip.Contains(':')) return ip!;
        Span<ushort> groups = stackalloc ushort[8];
        if (!TryParseIPv6(ip, groups)) return ip;
        Span<char> text = stackalloc char[MaxIpChars];
        var n = FormatIPv6(groups, text);
        return text[..n].SequenceEqual(ip) ? ip : new string(text[..n]);
    }

    /// <summary>RFC 5952 text of eight groups into <paramref name="into"/> (at least 45 characters); its length.</summary>
    static int FormatIPv6(ReadOnlySpan<ushort> g, Span<char> into)
    {
        var n = 0;
        var mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xFFFF;
        var hexGroups = mapped ? 6 : 8;
        // The longest run of two or more zero groups (the first on a tie) becomes "::".
        int runStart = -1, runLength = 0;
        for (var i = 0; i < hexGroups;)
        {
            if (g[i] != 0) { i++; continue; }
            var j = i;
            while (j < hexGroups && g[j] == 0) j++;
            if (j - i > runLength) (runStart, runLength) = (i, j - i);
            i = j;
        }
        if (runLength < 2) runStart = -1;
        for (var i = 0; i < hexGroups; i++)
        {
            if (i == runStart)
            {
                into[n++] = ':';
                into[n++] = ':';
                i += runLength - 1;
                continue;
            }
            if (i > 0 && i != runStart + runLength) into[n++] = ':';
            g[i].TryFormat(into[n..], out var w, "x", CultureInfo.InvariantCulture);
            n += w;
        }
        if (mapped)
        {
            if (runStart + runLength != hexGroups) into[n++] = ':';
            for (var k = 0; k < 4; k++)
            {
                var octet = (k < 2 ? g[6] : g[7]) >> (k % 2 == 0 ? 8 : 0) & 0xFF;
                if (k > 0) into[n++] = '.';
                octet.TryFormat(into[n..], out var w, default, CultureInfo.InvariantCulture);
                n += w;
            }
        }
        return n;
    }
}
