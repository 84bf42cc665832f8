using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using GossipPure.Core;
using GossipPure.Shell.Security;
using GossipPure.Shell.Wire;

namespace GossipPure.Shell.Net;

/// <summary>
/// TCP for one node: a listener, the connections it accepted and dialled, and framing. It turns bytes into
/// inputs (posted through <c>post</c>) and <see cref="Send"/>/<see cref="Connect"/> effects into bytes. Every
/// connection starts with a HELLO from the dialler (after the cluster-key handshake when keys are set); from then
/// on the sender of a frame is the node it named, and a HELLO is believed only from that node's own IP address.
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
    public Transport(NodeId self, Role role, Action<Input> post, TransportOptions? options = null, Action<Core.LogLevel, string>? notice = null)
    {
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

    internal byte[] HelloFrame() => Framing.Frame(new Hello(self, role));

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

    /// <summary>One TCP connection: the handshake, then a reader loop posting inputs and a writer loop draining the outbox.</summary>
    internal sealed class Connection
    {
        readonly Transport owner;
        readonly TransportLimits limits;
        readonly Channel<byte[]> outbox;
        readonly CancellationTokenSource cts = new();
        readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly byte[] header = new byte[Framing.HeaderBytes];
        Socket? socket;
        Stream? reader;
        FrameCipher? sendCipher;
        FrameCipher? receiveCipher;
        string endpoint;
        long queuedBytes;
        volatile bool accepting = true;
        int closed;

        public Connection(Transport owner, Socket? socket, NodeId? remote, bool outbound)
        {
            this.owner = owner;
            this.socket = socket;
            limits = owner.Limits;
            outbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(limits.OutboxFrames)
            {
                SingleReader = true,
                FullMode = BoundedChannelFullMode.Wait,
                // The write loop's wake-up runs on the thread that queued the frame (the node loop): the frame goes
                // to the socket there and then, with no thread-pool hop. A write that must wait resumes elsewhere.
                AllowSynchronousContinuations = true,
            });
            Remote = remote;
            Outbound = outbound;
            endpoint = socket?.RemoteEndPoint?.ToString() ?? remote?.ToString() ?? "?";
            Address = socket?.RemoteEndPoint is IPEndPoint ep ? Normalize(ep.Address)
                : remote is { } r && IPAddress.TryParse(r.Ip, out var a) ? a : IPAddress.None;
        }

        public NodeId? Remote { get; private set; }
        public bool Outbound { get; }
        public IPAddress Address { get; }
        public Task Completion => done.Task;
        /// <summary>The cluster key this connection was authenticated with (null without keys).</summary>
        public ClusterKey? Key { get; private set; }
        /// <summary>Set for an accepted connection while it counts against its address (under the transport's gate).</summary>
        public IPAddress? AdmittedFrom { get; set; }
        public bool HandshakeCounted { get; set; }
        /// <summary>Its key was removed: it takes no new frames and is closed once replaced.</summary>
        public bool Retired { get; set; }
        public long RetiredAt { get; set; }
        public bool RetireClosing { get; set; }

        public string Who => Remote is { } r ? $"{r} ({endpoint})" : endpoint;

        public void Enqueue(byte[] frame)
        {
            if (!accepting) return;
            var queued = Interlocked.Add(ref queuedBytes, frame.Length);
            if (queued <= limits.OutboxBytes && outbox.Writer.TryWrite(frame)) return;
            Interlocked.Add(ref queuedBytes, -frame.Length);
            if (!accepting || Volatile.Read(ref closed) == 1) return;
            owner.Report(this, $"outbox full ({outbox.Reader.Count} frames, {queued - frame.Length} bytes queued; limits {limits.OutboxFrames} frames, {limits.OutboxBytes} bytes): it does not read what is sent to it");
            Close("outbox full");
        }

        // ---- dialled connections ----

        public async Task DialAsync(CancellationToken stop)
        {
            var to = Remote!;
            var target = IPAddress.TryParse(to.Ip, out var a) ? a : null;
            var s = new Socket(target?.AddressFamily ?? AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(ConnectTimeoutMs);
            try
            {
                BindSource(s, owner.Self, target);
                await s.ConnectAsync(to.Ip, to.Port, timeout.Token);
                s.NoDelay = true;
            }
            catch (Exception e)
            {
                s.Dispose();
                Failed(to, e switch
                {
                    OperationCanceledException when stop.IsCancellationRequested => "node stopping",
                    OperationCanceledException => $"no answer within {ConnectTimeoutMs}ms",
                    SocketException se => Describe(se),
                    _ => e.Message,
                });
                return;
            }
            socket = s;
            endpoint = s.RemoteEndPoint?.ToString() ?? to.ToString();
            reader = new NetworkStream(s, ownsSocket: false);
            if (owner.Keys is { } ring)
            {
                var problem = await DiallerHandshake(ring.Current.Primary, stop);
                if (problem is not null)
                {
                    try { s.Dispose(); } catch (ObjectDisposedException) { }
                    Failed(to, problem);
                    return;
                }
            }
            owner.Identified(this, to);
            _ = Task.Run(() => WriteLoop(owner.HelloFrame()));
            _ = Task.Run(ReadLoop);
        }

        void Failed(NodeId to, string reason)
        {
            accepting = false;
            outbox.Writer.TryComplete();
            Interlocked.Exchange(ref closed, 1);
            done.TrySetResult();
            owner.DialFailed(this, to, reason);
        }

        /// <summary>
        /// The source address of a dial is the address this node listens on, so the HELLO it sends names the address
        /// the remote sees it come from (which the remote checks). Skipped where that cannot work (loopback to a
        /// routed address, another address family).
        /// </summary>
        static void BindSource(Socket s, NodeId self, IPAddress? target)
        {
            if (target is null || !IPAddress.TryParse(self.Ip, out var own) || own.AddressFamily != target.AddressFamily
                || IPAddress.IsLoopback(own) != IPAddress.IsLoopback(target) || own.Equals(IPAddress.Any) || own.Equals(IPAddress.IPv6Any))
                return;
            try
            {
                // IP_BIND_ADDRESS_NO_PORT (Linux): pick the port at connect, so source ports are shared across destinations.
                if (OperatingSystem.IsLinux() && own.AddressFamily == AddressFamily.InterNetwork)
                    s.SetRawSocketOption(0, 24, BitConverter.GetBytes(1));
            }
            catch (SocketException) { }
            try { s.Bind(new IPEndPoint(own, 0)); }
            catch (SocketException) { /* the kernel picks the source; the remote may then refuse the HELLO, with a line */ }
        }

        async Task<string?> DiallerHandshake(ClusterKey key, CancellationToken stop)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
            deadline.CancelAfter(limits.HelloTimeout);
            var write = new NetworkStream(socket!, ownsSocket: false);
            try
            {
                var nd = Handshake.NewNonce();
                await write.WriteAsync(Handshake.ClientHello(key, nd), deadline.Token);
                var reply = await Framing.ReadRawAsync(reader!, header, Handshake.MaxFrameBytes, limits.FrameTimeout, deadline.Token);
                if (reply.EndOfStream) return "cluster-key handshake: the remote closed the connection";
                if (reply.Error is { } error) return $"cluster-key handshake: {error}";
                if (!Handshake.TryReadServerHello(reply.Payload, key, nd, out var na, out error))
                {
                    if (!error!.StartsWith("refused", StringComparison.Ordinal))
                        await TryWrite(write, Framing.Refusal($"handshake failed on {owner.Self}: {error}"));
                    return $"cluster-key handshake: {error}";
                }
                await write.WriteAsync(Handshake.ClientFinish(key, nd, na), deadline.Token);
                (sendCipher, receiveCipher) = Handshake.Session(key, nd, na, dialler: true);
                Key = key;
                return null;
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                return $"cluster-key handshake not answered within {limits.HelloTimeout.TotalSeconds:0.###}s";
            }
            catch (OperationCanceledException) { return "node stopping"; }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                return $"cluster-key handshake: {Describe(e)}";
            }
        }

        // ---- accepted connections ----

        public void StartInbound() => _ = Task.Run(InboundAsync);

        async Task InboundAsync()
        {
            reader = new NetworkStream(socket!, ownsSocket: false);
            if (await AcceptHandshake() is not { } node) return;
            Remote = node;
            owner.Identified(this, node);
            _ = Task.Run(() => WriteLoop(null));
            await ReadLoop();
        }

        /// <summary>
        /// Everything before an accepted connection is believed: the cluster-key handshake if keys are set, a HELLO,
        /// and its address check, within <see cref="TransportLimits.HelloTimeout"/>. Null when it was refused (closed).
        /// </summary>
        async Task<NodeId?> AcceptHandshake()
        {
            var ring = owner.Keys;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            deadline.CancelAfter(limits.HelloTimeout);
            try
            {
                var first = await Framing.ReadRawAsync(reader!, header, FirstFrameMaxBytes, limits.FrameTimeout, deadline.Token);
                if (first.EndOfStream) { Close("closed before its HELLO"); return null; }
                if (first.Error is { } error) { Drop(error); return null; }
                var payload = first.Payload!;
                FrameResult hello;
                if (payload[0] == Framing.ControlMark)
                {
                    if (ring is null)
                    {
                        await Refuse($"{owner.Self} has no cluster key; it takes plain connections only",
                            "refused: it began a cluster-key handshake, but this node has no cluster key (--cluster-key-file)");
                        return null;
                    }
                    if (!await AcceptorHandshake(ring.Current, payload, deadline.Token)) return null;
                    hello = await Framing.ReadAsync(reader!, header, new FrameReadOptions { FrameTimeout = limits.FrameTimeout, Opener = receiveCipher }, deadline.Token);
                }
                else if (ring is not null)
                {
                    var claim = Framing.Decode(payload).Message is Hello h ? $" (a plain HELLO as {h.From})" : "";
                    await Refuse($"{owner.Self} requires the cluster key (--cluster-key-file)",
                        $"refused: no cluster key{claim}; this node requires one");
                    return null;
                }
                else hello = Framing.Decode(payload);

                if (hello.EndOfStream) { Close("closed before its HELLO"); return null; }
                if (hello.Error is { } bad) { Drop(bad); return null; }
                if (hello.Message is not Hello hi) { Drop($"first frame is {Core.Wire.TypeName(hello.Message!)}, expected HELLO"); return null; }
                if (!SameAddress(hi.From.Ip, Address))
                {
                    await Refuse($"your HELLO claims {hi.From}, but you connect from {Address}",
                        $"refused: HELLO claims {hi.From}, but the connection comes from {Address}");
                    return null;
                }
                return hi.From;
            }
            catch (OperationCanceledException) when (!cts.IsCancellationRequested)
            {
                Drop(ring is null
                    ? $"no HELLO within {limits.HelloTimeout.TotalSeconds:0.###}s of connecting"
                    : $"no cluster-key handshake and HELLO within {limits.HelloTimeout.TotalSeconds:0.###}s of connecting");
                return null;
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                Close(e is OperationCanceledException ? "closed" : Describe(e));
                return null;
            }
        }

        /// <summary>The acceptor's side of the handshake; false when the connection was refused (and closed).</summary>
        async Task<bool> AcceptorHandshake(KeySet ring, byte[] clientHello, CancellationToken deadline)
        {
            if (!Handshake.TryReadClientHello(clientHello, out var keyId, out var nd, out var error))
            {
                await Refuse($"handshake failed on {owner.Self}: {error}", $"refused: {error}");
                return false;
            }
            var key = ring.Find(keyId);
            if (key is null)
            {
                var fp = Convert.ToHexStringLower(keyId);
                await Refuse($"cluster key {fp} is not in the keyring of {owner.Self}",
                    $"refused: its cluster key {fp} is not in this node's keyring ({ring.Describe()})");
                return false;
            }
            var na = Handshake.NewNonce();
            await new NetworkStream(socket!, ownsSocket: false).WriteAsync(Handshake.ServerHello(key, nd, na), deadline);
            var finish = await Framing.ReadRawAsync(reader!, header, Handshake.MaxFrameBytes, limits.FrameTimeout, deadline);
            if (finish.EndOfStream) { Drop("closed during the cluster-key handshake"); return false; }
            if (finish.Error is { } bad) { Drop(bad); return false; }
            if (!Handshake.TryReadClientFinish(finish.Payload, key, nd, na, out error))
            {
                if (error!.StartsWith("refused", StringComparison.Ordinal)) Drop(error);
                else await Refuse($"handshake failed on {owner.Self}: {error}", $"refused: {error}");
                return false;
            }
            (sendCipher, receiveCipher) = Handshake.Session(key, nd, na, dialler: false);
            Key = key;
            return true;
        }

        /// <summary>One line here, the reason to the remote (it shows it as its own line), then the connection closes.</summary>
        async Task Refuse(string toRemote, string line)
        {
            owner.Report(this, line);
            // After a completed key exchange the remote opens every frame, so the refusal is sealed too.
            await TryWrite(new NetworkStream(socket!, ownsSocket: false), Seal(Framing.Refusal(toRemote)));
            Close("refused");
        }

        static async Task TryWrite(Stream s, byte[] frame)
        {
            // Best effort and bounded: a remote that does not read is not waited for.
            using var t = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try { await s.WriteAsync(frame, t.Token); }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException) { }
        }

        void Drop(string reason)
        {
            owner.Report(this, reason);
            Close("bad frame");
        }

        // ---- both ----

        async Task WriteLoop(byte[]? hello)
        {
            var stream = new NetworkStream(socket!, ownsSocket: false);
            try
            {
                if (hello is not null) await stream.WriteAsync(Seal(hello), cts.Token);
                await foreach (var frame in outbox.Reader.ReadAllAsync(cts.Token))
                {
                    Interlocked.Add(ref queuedBytes, -frame.Length);
                    await stream.WriteAsync(Seal(frame), cts.Token);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                Close(e is OperationCanceledException ? "closed" : Describe(e));
            }
        }

        byte[] Seal(byte[] frame) => sendCipher is null ? frame : sendCipher.Seal(frame);

        async Task ReadLoop()
        {
            var options = new FrameReadOptions { FrameTimeout = limits.FrameTimeout, Opener = receiveCipher };
            var bucket = new TokenBucket(limits.InboundFramesPerSecond, limits.InboundFrameBurst, Stopwatch.GetTimestamp());
            var reason = "closed by remote";
            try
            {
                while (!cts.IsCancellationRequested)
                {
                    var r = await Framing.ReadAsync(reader!, header, options, cts.Token);
                    if (r.EndOfStream) break;
                    if (r.Error is { } error)
                    {
                        owner.Report(this, error);
                        reason = "bad frame";
                        break;
                    }
                    if (!bucket.TryTake(Stopwatch.GetTimestamp()))
                    {
                        owner.Report(this, $"over the inbound limit of {limits.InboundFramesPerSecond:0.#} frames/s (burst {limits.InboundFrameBurst:0.#}): flooding");
                        reason = "flooding";
                        break;
                    }
                    var m = r.Message!;
                    if (m is Hello) continue;   // a repeated handshake says nothing new
                    owner.Post(new Received(Clock.NowUs(), Remote!, m));
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                reason = e is OperationCanceledException ? "closed" : Describe(e);
            }
            Close(reason);
        }

        /// <summary>Stops both loops; with <paramref name="flush"/> the queued frames get a moment to leave first.</summary>
        public void Abort(bool flush)
        {
            accepting = false;
            outbox.Writer.TryComplete();
            if (!flush || socket is null) { Close("closed"); return; }
            _ = Task.Run(async () =>
            {
                try { await outbox.Reader.Completion.WaitAsync(TimeSpan.FromMilliseconds(500)); } catch { }
                Close("closed");
            });
        }

        public void Reset()
        {
            try { socket?.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Linger, new LingerOption(true, 0)); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
            Close("reset");
        }

        void Close(string reason)
        {
            if (Interlocked.Exchange(ref closed, 1) == 1) return;
            accepting = false;
            cts.Cancel();
            outbox.Writer.TryComplete();
            try { socket?.Shutdown(SocketShutdown.Both); } catch { }
            socket?.Dispose();
            sendCipher?.Dispose();
            receiveCipher?.Dispose();
            owner.Closed(this, reason);
            done.TrySetResult();
        }

        static string Describe(Exception e) => e switch
        {
            SocketException se => se.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.ConnectionReset => "connection reset",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
                SocketError.TimedOut => "timed out",
                var code => code.ToString(),
            },
            IOException { InnerException: SocketException se } => Describe(se),
            _ => e.Message,
        };
    }
}
