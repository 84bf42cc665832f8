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
