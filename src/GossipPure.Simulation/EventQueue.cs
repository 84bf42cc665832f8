namespace GossipPure.Simulation;

/// <summary>
/// The simulator's event queue: items come out in (time, insertion) order, exactly as from one binary heap, but a
/// run of 100,000 peers keeps about a million events pending and a heap of that size costs ~20 cache-missing levels per
/// event. Here a ring of 1 ms buckets holds what is due within <see cref="Horizon"/>; only the bucket being played
/// is kept in a (small) heap; events beyond the ring wait in a second heap and move into the ring as time reaches them.
/// </summary>
internal sealed class EventQueue<T>
{
    const int BucketShift = 10;                      // 1,024 µs per bucket
    const int BucketCount = 1 << 15;                 // 33.5 s of ring
    const long BucketUs = 1L << BucketShift;
    /// <summary>How far ahead of the bucket being played an event goes into the ring rather than the far heap.</summary>
    public const long Horizon = BucketUs * BucketCount;

    readonly struct Item(T value, long timeUs, long seq)
    {
        public readonly T Value = value;
        public readonly long TimeUs = timeUs;
        public readonly long Seq = seq;
    }

    sealed class Order : IComparer<(long TimeUs, long Seq)>
    {
        public static readonly Order Instance = new();
        public int Compare((long TimeUs, long Seq) x, (long TimeUs, long Seq) y)
        {
            var c = x.TimeUs.CompareTo(y.TimeUs);
            return c != 0 ? c : x.Seq.CompareTo(y.Seq);
        }
    }

    readonly List<Item>?[] ring = new List<Item>?[BucketCount];
    readonly PriorityQueue<T, (long TimeUs, long Seq)> now = new(Order.Instance);
    readonly PriorityQueue<Item, (long TimeUs, long Seq)> far = new(Order.Instance);
    readonly Stack<List<Item>> spare = new();
    long bucket;          // the bucket being played: its events are in `now`
    long inRing;          // events in the ring

    public int Count => now.Count + far.Count + (int)inRing;

    public void Enqueue(T value, long timeUs, long seq)
    {
        var b = timeUs >> BucketShift;
        if (b <= bucket) { now.Enqueue(value, (timeUs, seq)); return; }
        if (b - bucket >= BucketCount) { far.Enqueue(new Item(value, timeUs, seq), (timeUs, seq)); return; }
        ref var list = ref ring[b & (BucketCount - 1)];
        list ??= spare.Count > 0 ? spare.Pop() : new List<Item>();
        list.Add(new Item(value, timeUs, seq));
        inRing++;
    }

    /// <summary>The time of the next item, if any.</summary>
    public bool TryPeekTime(out long timeUs)
    {
        while (now.Count == 0)
        {
            if (inRing == 0 && far.Count == 0) { timeUs = 0; return false; }
            Advance();
        }
        now.TryPeek(out _, out var p);
        timeUs = p.TimeUs;
        return true;
    }

    public T Dequeue()
    {
        if (!TryPeekTime(out _)) throw new InvalidOperationException("the event queue is empty");
        return now.Dequeue();
    }

    /// <summary>Moves to the next bucket (straight to the far heap's first when the ring is empty) and loads it.</summary>
    void Advance()
    {
        if (inRing == 0 && far.TryPeek(out _, out var first)) bucket = Math.Max(bucket + 1, first.TimeUs >> BucketShift);
        else bucket++;
        // What the ring now reaches moves in from the far heap (its own bucket included).
        while (far.TryPeek(out var f, out _) && (f.TimeUs >> BucketShift) - bucket < BucketCount)
        {
            far.Dequeue();
            if (f.TimeUs >> BucketShift <= bucket) now.Enqueue(f.Value, (f.TimeUs, f.Seq));
            else
            {
                ref var slot = ref ring[(f.TimeUs >> BucketShift) & (BucketCount - 1)];
                slot ??= spare.Count > 0 ? spare.Pop() : new List<Item>();
                slot.Add(f);
                inRing++;
            }
        }
        ref var list = ref ring[bucket & (BucketCount - 1)];
        if (list is null) return;
        foreach (var item in list) now.Enqueue(item.Value, (item.TimeUs, item.Seq));
        inRing -= list.Count;
        list.Clear();
        spare.Push(list);
        list = null;
    }
}
