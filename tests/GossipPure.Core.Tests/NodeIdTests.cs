using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

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

    /// <summary>
    /// Texts that pack (short, ASCII) and texts that do not (long, empty, other characters), from a small alphabet so
    /// that prefixes and equal texts come up often: IPv4-like digits and dots, and characters on either side of ASCII.
    /// </summary>
    static readonly Gen<string> IpText = Gen.Frequency(
        (4, Gen.Elements('1', '2', '9', '0', '.').ListOf().Select(cs => new string([.. cs]))),
        (1, Gen.Elements('1', '.', 'a', '\u007f', '\u0080', '\u00e9', 'Z').ListOf().Select(cs => new string([.. cs]))),
        (1, Gen.Elements("1.2.3.4", "10.0.0.10", "10.0.0.1", "255.255.255.255", "255.255.255.25", "1.2.3.4.5.6.7.8.9", "a")));

    /// <summary>
    /// Comparison and equality read the IP's packed words instead of its text when both pack: the answer is always the
    /// text's ordinal order (then the port), packed or not, and equal addresses are equal with equal hash codes.
    /// </summary>
    [Property(MaxTest = 2000)]
    public Property Packed_comparison_is_the_texts_ordinal_order() =>
        Prop.ForAll(Arb.From(Gen.Zip(Gen.Zip(IpText, IpText), Gen.Zip(Gen.Choose(1, 3), Gen.Choose(1, 3)))), t =>
        {
            var ((ipA, ipB), (portA, portB)) = t;
            var (a, b) = (new NodeId(ipA, portA), new NodeId(ipB, portB));
            var byText = string.CompareOrdinal(a.Ip, b.Ip) is var c && c != 0 ? c : portA.CompareTo(portB);
            var equal = a.Ip == b.Ip && portA == portB;
            return Math.Sign(a.CompareTo(b)) == Math.Sign(byText) && Math.Sign(b.CompareTo(a)) == -Math.Sign(byText)
                && a.Equals(b) == equal && (!equal || a.GetHashCode() == b.GetHashCode())
                && (a with { Port = portB }).CompareTo(b) == (a with { Ip = ipA, Port = portB }).CompareTo(b);
        });

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
