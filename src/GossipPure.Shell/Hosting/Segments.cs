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
/// and the oldest numbers are deleted so that the file's segments never pass its share. Numbers only grow, across
/// runs too: a restarted node renames the earlier run's current segment first, so nothing is overwritten.
/// </summary>
/// <remarks>
/// Deleting a full old segment (48 MiB at the default budget) takes the file system 10-20 ms, so it is done ahead of
/// time, on the thread pool, never by the roll: the file's writer keeps <see cref="Reserve"/> bytes of the share free
/// (the next segment's header and snapshot, and an eighth of a segment to write while a deletion runs). Once its
/// current segment reaches <see cref="TrimAheadAt"/> (the writer reports its size with <see cref="Grew"/>), it calls <see cref="TrimAhead"/>, which takes the oldest
/// segments out of the count and hands them to the thread pool to delete, while the rolled ones, the current one
/// and the reserve would pass the share (<see cref="Excess"/>). The folder holds what it held until they are gone, so
/// it never passes the share; and when the roll comes, the reserve holds the next segment's head, so the roll has
/// nothing to delete: it renames the current segment and, should a deletion still be under way, waits for it. Only a
/// roll the plan did not foresee (a snapshot larger than the last one, a record larger than a segment) deletes there,
/// on the writer's thread (<see cref="DeletedAtRoll"/>). The rolled segments and their sizes are kept in memory
/// (listed once, from the folder, when the file opens). Thread-safe: the file's writer rolls, the thread pool deletes.
/// </remarks>
public sealed class Segments
{
    readonly object gate = new();
    readonly List<(long Number, string Path, long Bytes)> rolled;   // under gate: on disk, not being deleted, oldest first
    long lastNumber;     // under gate: the highest number given or found
    int deleting;        // under gate: deletions handed to the thread pool and not done
    long deletingBytes;  // under gate: their bytes, still on disk
    int deletedAtRoll;   // under gate

    public Segments(string path, long shareBytes)
    {
        Path = path;
        ShareBytes = shareBytes;
        SegmentBytes = Math.Max(1, shareBytes / DiskBudget.SegmentsPerShare);
        rolled = Rolled().Select(r => (r.Number, r.Path, Bytes: LengthOf(r.Path))).ToList();
        lastNumber = rolled.Count == 0 ? 0 : rolled[^1].Number;
    }

    public string Path { get; }

    /// <summary>The size past which the current segment rolls (a record that alone is larger makes one segment).</summary>
    public long SegmentBytes { get; }

    public long ShareBytes { get; }

    /// <summary>Segments a roll had to delete itself, because the deletions ahead of time had not made room (tests, benchmarks).</summary>
    public int DeletedAtRoll { get { lock (gate) return deletedAtRoll; } }

    /// <summary>
    /// What a writer keeps free of the share: the next segment's first lines (<paramref name="headBytes"/>, the
    /// header and snapshot of the current segment as an estimate; 0 for a text file) and an eighth of a segment,
    /// written while a deletion runs.
    /// </summary>
    public long Reserve(long headBytes) => headBytes + SegmentBytes / 8;

    /// <summary>
    /// The size of the current segment at which its writer must call <see cref="TrimAhead"/> again: where the oldest
    /// must go to keep <paramref name="reserveBytes"/> free, or, while deletions are under way, where the folder would
    /// pass the share with them still on disk (<see cref="long.MaxValue"/>: neither can come). Changes only with
    /// <see cref="Roll"/> and <see cref="TrimAhead"/>: a writer reads it after each.
    /// </summary>
    public long TrimAheadAt(long reserveBytes)
    {
        lock (gate)
        {
            var rolledBytes = rolled.Sum(r => r.Bytes);
            var ahead = rolled.Count == 0 ? long.MaxValue : ShareBytes - reserveBytes - rolledBytes;
            var full = deleting == 0 ? long.MaxValue : ShareBytes - rolledBytes - deletingBytes;
            return Math.Min(ahead, full);
        }
    }

    /// <summary>
    /// The accounting of the share: how many of the oldest rolled segments (<paramref name="rolledBytes"/>, oldest
    /// first) must go so that the rest and <paramref name="reservedBytes"/> (the current segment and what is kept
    /// free) fit in <paramref name="shareBytes"/>.
    /// </summary>
    public static int Excess(IReadOnlyList<long> rolledBytes, long reservedBytes, long shareBytes)
    {
        var total = reservedBytes;
        foreach (var b in rolledBytes) total += b;
        var n = 0;
        for (; n < rolledBytes.Count && total > shareBytes; n++) total -= rolledBytes[n];
        return n;
    }

    string Stem => System.IO.Path.GetFileNameWithoutExtension(Path);
    string Extension => System.IO.Path.GetExtension(Path);
    string Dir => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;

