using System.Security.Cryptography;
using GossipPure.Shell.Security;

namespace GossipPure.Shell.Tests;

/// <summary>The key file, the handshake and the frame cipher, without sockets.</summary>
public sealed class ClusterKeyTests
{
    static readonly byte[] SecretA = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    static readonly byte[] SecretB = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
    static readonly ClusterKey A = new(SecretA);
    static readonly ClusterKey B = new(SecretB);

    static string Line(ClusterKey k) => Convert.ToBase64String(k == A ? SecretA : SecretB);

    /// <summary>Runs a whole handshake in memory; returns both sides' ciphers (dialler send/receive, acceptor send/receive).</summary>
    static (FrameCipher DSend, FrameCipher DReceive, FrameCipher ASend, FrameCipher AReceive, byte[][] Wire) Handshake(ClusterKey dialler, KeySet acceptor)
    {
        var nd = Security.Handshake.NewNonce();
        var k1 = Security.Handshake.ClientHello(dialler, nd);
        Assert.True(Security.Handshake.TryReadClientHello(k1[4..], out var id, out var gotNd, out var error), error);
        var key = acceptor.Find(id) ?? throw new InvalidOperationException("unknown key");
        var na = Security.Handshake.NewNonce();
        var k2 = Security.Handshake.ServerHello(key, gotNd, na);
        Assert.True(Security.Handshake.TryReadServerHello(k2[4..], dialler, nd, out var gotNa, out error), error);
        var k3 = Security.Handshake.ClientFinish(dialler, nd, gotNa);
        Assert.True(Security.Handshake.TryReadClientFinish(k3[4..], key, gotNd, na, out error), error);
        var (ds, dr) = Security.Handshake.Session(dialler, nd, gotNa, dialler: true);
        var (as_, ar) = Security.Handshake.Session(key, gotNd, na, dialler: false);
        return (ds, dr, as_, ar, [k1, k2, k3]);
    }

    static Message Open(FrameCipher opener, byte[] sealedFrame)
    {
        var r = Framing.ReadAsync(new MemoryStream(sealedFrame), new byte[4], new FrameReadOptions { Opener = opener }, CancellationToken.None);
        Assert.True(r.IsCompleted);
        Assert.Null(r.Result.Error);
        return r.Result.Message!;
    }

    static string? OpenError(FrameCipher opener, byte[] sealedFrame)
    {
        var r = Framing.ReadAsync(new MemoryStream(sealedFrame), new byte[4], new FrameReadOptions { Opener = opener }, CancellationToken.None);
        Assert.True(r.IsCompleted);
        return r.Result.Error;
    }

    [Fact]
    public void A_key_file_has_a_primary_first_then_the_other_accepted_keys()
    {
        var text = $"# rotation: B is new\n{Line(B)}\n\n  {Line(A)}  \r\n{Line(B)}\n";
        Assert.True(KeySet.TryParse(text, "keys.txt", out var set, out var error), error);
        Assert.Equal(B.Fingerprint, set!.Primary.Fingerprint);
        Assert.Equal([B.Fingerprint, A.Fingerprint], set.Keys.Select(k => k.Fingerprint));
        Assert.Equal($"2 keys, primary {B.Fingerprint}", set.Describe());
        Assert.Matches("^[0-9a-f]{16}$", A.Fingerprint);
        Assert.NotNull(set.Find(A.Id));
    }

