using GossipPure.Core;
using GossipPure.Core.Identity;
using GossipPure.Shell.Security;
using Xunit;

namespace GossipPure.Shell.Tests;

public class Ed25519Tests
{
    static readonly NodeId P1 = new("127.0.0.1", 6001);

    [Fact]
    public void A_signature_verifies_only_for_its_key_and_statement_and_is_the_same_every_time()
    {
        using var a = Ed25519Signer.Create();
        using var b = Ed25519Signer.Create();
        var statement = Statements.Gossip(P1, "1795635730.511801:127.0.0.1:1");
        var sig = a.Sign(statement);
        Assert.Equal(88, sig.Length);
        Assert.Equal(44, a.PublicKey.Length);
        Assert.Equal(sig, a.Sign(statement));   // deterministic: replay gives the same bytes
        var scheme = Ed25519Scheme.Instance;
        Assert.True(scheme.Verify(a.PublicKey, statement, sig));
        Assert.True(scheme.Verify(a.PublicKey, statement, sig));   // from the cache
        Assert.False(scheme.Verify(b.PublicKey, statement, sig));
        Assert.False(scheme.Verify(a.PublicKey, Statements.Gossip(P1, "1795635730.511801:127.0.0.1:2"), sig));
        Assert.False(scheme.Verify(a.PublicKey, statement, b.Sign(statement)));
        Assert.False(scheme.Verify("not a key", statement, sig));
        Assert.False(scheme.Verify(a.PublicKey, statement, "not a signature"));
        Assert.False(scheme.Verify(a.PublicKey, statement, ""));
    }

    [Fact]
    public void A_private_key_exported_and_imported_signs_alike()
    {
        using var a = Ed25519Signer.Create();
        using var again = Ed25519Signer.FromPrivate(a.ExportPrivate());
        Assert.NotNull(again);
        Assert.Equal(a.PublicKey, again!.PublicKey);
        var statement = Statements.Join(P1, a.PublicKey, 7);
        Assert.Equal(a.Sign(statement), again.Sign(statement));
        Assert.Null(Ed25519Signer.FromPrivate(new byte[5]));
    }
}
