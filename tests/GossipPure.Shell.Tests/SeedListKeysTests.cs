using GossipPure.Shell.Security;
using LanguageExt;

namespace GossipPure.Shell.Tests;

/// <summary>config.csv's optional third column: the seed's public key (base64 Ed25519), for every seed or for none.</summary>
public sealed class SeedListKeysTests
{
    static readonly string KeyA = NewKey();
    static readonly string KeyB = NewKey();

    static string NewKey()
    {
        using var s = Ed25519Signer.Create();
        return s.PublicKey;
    }

    static (Seq<NodeId> Seeds, HashMap<NodeId, string> Keys) Parsed(string text) =>
        SeedList.ParseKeyed(text, Ed25519Scheme.IsPublicKey).Match(Left: e => throw new Xunit.Sdk.XunitException($"expected seeds, got: {e}"), Right: r => r);

    static string Error(string text) =>
        SeedList.ParseKeyed(text, Ed25519Scheme.IsPublicKey).Match(Left: e => e, Right: r => throw new Xunit.Sdk.XunitException($"expected an error, got {r.Seeds.Count} seeds"));

    [Fact]
    public void Every_seed_with_its_key_gives_the_seeds_in_order_and_their_keys()
    {
        var (seeds, keys) = Parsed($"# seeds\n127.0.0.1,5001,{KeyA}\r\n127.0.0.1, 5002 , {KeyB} \n");
        Assert.Equal([new NodeId("127.0.0.1", 5001), new NodeId("127.0.0.1", 5002)], seeds.ToArray());
        Assert.Equal(HashMap((new NodeId("127.0.0.1", 5001), KeyA), (new NodeId("127.0.0.1", 5002), KeyB)), keys);
    }

    [Fact]
    public void Two_columns_give_no_keys_as_before()
    {
        var (seeds, keys) = Parsed("127.0.0.1,5001\n127.0.0.1,5002\n");
        Assert.Equal(2, seeds.Count);
        Assert.True(keys.IsEmpty);
    }

    [Theory]
    [InlineData("not-a-key")]
    [InlineData("AAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void A_bad_key_is_one_line_with_its_line_number(string key)
    {
        var e = Error($"127.0.0.1,5001,{KeyA}\n\n127.0.0.1,5002,{key}\n");
        Assert.Equal($"config.csv line 3: '{key}' is not a public key (base64 Ed25519, as `gossip keygen` prints it)", e);
    }

    [Fact]
    public void Seeds_with_and_without_keys_are_refused_on_the_first_line_that_differs()
    {
        Assert.Equal(
            "config.csv line 2: seed 127.0.0.1:5002 has no key but the seed on line 1 has one; give every seed its public key (signed membership) or none (unauthenticated)",
            Error($"127.0.0.1,5001,{KeyA}\n127.0.0.1,5002\n"));
        Assert.Equal(
            "config.csv line 3: seed 127.0.0.1:5002 has a key but the seed on line 2 has none; give every seed its public key (signed membership) or none (unauthenticated)",
            Error($"# no key first\n127.0.0.1,5001\n127.0.0.1,5002,{KeyB}\n"));
    }

    [Fact]
    public void Four_columns_or_the_plain_parser_given_a_key_are_refused()
    {
        Assert.StartsWith("config.csv line 1: '127.0.0.1,5001,a,b' is not of the form IP,Port[,PublicKey]", Error("127.0.0.1,5001,a,b"));
        // SeedList.Parse (no key check) keeps the two-column rule.
        Assert.StartsWith("config.csv line 1:", SeedList.Parse($"127.0.0.1,5001,{KeyA}").Match(Left: e => e, Right: _ => ""));
    }
}
