using System.Globalization;

namespace GossipPure.Cli;

/// <summary>Durations as people write them: <c>200ms</c>, <c>5s</c>, <c>2m</c>; a bare number is milliseconds.</summary>
public static class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        var t = text.Trim().ToLowerInvariant();
        (string num, double scale) = t switch
        {
            _ when t.EndsWith("ms") => (t[..^2], 1.0),
            _ when t.EndsWith('s') => (t[..^1], 1000.0),
            _ when t.EndsWith('m') => (t[..^1], 60_000.0),
            _ when t.EndsWith('h') => (t[..^1], 3_600_000.0),
            _ => (t, 1.0),
        };
        if (!double.TryParse(num, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) || n < 0 || !double.IsFinite(n))
            return false;
        value = TimeSpan.FromMilliseconds(n * scale);
        return true;
    }
}
