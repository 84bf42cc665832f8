using System.Globalization;

namespace GossipPure.Shell.Hosting;

/// <summary>
/// How a node's disk budget (<c>--retain-mb</c>) is shared among its files (specs/node-loop.md, "Disk budget"): the
/// event log takes three quarters, the output file the rest (halved with the JSON log when there is one). Each file
/// rolls into <see cref="SegmentsPerShare"/> segments of its share, so deleting the oldest keeps it within its share.
/// </summary>
public sealed record DiskBudget(long RetainBytes, bool JsonLog = false)
{
    /// <summary>The default budget: 256 MiB per node.</summary>
    public const int DefaultRetainMb = 256;

    /// <summary>Segments a file's share is cut into: the current one and at most this many less one older ones.</summary>
    public const int SegmentsPerShare = 4;

    public static DiskBudget OfMb(int retainMb, bool jsonLog = false) => new(retainMb * 1024L * 1024L, jsonLog);

    public static readonly DiskBudget Default = OfMb(DefaultRetainMb);

    public long EventsShare => RetainBytes * 3 / 4;
    public long TextShare => JsonLog ? (RetainBytes - EventsShare) / 2 : RetainBytes - EventsShare;
    public long ClefShare => JsonLog ? RetainBytes - EventsShare - TextShare : 0;
}

/// <summary>
/// One file of a node cut into numbered segments: the current segment keeps the file's own name
/// (<c>events_peer_6001.jsonl</c>); a full one is renamed with the next number (<c>events_peer_6001.000007.jsonl</c>)
/// and the oldest numbers are deleted while the file's segments would pass its share. Numbers only grow, across
/// runs too: a restarted node renames the earlier run's current segment first, so nothing is overwritten.
/// </summary>
public sealed class Segments(string path, long shareBytes)
{
    public string Path { get; } = path;

    /// <summary>The size past which the current segment rolls (a record that alone is larger makes one segment).</summary>
    public long SegmentBytes { get; } = Math.Max(1, shareBytes / DiskBudget.SegmentsPerShare);

    public long ShareBytes { get; } = shareBytes;

    string Stem => System.IO.Path.GetFileNameWithoutExtension(Path);
    string Extension => System.IO.Path.GetExtension(Path);
    string Dir => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;

    /// <summary>The path of segment <paramref name="number"/>.</summary>
    public string PathOf(long number) => System.IO.Path.Combine(Dir, $"{Stem}.{number.ToString("D6", CultureInfo.InvariantCulture)}{Extension}");

    /// <summary>The rolled segments on disk, oldest first, with their numbers.</summary>
    public IReadOnlyList<(long Number, string Path)> Rolled()
    {
        if (!Directory.Exists(Dir)) return [];
        var prefix = Stem + ".";
        var list = new List<(long, string)>();
        foreach (var file in Directory.EnumerateFiles(Dir, $"{Stem}.*{Extension}"))
        {
            var name = System.IO.Path.GetFileName(file);
            if (name.Length <= prefix.Length + Extension.Length) continue;
            var middle = name[prefix.Length..^Extension.Length];
            if (middle.Length > 0 && middle.All(char.IsAsciiDigit) && long.TryParse(middle, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                list.Add((n, file));
        }
        return list.OrderBy(x => x.Item1).ToList();
    }

    /// <summary>
    /// Renames the current segment (when there is one, and it is not empty) to the next number, then deletes the oldest
    /// segments while the rolled ones and a full current one would pass the share. Throws what the file system throws.
    /// </summary>
    /// <param name="currentBytes">What the new current segment may grow to (at least a segment).</param>
    public void Roll(long currentBytes = 0)
    {
        if (File.Exists(Path))
        {
            if (new FileInfo(Path).Length == 0) File.Delete(Path);
            else
            {
                var rolled = Rolled();
                File.Move(Path, PathOf(rolled.Count == 0 ? 1 : rolled[^1].Number + 1), overwrite: false);
            }
        }
        Trim(currentBytes);
    }

    /// <summary>Deletes the oldest rolled segments while they and a full current segment would pass the share.</summary>
    public void Trim(long currentBytes = 0)
    {
        var rolled = Rolled().Select(r => (r.Path, Bytes: new FileInfo(r.Path).Length)).ToList();
        var total = rolled.Sum(r => r.Bytes) + Math.Max(SegmentBytes, currentBytes);
        foreach (var (old, bytes) in rolled)
        {
            if (total <= ShareBytes) break;
            File.Delete(old);
            total -= bytes;
        }
    }
}

/// <summary>Says a file problem at most once a minute (monotonic), with how many were held back since.</summary>
public sealed class OncePerMinute
{
    long lastTicks = long.MinValue;
    long held;

    /// <summary>The line to write now, or null while a minute has not passed since the last.</summary>
    public string? Take(string problem)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (lastTicks != long.MinValue && System.Diagnostics.Stopwatch.GetElapsedTime(lastTicks, now) < TimeSpan.FromMinutes(1))
        {
            held++;
            return null;
        }
        var line = held > 0 ? $"{problem} ({held} more since the last notice)" : problem;
        lastTicks = now;
        held = 0;
        return line;
    }
}
