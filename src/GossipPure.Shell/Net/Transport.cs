using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GossipPure.Core;
using GossipPure.Shell.Security;
using GossipPure.Shell.Wire;

namespace GossipPure.Shell.Net;

/// <summary>
/// TCP for one node: a listener, the connections it accepted and dialled, and framing. It turns bytes into
/// inputs (posted through <c>post</c>) and <see cref="Send"/>/<see cref="Connect"/> effects into bytes. Every
/// connection starts with a HELLO from the dialler (after the cluster-key handshake when keys are set); from then
/// on the sender of a frame is the node it named, and a HELLO is believed only from that node's own IP address (with
/// signed membership, also only with a proof made with that node's key over the acceptor's challenge:
/// <see cref="IdentityHandshake"/>).
/// Everything a remote can make it do is bounded (<see cref="TransportLimits"/>); whatever it refuses or drops is
/// one line (a <see cref="BadFrame"/> input, or a notice), and the lines about one address are rate-limited.
/// </summary>
public sealed class Transport : IAsyncDisposable
{
    public const int ConnectTimeoutMs = 2000;
    /// <summary>The first frame of an accepted connection is a HELLO or a handshake frame: small.</summary>
    public const int FirstFrameMaxBytes = 4096;
    /// <summary>A connection authenticated with a key that was removed is closed this long after its replacement is up...</summary>
    static readonly TimeSpan RetireGrace = TimeSpan.FromSeconds(1);
    /// <summary>...or this long after the removal, replaced or not.</summary>
    static readonly TimeSpan RetireLimit = TimeSpan.FromSeconds(10);

    readonly NodeId self;
    readonly Role role;
    readonly Action<Input> post;
    readonly Action<Core.LogLevel, string> notice;
    readonly TransportLimits limits;
    readonly ClusterKeyring? keys;
    readonly NodeConfig? signed;
    readonly NoticeLimiter notices;
    readonly CancellationTokenSource stopping = new();
    readonly object gate = new();
    readonly Dictionary<NodeId, List<Connection>> open = new();
    readonly Dictionary<NodeId, Connection> dialling = new();
    readonly HashSet<Connection> all = new();
    readonly Dictionary<IPAddress, Admitted> admitted = new();
    int admittedTotal;
    Socket? listener;
    Task? acceptLoop;
    Timer? ticker;
    int ticking;

    sealed class Admitted
    {
        public int Open;
        public int Handshaking;
    }

    static Transport() => SocketEngine.PreferInlineCompletions();

    /// <param name="notice">Where lines that are not about one connection go (key reloads, summaries of held-back warnings).</param>
    /// <param name="config">The node's configuration: when its <see cref="NodeConfig.Security"/> is on (signed membership),
    /// every connection's HELLO is signed over the acceptor's challenge and checked (<see cref="IdentityHandshake"/>).</param>
    public Transport(NodeId self, Role role, Action<Input> post, TransportOptions? options = null, Action<Core.LogLevel, string>? notice = null,
        NodeConfig? config = null)
    {
        signed = config is { Security.On: true } ? config : null;
        this.self = self;
        this.role = role;
        this.post = post;
        this.notice = notice ?? ((_, _) => { });
        options ??= TransportOptions.Default;
        limits = options.Limits;
        keys = options.Keys;
        notices = new NoticeLimiter(limits);
    }

