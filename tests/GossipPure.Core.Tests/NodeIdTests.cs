namespace GossipPure.Core.Tests;

/// <summary>NodeId is the one address type and parser: strict IPv4, IPv6 in one canonical text.</summary>
public sealed class NodeIdTests
{
    [Theory]
    [InlineData("0::1", "::1")]
    [InlineData("0:0:0:0:0:0:0:1", "::1")]
    [InlineData("::0001", "::1")]
    [InlineData("2001:DB8::5", "2001:db8::5")]
    [InlineData("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")]
    [InlineData("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1")]   // one zero group is not compressed
    [InlineData("0:0:1:0:0:0:1:0", "0:0:1::1:0")]                   // the longest run wins
    [InlineData("1:0:0:2:0:0:3:4", "1::2:0:0:3:4")]                 // the first of two equal runs wins
    [InlineData("0:0:0:0:0:0:0:0", "::")]
    [InlineData("0:0:0:0:0:ffff:a00:1", "::ffff:10.0.0.1")]
    [InlineData("::ffff:10.0.0.1", "::ffff:10.0.0.1")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    public void IPv6_spellings_of_one_address_are_one_node(string written, string canonical)
    {
        var id = new NodeId(written, 7000);
        Assert.Equal(canonical, id.Ip);
        Assert.Equal(new NodeId(canonical, 7000), id);
        Assert.Equal(new NodeId(canonical, 7000).GetHashCode(), id.GetHashCode());
        Assert.Equal(canonical.Contains(':') ? $"[{canonical}]:7000" : $"{canonical}:7000", id.ToString());
    }

    [Fact]
    public void A_canonical_IP_is_kept_without_a_copy()
    {
        var ip = "2001:db8::5";
        Assert.Same(ip, new NodeId(ip, 1).Ip);
        Assert.Same(ip, (new NodeId("::1", 1) with { Ip = ip }).Ip);
        Assert.Equal("::1", (new NodeId("::2", 1) with { Ip = "0::1" }).Ip);
    }

    [Fact]
    public void Parsed_and_constructed_addresses_agree()
    {
        Assert.True(NodeId.TryParse("[0::1]:7000", out var a));
        Assert.True(NodeId.TryParse("::1:7000", out var b));
        Assert.Equal(new NodeId("::1", 7000), a);
        Assert.Equal(a, b);
        Assert.Equal(0, a.CompareTo(b));
    }

    [Theory]
    [InlineData(":::")]
    [InlineData("1::2::3")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("01.2.3.4")]
    [InlineData("1.2.3.04")]
    [InlineData("1.2.3.256")]
    [InlineData("1.2.3.-1")]
    [InlineData("localhost")]
    [InlineData("")]
    [InlineData("fe80::1%eth0")]
    [InlineData("::ffff:1.2.3")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("12345::1")]
    public void Not_an_IP(string ip)
    {
        Assert.False(NodeId.IsIp(ip));
        Assert.False(NodeId.TryParse($"{ip}:80", out _));
        Assert.False(NodeId.TryParse($"[{ip}]:80", out _));
    }

    [Theory]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:+1")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1")]
    [InlineData(":80")]
    public void Not_an_address(string text) => Assert.False(NodeId.TryParse(text, out _));
}
