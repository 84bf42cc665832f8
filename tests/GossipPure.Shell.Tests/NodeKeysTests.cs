using GossipPure.Core.Identity;
using GossipPure.Shell.Hosting;
using GossipPure.Shell.Security;
using LanguageExt;
using NodeSecurity = GossipPure.Core.Identity.Security;

namespace GossipPure.Shell.Tests;

/// <summary>Key files (gossip_&lt;ip&gt;_&lt;port&gt;.key): created owner-only, refused when others may read them, read back whole.</summary>
public sealed class NodeKeysTests : IDisposable
{
    static readonly NodeId Seed1 = new("127.0.0.1", 5011);
    static readonly NodeId Seed2 = new("127.0.0.1", 5012);
    readonly string dir = Path.Combine(Path.GetTempPath(), $"gossip-keys-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    string PathOf(NodeId node) => NodeKeys.PathOf(dir, node);

    [Fact]
    public void A_new_key_file_is_mode_0600_in_a_0700_folder_and_reads_back_as_the_same_key()
    {
        var (made, error) = NodeKeys.Create(PathOf(Seed1));
        Assert.Null(error);
        using (made)
        {
            Assert.Equal("gossip_127.0.0.1_5011.key", Path.GetFileName(PathOf(Seed1)));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(PathOf(Seed1)));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
            }
            var (loaded, loadError) = NodeKeys.Load(PathOf(Seed1));
            Assert.Null(loadError);
            using (loaded)
            {
                Assert.Equal(made!.PublicKey, loaded!.PublicKey);
                var statement = Statements.Gossip(Seed1, "1.0:127.0.0.1:1");
                Assert.Equal(made.Sign(statement), loaded.Sign(statement));
                Assert.True(Ed25519Scheme.Instance.Verify(made.PublicKey, statement, loaded.Sign(statement)));
            }
        }
    }

    [Fact]
    public void The_file_is_never_open_to_others_even_under_a_permissive_umask()
    {
        // The mode is given at creation (not set after), so the umask can only take bits away: no window in which
        // another user could open it. Checked here with every group/other bit that exists on the new file.
        var (made, _) = NodeKeys.Create(PathOf(Seed1));
        made!.Dispose();
        if (OperatingSystem.IsWindows()) return;
        var others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(PathOf(Seed1)) & others);
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "0644")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "0640")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherWrite, "0402")]
    public void A_key_file_others_may_read_or_write_is_refused_with_the_fix(UnixFileMode mode, string shown)
    {
        if (OperatingSystem.IsWindows()) return;
        var (made, _) = NodeKeys.Create(PathOf(Seed1));
        made!.Dispose();
        File.SetUnixFileMode(PathOf(Seed1), mode);
        var (signer, error) = NodeKeys.Load(PathOf(Seed1));
        Assert.Null(signer);
        Assert.Equal($"key file '{PathOf(Seed1)}' has mode {shown}: a private key must be readable by its owner only (chmod 600 '{PathOf(Seed1)}')", error);
        Assert.DoesNotContain('\n', error!);

        File.SetUnixFileMode(PathOf(Seed1), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var (fixedSigner, fixedError) = NodeKeys.Load(PathOf(Seed1));
        Assert.Null(fixedError);
        fixedSigner!.Dispose();
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 at all")]
    [InlineData("AAAA")]                                                    // 3 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]   // 63 bytes
    public void A_malformed_key_file_is_one_line_naming_it(string content)
    {
        Directory.CreateDirectory(dir);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var w = new StreamWriter(new FileStream(PathOf(Seed1), options))) w.Write(content);
        var (signer, error) = NodeKeys.Load(PathOf(Seed1));
        Assert.Null(signer);
        Assert.StartsWith($"key file '{PathOf(Seed1)}' is not a gossip key", error);
        Assert.DoesNotContain('\n', error!);
    }

    [Fact]
    public void A_missing_key_file_is_neither_a_key_nor_an_error()
    {
        Assert.Equal((null, null), NodeKeys.Load(PathOf(Seed1)));
    }

    [Fact]
    public void An_existing_key_is_kept_unless_forced_and_a_forced_one_is_replaced_whole_and_still_0600()
    {
        var (first, _) = NodeKeys.Create(PathOf(Seed1));
        var (again, error) = NodeKeys.Create(PathOf(Seed1));
        Assert.Null(again);
        Assert.StartsWith($"key file '{PathOf(Seed1)}' exists; it is kept", error);
        var (kept, _) = NodeKeys.Load(PathOf(Seed1));
        Assert.Equal(first!.PublicKey, kept!.PublicKey);

        var (forced, forcedError) = NodeKeys.Create(PathOf(Seed1), force: true);
        Assert.Null(forcedError);
        var (now, _) = NodeKeys.Load(PathOf(Seed1));
        Assert.Equal(forced!.PublicKey, now!.PublicKey);
        Assert.NotEqual(first.PublicKey, now.PublicKey);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(PathOf(Seed1)));
        Assert.Single(Directory.GetFiles(dir));   // no temporary file left behind
        foreach (var s in new[] { first, kept, forced, now }) s.Dispose();
    }

    [Fact]
    public void LoadOrCreate_makes_a_key_once_then_reads_it()
    {
        var (a, _) = NodeKeys.LoadOrCreate(PathOf(Seed1), out var madeFirst);
        var (b, _) = NodeKeys.LoadOrCreate(PathOf(Seed1), out var madeSecond);
        Assert.True(madeFirst);
        Assert.False(madeSecond);
        Assert.Equal(a!.PublicKey, b!.PublicKey);
        a.Dispose();
        b.Dispose();
    }

    [Fact]
    public void The_event_log_header_records_the_public_keys_and_never_the_private_key()
    {
        using var s1 = Ed25519Signer.Create();
        using var s2 = Ed25519Signer.Create();
        var seeds = Seq(Seed1, Seed2);
        var keys = HashMap((Seed1, s1.PublicKey), (Seed2, s2.PublicKey));
        var config = new NodeConfig(Seed1, seeds, ProtocolOptions.Default) { Security = new NodeSecurity(keys, Ed25519Scheme.Instance, s1) };
        var line = EventLogHeader.Encode(Role.Seed, config, 7);
        Assert.DoesNotContain(Convert.ToBase64String(s1.ExportPrivate()), line);
        Assert.True(EventLogHeader.TryDecode(line, out var header, out _, out var error), error);
        Assert.Equal(keys, header.SeedKeys);
        Assert.Equal(s1.PublicKey, header.PublicKey);
        Assert.Equal("ed25519", header.Scheme);
        Assert.True(header.Signed);

        // An unauthenticated run's header is as it always was: no key fields at all.
        var plain = EventLogHeader.Encode(Role.Seed, config with { Security = NodeSecurity.None }, 7);
        Assert.DoesNotContain("key", plain);
        Assert.True(EventLogHeader.TryDecode(plain, out var plainHeader, out _, out _));
        Assert.False(plainHeader.Signed);
        Assert.True(plainHeader.SeedKeys.IsEmpty);
    }
}