    /// <summary>Binds the listening socket; throws <see cref="SocketException"/> when the address is taken or not local.</summary>
    public void Listen()
    {
        var ip = IPAddress.Parse(self.Ip);
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Lets a restarted node bind while old connections sit in TIME_WAIT (Linux semantics: no port sharing).
            if (!OperatingSystem.IsWindows()) socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(ip, self.Port));
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        listener = socket;
        if (keys is not null)
            notice(Core.LogLevel.Info, $"cluster key: {keys.Current.Describe()} from {keys.Path}; every connection is authenticated and encrypted");
        acceptLoop = Task.Run(AcceptLoop);
        ticker = new Timer(_ => Tick(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    async Task AcceptLoop()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket s;
            try { s = await listener!.AcceptAsync(stopping.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { continue; }   // an aborted handshake: keep accepting
            IPEndPoint from;
            try { from = (IPEndPoint)s.RemoteEndPoint!; }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { s.Dispose(); continue; }
            var ip = Normalize(from.Address);
            if (Admit(ip) is { } refusal)
            {
                // Refused before a byte is read: a reset costs nothing and leaves no TIME_WAIT behind.
                try { s.LingerState = new LingerOption(true, 0); } catch (SocketException) { }
                s.Dispose();
                Report(ip, from.ToString(), refusal);
                continue;
            }
            s.NoDelay = true;
            var c = new Connection(this, s, remote: null, outbound: false) { AdmittedFrom = ip };
            lock (gate) all.Add(c);
            c.StartInbound();
        }
    }

    /// <summary>Counts an accepted connection against its address, or says why it is refused.</summary>
    string? Admit(IPAddress ip)
    {
        lock (gate)
        {
            admitted.TryGetValue(ip, out var a);
            if (admittedTotal >= limits.MaxConnections)
                return $"connection refused: {admittedTotal} accepted connections open (limit {limits.MaxConnections})";
            if (a is not null && a.Open >= limits.MaxConnectionsPerAddress)
                return $"connection refused: {a.Open} connections from {ip} already open (limit {limits.MaxConnectionsPerAddress} per address)";
            if (a is not null && a.Handshaking >= limits.MaxHandshakingPerAddress)
                return $"connection refused: {a.Handshaking} connections from {ip} still without a completed handshake (limit {limits.MaxHandshakingPerAddress} per address)";
            if (a is null) admitted[ip] = a = new Admitted();
            a.Open++;
            a.Handshaking++;
            admittedTotal++;
            return null;
        }
    }

    /// <summary>Queues <paramref name="m"/> for <paramref name="to"/>; returns a one-line error when it cannot be framed.</summary>
    public string? Send(NodeId to, Message m)
    {
        if (!Framing.TryFrame(m, out var frame, out var error))
            return $"{Core.Wire.TypeName(m)} to {to} not sent: {error}";
        Enqueue(to, frame);
        return null;
    }

    public void Connect(NodeId to) => Enqueue(to, null);

    /// <summary>
    /// Closes every open connection to <paramref name="node"/> once what is queued for it has gone (a moment at most);
    /// no Disconnected input follows for them. A dial under way finishes or fails by itself.
    /// </summary>
    public void Disconnect(NodeId node)
    {
        Connection[] conns;
        lock (gate)
        {
            conns = open.TryGetValue(node, out var list) ? list.ToArray() : Array.Empty<Connection>();
            open.Remove(node);
        }
        foreach (var c in conns) c.Abort(flush: true);
    }

    void Enqueue(NodeId to, byte[]? frame)
    {
        if (stopping.IsCancellationRequested) return;
        Connection? c;
        var dial = false;
        lock (gate)
        {
            c = open.TryGetValue(to, out var list) ? Pick(list) : null;
            if (c is null && !dialling.TryGetValue(to, out c))
            {
                c = new Connection(this, socket: null, remote: to, outbound: true);
                dialling[to] = c;
                all.Add(c);
                dial = true;
            }
        }
        if (frame is not null) c.Enqueue(frame);
        if (dial) _ = c.DialAsync(stopping.Token);
    }

    /// <summary>
    /// The connection to send on: the newest one this node dialled (it reached the address the node listens on), else
    /// the oldest it accepted (a later connection claiming the same node cannot take its traffic); never a retired one.
    /// </summary>
    static Connection? Pick(List<Connection> list)
    {
        Connection? accepted = null;
        for (var i = list.Count - 1; i >= 0; i--)
        {
            var c = list[i];
            if (c.Retired) continue;
            if (c.Outbound) return c;
            accepted = c;
        }
        return accepted;
    }

    // ---- called by connections ----

    internal TransportLimits Limits => limits;
    internal ClusterKeyring? Keys => keys;
    internal NodeId Self => self;

    internal Role Role => role;
    /// <summary>The node's configuration when its membership is signed; null when it is not (no identity handshake).</summary>
    internal NodeConfig? Signed => signed;

    /// <summary>The dialler's HELLO to <paramref name="to"/>; with signed membership, signed over the acceptor's <paramref name="challenge"/>.</summary>
    internal byte[] HelloFrame(NodeId to, byte[]? challenge) => signed is not null && challenge is not null
        ? Framing.Frame(IdentityHandshake.SignedHello(signed, role, to, challenge, certificate))
        : Framing.Frame(new Hello(self, role) { Cert = certificate is { } c ? LanguageExt.Prelude.Seq1(c) : LanguageExt.Seq<RegisterCommit>.Empty });

    // This peer's registration certificate (signed membership), set by the core's UseCertificate effect.
    volatile RegisterCommit? certificate;

    /// <summary>Presents <paramref name="cert"/> in the HELLO of every connection dialled from now on.</summary>
    public void UseCertificate(RegisterCommit cert) => certificate = cert;

    internal void Post(Input i)
    {
        if (!stopping.IsCancellationRequested) post(i);
    }

    /// <summary>One line about a connection that is refused or dropped, unless its address has had its share of lines.</summary>
    internal void Report(Connection c, string reason) => Report(c.Address, c.Who, reason);

    void Report(IPAddress address, string who, string reason)
    {
        var now = Stopwatch.GetTimestamp();
        if (notices.Allow(address.ToString(), now))
            Post(new BadFrame(Clock.NowUs(), who, Framing.OneLine(reason, 400)));
    }

    internal void Identified(Connection c, NodeId node)
    {
        bool first;
        lock (gate)
        {
            if (c.Outbound) dialling.Remove(node);
            EndHandshake(c);
            if (!open.TryGetValue(node, out var list)) open[node] = list = new List<Connection>();
            first = list.Count == 0;
            list.Add(c);
        }
        if (first) Post(new Connected(Clock.NowUs(), node));
    }

    /// <summary>An accepted connection no longer counts as handshaking (under <see cref="gate"/>).</summary>
    void EndHandshake(Connection c)
    {
        if (c.AdmittedFrom is not { } ip || c.HandshakeCounted) return;
        c.HandshakeCounted = true;
        if (admitted.TryGetValue(ip, out var a)) a.Handshaking--;
    }

    internal void DialFailed(Connection c, NodeId node, string reason)
    {
        lock (gate)
        {
            dialling.Remove(node);
            all.Remove(c);
        }
        Post(new ConnectFailed(Clock.NowUs(), node, reason));
    }

    internal void Closed(Connection c, string reason)
    {
        var last = false;
        lock (gate)
        {
            all.Remove(c);
            if (c.Retired && !c.RetireClosing)
            {
                // The other end finished retiring it first: it counts in this node's summary all the same.
                c.RetireClosing = true;
                var replaced = c.Remote is { } r && open.TryGetValue(r, out var others) && others.Exists(x => x != c && !x.Retired);
                if (replaced) retiredEndedReplaced++; else retiredEndedUnreplaced++;
            }
            if (c.AdmittedFrom is { } ip)
            {
                EndHandshake(c);
                if (admitted.TryGetValue(ip, out var a) && --a.Open <= 0) admitted.Remove(ip);
                admittedTotal--;
                c.AdmittedFrom = null;
            }
            if (c.Remote is { } node && open.TryGetValue(node, out var list) && list.Remove(c))
            {
                last = list.Count == 0 && !dialling.ContainsKey(node);
                if (list.Count == 0) open.Remove(node);
            }
        }
        if (last && c.Remote is { } n) Post(new Disconnected(Clock.NowUs(), n, reason));
    }

    /// <summary>Once a second: sums up held-back warnings, re-reads the key file, closes replaced connections.</summary>
    void Tick()
    {
        if (stopping.IsCancellationRequested || Interlocked.Exchange(ref ticking, 1) == 1) return;
        try
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var (address, count) in notices.TakeSuppressed(now))
                notice(Core.LogLevel.Warning, address.Length == 0
                    ? $"{count} more connections from other addresses were refused or dropped in the last second (not logged one by one: at most {limits.NoticesPerSecond:0.#} such lines a second)"
                    : $"{count} more connections from {address} were refused or dropped in the last second (not logged one by one: {limits.NoticeBurstPerAddress} lines, then {limits.NoticesPerSecondPerAddress:0.#} a second, per address)");
            if (keys?.Poll() is { } change)
            {
                notice(change.Error is null ? Core.LogLevel.Info : Core.LogLevel.Error, change.Line);
                if (change.Removed.Count > 0) Retire(change.Removed, change.After);
            }
            CloseRetired(now);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            notice(Core.LogLevel.Error, $"transport housekeeping failed: {Framing.OneLine(e.Message, 200)}");
        }
        finally { Volatile.Write(ref ticking, 0); }
    }

