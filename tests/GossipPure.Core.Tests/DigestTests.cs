using System.Security.Cryptography;
using System.Text;
using GossipPure.Core.Peers;
using Xunit;

namespace GossipPure.Core.Tests;

public class DigestTests
{
    static string Reference(NodeId origin, string body) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{origin}|{body}")));

    [Theory]
    [InlineData("127.0.0.1", 6001, "1764108000.000001:127.0.0.1:1")]
    [InlineData("::1", 6002, "1764108000.000001:::1:2")]
    [InlineData("10.0.0.7", 65535, "")]
    [InlineData("127.0.0.1", 1, "ünïcödé body ✓ with a long tail ....................................................................")]
    public void Digest_is_the_sha256_of_origin_bar_body(string ip, int port, string body)
    {
        var origin = new NodeId(ip, port);
        Assert.Equal(Reference(origin, body), Digest.Of(origin, body).ToString());
    }

    [Fact]
    public void A_body_longer_than_the_stack_buffer_hashes_the_same()
    {
        var origin = new NodeId("127.0.0.1", 6001);
        var body = new string('x', 5000);
        Assert.Equal(Reference(origin, body), Digest.Of(origin, body).ToString());
    }

    [Fact]
    public void A_message_changed_with_with_gets_its_own_digest()
    {
        var g = new Gossip(new NodeId("127.0.0.1", 6001), "a");
        var first = g.Digest;
        var h = g with { Body = "b" };
        Assert.Equal(first, g.Digest);
        Assert.NotEqual(first, h.Digest);
        Assert.Equal(Digest.Of(h.Origin, "b"), h.Digest);
        Assert.Equal(new Gossip(g.Origin, "a"), g);   // equality is origin and body, not the memo
        Assert.Equal(new Gossip(g.Origin, "a").GetHashCode(), g.GetHashCode());
    }
}

public class SeenSetTests
{
    static readonly Peers.Digest D1 = Peers.Digest.Of(new NodeId("127.0.0.1", 1), "1:a:1");
    static readonly Peers.Digest D2 = Peers.Digest.Of(new NodeId("127.0.0.1", 1), "1:a:2");

    [Fact]
    public void A_digest_is_kept_more_than_one_period_and_forgotten_within_two()
    {
        const long P = 1000;
        var s = Peers.SeenSet.Empty.Expire(0, P).Add(D1);
        s = s.Expire(999, P);
        Assert.True(s.Contains(D1));
        s = s.Expire(1000, P).Add(D2);          // rotated: D1 is in the previous generation
        Assert.True(s.Contains(D1) && s.Contains(D2));
        s = s.Expire(1999, P);
        Assert.True(s.Contains(D1));
        s = s.Expire(2000, P);                  // rotated again: D1 is gone, D2 (added at 1000) stays
        Assert.False(s.Contains(D1));
        Assert.True(s.Contains(D2));
        Assert.Equal(1, s.Count);
        s = s.Expire(10_000, P);                // a long silence forgets everything
        Assert.Equal(0, s.Count);
    }

    [Theory]
    [InlineData("1700000000.123456:127.0.0.1:1", 1_700_000_000_123_456L)]
    [InlineData("1700000000.5:10.0.0.1:3", 1_700_000_000_500_000L)]
    [InlineData("12:x", 12_000_000L)]
    public void Timestamps_are_read_from_the_body(string body, long us)
    {
        Assert.True(Peers.PeerReducer.TryParseTimestamp(body, out var got));
        Assert.Equal(us, got);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello")]
    [InlineData(":127.0.0.1:1")]
    [InlineData("12.:x")]
    [InlineData("1.1234567:x")]
    [InlineData("-5.0:x")]
    [InlineData("1e9:x")]
    [InlineData("9999999999999:x")]
    public void A_body_without_a_timestamp_is_refused(string body) =>
        Assert.False(Peers.PeerReducer.TryParseTimestamp(body, out _));
}
