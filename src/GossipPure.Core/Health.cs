namespace GossipPure.Core;

/// <summary>
/// Local health, after Lifeguard's local health multiplier (memberlist's awareness.go): how late this node itself is.
/// A node that is starved of CPU sees its timers fire late and its inputs wait; if it judged others by its own clock
/// it would take its own slowness for their death. So it keeps a score from 0 (on time) to
/// <see cref="ProtocolOptions.HealthMax"/>: every window it judges others by (probe and witness waits, the seeds'
/// "no answer") is stretched ×(1 + score), and while the score is above 0 it accuses nobody on silence or a timeout
/// alone — it does not even judge silence then (a refused connection or a broken stream still counts: the kernel
/// said so, not a late clock).
/// <para>
/// Rules of this file (the whole score lives here): lateness is measured, never guessed. The core keeps the due time of
/// every timer it sets; a <see cref="TimerFired"/> that comes later than due by more than
/// <see cref="ProtocolOptions.HealthLateMs"/> raises the score to at least lateness / HealthLateMs (at most
/// HealthMax) — the worst recent lateness holds, so the many timers a stall held firing together count once. The
/// shell may add a <see cref="HealthSample"/> (timer lateness on its own clock, age of the oldest queued input): the
/// same rule. A measure that says less than the score (a timely timer, a smaller lateness) lowers it by one, at most
/// once per <see cref="ProtocolOptions.HealthDecayMs"/>; one that says as much holds it. Each change writes one line.
/// </para>
/// </summary>
/// <param name="Score">0 = on time; the windows are stretched ×(1 + Score).</param>
/// <param name="ChangedUs">When the score last changed (the decay counts from there).</param>
/// <param name="DueUs">The due time of every timer this node has set and not yet seen fire or cancelled.</param>
public sealed record Health(int Score, long ChangedUs, HashMap<TimerKey, long> DueUs)
{
    public static readonly Health Zero = new(0, 0, HashMap<TimerKey, long>());

    /// <summary>True while this node is itself late: it does not accuse on silence or timeouts.</summary>
    public bool IsLate => Score > 0;

    /// <summary>The stretch of every judging window: 1 + score.</summary>
    public int Factor => 1 + Score;

    /// <summary>A base window (ms) stretched by this node's own lateness.</summary>
    public long Stretch(long ms) => ms * Factor;

    /// <summary>
    /// Before an input is handled: reads its lateness (a timer's due time, or a sample), moves the score, logs a change.
    /// A fired timer's due time is forgotten here; the handler sets it again if it re-arms.
    /// </summary>
    public Health Observe(Input input, ProtocolOptions o, EffectList fx) => Observe(this, input, o, fx);

    // The reducers call the static forms of Observe and Track: they read the record only when the input or the effects
    // concern it. A frame received (nearly every step) then leaves it unread, and at a hundred thousand nodes every
    // record first read in a step is a cache miss (a call on the record reads it, if only to check it is there).

    /// <inheritdoc cref="Observe(Input, ProtocolOptions, EffectList)"/>
    public static Health Observe(Health h, Input input, ProtocolOptions o, EffectList fx)
    {
        long lateMs;
        switch (input)
        {
            case TimerFired t when h.DueUs.Find(t.Key).Case is long due:
                lateMs = Math.Max(0, (t.NowUs - due) / 1000);
                h = h with { DueUs = h.DueUs.Remove(t.Key) };
                break;
            case HealthSample sample:
                lateMs = Math.Max(Math.Max(0, sample.TimerLateMs), Math.Max(0, sample.InboxAgeMs));
                break;
            default:
                return h;
        }
        var unit = Math.Max(1, o.HealthLateMs);
        // What this one measure says the score should be: its lateness in units (0 when on time).
        var target = lateMs > unit ? (int)Math.Min(o.HealthMax, lateMs / unit) : 0;
        if (target > h.Score)
        {
            fx.Add(input is HealthSample hs ? new HealthWorse(target, o.HealthMax, lateMs, null, hs.TimerLateMs, hs.InboxAgeMs) : new HealthWorse(target, o.HealthMax, lateMs, (input as TimerFired)?.Key, 0, 0));
            return h with { Score = target, ChangedUs = input.NowUs };
        }
        if (target == h.Score && target > 0) return h with { ChangedUs = input.NowUs };   // as late as ever: the decay waits
        // Less late than the score says (or on time): down one step, at most once per HealthDecayMs.
        if (h.Score == 0 || input.NowUs - h.ChangedUs < o.HealthDecayMs * 1000) return h;
        var score = h.Score - 1;
        fx.Add(new HealthBetter(score, o.HealthMax, o.HealthDecayMs));
        return h with { Score = score, ChangedUs = input.NowUs };
    }

    /// <summary>After the step: remembers when each timer it set is due, forgets the cancelled ones.</summary>
    public Health Track(long nowUs, Seq<Effect> effects) => Track(nowUs, effects.ToArray());

    /// <inheritdoc cref="Track(long, Seq{Effect})"/>
    public Health Track(long nowUs, ReadOnlySpan<Effect> effects) => Track(this, nowUs, effects);

    /// <inheritdoc cref="Track(long, Seq{Effect})"/>
    public static Health Track(Health h, long nowUs, ReadOnlySpan<Effect> effects)
    {
        var first = 0;
        while (first < effects.Length && effects[first] is not (SetTimer or CancelTimer)) first++;
        if (first == effects.Length) return h;   // no timer set or cancelled: the record stays unread
        var due = h.DueUs;
        var changed = false;
        foreach (var e in effects[first..])
        {
            if (e is SetTimer t) { due = due.AddOrUpdate(t.Key, nowUs + Math.Max(0, t.DelayMs) * 1000); changed = true; }
            else if (e is CancelTimer c && due.ContainsKey(c.Key)) { due = due.Remove(c.Key); changed = true; }
        }
        return changed ? h with { DueUs = due } : h;
    }
}

/// <summary>
/// How much a failed connection says. A refusal, a reset or a close by the other end is the other end's kernel
/// speaking: strong evidence, which counts even from a node that is itself late. A connection that timed out, found
/// no route, or was dropped because the other end did not read what it was sent (outbox full) or stalled mid-frame is
/// what a slow or overloaded node looks like too: weak evidence, like silence.
/// </summary>
public static class ConnectionEvidence
{
    static readonly string[] WeakSigns = ["timed out", "no answer within", "outbox full", "unreachable", "not completed within", "stalled"];

    public static bool IsWeak(string reason)
    {
        foreach (var sign in WeakSigns)
            if (reason.Contains(sign, StringComparison.Ordinal)) return true;
        return false;
    }
}