    [Theory]
    [InlineData("", "keys.txt: no key in the file (expected one base64 32-byte key a line)")]
    [InlineData("# only a comment\n", "keys.txt: no key in the file (expected one base64 32-byte key a line)")]
    [InlineData("not base64!\n", "keys.txt line 1: not base64 (expected one base64 32-byte key a line)")]
    [InlineData("\nAAAAAAAAAAAAAAAAAAAAAA==\n", "keys.txt line 2: the key is 16 bytes; a cluster key is 32 bytes (e.g. `head -c 32 /dev/urandom | base64`)")]
    public void A_bad_key_file_is_one_line_naming_the_line(string text, string expected)
    {
        Assert.False(KeySet.TryParse(text, "keys.txt", out var set, out var error));
        Assert.Null(set);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void More_than_sixteen_keys_is_refused()
    {
        var text = string.Join('\n', Enumerable.Range(0, 17).Select(_ => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
        Assert.False(KeySet.TryParse(text, "k", out _, out var error));
        Assert.Equal("k: more than 16 keys", error);
    }

    [Fact]
    public void The_keyring_reloads_a_changed_file_and_keeps_its_keys_when_the_file_turns_bad()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, Line(A) + "\n");
            Assert.True(ClusterKeyring.TryLoad(path, out var ring, out var error), error);
            Assert.Null(ring!.Poll());                                 // unchanged
            File.WriteAllText(path, $"{Line(B)}\n{Line(A)}\n");
            var change = ring.Poll()!;
            Assert.Equal($"cluster keys reloaded (2 keys, primary {B.Fingerprint})", change.Line);
            Assert.Empty(change.Removed);
            Assert.Equal(B.Fingerprint, ring.Current.Primary.Fingerprint);

            File.WriteAllText(path, "garbage\n");
            change = ring.Poll()!;
            Assert.Equal($"cluster key file rejected: {path} line 1: not base64 (expected one base64 32-byte key a line); keeping the 2 keys, primary {B.Fingerprint}", change.Line);
            Assert.Null(ring.Poll());                                  // the same problem is said once
            Assert.Equal(2, ring.Current.Keys.Count);

            File.WriteAllText(path, Line(B) + "\n");
            change = ring.Poll()!;
            Assert.Equal($"cluster keys reloaded (1 key, primary {B.Fingerprint})", change.Line);
            Assert.Equal([A.Fingerprint], change.Removed.Select(k => k.Fingerprint));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_handshake_gives_each_direction_its_own_cipher_and_both_sides_agree()
    {
        var (ds, dr, as_, ar, _) = Handshake(A, new KeySet([B, A]));
        var m1 = new Gossip(new NodeId("127.0.0.1", 6001), "one");
        var m2 = new Heartbeat();
        Assert.Equal(m1, Open(ar, ds.Seal(Framing.Frame(m1))));
        Assert.Equal(m2, Open(ar, ds.Seal(Framing.Frame(m2))));
        Assert.Equal(m2, Open(dr, as_.Seal(Framing.Frame(m2))));
        // A frame sealed for one direction does not open in the other.
        Assert.StartsWith("frame failed authentication", OpenError(dr, ds.Seal(Framing.Frame(m1))));
    }

    [Fact]
    public void Sealed_frames_are_not_readable_and_any_change_replay_or_reordering_fails()
    {
        var (ds, _, _, ar, _) = Handshake(A, new KeySet([A]));
        var body = "secret gossip body";
        var first = ds.Seal(Framing.Frame(new Gossip(new NodeId("127.0.0.1", 6001), body)));
        Assert.DoesNotContain(body, System.Text.Encoding.UTF8.GetString(first));

        // Reordered: the second frame first.
        var (ds2, _, _, ar2, _) = Handshake(A, new KeySet([A]));
        _ = ds2.Seal(Framing.Frame(new Heartbeat()));
        var later = ds2.Seal(Framing.Frame(new Leave()));
        Assert.StartsWith("frame failed authentication", OpenError(ar2, later));

        // Replayed: the same frame twice.
        Assert.Equal(new Gossip(new NodeId("127.0.0.1", 6001), body), Open(ar, first));
        Assert.StartsWith("frame failed authentication", OpenError(ar, first));

        // Changed: one bit anywhere (prefix, ciphertext, tag).
        foreach (var at in new[] { 3, 4, first.Length / 2, first.Length - 1 })
        {
            var (ds3, _, _, ar3, _) = Handshake(A, new KeySet([A]));
            var f = ds3.Seal(Framing.Frame(new Gossip(new NodeId("127.0.0.1", 6001), body)));
            f[at] ^= 1;
            Assert.NotNull(OpenError(ar3, f));
        }
    }

    [Fact]
    public void A_recorded_handshake_replayed_to_a_new_acceptor_fails_at_the_dialler_proof()
    {
        var (_, _, _, _, wire) = Handshake(A, new KeySet([A]));
        // The attacker replays CLIENT_HELLO; the acceptor answers with a fresh challenge; the recorded CLIENT_FINISH
        // was made over the old one.
        Assert.True(Security.Handshake.TryReadClientHello(wire[0][4..], out _, out var nd, out _));
        var freshNa = Security.Handshake.NewNonce();
        Assert.False(Security.Handshake.TryReadClientFinish(wire[2][4..], A, nd, freshNa, out var error));
        Assert.Equal($"its proof of cluster key {A.Fingerprint} is wrong (a replayed or forged handshake)", error);
    }

    [Fact]
    public void A_recorded_server_hello_replayed_to_a_new_dialler_fails_at_the_acceptor_proof()
    {
        var (_, _, _, _, wire) = Handshake(A, new KeySet([A]));
        var freshNd = Security.Handshake.NewNonce();
        Assert.False(Security.Handshake.TryReadServerHello(wire[1][4..], A, freshNd, out _, out var error));
        Assert.Equal($"it does not prove cluster key {A.Fingerprint} (wrong key)", error);
    }

    [Fact]
    public void The_acceptors_proof_cannot_be_reflected_as_the_diallers()
    {
        var nd = Security.Handshake.NewNonce();
        var na = Security.Handshake.NewNonce();
        var serverHello = Security.Handshake.ServerHello(A, nd, na);
        var reflected = Framing.Control(ControlKind.ClientFinish, serverHello.AsSpan(4 + 2 + Security.Handshake.NonceBytes));
        Assert.False(Security.Handshake.TryReadClientFinish(reflected[4..], A, nd, na, out _));
    }

    [Fact]
    public void A_dialler_with_another_key_is_not_found_and_a_forged_proof_with_the_right_id_fails()
    {
        var ring = new KeySet([A]);
        var nd = Security.Handshake.NewNonce();
        Assert.True(Security.Handshake.TryReadClientHello(Security.Handshake.ClientHello(B, nd)[4..], out var id, out _, out _));
        Assert.Null(ring.Find(id));
        // Someone who knows A's id but not A: its finish (made with B) fails.
        var na = Security.Handshake.NewNonce();
        var forged = Security.Handshake.ClientFinish(B, nd, na);
        Assert.False(Security.Handshake.TryReadClientFinish(forged[4..], A, nd, na, out _));
    }

    [Fact]
    public void Handshake_frames_of_the_wrong_shape_are_one_line_errors()
    {
        Assert.False(Security.Handshake.TryReadServerHello(Framing.Refusal("no key here")[4..], A, new byte[32], out _, out var error));
        Assert.Equal("refused: no key here", error);
        Assert.False(Security.Handshake.TryReadServerHello(Framing.Frame(new Heartbeat())[4..], A, new byte[32], out _, out error));
        Assert.Equal("expected the cluster-key handshake (ServerHello), got a plain JSON frame (the remote has no cluster key)", error);
        Assert.False(Security.Handshake.TryReadClientHello([0, 1, 9, 1, 2], out _, out _, out error));
        Assert.Equal("expected a 43-byte ClientHello handshake frame, got 5 bytes of kind 1", error);
        var future = Security.Handshake.ClientHello(A, new byte[32]);
        future[6] = 2;
        Assert.False(Security.Handshake.TryReadClientHello(future[4..], out _, out _, out error));
        Assert.Equal("cluster-key handshake version 2, this node speaks 1", error);
    }

    [Fact]
    public async Task A_refusal_frame_outside_a_handshake_reads_as_one_line()
    {
        var refusal = Framing.Refusal("line one\nline two\t" + new string('x', 500));
        var r = await Framing.ReadAsync(new MemoryStream(refusal), new byte[4], CancellationToken.None);
        Assert.StartsWith("refused by the remote: line one?line two?xxx", r.Error);
        Assert.EndsWith("…", r.Error);
        Assert.True(r.Error!.Length < 260);
        var handshake = Security.Handshake.ClientHello(A, new byte[32]);
        Assert.Equal("unexpected ClientHello handshake frame (this connection has no cluster-key handshake)",
            (await Framing.ReadAsync(new MemoryStream(handshake), new byte[4], CancellationToken.None)).Error);
    }
}
