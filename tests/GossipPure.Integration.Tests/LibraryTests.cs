using System.Text;
using GossipPure.Core;
using Xunit;

namespace GossipPure.Integration.Tests;

/// <summary>The library (<see cref="GossipNode"/>) in this process, with <c>gossip</c> processes around it.</summary>
public sealed class LibraryTests
{
    static readonly TimeSpan Bound = Network.Bound;

    [Fact]
    public async Task A_library_seed_admits_a_peer_process_and_a_library_peer_then_sees_one_leave()
    {
        using var lab = new Lab(1);
        var (ip, seedPort) = lab.Seeds[0];
        await using var seed = await GossipNode.StartSeedAsync(new() { Ip = ip, Port = seedPort, ConfigPath = lab.ConfigPath, LogDir = lab.Dir });
        await seed.WaitRegisteredAsync(Bound);
        using var cts = new CancellationTokenSource(Bound);
        await using var changes = seed.ReadMembershipAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        var processPort = FreePorts.Take(1).Single();
        using var process = new GossipProcess(lab.Dir, "peer", ip, processPort.ToString(), "--config", lab.ConfigPath, "--log-dir", lab.Dir, "--gossip-count", "0");
        await using (var peer = await GossipNode.StartPeerAsync(new() { Ip = ip, Port = FreePorts.Take(1).Single(), ConfigPath = lab.ConfigPath, LogDir = lab.Dir }))
        {
            await peer.WaitRegisteredAsync(Bound);
            await Next(changes, c => c.Node == peer.Address && c.Change == "joined");
            await Next(changes, c => c.Node.Port == processPort && c.Change == "joined", alreadySeen: true);
            await Assert.ThrowsAsync<InvalidOperationException>(() => seed.PublishAsync(Encoding.UTF8.GetBytes("a seed does not publish")));
        }
        // Disposed: the peer left as Ctrl+C leaves, and the seed removed it for that.
        await Next(changes, c => c.Change == "removed" && c.Detail == "left");
    }

    readonly List<MembershipChange> seen = new();

    async Task Next(IAsyncEnumerator<MembershipChange> changes, Func<MembershipChange, bool> match, bool alreadySeen = false)
    {
        if (alreadySeen && seen.Any(match)) return;
        while (await changes.MoveNextAsync())
        {
            seen.Add(changes.Current);
            if (match(changes.Current)) return;
        }
        Assert.Fail("the membership stream ended first");
    }
}
