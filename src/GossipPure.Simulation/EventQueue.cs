namespace GossipPure.Simulation;

/// <summary>
/// The simulator's event queue: items come out in (time, insertion) order, exactly as from one binary heap, but a
/// run of 100,000 peers keeps about a million events pending and a heap of that size costs ~20 cache-missing levels per
/// event. Here a ring of 128 µs buckets holds what is due within <see cref="Horizon"/>; only the bucket being played
/// is kept in a (small) heap; events beyond the ring wait in a second heap and move into the ring as time reaches them.
/// Both heaps compare (time, insertion) inline: a comparer object called per comparison cost more than the heap's
/// own work (3 % of a 20,000-peer run). EventQueueProperties holds the order equal to a plain sort's.
/// </summary>
internal sealed class EventQueue<T>
{
    const int BucketShift = 7;                       // 128 µs per bucket
    const int BucketCount = 1 << 18;                 // 33.5 s of ring
    const long BucketUs = 1L << BucketShift;
    /// <summary>How far ahead of the bucket being played an event goes into the ring rather than the far heap.</summary>
    public const long Horizon = BucketUs * BucketCount;

    readonly struct Item(T value, long timeUs, long seq)
    {
        public readonly T Value = value;
        public readonly long TimeUs = timeUs;
        public readonly long Seq = seq;
    }

    /// <summary>A binary min-heap of items by (time, insertion), its comparison inlined (no comparer object per call).</summary>
    sealed class Heap
    {
        Item[] items = new Item[64];
        public int Count { get; private set; }

        static bool Before(in Item a, in Item b) => a.TimeUs < b.TimeUs || (a.TimeUs == b.TimeUs && a.Seq < b.Seq);

        public ref readonly Item First => ref items[0];

        public void Add(in Item item)
        {
            if (Count == items.Length) System.Array.Resize(ref items, items.Length * 2);
            var i = Count++;
            while (i > 0)
            {
                var parent = (i - 1) >> 1;
                if (!Before(item, items[parent])) break;
                items[i] = items[parent];
                i = parent;
            }
            items[i] = item;
        }

        public Item Take()
        {
            var top = items[0];
            var last = items[--Count];
            items[Count] = default;
            if (Count > 0)
            {
                var i = 0;
                while (true)
                {
                    var child = 2 * i + 1;
                    if (child >= Count) break;
                    if (child + 1 < Count && Before(items[child + 1], items[child])) child++;
                    if (!Before(items[child], last)) break;
                    items[i] = items[child];
                    i = child;
                }
                items[i] = last;
            }
            return top;
        }
    }

    /// <summary>
    /// Part of a bucket's items: a bucket is a chain of these, the newest (being filled) first. They come in a few sizes
    /// (8 items, then 32, 128, 512, at most 2,048: 48 KiB, below the large-object heap) and go back to a pool of their
    /// size when their bucket is played. A list per bucket grew by doubling instead: a flood's bucket holds tens of
    /// thousands of deliveries at 100,000 peers, so each such bucket put ~1.6 MB on the large-object heap, whose budget
    /// then set off most of the run's full collections.
    /// </summary>
    sealed class Segment(int size, int sizeClass)
    {
        public readonly Item[] Items = new Item[size];
        public readonly int SizeClass = sizeClass;
        public int Count;
        public Segment? Next;
    }

    const int SizeClasses = 5;
    static int SizeOf(int sizeClass) => 8 << (2 * sizeClass);

    readonly Segment?[] ring = new Segment?[BucketCount];
    readonly Heap now = new();
    readonly Heap far = new();
    readonly Stack<Segment>[] spare = Enumerable.Range(0, SizeClasses).Select(_ => new Stack<Segment>()).ToArray();
    long bucket;          // the bucket being played: its events are in `now`
    long inRing;          // events in the ring
    T[] loaded = new T[256];

    /// <summary>
    /// Called with the events of each bucket of the ring as it starts to be played, in no particular order (not with
    /// those added to the bucket while it plays, nor with those the far heap hands straight to it). The array is the
    /// queue's own and is reused: read the first <c>count</c> items during the call, and keep none of them.
    /// </summary>
    public Action<T[], int>? BucketStarting { get; set; }

    public int Count => now.Count + far.Count + (int)inRing;

    public void Enqueue(T value, long timeUs, long seq)
    {
        var b = timeUs >> BucketShift;
        if (b <= bucket) { now.Add(new Item(value, timeUs, seq)); return; }
        if (b - bucket >= BucketCount) { far.Add(new Item(value, timeUs, seq)); return; }
        AddToRing(new Item(value, timeUs, seq));
    }

    void AddToRing(in Item item)
    {
        ref var head = ref ring[(item.TimeUs >> BucketShift) & (BucketCount - 1)];
        if (head is null || head.Count == head.Items.Length)
        {
            var next = head is null ? NewSegment(0) : NewSegment(Math.Min(head.SizeClass + 1, SizeClasses - 1));
            next.Next = head;
            head = next;
        }
        head.Items[head.Count++] = item;
        inRing++;
    }

    Segment NewSegment(int sizeClass) =>
        spare[sizeClass].TryPop(out var s) ? s : new Segment(SizeOf(sizeClass), sizeClass);

    /// <summary>The time of the next item, if any.</summary>
    public bool TryPeekTime(out long timeUs)
    {
        while (now.Count == 0)
        {
            if (inRing == 0 && far.Count == 0) { timeUs = 0; return false; }
            Advance();
        }
        timeUs = now.First.TimeUs;
        return true;
    }

    public T Dequeue()
    {
        if (!TryPeekTime(out _)) throw new InvalidOperationException("the event queue is empty");
        return now.Take().Value;
    }

    /// <summary>Moves to the next bucket (straight to the far heap's first when the ring is empty) and loads it.</summary>
    void Advance()
    {
        if (inRing == 0 && far.Count > 0) bucket = Math.Max(bucket + 1, far.First.TimeUs >> BucketShift);
        else bucket++;
        // What the ring now reaches moves in from the far heap (its own bucket included).
        while (far.Count > 0 && (far.First.TimeUs >> BucketShift) - bucket < BucketCount)
        {
            var f = far.Take();
            if (f.TimeUs >> BucketShift <= bucket) now.Add(f);
            else AddToRing(f);
        }
        ref var head = ref ring[bucket & (BucketCount - 1)];
        if (head is null) return;
        // One pass: each item into the heap (and the hook's array), each segment back to its pool.
        var starting = BucketStarting;
        var count = 0;
        for (var seg = head; seg is not null;)
        {
            if (starting is not null && loaded.Length < count + seg.Count) System.Array.Resize(ref loaded, Math.Max(count + seg.Count, loaded.Length * 2));
            for (var i = 0; i < seg.Count; i++)
            {
                now.Add(seg.Items[i]);
                if (starting is not null) loaded[count + i] = seg.Items[i].Value;
            }
            count += seg.Count;
            var next = seg.Next;
            System.Array.Clear(seg.Items, 0, seg.Count);
            seg.Count = 0;
            seg.Next = null;
            spare[seg.SizeClass].Push(seg);
            seg = next;
        }
        inRing -= count;
        if (starting is not null)
        {
            starting(loaded, count);
            System.Array.Clear(loaded, 0, count);
        }
        head = null;
    }
}