    /// <summary>The path of segment <paramref name="number"/>.</summary>
    public string PathOf(long number) => System.IO.Path.Combine(Dir, $"{Stem}.{number.ToString("D6", CultureInfo.InvariantCulture)}{Extension}");

    /// <summary>The rolled segments on disk, oldest first, with their numbers (read from the folder).</summary>
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

    static long LengthOf(string path)
    {
        try { return new FileInfo(path).Length; }
        catch (FileNotFoundException) { return 0; }
    }

    /// <summary>
    /// Renames the current segment (when there is one, and it is not empty) to the next number, waits for the
    /// deletions handed out ahead of time, then deletes, on this thread, what must still go for the next segment's
    /// first <paramref name="nextHeadBytes"/> to fit: nothing, when <see cref="TrimAhead"/> was called in time. Throws
    /// what the file system throws (a segment it could not delete stays counted).
    /// </summary>
    public void Roll(long nextHeadBytes = 0)
    {
        trimAt = Unknown;
        if (File.Exists(Path))
        {
            var bytes = new FileInfo(Path).Length;
            if (bytes == 0) File.Delete(Path);
            else
            {
                long number;
                lock (gate) number = lastNumber + 1;
                var to = PathOf(number);
                File.Move(Path, to, overwrite: false);
                lock (gate)
                {
                    lastNumber = number;
                    rolled.Add((number, to, bytes));
                }
            }
        }
        foreach (var (number, path, bytes) in Take(nextHeadBytes, wait: true))
        {
            try
            {
                File.Delete(path);
            }
            catch
            {
                Return(number, path, bytes);
                throw;
            }
            lock (gate) deletedAtRoll++;
        }
    }

    /// <summary>
    /// Hands to the thread pool the oldest rolled segments that must go for the current segment
    /// (<paramref name="currentBytes"/>) and <paramref name="reserveBytes"/> to fit in the share, and returns at once;
    /// unless the deletions handed out before are not done while the current segment has grown into their space (the
    /// thread pool did not delete a file while the writer wrote an eighth of a segment): then it waits for them, so that
    /// the folder never passes the share by more than the record just written.
    /// </summary>
    public void TrimAhead(long currentBytes, long reserveBytes)
    {
        lock (gate)
            while (deleting > 0 && rolled.Sum(r => r.Bytes) + deletingBytes + currentBytes >= ShareBytes) Monitor.Wait(gate);
        foreach (var (number, path, bytes) in Take(currentBytes + reserveBytes, wait: false))
            ThreadPool.UnsafeQueueUserWorkItem(new Deletion(this, number, path, bytes), preferLocal: false);
    }

    /// <summary>
    /// Tells the accounting that the current segment holds <paramref name="currentBytes"/> now (the writer's thread,
    /// after each record): past the size <see cref="TrimAheadAt"/> gives, the oldest segments go (<see cref="TrimAhead"/>).
    /// The threshold is kept here and taken again after each trim and each <see cref="Roll"/>.
    /// </summary>
    public void Grew(long currentBytes, long reserveBytes)
    {
        if (trimAt == Unknown) trimAt = TrimAheadAt(reserveBytes);
        if (currentBytes < trimAt) return;
        TrimAhead(currentBytes, reserveBytes);
        trimAt = TrimAheadAt(reserveBytes);
    }

    const long Unknown = long.MinValue;
    long trimAt = Unknown;   // the writer's: where the current segment next calls TrimAhead (Unknown: take it again)

    /// <summary>Waits until the deletions handed to the thread pool are done (a writer that stops, tests).</summary>
    public void WaitForDeletions()
    {
        lock (gate)
            while (deleting > 0) Monitor.Wait(gate);
    }

    // Takes the oldest segments past the share out of the count; with wait, once no deletion is under way.
    List<(long Number, string Path, long Bytes)> Take(long reservedBytes, bool wait)
    {
        lock (gate)
        {
            while (wait && deleting > 0) Monitor.Wait(gate);
            var n = Excess(rolled.Select(r => r.Bytes).ToList(), reservedBytes, ShareBytes);
            var taken = rolled.GetRange(0, n);
            rolled.RemoveRange(0, n);
            if (!wait)
            {
                deleting += n;
                deletingBytes += taken.Sum(t => t.Bytes);
            }
            return taken;
        }
    }

    // A segment that could not be deleted is counted again, as the oldest, so the next roll tries it and says why.
    void Return(long number, string path, long bytes)
    {
        lock (gate)
        {
            var at = rolled.FindIndex(r => r.Number > number);
            rolled.Insert(at < 0 ? rolled.Count : at, (number, path, bytes));
        }
    }

    sealed class Deletion(Segments owner, long number, string path, long bytes) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                owner.Return(number, path, bytes);
            }
            finally
            {
                lock (owner.gate)
                {
                    owner.deleting--;
                    owner.deletingBytes -= bytes;
                    Monitor.PulseAll(owner.gate);
                }
            }
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