    /// <summary>
    /// Connections authenticated with a key that is no longer in force take no new frames; each node they reach is
    /// dialled again under the primary key, and the old connection is closed once the new one is up.
    /// </summary>
    // Retired connections the remote closed before this node did (guarded by gate); reported by CloseRetired.
    int retiredEndedReplaced, retiredEndedUnreplaced;

    void Retire(IReadOnlyList<ClusterKey> removed, KeySet now)
    {
        var nodes = new HashSet<NodeId>();
        var count = 0;
        var at = Stopwatch.GetTimestamp();
        lock (gate)
        {
            foreach (var c in all)
            {
                if (c.Key is not { } k || c.Retired || !removed.Any(r => r.Fingerprint == k.Fingerprint)) continue;
                c.Retired = true;
                c.RetiredAt = at;
                count++;
                if (c.Remote is { } node) nodes.Add(node);
            }
        }
        if (count == 0) return;
        notice(Core.LogLevel.Info, $"{count} connections authenticated with removed key {string.Join(", ", removed.Select(r => r.Fingerprint))} " +
            $"are replaced by connections under key {now.Primary.Fingerprint}, then closed");
        foreach (var node in nodes) Enqueue(node, null);
    }

    void CloseRetired(long now)
    {
        var done = new List<Connection>();
        int unreplaced, ended;
        lock (gate)
        {
            ended = retiredEndedReplaced + retiredEndedUnreplaced;
            unreplaced = retiredEndedUnreplaced;
            retiredEndedReplaced = retiredEndedUnreplaced = 0;
            foreach (var c in all)
            {
                if (!c.Retired || c.RetireClosing) continue;
                var age = Stopwatch.GetElapsedTime(c.RetiredAt, now);
                var replaced = c.Remote is { } node && open.TryGetValue(node, out var list) && list.Exists(x => !x.Retired);
                if (!((replaced && age >= RetireGrace) || age >= RetireLimit)) continue;
                c.RetireClosing = true;
                done.Add(c);
                if (!replaced) unreplaced++;
            }
        }
        if (done.Count + ended == 0) return;
        foreach (var c in done) c.Abort(flush: true);
        notice(unreplaced == 0 ? Core.LogLevel.Info : Core.LogLevel.Warning,
            $"closed {done.Count + ended} connections under a removed cluster key" + (unreplaced == 0 ? " (all replaced)" : $" ({unreplaced} not replaced within {RetireLimit.TotalSeconds:0}s)"));
    }

    /// <summary>What the kernel does to a killed process's sockets: the listener closes, every connection is reset.</summary>
    public void Reset()
    {
        stopping.Cancel();
        ticker?.Dispose();
        listener?.Dispose();
        Connection[] conns;
        lock (gate) conns = all.ToArray();
        foreach (var c in conns) c.Reset();
    }

    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested) return;
        stopping.Cancel();
        ticker?.Dispose();
        listener?.Dispose();
        Connection[] conns;
        lock (gate) conns = all.ToArray();
        foreach (var c in conns) c.Abort(flush: true);
        try { await Task.WhenAll(conns.Select(c => c.Completion).Append(acceptLoop ?? Task.CompletedTask)).WaitAsync(TimeSpan.FromSeconds(2)); }
        catch (TimeoutException) { }
        catch (Exception) { /* connections report their own ends; closing is best effort */ }
    }

    internal static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    /// <summary>Whether the address a HELLO claims is the one the connection comes from (exactly: 127.0.0.2 is not 127.0.0.1).</summary>
    internal static bool SameAddress(string claimed, IPAddress actual) =>
        IPAddress.TryParse(claimed, out var a) && Normalize(a).Equals(Normalize(actual));
}
