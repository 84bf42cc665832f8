namespace GossipPure.Core;

/// <summary>
/// Every timer a node sets, as a closed set of records carrying what the timer is about (foca's <c>Timer</c> enum is
/// the model): no string keys parsed back. Records compare by value, so the shell's timer heap and the simulator key
/// their timers by them (setting a key again replaces the timer with that key). The event log records a key as its
/// text (<see cref="ToString"/>), read back by <see cref="TryParse"/>; that text is a storage format: keep it stable.
/// </summary>
public abstract record TimerKey
{
    // ---- Peer -------------------------------------------------------------------------------------------------

    /// <summary>The registration round's wait: retry, or attach with the lists that came.</summary>
    public sealed record RegisterRetry : TimerKey;

    /// <summary>Make the next gossip message.</summary>
    public sealed record GossipRound : TimerKey;

    /// <summary>Send heartbeats to the neighbours.</summary>
    public sealed record HeartbeatRound : TimerKey;

    /// <summary>Look for neighbours silent past the heartbeat limit.</summary>
    public sealed record SilenceCheck : TimerKey;

    /// <summary>Ping the neighbours' hosts.</summary>
    public sealed record PingRound : TimerKey;

    /// <summary>Tell the seeds this peer's neighbours.</summary>
    public sealed record DegreeReport : TimerKey;

    /// <summary>The witnesses asked about <paramref name="Suspect"/> had their time.</summary>
    public sealed record Witness(NodeId Suspect) : TimerKey;

    /// <summary>The DEAD_REPORT about <paramref name="Suspect"/> is undecided: send it again.</summary>
    public sealed record Report(NodeId Suspect) : TimerKey;

    /// <summary>No MEMBER_ANSWER about <paramref name="Node"/> yet.</summary>
    public sealed record Member(NodeId Node) : TimerKey;

    // ---- Peer and seed ----------------------------------------------------------------------------------------

    /// <summary>The PROBE of <paramref name="Target"/> is unanswered: send it again, or judge the silence.</summary>
    public sealed record Probe(NodeId Target) : TimerKey;

    // ---- Seed -------------------------------------------------------------------------------------------------

    /// <summary>Look for parts of the overlay cut off from the rest.</summary>
    public sealed record OverlayCheck : TimerKey;

    /// <summary>Anti-entropy: send SEED_SYNC to the other seeds.</summary>
    public sealed record SyncRound : TimerKey;

    /// <summary>Dial <paramref name="Seed"/> again.</summary>
    public sealed record Reconnect(NodeId Seed) : TimerKey;

    /// <summary>The registration vote on <paramref name="Peer"/> had its time.</summary>
    public sealed record Proposal(NodeId Peer) : TimerKey;

    /// <summary>The removal vote on <paramref name="Suspect"/> had its time.</summary>
    public sealed record Death(NodeId Suspect) : TimerKey;

    /// <summary>Signed membership: <paramref name="Peer"/> did not answer this seed's KEY_CHALLENGE in time.</summary>
    public sealed record KeyCheck(NodeId Peer) : TimerKey;

    /// <summary>The key's text in the event log: a name, and the node it is about after a colon.</summary>
    public sealed override string ToString() => this switch
    {
        RegisterRetry => "register",
        GossipRound => "gossip",
        HeartbeatRound => "heartbeat",
        SilenceCheck => "silence",
        PingRound => "ping",
        DegreeReport => "degree",
        Witness w => $"witness:{w.Suspect}",
        Report r => $"report:{r.Suspect}",
        Member m => $"member:{m.Node}",
        Probe p => $"probe:{p.Target}",
        OverlayCheck => "overlay",
        SyncRound => "sync",
        Reconnect r => $"reconnect:{r.Seed}",
        Proposal p => $"proposal:{p.Peer}",
        Death d => $"death:{d.Suspect}",
        KeyCheck k => $"keycheck:{k.Peer}",
        _ => throw new InvalidOperationException($"timer key {GetType().Name} has no text"),
    };

    /// <summary>Reads a key back from its <see cref="ToString"/> text; false (and null) for anything else.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TimerKey? key)
    {
        key = null;
        if (text is null) return false;
        var colon = text.IndexOf(':');
        if (colon < 0)
        {
            key = text switch
            {
                "register" => new RegisterRetry(),
                "gossip" => new GossipRound(),
                "heartbeat" => new HeartbeatRound(),
                "silence" => new SilenceCheck(),
                "ping" => new PingRound(),
                "degree" => new DegreeReport(),
                "overlay" => new OverlayCheck(),
                "sync" => new SyncRound(),
                _ => null,
            };
            return key is not null;
        }
        if (!NodeId.TryParse(text[(colon + 1)..], out var node)) return false;
        key = text[..colon] switch
        {
            "witness" => new Witness(node),
            "report" => new Report(node),
            "member" => new Member(node),
            "probe" => new Probe(node),
            "reconnect" => new Reconnect(node),
            "proposal" => new Proposal(node),
            "death" => new Death(node),
            "keycheck" => new KeyCheck(node),
            _ => null,
        };
        return key is not null;
    }

    /// <summary><see cref="TryParse"/>, or a one-line <see cref="FormatException"/> naming the text.</summary>
    public static TimerKey Parse(string text) =>
        TryParse(text, out var key) ? key : throw new FormatException($"'{(text.Length <= 60 ? text : text[..60] + "…")}' is not a timer key");
}
