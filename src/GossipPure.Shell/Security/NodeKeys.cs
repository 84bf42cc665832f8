using GossipPure.Core;

namespace GossipPure.Shell.Security;

/// <summary>
/// A node's key file, <c>gossip_&lt;ip&gt;_&lt;port&gt;.key</c> in its key folder: the 32-byte Ed25519 private key
/// (RFC 8032's seed) as one line of base64. Readable by its owner only: it is created with mode 0600 (never open to
/// others, even for a moment), and a file that group or others may read or write is refused, as ssh refuses one.
/// Every failure is one line naming the file.
/// </summary>
public static class NodeKeys
{
    const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The key file's name for <paramref name="node"/>: <c>gossip_127.0.0.1_5001.key</c>.</summary>
    public static string FileName(NodeId node) => $"gossip_{node.Ip}_{node.Port}.key";

    public static string PathOf(string keyDir, NodeId node) => Path.Combine(keyDir, FileName(node));

    /// <summary>
    /// Reads the key at <paramref name="path"/>. Not there: null and no error. Open to others, unreadable or not a key:
    /// null and a one-line error.
    /// </summary>
    public static (Ed25519Signer? Signer, string? Error) Load(string path)
    {
        try
        {
            if (!File.Exists(path)) return (null, null);
            if (!OperatingSystem.IsWindows())
            {
                var mode = File.GetUnixFileMode(path);
                if ((mode & Others) != 0)
                    return (null, $"key file '{path}' has mode {Octal(mode)}: a private key must be readable by its owner only (chmod 600 '{path}')");
            }
            var text = File.ReadAllText(path).Trim();
            var seed = new byte[Ed25519Scheme.KeyBytes];
            if (text.Length > 64 || !Convert.TryFromBase64String(text, seed, out var n) || n != Ed25519Scheme.KeyBytes
                || Ed25519Signer.FromPrivate(seed) is not { } signer)
                return (null, $"key file '{path}' is not a gossip key (one line of base64: a 32-byte Ed25519 private key, as `gossip keygen` writes it)");
            return (signer, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot read key file '{path}': {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>
    /// Makes a new key pair and writes its private key to <paramref name="path"/>, created with mode 0600 (its folder,
    /// if new, 0700). An existing file is an error unless <paramref name="force"/>: then it is replaced whole (a new
    /// 0600 file moved over it). Null signer and a one-line error when it cannot.
    /// </summary>
    public static (Ed25519Signer? Signer, string? Error) Create(string path, bool force = false)
    {
        var signer = Ed25519Signer.Create();
        var text = Convert.ToBase64String(signer.ExportPrivate()) + "\n";
        string? temp = null;
        try
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!Directory.Exists(dir))
            {
                if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
                else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            if (File.Exists(path) && !force)
            {
                signer.Dispose();
                return (null, $"key file '{path}' exists; it is kept (--force replaces it, and the old public key stops being this node's)");
            }
            var target = force ? temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.new") : path;
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
            using (var stream = new FileStream(target, options))
            using (var writer = new StreamWriter(stream))
                writer.Write(text);
            if (temp is not null) File.Move(temp, path, overwrite: true);
            temp = null;
            return (signer, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            signer.Dispose();
            if (temp is not null) try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            return (null, File.Exists(path) && !force
                ? $"key file '{path}' exists; it is kept (--force replaces it)"
                : $"cannot write key file '{path}': {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    /// <summary>The node's key: read from <paramref name="path"/>, or made there when there is none (<paramref name="made"/>).</summary>
    public static (Ed25519Signer? Signer, string? Error) LoadOrCreate(string path, out bool made)
    {
        made = false;
        var (signer, error) = Load(path);
        if (signer is not null || error is not null) return (signer, error);
        made = true;
        return Create(path);
    }

    /// <summary>What to say when libsodium (NSec's native library) cannot be loaded.</summary>
    public const string LibraryError =
        "cannot load libsodium, which signing needs (Ed25519, by NSec): keep the libsodium.so that `dotnet publish` puts beside the gossip executable next to it";

    /// <summary>True for the exceptions NSec throws when libsodium cannot be loaded (on first use, and on every use after).</summary>
    public static bool IsLibraryFailure(Exception e) => e is TypeInitializationException or PlatformNotSupportedException or DllNotFoundException;

    /// <summary>Null when signing works here; else <see cref="LibraryError"/>.</summary>
    public static string? CheckLibrary()
    {
        try
        {
            Ed25519Signer.Create().Dispose();
            return null;
        }
        catch (Exception e) when (IsLibraryFailure(e))
        {
            return LibraryError;
        }
    }

    static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8).PadLeft(3, '0');

    /// <summary>
    /// A node's identity in a signed network: a seed's key file must exist and hold the key config.csv gives it; a peer
    /// makes its key at first start (and says so in <paramref name="notes"/>). Null and a one-line error otherwise.
    /// </summary>
    public static (Core.Identity.Security? Security, string? Error) Identity(Role role, NodeId self, LanguageExt.HashMap<NodeId, string> seedKeys, string keyDir, string configName,
        List<(Core.LogLevel, string)> notes)
    {
        var path = NodeKeys.PathOf(keyDir, self);
        if (role == Role.Seed)
        {
            var (signer, error) = NodeKeys.Load(path);
            if (error is not null) return (null, error);
            if (signer is null)
                return (null, $"seed {self} has no key file '{path}': run `gossip keygen {self.Ip} {self.Port}` on this host (its line goes in {configName}) or give --key-dir the folder of its key");
            var listed = seedKeys.Find(self).IfNone("");
            if (signer.PublicKey != listed)
                return (null, $"key file '{path}' holds public key {signer.PublicKey}, but {configName} gives seed {self} the key {listed}: use this seed's own key file, or correct its line in {configName}");
            return (new Core.Identity.Security(seedKeys, Ed25519Scheme.Instance, signer), null);
        }
        var (peerSigner, peerError) = NodeKeys.LoadOrCreate(path, out var made);
        if (peerSigner is null) return (null, peerError);
        if (made) notes.Add((Core.LogLevel.Info, $"Made this peer's key: {Path.GetFullPath(path)} (mode 0600), public key {peerSigner.PublicKey}."));
        return (new Core.Identity.Security(seedKeys, Ed25519Scheme.Instance, peerSigner), null);
    }

}
