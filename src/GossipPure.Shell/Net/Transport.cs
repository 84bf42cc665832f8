using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using GossipPure.Core;
using GossipPure.Shell.Wire;

namespace GossipPure.Shell.Net;

/// <summary>
/// TCP for one node: a listener, the connections it accepted and dialled, and framing. It turns bytes into
/// inputs (posted through <c>post</c>) and <see cref="Send"/>/<see cref="Connect"/> effects into bytes. Every
/// connection starts with a HELLO from the dialler; from then on the sender of a frame is the node it named.
/// </summary>
public sealed class Transport : IAsyncDisposable
{
    public const int ConnectTimeoutMs = 2000;
    /// <summary>Frames queued for one connection before the node stops queueing for it (a stalled reader).</summary>
    public const int OutboxLimit = 10_000;

    readonly NodeId self;
    readonly Role role;
    readonly Action<Input> post;
    readonly CancellationTokenSource stopping = new();
    readonly object gate = new();
    readonly Dictionary<NodeId, List<Connection>> open = new();
    readonly Dictionary<NodeId, Connection> dialling = new();
    readonly HashSet<Connection> all = new();
    Socket? listener;
    Task? acceptLoop;

    public Transport(NodeId self, Role role, Action<Input> post)
    {
        this.self = self;
        this.role = role;
        this.post = post;
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
        acceptLoop = Task.Run(AcceptLoop);
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
            s.NoDelay = true;
            var c = new Connection(this, s, remote: null, hello: null);
            lock (gate) all.Add(c);
            c.Start();
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
            if (open.TryGetValue(to, out var list) && list.Count > 0) c = list[^1];
            else if (!dialling.TryGetValue(to, out c))
            {
                c = new Connection(this, socket: null, remote: to, hello: Framing.Frame(new Hello(self, role)));
                dialling[to] = c;
                all.Add(c);
                dial = true;
            }
        }
        if (frame is not null) c.Enqueue(frame);
        if (dial) _ = c.DialAsync(stopping.Token);
    }

    // ---- called by connections ----

    internal void Post(Input i)
    {
        if (!stopping.IsCancellationRequested) post(i);
    }

    internal void Identified(Connection c, NodeId node)
    {
        bool first;
        lock (gate)
        {
            if (c.Outbound) dialling.Remove(node);
            if (!open.TryGetValue(node, out var list)) open[node] = list = new List<Connection>();
            first = list.Count == 0;
            list.Add(c);
        }
        if (first) Post(new Connected(Clock.NowUs(), node));
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
            if (c.Remote is { } node && open.TryGetValue(node, out var list) && list.Remove(c))
            {
                last = list.Count == 0 && !dialling.ContainsKey(node);
                if (list.Count == 0) open.Remove(node);
            }
        }
        if (last && c.Remote is { } n) Post(new Disconnected(Clock.NowUs(), n, reason));
    }

    /// <summary>What the kernel does to a killed process's sockets: the listener closes, every connection is reset.</summary>
    public void Reset()
    {
        stopping.Cancel();
        listener?.Dispose();
        Connection[] conns;
        lock (gate) conns = all.ToArray();
        foreach (var c in conns) c.Reset();
    }

    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested) return;
        stopping.Cancel();
        listener?.Dispose();
        Connection[] conns;
        lock (gate) conns = all.ToArray();
        foreach (var c in conns) c.Abort(flush: true);
        try { await Task.WhenAll(conns.Select(c => c.Completion).Append(acceptLoop ?? Task.CompletedTask)).WaitAsync(TimeSpan.FromSeconds(2)); }
        catch (TimeoutException) { }
        catch (Exception) { /* connections report their own ends; closing is best effort */ }
    }

    /// <summary>One TCP connection: a reader loop posting inputs and a writer loop draining the outbox.</summary>
    internal sealed class Connection
    {
        readonly Transport owner;
        readonly Channel<byte[]> outbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(OutboxLimit)
        { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
        readonly CancellationTokenSource cts = new();
        readonly byte[]? hello;
        readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Socket? socket;
        string endpoint;
        int closed;

        public Connection(Transport owner, Socket? socket, NodeId? remote, byte[]? hello)
        {
            this.owner = owner;
            this.socket = socket;
            this.hello = hello;
            Remote = remote;
            Outbound = hello is not null;
            endpoint = socket?.RemoteEndPoint?.ToString() ?? remote?.ToString() ?? "?";
        }

        public NodeId? Remote { get; private set; }
        public bool Outbound { get; }
        public Task Completion => done.Task;

        public void Enqueue(byte[] frame) => outbox.Writer.TryWrite(frame);

        public async Task DialAsync(CancellationToken stop)
        {
            var to = Remote!;
            var s = new Socket(IPAddress.TryParse(to.Ip, out var a) ? a.AddressFamily : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(ConnectTimeoutMs);
            try
            {
                await s.ConnectAsync(to.Ip, to.Port, timeout.Token);
                s.NoDelay = true;
            }
            catch (Exception e)
            {
                s.Dispose();
                outbox.Writer.TryComplete();
                done.TrySetResult();
                var reason = e switch
                {
                    OperationCanceledException when stop.IsCancellationRequested => "node stopping",
                    OperationCanceledException => $"no answer within {ConnectTimeoutMs}ms",
                    SocketException se => Describe(se),
                    _ => e.Message,
                };
                owner.DialFailed(this, to, reason);
                return;
            }
            socket = s;
            endpoint = s.RemoteEndPoint?.ToString() ?? to.ToString();
            owner.Identified(this, to);
            Start();
        }

        public void Start()
        {
            _ = Task.Run(WriteLoop);
            _ = Task.Run(ReadLoop);
        }

        async Task WriteLoop()
        {
            var stream = new NetworkStream(socket!, ownsSocket: false);
            try
            {
                if (hello is not null) await stream.WriteAsync(hello, cts.Token);
                await foreach (var frame in outbox.Reader.ReadAllAsync(cts.Token))
                    await stream.WriteAsync(frame, cts.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                Close(e is OperationCanceledException ? "closed" : Describe(e));
            }
        }

        async Task ReadLoop()
        {
            var stream = new NetworkStream(socket!, ownsSocket: false);
            var header = new byte[4];
            var reason = "closed by remote";
            try
            {
                while (!cts.IsCancellationRequested)
                {
                    var r = await Framing.ReadAsync(stream, header, cts.Token);
                    if (r.EndOfStream) break;
                    if (r.Error is { } error)
                    {
                        owner.Post(new BadFrame(Clock.NowUs(), Who, error));
                        reason = "bad frame";
                        break;
                    }
                    var m = r.Message!;
                    if (Remote is null)
                    {
                        if (m is not Hello h)
                        {
                            owner.Post(new BadFrame(Clock.NowUs(), Who, $"first frame is {Core.Wire.TypeName(m)}, expected HELLO"));
                            reason = "no handshake";
                            break;
                        }
                        Remote = h.From;
                        owner.Identified(this, h.From);
                        continue;
                    }
                    if (m is Hello) continue;   // a repeated handshake says nothing new
                    owner.Post(new Received(Clock.NowUs(), Remote, m));
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                reason = e is OperationCanceledException ? "closed" : Describe(e);
            }
            Close(reason);
        }

        string Who => Remote is { } r ? $"{r} ({endpoint})" : endpoint;

        /// <summary>Stops both loops; with <paramref name="flush"/> the queued frames get a moment to leave first.</summary>
        public void Abort(bool flush)
        {
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
            cts.Cancel();
            outbox.Writer.TryComplete();
            try { socket?.Shutdown(SocketShutdown.Both); } catch { }
            socket?.Dispose();
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
