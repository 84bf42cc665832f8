namespace GossipPure.Core;

/// <summary>
/// Application messages (<c>gossip publish</c>, specs/control.md): a payload a program hands a running peer, gossiped
/// like the peer's own messages — the same dedup, first-time forwarding, horizon and (signed) signature, which then
/// covers the payload too. Its id is its body, <c>&lt;timestamp&gt;:&lt;IP&gt;:a&lt;n&gt;</c>.
/// </summary>
public static class AppMessage
{
    /// <summary>The largest payload: 64 KiB.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The largest payload's base64 text.</summary>
    public const int MaxDataChars = (MaxBytes + 2) / 3 * 4;

    /// <summary>The payload's size in bytes from its base64 text, or -1 when the text is not base64 of the right form.</summary>
    public static int SizeOf(string data)
    {
        if (data.Length % 4 != 0) return -1;
        foreach (var c in data)
            if (!(c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '+' or '/' or '=')) return -1;
        var pad = data.EndsWith("==", StringComparison.Ordinal) ? 2 : data.EndsWith('=') ? 1 : 0;
        return data.Length / 4 * 3 - pad;
    }
}
