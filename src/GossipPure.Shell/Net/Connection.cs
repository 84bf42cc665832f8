using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using GossipPure.Core;
using GossipPure.Shell.Security;
using GossipPure.Shell.Wire;

namespace GossipPure.Shell.Net;

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
    // With signed membership: the acceptor's challenge the dialler's HELLO signs (Na on a keyed connection).
    byte[]? challenge;
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
        Address = socket?.RemoteEndPoint is IPEndPoint ep ? Transport.Normalize(ep.Address)
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
        timeout.CancelAfter(Transport.ConnectTimeoutMs);
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
                OperationCanceledException => $"no answer within {Transport.ConnectTimeoutMs}ms",
                SocketException se => Describe(se),
                _ => e.Message,
            });
            return;
        }
        socket = s;
        endpoint = s.RemoteEndPoint?.ToString() ?? to.ToString();
        reader = new NetworkStream(s, ownsSocket: false);
        var problem = owner.Keys is { } ring ? await DiallerHandshake(ring.Current.Primary, stop)
            : owner.Signed is not null ? await AwaitChallenge(stop)
            : null;
        if (problem is not null)
        {
            try { s.Dispose(); } catch (ObjectDisposedException) { }
            Failed(to, problem);
            return;
        }
        owner.Identified(this, to);
        _ = Task.Run(() => WriteLoop(owner.HelloFrame(to, challenge)));
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

    Task<string?> DiallerHandshake(ClusterKey key, CancellationToken stop) => HandshakeStep("cluster-key handshake",
        $"cluster-key handshake not answered within {limits.HelloTimeout.TotalSeconds:0.###}s", async deadline =>
        {
            var write = new NetworkStream(socket!, ownsSocket: false);
            var nd = Handshake.NewNonce();
            await write.WriteAsync(Handshake.ClientHello(key, nd), deadline);
            var reply = await Framing.ReadRawAsync(reader!, header, Handshake.MaxFrameBytes, limits.FrameTimeout, deadline);
            // An identity challenge: the acceptor has signed membership but no cluster key; its refusal follows.
            if (reply.Payload is [Framing.ControlMark, (byte)ControlKind.Challenge, ..])
                reply = await Framing.ReadRawAsync(reader!, header, Handshake.MaxFrameBytes, limits.FrameTimeout, deadline);
            if (reply.EndOfStream) return "cluster-key handshake: the remote closed the connection";
            if (reply.Error is { } error) return $"cluster-key handshake: {error}";
            if (!Handshake.TryReadServerHello(reply.Payload, key, nd, out var na, out error))
            {
                if (!error!.StartsWith("refused", StringComparison.Ordinal))
                    await TryWrite(write, Framing.Refusal($"handshake failed on {owner.Self}: {error}"));
                return $"cluster-key handshake: {error}";
            }
            await write.WriteAsync(Handshake.ClientFinish(key, nd, na), deadline);
            (sendCipher, receiveCipher) = Handshake.Session(key, nd, na, dialler: true);
            Key = key;
            challenge = na;
            return null;
        }, stop);

    /// <summary>
    /// Signed membership on a plain connection: says a signed HELLO follows and waits for the acceptor's challenge,
    /// within <see cref="TransportLimits.HelloTimeout"/>. Null when it came.
    /// </summary>
    Task<string?> AwaitChallenge(CancellationToken stop) => HandshakeStep("identity handshake",
        $"identity handshake: no challenge within {limits.HelloTimeout.TotalSeconds:0.###}s", async deadline =>
        {
            await new NetworkStream(socket!, ownsSocket: false).WriteAsync(IdentityHandshake.RequestFrame(), deadline);
            var reply = await Framing.ReadRawAsync(reader!, header, Handshake.MaxFrameBytes, limits.FrameTimeout, deadline);
            if (reply.EndOfStream) return "identity handshake: the remote closed the connection before its challenge";
            if (reply.Error is { } error) return $"identity handshake: {error}";
            if (!IdentityHandshake.TryReadChallenge(reply.Payload, out var got, out error)) return $"identity handshake: {error}";
            challenge = got;
            return null;
        }, stop);

    /// <summary>
    /// One step of the dialler's handshake, bounded by <see cref="TransportLimits.HelloTimeout"/>: null, or the step's
    /// own one-line failure, <paramref name="timedOut"/>, "node stopping", or the broken connection named after <paramref name="name"/>.
    /// </summary>
    async Task<string?> HandshakeStep(string name, string timedOut, Func<CancellationToken, Task<string?>> step, CancellationToken stop)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(limits.HelloTimeout);
        try
        {
            return await step(deadline.Token);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested) { return timedOut; }
        catch (OperationCanceledException) { return "node stopping"; }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            return $"{name}: {Describe(e)}";
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
        var signed = owner.Signed;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        deadline.CancelAfter(limits.HelloTimeout);
        try
        {
            if (signed is not null && ring is null)
            {
                // Signed membership on a plain connection: the challenge goes out at once (keyed: Na is the challenge).
                challenge = IdentityHandshake.NewChallenge();
                await new NetworkStream(socket!, ownsSocket: false).WriteAsync(IdentityHandshake.ChallengeFrame(challenge), deadline.Token);
            }
            var first = await Framing.ReadRawAsync(reader!, header, Transport.FirstFrameMaxBytes, limits.FrameTimeout, deadline.Token);
            if (first.EndOfStream) { Close("closed before its HELLO"); return null; }
            if (first.Error is { } error) { Drop(error); return null; }
            var payload = first.Payload!;
            FrameResult hello;
            var request = payload.Length >= 2 && payload[0] == Framing.ControlMark && payload[1] == (byte)ControlKind.ChallengeRequest;
            if (request && ring is null)
            {
                if (signed is null)
                {
                    await Refuse($"{owner.Self} does not use signed membership (its config.csv has no seed keys)",
                        "refused: it asks for signed membership (an identity challenge), but this node's config.csv has no seed keys");
                    return null;
                }
                var next = await Framing.ReadRawAsync(reader!, header, limits.SignedHelloMaxBytes, limits.FrameTimeout, deadline.Token);
                if (next.EndOfStream) { Close("closed before its HELLO"); return null; }
                if (next.Error is { } nextError) { Drop(nextError); return null; }
                hello = Framing.Decode(next.Payload!);
            }
            else if (payload[0] == Framing.ControlMark && !request)
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
            if (!Transport.SameAddress(hi.From.Ip, Address))
            {
                await Refuse($"your HELLO claims {hi.From}, but you connect from {Address}",
                    $"refused: HELLO claims {hi.From}, but the connection comes from {Address}");
                return null;
            }
            if (signed is not null)
            {
                if (IdentityHandshake.Check(signed, owner.Role, hi, challenge!) is { } no)
                {
                    await Refuse(no.ToRemote, no.Line);
                    return null;
                }
            }
            else if (hi.Key is not null || hi.Proof is not null)
            {
                await Refuse($"{owner.Self} does not use signed membership (its config.csv has no seed keys)",
                    $"refused: a signed HELLO as {hi.From}, but this node's config.csv has no seed keys (unauthenticated membership)");
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
        challenge = na;
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
        var first = true;
        try
        {
            while (!cts.IsCancellationRequested)
            {
                var r = await Framing.ReadAsync(reader!, header, options, cts.Token);
                if (r.EndOfStream) break;
                // A node without signed membership that dialled one with it: the challenge is not for it; the
                // acceptor refuses its unsigned HELLO next, and that refusal is the line (closing now could lose it).
                if (first && Outbound && r.Error == Framing.UnexpectedChallenge) { first = false; continue; }
                first = false;
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
