namespace GossipPure.Core.Tests;

public sealed class SeedListTests
{
    static string Error(string text) =>
        SeedList.Parse(text).Match(Left: e => e, Right: s => throw new Xunit.Sdk.XunitException($"expected an error, got {s.Count} seeds"));

    static NodeId[] Seeds(string text) =>
        SeedList.Parse(text).Match(Left: e => throw new Xunit.Sdk.XunitException($"expected seeds, got: {e}"), Right: s => s.ToArray());

    [Fact]
    public void Good_file_gives_the_seeds_in_file_order()
    {
        Assert.Equal(
            [new NodeId("127.0.0.1", 5001), new NodeId("10.0.0.2", 6000), new NodeId("::1", 7000)],
            Seeds("127.0.0.1,5001\n10.0.0.2, 6000\n::1,7000\n"));
    }

    [Fact]
    public void Blank_lines_comments_CRLF_and_spaces_are_skipped()
    {
        Assert.Equal(
            [new NodeId("127.0.0.1", 5001), new NodeId("127.0.0.1", 5002)],
            Seeds("\r\n# the seeds\r\n  127.0.0.1 , 5001  \r\n\r\n   \r\n127.0.0.1,5002\r\n\r\n"));
    }

    [Fact]
    public void Bad_line_error_names_the_line_number()
    {
        var e = Error("127.0.0.1,5001\n\n127.0.0.1;5002\n");
        Assert.StartsWith("config.csv line 3:", e, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1;5002", e, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_names_the_source_given()
    {
        Assert.StartsWith("seeds.csv line 1:", SeedList.Parse("x", "seeds.csv").Match(Left: e => e, Right: _ => ""), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("300.0.0.1,5001", "'300.0.0.1' is not an IP address")]
    [InlineData("127.0.0,5001", "'127.0.0' is not an IP address")]
    [InlineData("localhost,5001", "'localhost' is not an IP address")]
    [InlineData(":::,5001", "':::' is not an IP address")]
    [InlineData("1.2.3,5001", "'1.2.3' is not an IP address")]
    [InlineData("010.0.0.1,5001", "'010.0.0.1' is not an IP address")]
    [InlineData("1::2::3,5001", "'1::2::3' is not an IP address")]
    [InlineData("127.0.0.1,5001,7", "is not of the form IP,Port")]
    public void Malformed_addresses_are_rejected(string line, string why)
    {
        var e = Error("127.0.0.1,4000\n" + line);
        Assert.StartsWith("config.csv line 2:", e, StringComparison.Ordinal);
        Assert.Contains(why, e, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_spellings_of_one_IPv6_address_are_one_seed()
    {
        Assert.Equal([new NodeId("::1", 7000)], Seeds("0::1,7000"));
        Assert.Equal("config.csv line 2: seed [::1]:7000 is listed twice", Error("::1,7000\n0:0:0:0:0:0:0:1,7000\n"));
    }

    [Fact]
    public void Duplicate_seed_is_rejected_on_its_second_line()
    {
        var e = Error("127.0.0.1,5001\n127.0.0.1,5002\n127.0.0.1, 5001\n");
        Assert.Equal("config.csv line 3: seed 127.0.0.1:5001 is listed twice", e);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("99999999999")]
    [InlineData("50a")]
    [InlineData("")]
    public void Port_out_of_range_is_rejected(string port)
    {
        var e = Error($"127.0.0.1,{port}");
        Assert.Equal($"config.csv line 1: '{port}' is not a port (1-65535)", e);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("65535")]
    public void Port_bounds_are_accepted(string port)
    {
        Assert.Equal([new NodeId("127.0.0.1", int.Parse(port, System.Globalization.CultureInfo.InvariantCulture))], Seeds($"127.0.0.1,{port}"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n# only a comment\n")]
    public void File_without_seeds_is_an_error(string text)
    {
        Assert.Equal("config.csv lists no seeds", Error(text));
    }
}
