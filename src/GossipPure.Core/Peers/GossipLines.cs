using System.Diagnostics.CodeAnalysis;

namespace GossipPure.Core.Peers;

/// <summary>
/// The two lines a peer logs about gossip — the news its output file carries — made here and read back by what
/// measures a run from its logs (the simulator, the metrics, the bench), so their format lives in one place.
/// </summary>
public static class GossipLines
{
    public const string MadePrefix = "GOSSIP made: '";
    public const string FirstTimePrefix = "GOSSIP received (first time): '";
    const string MadeEnd = "' (sent to ";
    const string FromMark = "' from ";
    const string OriginMark = " origin ";

    /// <summary><c>GOSSIP made: '&lt;body&gt;' (sent to &lt;k&gt; neighbours)</c></summary>
    public static string Made(Gossip g, int neighbours) => $"{MadePrefix}{g.Body}{MadeEnd}{neighbours} neighbours)";

    /// <summary><c>GOSSIP received (first time): '&lt;body&gt;' from &lt;sender&gt; origin &lt;origin&gt;</c></summary>
    public static string FirstTime(Gossip g, NodeId from) => $"{FirstTimePrefix}{g.Body}{FromMark}{from}{OriginMark}{g.Origin}";

    /// <summary>The body of a <see cref="Made"/> line (the body may itself hold quotes: the line is read from its end).</summary>
    public static bool TryReadMade(string line, [NotNullWhen(true)] out string? body)
    {
        body = null;
        if (!line.StartsWith(MadePrefix, StringComparison.Ordinal)) return false;
        var end = line.LastIndexOf(MadeEnd, StringComparison.Ordinal);
        if (end < MadePrefix.Length) return false;
        body = line[MadePrefix.Length..end];
        return true;
    }

    /// <summary>The message a <see cref="FirstTime"/> line names.</summary>
    public static bool TryReadFirstTime(string line, [NotNullWhen(true)] out Gossip? gossip)
    {
        gossip = null;
        if (!line.StartsWith(FirstTimePrefix, StringComparison.Ordinal)) return false;
        var end = line.LastIndexOf(FromMark, StringComparison.Ordinal);
        var at = line.LastIndexOf(OriginMark, StringComparison.Ordinal);
        if (end < FirstTimePrefix.Length || at < end || !NodeId.TryParse(line[(at + OriginMark.Length)..], out var origin)) return false;
        gossip = new Gossip(origin, line[FirstTimePrefix.Length..end]);
        return true;
    }
}
