using System.Security.Cryptography;
using System.Text;

namespace GossipPure.Shell.Security;

/// <summary>
/// One shared cluster key: 32 secret bytes, and the id that names it on the wire and in logs (the first 8 bytes
/// of a SHA-256 of the key, so the id says nothing about the key).
/// </summary>
public sealed class ClusterKey
{
    public const int KeyBytes = 32;
    public const int IdBytes = 8;
    static readonly byte[] IdLabel = "GossipPure cluster key id v1\0"u8.ToArray();

    public ClusterKey(byte[] secret)
    {
        if (secret.Length != KeyBytes) throw new ArgumentException($"a cluster key is {KeyBytes} bytes", nameof(secret));
        Secret = secret;
        Id = SHA256.HashData([.. IdLabel, .. secret])[..IdBytes];
        Fingerprint = Convert.ToHexStringLower(Id);
    }

    internal byte[] Secret { get; }
    public byte[] Id { get; }
    /// <summary>The id as 16 hex digits: what logs show.</summary>
    public string Fingerprint { get; }

    public override string ToString() => Fingerprint;
}

/// <summary>The keys in force: the primary (used to dial) and every key accepted from a dialler (primary included).</summary>
public sealed class KeySet
{
    public const int MaxKeys = 16;

    public KeySet(IReadOnlyList<ClusterKey> keys)
    {
        if (keys.Count == 0) throw new ArgumentException("a key set needs at least one key", nameof(keys));
        Keys = keys;
    }

    public ClusterKey Primary => Keys[0];
    public IReadOnlyList<ClusterKey> Keys { get; }

    public ClusterKey? Find(ReadOnlySpan<byte> id)
    {
        foreach (var k in Keys)
            if (CryptographicOperations.FixedTimeEquals(k.Id, id)) return k;
        return null;
    }

    public bool Contains(ClusterKey key) => Find(key.Id) is not null;

    public string Describe() => $"{Keys.Count} key{(Keys.Count == 1 ? "" : "s")}, primary {Primary.Fingerprint}";

    /// <summary>
    /// Parses a key file: one base64 32-byte key a line, the first being the primary; blank lines and lines starting
    /// with '#' are skipped; a repeated key counts once. Errors name the line.
    /// </summary>
    public static bool TryParse(string text, string name, out KeySet? set, out string? error)
    {
        set = null;
        var keys = new List<ClusterKey>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var buffer = new byte[(line.Length * 3 / 4) + 3];
            if (!Convert.TryFromBase64String(line, buffer, out var n))
            {
                error = $"{name} line {i + 1}: not base64 (expected one base64 {ClusterKey.KeyBytes}-byte key a line)";
                return false;
            }
            if (n != ClusterKey.KeyBytes)
            {
                error = $"{name} line {i + 1}: the key is {n} bytes; a cluster key is {ClusterKey.KeyBytes} bytes (e.g. `head -c 32 /dev/urandom | base64`)";
                return false;
            }
            var key = new ClusterKey(buffer[..n]);
            if (keys.Exists(k => k.Fingerprint == key.Fingerprint)) continue;
            if (keys.Count == MaxKeys)
            {
                error = $"{name}: more than {MaxKeys} keys";
                return false;
            }
            keys.Add(key);
        }
        if (keys.Count == 0)
        {
            error = $"{name}: no key in the file (expected one base64 {ClusterKey.KeyBytes}-byte key a line)";
            return false;
        }
        set = new KeySet(keys);
        error = null;
        return true;
    }
}

/// <summary>
/// The key file behind <c>--cluster-key-file</c>: loaded once at start (a bad file stops the node), then re-read
/// whenever its content changes (<see cref="Poll"/>, called every second by the transport), so keys rotate without
/// a restart. A file that turns bad later keeps the keys already loaded.
/// </summary>
public sealed class ClusterKeyring
{
    public const int MaxFileBytes = 64 * 1024;
    byte[] lastContent;
    volatile KeySet current;
    string? lastError;

    ClusterKeyring(string path, byte[] content, KeySet keys)
    {
        Path = path;
        lastContent = content;
        current = keys;
    }

    public string Path { get; }
    public KeySet Current => current;

    public static bool TryLoad(string path, out ClusterKeyring? ring, out string? error)
    {
        ring = null;
        if (!TryRead(path, out var content, out error)) return false;
        if (!KeySet.TryParse(Encoding.UTF8.GetString(content), path, out var keys, out error)) return false;
        ring = new ClusterKeyring(path, content, keys!);
        return true;
    }

    /// <summary>A keyring over a fixed set (tests; nothing to re-read).</summary>
    public static ClusterKeyring Fixed(KeySet keys) => new("", [], keys);

    /// <summary>
    /// Re-reads the file; when its content changed, the new keys take effect. Returns what happened as a line to log
    /// (null when nothing changed, or when the same problem was already reported).
    /// </summary>
    public KeyringChange? Poll()
    {
        if (Path.Length == 0) return null;
        if (!TryRead(Path, out var content, out var error))
            return Problem($"cluster key file unreadable: {error}; keeping the {current.Describe()}");
        if (content.AsSpan().SequenceEqual(lastContent)) return null;
        if (!KeySet.TryParse(Encoding.UTF8.GetString(content), Path, out var keys, out error))
            return Problem($"cluster key file rejected: {error}; keeping the {current.Describe()}");
        lastContent = content;
        lastError = null;
        var before = current;
        current = keys!;
        return new KeyringChange(before, keys!, null, $"cluster keys reloaded ({keys!.Describe()})");
    }

    KeyringChange? Problem(string line)
    {
        if (line == lastError) return null;
        lastError = line;
        return new KeyringChange(current, current, line, line);
    }

    static bool TryRead(string path, out byte[] content, out string? error)
    {
        content = [];
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) { error = $"'{path}' not found"; return false; }
            if (info.Length > MaxFileBytes) { error = $"'{path}' is {info.Length} bytes, over {MaxFileBytes}"; return false; }
            content = File.ReadAllBytes(path);
            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read '{path}': {e.Message}";
            return false;
        }
    }
}

/// <summary>What a <see cref="ClusterKeyring.Poll"/> found: the keys before and after, or a problem (keys unchanged).</summary>
public sealed record KeyringChange(KeySet Before, KeySet After, string? Error, string Line)
{
    /// <summary>Keys that were in force and no longer are: connections keyed with them must be replaced.</summary>
    public IReadOnlyList<ClusterKey> Removed => Before.Keys.Where(k => !After.Contains(k)).ToList();
}
