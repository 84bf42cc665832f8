namespace GossipPure.Core.Detection;

/// <summary>A PROBE this node sent and is waiting on, with whoever waits for its outcome.</summary>
public sealed record PendingProbe<TWaiter>(long Nonce, long StartedUs, Seq<TWaiter> Waiting, int AttemptsLeft = 0);

/// <summary>Probing, shared by peers (witnesses) and seeds (before they vote).</summary>
public static class Probing
{
    public static TimerKey Timer(NodeId target) => new TimerKey.Probe(target);

    /// <summary>
    /// Starts a probe of <paramref name="target"/> (<paramref name="attempts"/> PROBEs within the probe timeout in all),
    /// or joins the one under way.
    /// </summary>
    public static HashMap<NodeId, PendingProbe<T>> Start<T>(
        HashMap<NodeId, PendingProbe<T>> table, NodeId target, T waiter, long nonce, long nowUs, ProtocolOptions o, EffectList fx, int attempts = 1, long? timeoutMs = null) =>
        table.Find(target).Match(
            p => table.SetItem(target, p with { Waiting = p.Waiting.Add(waiter) }),
            () =>
            {
                fx.Send(target, new Probe(nonce));
                fx.Timer(Timer(target), AttemptMs(timeoutMs ?? o.ProbeTimeoutMs, attempts));
                return table.Add(target, new PendingProbe<T>(nonce, nowUs, Seq1(waiter), attempts - 1));
            });

    static long AttemptMs(long timeoutMs, int attempts) => Math.Max(1, timeoutMs / Math.Max(1, attempts));

    /// <summary>
    /// The probe timer fired: with attempts left, the PROBE goes again (same nonce, so a late answer to any still
    /// counts) and the probe stays pending; without, None — the silence is the verdict.
    /// </summary>
    public static Option<HashMap<NodeId, PendingProbe<T>>> Retry<T>(
        HashMap<NodeId, PendingProbe<T>> table, NodeId target, int attempts, ProtocolOptions o, EffectList fx) =>
        table.Find(target).Filter(p => p.AttemptsLeft > 0).Map(p =>
        {
            fx.Send(target, new Probe(p.Nonce));
            fx.Timer(Timer(target), AttemptMs(o.ProbeTimeoutMs, attempts));
            return table.SetItem(target, p with { AttemptsLeft = p.AttemptsLeft - 1 });
        });

    public static string Elapsed(long fromUs, long toUs) =>
        $"{(toUs - fromUs) / 1000.0:0.###}ms";
}
