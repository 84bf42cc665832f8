using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using GossipPure.Core;
using GossipPure.Core.Identity;
using GossipPure.Shell.Security;
using NSec.Cryptography;

namespace GossipPure.Benchmarks;

/// <summary>
/// The cost of one signature and one check on a GOSSIP statement (64 bytes), with the Ed25519 we use (NSec/libsodium,
/// through our <see cref="Ed25519Signer"/> and <see cref="Ed25519Scheme"/>, base64 included) against ECDSA P-256 with
/// SHA-256 (System.Security.Cryptography, raw bytes). <c>Verify</c> is measured on a miss of the scheme's cache (the
/// statements rotate through more than the cache holds, so every check is a real one), on a hit (a certificate that
/// arrives again), and as libsodium's bare call.
/// Run: dotnet run -c Release --project tests/GossipPure.Benchmarks -- --filter '*Signature*' --job short
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SignatureBenchmarks
{
    static readonly NodeId Origin = new("127.0.0.1", 6001);
    // More distinct statements than the scheme's cache keeps (65,536), taken in turn: every check misses it.
    const int Distinct = 70_000;

    Ed25519Signer ed = null!;
    ECDsa ecdsa = null!;
    byte[] statement = [];
    string edSig = "";
    byte[] edSigRaw = [];
    PublicKey edPublic = null!;
    byte[] ecSig = [];
    byte[][] statements = [];
    string[] sigs = [];
    int next;

    [GlobalSetup]
    public void Setup()
    {
        ed = Ed25519Signer.Create();
        ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        statement = Statements.Gossip(Origin, "1795635730.511801:127.0.0.1:7");
        edSig = ed.Sign(statement);
        edSigRaw = Convert.FromBase64String(edSig);
        edPublic = PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromBase64String(ed.PublicKey), KeyBlobFormat.RawPublicKey);
        ecSig = ecdsa.SignData(statement, HashAlgorithmName.SHA256);
        statements = Enumerable.Range(0, Distinct).Select(i => Statements.Gossip(Origin, $"1795635730.511801:127.0.0.1:{i}")).ToArray();
        sigs = statements.Select(s => ed.Sign(s)).ToArray();
        Ed25519Scheme.Instance.Verify(ed.PublicKey, statement, edSig);   // the cached case's entry
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ed.Dispose();
        ecdsa.Dispose();
    }

    [Benchmark(Baseline = true)]
    public string Ed25519_Sign() => ed.Sign(statement);

    [Benchmark]
    public bool Ed25519_Verify()
    {
        var i = next++ % Distinct;
        if (next == Distinct) next = 0;
        return Ed25519Scheme.Instance.Verify(ed.PublicKey, statements[i], sigs[i]);
    }

    [Benchmark]
    public bool Ed25519_Verify_cached() => Ed25519Scheme.Instance.Verify(ed.PublicKey, statement, edSig);

    [Benchmark]
    public bool Ed25519_Verify_libsodium() => SignatureAlgorithm.Ed25519.Verify(edPublic, statement, edSigRaw);

    [Benchmark]
    public byte[] EcdsaP256_Sign() => ecdsa.SignData(statement, HashAlgorithmName.SHA256);

    [Benchmark]
    public bool EcdsaP256_Verify() => ecdsa.VerifyData(statement, ecSig, HashAlgorithmName.SHA256);
}
