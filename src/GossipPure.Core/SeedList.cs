namespace GossipPure.Core;

/// <summary>
/// Parses config.csv: one <c>IP,Port</c> a line, or <c>IP,Port,PublicKey</c> (the seed's signing key, as
/// <c>gossip keygen</c> prints it); n, the number of seeds, is the number of lines. Every seed has a key (signed
/// membership) or none does (unauthenticated, the reference's file).
/// </summary>
public static class SeedList
{
    /// <summary>The seeds in file order, or a one-line error naming the first bad line (two columns only).</summary>
    public static Either<string, Seq<NodeId>> Parse(string text, string source = "config.csv") =>
        Read(text, null, source).Map(r => r.Seeds);

    /// <summary>
    /// The seeds in file order and their keys (empty when the file has two columns), or a one-line error naming the
    /// first bad line. <paramref name="isKey"/> tells a well-formed public key (the shell's scheme knows).
    /// </summary>
    public static Either<string, (Seq<NodeId> Seeds, HashMap<NodeId, string> Keys)> ParseKeyed(string text, Func<string, bool> isKey,
        string source = "config.csv") =>
        Read(text, isKey, source);

    static Either<string, (Seq<NodeId> Seeds, HashMap<NodeId, string> Keys)> Read(string text, Func<string, bool>? isKey, string source)
    {
        var seeds = new System.Collections.Generic.List<NodeId>();
        var keys = HashMap<NodeId, string>();
        // The first seed's line decides whether the file is keyed; a line that differs is the error.
        (int Line, bool Keyed)? first = null;
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split(',');
            if (parts.Length != 2 && (isKey is null || parts.Length != 3))
                return $"{source} line {i + 1}: '{line}' is not of the form IP,Port{(isKey is null ? "" : "[,PublicKey]")}";
            var ip = parts[0].Trim();
            if (!NodeId.IsIp(ip))
                return $"{source} line {i + 1}: '{ip}' is not an IP address";
            if (!NodeId.TryParsePort(parts[1].Trim(), out var port))
                return $"{source} line {i + 1}: '{parts[1].Trim()}' is not a port (1-65535)";
            var id = new NodeId(ip, port);
            if (seeds.Contains(id))
                return $"{source} line {i + 1}: seed {id} is listed twice";
            var keyed = parts.Length == 3;
            if (keyed)
            {
                var key = parts[2].Trim();
                if (!isKey!(key))
                    return $"{source} line {i + 1}: '{key}' is not a public key (base64 Ed25519, as `gossip keygen` prints it)";
                keys = keys.Add(id, key);
            }
            if (first is { } f && f.Keyed != keyed)
                return $"{source} line {i + 1}: seed {id} {(keyed ? "has a key but the seed on line " + f.Line + " has none" : "has no key but the seed on line " + f.Line + " has one")}; give every seed its public key (signed membership) or none (unauthenticated)";
            first ??= (i + 1, keyed);
            seeds.Add(id);
        }
        if (seeds.Count == 0) return $"{source} lists no seeds";
        return (toSeq(seeds.ToArray()), keys);
    }
}
