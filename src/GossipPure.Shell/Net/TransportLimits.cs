using GossipPure.Shell.Security;

namespace GossipPure.Shell.Net;

/// <summary>
/// The bounds a transport puts on what other processes can make it do: time, connections, rate, memory.
/// Each is documented with its reason in specs/security.md.
/// </summary>
public sealed record TransportLimits
{
    public static readonly TransportLimits Default = new();

    /// <summary>An accepted connection must finish its handshake (HELLO, and the cluster-key exchange) within this.</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// With signed membership, the largest HELLO an accepted plain connection may send after its challenge request: it
    /// carries a registration certificate, 154 bytes a seed signature (3 seeds: 857 bytes), so 16 KiB holds ~100.
    /// </summary>
    public int SignedHelloMaxBytes { get; init; } = 16 << 10;

    /// <summary>Once a frame's first byte has arrived, the whole frame must arrive within this.</summary>
    public TimeSpan FrameTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Accepted connections open at once from one IP address (handshaking or not).</summary>
    public int MaxConnectionsPerAddress { get; init; } = 1024;

    /// <summary>Accepted connections from one IP address that have not finished their handshake yet.</summary>
    public int MaxHandshakingPerAddress { get; init; } = 64;

    /// <summary>Accepted connections open at once from all addresses.</summary>
    public int MaxConnections { get; init; } = 16384;

    /// <summary>Frames a connection may send per second, sustained; over it (after the burst) the connection is closed.</summary>
    public double InboundFramesPerSecond { get; init; } = 500;

    /// <summary>Frames a connection may send at once above the sustained rate (a new neighbour's backlog, a seed sync).</summary>
    public double InboundFrameBurst { get; init; } = 1000;

    /// <summary>Frames queued for one connection; past it (a remote that does not read) the connection is closed.</summary>
    public int OutboxFrames { get; init; } = 10_000;

    /// <summary>Bytes queued for one connection; past it the connection is closed.</summary>
    public long OutboxBytes { get; init; } = 32L << 20;

    /// <summary>Transport warnings about one address logged one by one before they are counted instead.</summary>
    public int NoticeBurstPerAddress { get; init; } = 5;

    /// <summary>After the burst: transport warnings about one address logged per second; the rest are summed up once a second.</summary>
    public double NoticesPerSecondPerAddress { get; init; } = 1;

    /// <summary>The same bounds for all addresses together.</summary>
    public int NoticeBurst { get; init; } = 40;

    public double NoticesPerSecond { get; init; } = 10;
}

/// <summary>How a node's transport is set up: its limits and, when <c>--cluster-key-file</c> is given, its keys.</summary>
public sealed record TransportOptions(TransportLimits Limits, ClusterKeyring? Keys)
{
    public static readonly TransportOptions Default = new(TransportLimits.Default, null);
}
