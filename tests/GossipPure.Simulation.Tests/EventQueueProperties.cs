using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace GossipPure.Simulation.Tests;

/// <summary>
/// The simulator's event queue gives its items in (time, insertion) order, exactly as one sorted list would: with
/// items in the bucket being played, in the ring ahead, beyond the ring's horizon, at equal times, and added while
/// it is being played (as a step schedules what its effects cause).
/// </summary>
public sealed class EventQueueProperties
{
    /// <summary>One operation: take the next item, or add one <paramref name="DelayUs"/> after the time being played.</summary>
    public sealed record Op(bool Take, long DelayUs);

    static readonly Gen<long> Delays = Gen.OneOf(
        Gen.Choose(0, 3).Select(d => (long)d),                                          // the same instant, the same bucket
        Gen.Choose(0, 5_000).Select(d => (long)d),                                      // a few buckets ahead
        Gen.Choose(0, 2_000_000).Select(d => (long)d),                                  // timers: seconds ahead
        Gen.Choose(0, 30_000).Select(d => EventQueue<int>.Horizon - 15_000_000 + d * 1_000L)); // about the horizon, both sides

    static readonly Gen<Op> Ops = Gen.Frequency(
        (2, Gen.Constant(new Op(true, 0))),
        (3, Delays.Select(d => new Op(false, d))));

    public static Arbitrary<Op[]> Arb => Ops.ArrayOf().Select(a => a).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Items_come_out_in_time_then_insertion_order() =>
        Prop.ForAll(Arb, ops =>
        {
            var queue = new EventQueue<int>();
            var reference = new SortedSet<(long TimeUs, long Seq)>();
            long now = 0, seq = 0;
            void Check()
            {
                var first = reference.Min;
                Assert.True(queue.TryPeekTime(out var t), "the queue says it is empty while it holds items");
                Assert.Equal(first.TimeUs, t);
                Assert.Equal((int)first.Seq, queue.Dequeue());
                reference.Remove(first);
                now = first.TimeUs;
            }
            foreach (var op in ops)
            {
                if (op.Take) { if (reference.Count > 0) Check(); continue; }
                queue.Enqueue((int)seq, now + op.DelayUs, seq);
                reference.Add((now + op.DelayUs, seq));
                seq++;
            }
            while (reference.Count > 0) Check();
            Assert.False(queue.TryPeekTime(out _));
            return true;
        });

    [Fact]
    public void Equal_times_keep_insertion_order_across_the_ring_and_the_far_heap()
    {
        var queue = new EventQueue<int>();
        var far = EventQueue<int>.Horizon * 3 + 17;
        for (var i = 0; i < 100; i++) queue.Enqueue(i, i % 2 == 0 ? far : 5, i);
        var order = new List<int>();
        while (queue.TryPeekTime(out _)) order.Add(queue.Dequeue());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => 2 * i + 1).Concat(Enumerable.Range(0, 50).Select(i => 2 * i)), order);
    }

    [Fact]
    public void A_bucket_of_thousands_comes_out_in_order_and_is_handed_over_whole()
    {
        // A flood's bucket: far more items than one part of a bucket holds (the largest takes 2,048), at times out of
        // order within the bucket and beside a few in the buckets around it; then the same again, from parts reused.
        var queue = new EventQueue<int>();
        var handed = new List<int>();
        queue.BucketStarting = (items, count) => handed.AddRange(items.Take(count));
        for (var round = 0; round < 2; round++)
        {
            var start = round * 1_000_000L;
            var reference = new SortedSet<(long TimeUs, int Item)>();
            var rng = new Random(round);
            for (var i = 0; i < 10_000; i++)
            {
                var at = start + 1_000 + (i % 3 == 0 ? rng.Next(-200, 300) : rng.Next(0, 128));
                var item = round * 100_000 + i;
                queue.Enqueue(item, at, item);
                reference.Add((at, item));
            }
            handed.Clear();
            var order = new List<int>();
            while (queue.TryPeekTime(out _)) order.Add(queue.Dequeue());
            Assert.Equal(reference.Select(r => r.Item), order);
            Assert.Equal(order.Order(), handed.Order());   // every item went through the ring, and was handed over once
        }
    }

    [Property(MaxTest = 200)]
    public Property The_bucket_hook_is_handed_each_item_of_the_ring_once_before_it_is_taken() =>
        Prop.ForAll(Arb, ops =>
        {
            var queue = new EventQueue<int>();
            var handed = new System.Collections.Generic.HashSet<int>();
            var taken = new System.Collections.Generic.HashSet<int>();
            queue.BucketStarting = (items, count) =>
            {
                for (var i = 0; i < count; i++)
                {
                    Assert.True(handed.Add(items[i]), $"item {items[i]} handed twice");
                    Assert.DoesNotContain(items[i], taken);
                }
            };
            long now = 0, seq = 0;
            var ring = new System.Collections.Generic.HashSet<int>();   // added to the ring: a later bucket than the one playing, within the horizon
            void Take() { now = queue.TryPeekTime(out var t) ? t : now; taken.Add(queue.Dequeue()); }
            foreach (var op in ops)
            {
                if (op.Take) { if (queue.Count > 0) Take(); continue; }
                var at = now + op.DelayUs;
                var ahead = (at >> 7) - (now >> 7);   // buckets of 128 µs; the one playing holds the last item taken
                if (ahead >= 1 && ahead < EventQueue<int>.Horizon >> 7) ring.Add((int)seq);
                queue.Enqueue((int)seq, at, seq);
                seq++;
            }
            while (queue.Count > 0) Take();
            // Everything that went into the ring is handed over; what was added to the bucket being played is not, and what
            // lay beyond the ring is when it moves into the ring (not when it moves straight into the bucket being played).
            Assert.Subset(handed, ring);
            Assert.Subset(taken, handed);
            return true;
        });
}
