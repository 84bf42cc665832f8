namespace GossipPure.Core;

/// <summary>Parses config.csv: one <c>IP,Port</c> a line; n, the number of seeds, is the number of lines.</summary>
public static class SeedList
{
    /// <summary>The seeds in file order, or a one-line error naming the first bad line.</summary>
    public static Either<string, Seq<NodeId>> Parse(string text, string source = "config.csv")
    {
        var seeds = new System.Collections.Generic.List<NodeId>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split(',');
            if (parts.Length != 2)
                return $"{source} line {i + 1}: '{line}' is not of the form IP,Port";
            var ip = parts[0].Trim();
            if (!NodeId.IsIp(ip))
                return $"{source} line {i + 1}: '{ip}' is not an IP address";
            if (!NodeId.TryParsePort(parts[1].Trim(), out var port))
                return $"{source} line {i + 1}: '{parts[1].Trim()}' is not a port (1-65535)";
            var id = new NodeId(ip, port);
            if (seeds.Contains(id))
                return $"{source} line {i + 1}: seed {id} is listed twice";
            seeds.Add(id);
        }
        if (seeds.Count == 0) return $"{source} lists no seeds";
        return toSeq(seeds.ToArray());
    }
}
