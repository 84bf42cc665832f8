using System.Text.RegularExpressions;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>
/// Node identities from the command line: <c>gossip keygen</c>, config.csv's key column, seeds that must hold their
/// listed key, peers that make theirs, the one line of an unauthenticated network, and replay of a signed run.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]   // key file modes are POSIX
public sealed class KeygenTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);   // only to catch hangs

    static async Task<string> Keygen(Lab lab, int port, string keyDir = "keys")
    {
        var run = await CliRun.Of(lab.Dir, null, Bound, "keygen", "127.0.0.1", port.ToString(), "--key-dir", keyDir);
        Assert.True(run.ExitCode == 0, run.ToString());
        return Assert.Single(run.Out);
    }

    [Fact]
    public async Task Keygen_prints_a_config_line_a_seed_starts_with_and_writes_an_owner_only_key_it_will_not_overwrite()
    {
        using var lab = new Lab(seedCount: 1);
        var port = lab.Seeds[0].Port;
        var line = await Keygen(lab, port);
        Assert.Matches(new Regex($@"^127\.0\.0\.1,{port},[A-Za-z0-9+/]{{43}}=$"), line);
        var keyFile = Path.Combine(lab.Dir, "keys", $"gossip_127.0.0.1_{port}.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.DoesNotContain(File.ReadAllText(keyFile).Trim(), line);   // the private key is not printed

        var again = await CliRun.Of(lab.Dir, null, Bound, "keygen", "127.0.0.1", port.ToString(), "--key-dir", "keys");
        Assert.True(again.ExitCode == 2, again.ToString());
        Assert.Equal($"gossip: key file 'keys/gossip_127.0.0.1_{port}.key' exists; it is kept (--force replaces it, and the old public key stops being this node's)",
            Assert.Single(again.Err));
        Assert.Empty(again.Out);

        // The printed line is config.csv's line: the seed starts with it and its key, and says nothing about being unauthenticated.
        File.WriteAllText(lab.ConfigPath, line + "\n");
        using var seed = new GossipProcess(lab.Dir, "seed", "127.0.0.1", port.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir, "--key-dir", "keys");
        await seed.WaitForLine(l => l.Contains($"Seed 127.0.0.1:{port} started"), Bound, "the seed's start");
        seed.Interrupt();
        Assert.Equal(0, await seed.WaitForExit(Bound));
        Assert.DoesNotContain(seed.Output, l => l.Contains("unauthenticated"));
        Assert.Contains("\"public_key\"", File.ReadLines(Path.Combine(lab.Dir, $"events_seed_{port}.jsonl")).First());
    }

    [Fact]
    public async Task A_seed_whose_key_file_is_not_its_listed_key_or_is_open_to_others_or_missing_is_refused_with_exit_code_2()
    {
        using var lab = new Lab(seedCount: 2);
        var (a, b) = (lab.Seeds[0].Port, lab.Seeds[1].Port);
        File.WriteAllLines(lab.ConfigPath, [await Keygen(lab, a), await Keygen(lab, b)]);
        var keyA = Path.Combine(lab.Dir, "keys", $"gossip_127.0.0.1_{a}.key");
        var keyB = Path.Combine(lab.Dir, "keys", $"gossip_127.0.0.1_{b}.key");
        Task<CliRun> Seed(string keyDir) =>
            CliRun.Of(lab.Dir, null, Bound, "seed", "127.0.0.1", a.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir, "--key-dir", keyDir);

        // B's key where A's should be.
        File.Copy(keyB, keyA, overwrite: true);
        var wrong = await Seed("keys");
        Assert.True(wrong.ExitCode == 2, wrong.ToString());
        Assert.StartsWith($"gossip: key file 'keys/gossip_127.0.0.1_{a}.key' holds public key ", Assert.Single(wrong.Err));
        Assert.Contains($"but config.csv gives seed 127.0.0.1:{a} the key", wrong.Err[0]);
        Assert.Empty(wrong.Out);

        File.SetUnixFileMode(keyA, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var open = await Seed("keys");
        Assert.True(open.ExitCode == 2, open.ToString());
        Assert.Equal($"gossip: key file 'keys/gossip_127.0.0.1_{a}.key' has mode 0644: a private key must be readable by its owner only (chmod 600 'keys/gossip_127.0.0.1_{a}.key')",
            Assert.Single(open.Err));

        File.SetUnixFileMode(keyA, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(keyA, "garbage\n");
        var malformed = await Seed("keys");
        Assert.True(malformed.ExitCode == 2, malformed.ToString());
        Assert.StartsWith($"gossip: key file 'keys/gossip_127.0.0.1_{a}.key' is not a gossip key", Assert.Single(malformed.Err));

        var missing = await Seed("elsewhere");
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.StartsWith($"gossip: seed 127.0.0.1:{a} has no key file 'elsewhere/gossip_127.0.0.1_{a}.key'", Assert.Single(missing.Err));
    }

    [Fact]
    public async Task A_bad_key_column_and_a_half_keyed_config_are_one_line_naming_the_line_and_exit_code_2()
    {
        using var lab = new Lab(seedCount: 2);
        var (a, b) = (lab.Seeds[0].Port, lab.Seeds[1].Port);
        var good = await Keygen(lab, a);
        File.WriteAllLines(lab.ConfigPath, [good, $"127.0.0.1,{b},bm90IGEga2V5"]);
        var bad = await CliRun.Of(lab.Dir, null, Bound, "seed", "127.0.0.1", a.ToString(), "--config", lab.ConfigPath, "--key-dir", "keys");
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Equal("gossip: config.csv line 2: 'bm90IGEga2V5' is not a public key (base64 Ed25519, as `gossip keygen` prints it)", Assert.Single(bad.Err));

        File.WriteAllLines(lab.ConfigPath, [good, $"127.0.0.1,{b}"]);
        var mixed = await CliRun.Of(lab.Dir, null, Bound, "peer", "127.0.0.1", FreePorts.Take(1).Single().ToString(), "--config", lab.ConfigPath);
        Assert.True(mixed.ExitCode == 2, mixed.ToString());
        Assert.StartsWith($"gossip: config.csv line 2: seed 127.0.0.1:{b} has no key but the seed on line 1 has one", Assert.Single(mixed.Err));
    }

    [Fact]
    public async Task A_peer_without_a_key_makes_one_owner_only_says_so_once_and_reuses_it()
    {
        using var lab = new Lab(seedCount: 1);
        File.WriteAllLines(lab.ConfigPath, [await Keygen(lab, lab.Seeds[0].Port)]);
        var port = FreePorts.Take(1).Single();
        var keyFile = Path.Combine(lab.Dir, "peerkeys", $"gossip_127.0.0.1_{port}.key");
        string[] args = ["peer", "127.0.0.1", port.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir, "--key-dir", "peerkeys"];

        using (var peer = new GossipProcess(lab.Dir, args))
        {
            await peer.WaitForLine(l => l.Contains($"Peer 127.0.0.1:{port} started"), Bound, "the peer's start");
            peer.Interrupt();
            Assert.Equal(0, await peer.WaitForExit(Bound));
            Assert.Single(peer.Output, l => l.Contains($"Made this peer's key: {keyFile} (mode 0600), public key "));
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        var key = File.ReadAllText(keyFile);

        using (var again = new GossipProcess(lab.Dir, args))
        {
            await again.WaitForLine(l => l.Contains($"Peer 127.0.0.1:{port} started"), Bound, "the peer's second start");
            again.Interrupt();
            Assert.Equal(0, await again.WaitForExit(Bound));
            Assert.DoesNotContain(again.Output, l => l.Contains("Made this peer's key"));
        }
        Assert.Equal(key, File.ReadAllText(keyFile));
    }

    [Fact]
    public async Task A_two_column_config_says_once_per_node_that_membership_is_unauthenticated_and_how_to_fix_it()
    {
        using var lab = new Lab(seedCount: 1);
        var seedPort = lab.Seeds[0].Port;
        var peerPort = FreePorts.Take(1).Single();
        using var seed = new GossipProcess(lab.Dir, "seed", "127.0.0.1", seedPort.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir);
        await seed.WaitForLine(l => l.Contains("started"), Bound, "the seed's start");
        using var peer = new GossipProcess(lab.Dir, "peer", "127.0.0.1", peerPort.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir,
            "--heartbeat-interval", "200ms");
        await peer.WaitForLine(l => l.Contains("Registered;"), Bound, "registration");
        // Connections come and go after it (the peer reconnects to the seed, heartbeats run): still one line.
        await seed.WaitForLine(l => l.Contains($"REGISTER_COMMIT 127.0.0.1:{peerPort}"), Bound, "the commit");
        peer.Interrupt();
        Assert.Equal(0, await peer.WaitForExit(Bound));
        seed.Interrupt();
        Assert.Equal(0, await seed.WaitForExit(Bound));
        const string expected = "WARNING: Membership is unauthenticated: config.csv gives no seed keys, so any process that can connect may speak as a seed or a peer. "
            + "To sign it, run `gossip keygen IP PORT` for each seed on its host and put the printed IP,PORT,KEY lines in config.csv.";
        foreach (var node in new[] { seed, peer })
            Assert.Single(node.Output, l => l.EndsWith(expected, StringComparison.Ordinal));
        Assert.Single(lab.LogLines("peer", peerPort), l => l.EndsWith(expected, StringComparison.Ordinal));
        Assert.DoesNotContain("public_key", File.ReadLines(Path.Combine(lab.Dir, $"events_peer_{peerPort}.jsonl")).First());
        Assert.Empty(Directory.GetFiles(lab.Dir, "*.key"));   // no keys made for an unauthenticated network
    }

    [Fact]
    public async Task Cluster_runs_signed_with_keys_it_makes_and_a_signed_run_replays_only_with_the_nodes_key()
    {
        using var lab = new Lab(seedCount: 1);
        var peerPort = FreePorts.Take(1).Single();
        string[] args = ["cluster", "--config", lab.ConfigPath, "--peers", "1", "--peer-base-port", peerPort.ToString(), "--run-for", "3s", "--log-dir", "logs"];
        var run = await CliRun.Of(lab.Dir, null, Bound, args);
        Assert.True(run.ExitCode == 0, run.ToString());
        var logs = Path.Combine(lab.Dir, "logs");
        Assert.StartsWith($"Starting 1 seeds and 1 peers; logs in {logs}; signed membership, keys in {logs} (2 made).", run.Out[0]);
        Assert.DoesNotContain(run.Out, l => l.Contains("unauthenticated"));
        Assert.Equal(2, Directory.GetFiles(logs, "gossip_127.0.0.1_*.key").Length);
        var events = Path.Combine(logs, $"events_peer_{peerPort}.jsonl");
        Assert.Contains("\"public_key\"", File.ReadLines(events).First());

        var rerun = await CliRun.Of(lab.Dir, null, Bound, args);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Contains("(all reused)", rerun.Out[0]);

        // The key beside the events file is found; elsewhere it is not, and the replay refuses in one line.
        var replay = await CliRun.Of(lab.Dir, null, Bound, "replay", events, "--quiet");
        Assert.True(replay.ExitCode == 0, replay.ToString());
        Assert.Matches("^replayed [0-9]+ steps: all effects match$", replay.Out[^1]);
        Directory.CreateDirectory(Path.Combine(lab.Dir, "empty"));
        var keyless = await CliRun.Of(lab.Dir, null, Bound, "replay", events, "--key-dir", "empty");
        Assert.True(keyless.ExitCode == 2, keyless.ToString());
        Assert.Equal($"gossip replay: {events} is a signed run; replaying it needs the node's private key gossip_127.0.0.1_{peerPort}.key, which is not in empty (give --key-dir the folder that holds it; --why needs no key)",
            Assert.Single(keyless.Err));
    }
}
