using System.Threading.Channels;

namespace GossipPure.Cli.Bench;

/// <summary>Dissemination as both benches measure it: made → first receipt at the last other live peer.</summary>
static class Dissemination
{
    /// <summary>
    /// Takes the next <paramref name="count"/> messages made by live peers (from now on) and waits, for each, for its
    /// first receipt at every other live peer; returns made → last receipt for each, in ms. <paramref name="bounded"/>
    /// is the bench's own wait (its bound, and whatever else ends a wait there); a message that misses a peer names it.
    /// </summary>
    public static async Task<List<double>> Measure<TNode>(
        IReadOnlyList<TNode> peers, ChannelReader<(TNode Origin, DateTime At, string Body)> made, int count, TimeSpan bound,
        Func<Task<double[]>, string, CancellationToken, Task<double[]>> bounded, CancellationToken ct)
        where TNode : class, IBenchNode
    {
        var live = peers.Where(p => p.Alive).ToList();
        while (made.TryRead(out _)) { }
        var measuring = new List<Task<double>>();
        var bodies = new List<(string Body, List<TNode> To)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        stop.CancelAfter(bound);
        try
        {
            while (measuring.Count < count)
            {
                var (origin, at, body) = await made.ReadAsync(stop.Token);
                if (!origin.Alive) continue;
                var to = live.Where(p => p != origin && p.Alive).ToList();
                bodies.Add((body, to));
                measuring.Add(Delivered(to, at, body));
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no {count} messages made within {bound.TotalSeconds:0}s");
        }
        try { return (await bounded(Task.WhenAll(measuring), "delivery of every message to every live peer", ct)).ToList(); }
        catch (TimeoutException)
        {
            // Name the peers that missed a message: they are where to look.
            var (body, to) = bodies.First(b => b.To.Any(p => !p.Log.Receipt(b.Body).IsCompleted));
            var missed = to.Where(p => !p.Log.Receipt(body).IsCompleted).Select(p => p.Port).ToList();
            foreach (var p in live) p.Log.ForgetReceiptWaiters();
            throw new TimeoutException($"'{body}' reached only {to.Count - missed.Count} of {to.Count} peers within {bound.TotalSeconds:0}s " +
                $"(missing at {string.Join(", ", missed.Take(10))}{(missed.Count > 10 ? ", …" : "")})");
        }

        static async Task<double> Delivered(IEnumerable<TNode> at, DateTime madeAt, string body)
        {
            var receipts = await Task.WhenAll(at.Select(p => p.Log.Receipt(body)));
            return receipts.Length == 0 ? 0 : (receipts.Max() - madeAt).TotalMilliseconds;
        }
    }
}
