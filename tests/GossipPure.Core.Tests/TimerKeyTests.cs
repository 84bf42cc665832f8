namespace GossipPure.Core.Tests;

/// <summary>Timer keys are records: equal by value, and their text in the event log reads back to the same key.</summary>
public sealed class TimerKeyTests
{
    static readonly NodeId N = new("10.1.2.3", 6001);
    static readonly NodeId V6 = new("::1", 6002);

    public static TheoryData<TimerKey, string> Keys() => new()
    {
        { new TimerKey.RegisterRetry(), "register" }, { new TimerKey.GossipRound(), "gossip" },
        { new TimerKey.HeartbeatRound(), "heartbeat" }, { new TimerKey.SilenceCheck(), "silence" },
        { new TimerKey.PingRound(), "ping" }, { new TimerKey.DegreeReport(), "degree" },
        { new TimerKey.Witness(N), "witness:10.1.2.3:6001" }, { new TimerKey.Report(N), "report:10.1.2.3:6001" },
        { new TimerKey.Member(N), "member:10.1.2.3:6001" }, { new TimerKey.Probe(V6), "probe:[::1]:6002" },
        { new TimerKey.OverlayCheck(), "overlay" }, { new TimerKey.SyncRound(), "sync" },
        { new TimerKey.Reconnect(N), "reconnect:10.1.2.3:6001" }, { new TimerKey.Proposal(N), "proposal:10.1.2.3:6001" },
        { new TimerKey.Death(N), "death:10.1.2.3:6001" },
        { new TimerKey.KeyCheck(N), "keycheck:10.1.2.3:6001" },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void A_key_has_a_stable_text_that_reads_back_to_an_equal_key(TimerKey key, string text)
    {
        Assert.Equal(text, key.ToString());
        Assert.True(TimerKey.TryParse(text, out var read));
        Assert.Equal(key, read);
        Assert.Equal(key.GetHashCode(), read.GetHashCode());
    }

    [Fact]
    public void Every_kind_of_key_has_a_text()
    {
        var kinds = typeof(TimerKey).GetNestedTypes().Where(t => t.IsSubclassOf(typeof(TimerKey))).Select(t => t.Name).OrderBy(n => n);
        var covered = Keys().Select(row => row[0].GetType().Name).OrderBy(n => n);
        Assert.Equal(kinds, covered);
    }

    [Theory]
    [InlineData("")]
    [InlineData("probe")]
    [InlineData("probe:")]
    [InlineData("probe:not an address")]
    [InlineData("gossip:10.1.2.3:6001")]
    [InlineData("Gossip")]
    [InlineData("ghost:10.1.2.3:6001")]
    public void Anything_else_is_not_a_key(string text)
    {
        Assert.False(TimerKey.TryParse(text, out _));
        var e = Assert.Throws<FormatException>(() => TimerKey.Parse(text));
        Assert.DoesNotContain('\n', e.Message);
    }
}
