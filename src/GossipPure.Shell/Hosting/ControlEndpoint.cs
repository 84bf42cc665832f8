using System.Buffers;
using System.Net.Sockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;
using GossipPure.Core;
using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;

namespace GossipPure.Shell.Hosting;

/// <summary>A question for the node's loop from the control endpoint: answered there, from the state, then.</summary>
public sealed class ControlQuery(string op, string? data = null)
{
    readonly TaskCompletionSource<string> answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public string Op { get; } = op;
    /// <summary>For <c>publish</c>: the payload, as base64.</summary>
    public string? Data { get; } = data;
    /// <summary>For <c>publish</c>: the effects of the step that took it (set before the answer).</summary>
    public LanguageExt.Seq<Effect> Effects { get; set; }
    public Task<string> Answer => answer.Task;
    public void Reply(string line) => answer.TrySetResult(line);
}

/// <summary>
/// A node's local control endpoint (specs/control.md): a Unix domain socket in its log folder,
/// <c>gossip_&lt;role&gt;_&lt;port&gt;.sock</c>, owner-only, that takes one JSON request a line
/// (<c>{"op":"members"}</c>, <c>{"op":"status"}</c>) and answers each with one JSON line. It reads the node's state on
/// the node's loop (<see cref="ControlQuery"/>) and changes nothing; the core's <see cref="Views"/> say what the
/// state holds. Nothing listens on a network address; unused, it is one blocked accept.
/// </summary>
public sealed class ControlEndpoint : IDisposable
{
    /// <summary>Longest request line (a <c>publish</c> of the largest payload fits); a longer one is answered with an error and the connection closed.</summary>
    public const int MaxRequestBytes = AppMessage.MaxDataChars + 1024;
    /// <summary>Connections served at once; more wait in the listen queue.</summary>
    public const int MaxClients = 8;
    /// <summary>A Unix socket path's limit (sockaddr_un.sun_path, with its terminating zero).</summary>
    public const int MaxPathBytes = 107;

    /// <summary>Deliveries one subscriber may fall behind by; past it the oldest go, and it is told how many.</summary>
    public const int SubscriberBacklog = 4096;

    readonly Socket listener;
    readonly Func<ControlQuery, bool> post;
    readonly List<Subscriber> subscribers = new();   // under its own lock

    sealed class Subscriber
    {
        public readonly Channel<string> Lines = Channel.CreateBounded<string>(new BoundedChannelOptions(SubscriberBacklog)
        {
            FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true,
        });
        public int Dropped;
    }

    /// <summary>Whether anyone subscribed: the node builds a delivery's line only then.</summary>
    public bool HasSubscribers { get { lock (subscribers) return subscribers.Count > 0; } }

    /// <summary>Hands one delivery's JSON line to every subscriber (from the node's loop: never blocks).</summary>
    public void Deliver(string line)
    {
        lock (subscribers)
            foreach (var s in subscribers)
                if (!s.Lines.Writer.TryWrite(line)) Interlocked.Increment(ref s.Dropped);
    }
    readonly CancellationTokenSource stop = new();
    readonly SemaphoreSlim slots = new(MaxClients);

    ControlEndpoint(Socket listener, string path, Func<ControlQuery, bool> post)
    {
        this.listener = listener;
        this.post = post;
        Path = path;
        _ = AcceptLoop();
    }

    public string Path { get; }

    public static string SocketPath(string logDir, Role role, int port) =>
        System.IO.Path.Combine(logDir, $"gossip_{(role == Role.Seed ? "seed" : "peer")}_{port}.sock");

    /// <summary>
    /// Listens at <paramref name="path"/> (a stale socket file of a node that is gone is replaced), or says in one
    /// line why not and returns null: the node runs on without it.
    /// </summary>
    public static ControlEndpoint? TryStart(string path, Func<ControlQuery, bool> post, Action<string> warn)
    {
        if (Encoding.UTF8.GetByteCount(path) > MaxPathBytes)
        {
            warn($"No control socket: '{path}' is longer than a Unix socket path may be ({MaxPathBytes} bytes); use a shorter --log-dir");
            return null;
        }
        Socket? s = null;
        try
        {
            if (File.Exists(path))
            {
                if (Answers(path))
                {
                    warn($"No control socket: '{path}' is in use by another running node");
                    return null;
                }
                File.Delete(path);
            }
            s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Bind(new UnixDomainSocketEndPoint(path));
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            s.Listen(MaxClients);
            return new ControlEndpoint(s, path, post);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            s?.Dispose();
            warn($"No control socket at '{path}': {e.Message}");
            return null;
        }
    }

    static bool Answers(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try { probe.Connect(new UnixDomainSocketEndPoint(path)); return true; }
        catch (SocketException) { return false; }
    }

    async Task AcceptLoop()
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                await slots.WaitAsync(stop.Token);
                client = await listener.AcceptAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Serve(client);
        }
    }

    async Task Serve(Socket client)
    {
        try
        {
            using var _ = client;
            await using var stream = new NetworkStream(client, ownsSocket: false);
            var buffer = new byte[MaxRequestBytes + 1];
            var filled = 0;
            while (!stop.IsCancellationRequested)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(filled), stop.Token);
                if (n == 0) return;
                filled += n;
                int nl;
                while ((nl = Array.IndexOf(buffer, (byte)'\n', 0, filled)) >= 0)
                {
                    var line = Encoding.UTF8.GetString(buffer, 0, nl).TrimEnd('\r');
                    Buffer.BlockCopy(buffer, nl + 1, buffer, 0, filled - nl - 1);
                    filled -= nl + 1;
                    var (op, data, error) = Parse(line);
                    if (op == "subscribe")
                    {
                        await Stream(stream);
                        return;
                    }
                    var answer = error is not null ? ControlJson.Error(error) : await AnswerTo(op, data);
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(answer + "\n"), stop.Token);
                }
                if (filled > MaxRequestBytes)
                {
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(ControlJson.Error($"request longer than {MaxRequestBytes} bytes") + "\n"), stop.Token);
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, or the node is stopping: nothing to answer.
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>
    /// The rest of a subscriber's connection: every first-time delivery of an application message at this node, one
    /// JSON line each, until the client closes it or the node stops.
    /// </summary>
    async Task Stream(NetworkStream stream)
    {
        var me = new Subscriber();
        lock (subscribers) subscribers.Add(me);
        try
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(ControlJson.Subscribed() + "\n"), stop.Token);
            using var gone = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            // The client says nothing more; a read that ends means it went away.
            _ = stream.ReadAsync(new byte[1], gone.Token).AsTask().ContinueWith(_ => gone.Cancel(), TaskScheduler.Default);
            while (await me.Lines.Reader.WaitToReadAsync(gone.Token))
                while (me.Lines.Reader.TryRead(out var line))
                {
                    var dropped = Interlocked.Exchange(ref me.Dropped, 0);
                    if (dropped > 0)
                        await stream.WriteAsync(Encoding.UTF8.GetBytes(ControlJson.Error($"{dropped} deliveries dropped: this subscriber reads more slowly than they come") + "\n"), gone.Token);
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), gone.Token);
                }
        }
        finally
        {
            lock (subscribers) subscribers.Remove(me);
        }
    }

    /// <summary>A request line's <c>op</c> and <c>data</c>, or why it is not a request.</summary>
    static (string? Op, string? Data, string? Error) Parse(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, null, null);
            static string? Text(JsonElement root, string name) =>
                root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return (Text(root, "op"), Text(root, "data"), null);
        }
        catch (JsonException)
        {
            return (null, null, "the request is not JSON: send one object a line, e.g. {\"op\":\"members\"}");
        }
    }

    async Task<string> AnswerTo(string? op, string? data)
    {
        if (op is not ("members" or "status" or "publish")) return ControlJson.Error($"unknown op '{op}': members, status, publish or subscribe");
        if (op == "publish" && data is null) return ControlJson.Error("publish needs \"data\": the payload as base64");
        var query = new ControlQuery(op, data);
        if (!post(query)) return ControlJson.Error("the node is stopping");
        var done = await Task.WhenAny(query.Answer, Task.Delay(TimeSpan.FromSeconds(10), stop.Token));
        return done == query.Answer ? query.Answer.Result : ControlJson.Error("the node did not answer within 10s (it is stopped or overloaded)");
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Dispose();
        try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The JSON of the control endpoint's answers (specs/control.md), one line each.</summary>
public static class ControlJson
{
    static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The answer to <paramref name="op"/> about a node whose state is <paramref name="state"/>.</summary>
    /// <param name="queued">Inputs waiting in the node's inbox.</param>
    /// <param name="uptime">How long the node has run.</param>
    public static string Answer(string op, object? state, int queued, TimeSpan uptime) => state switch
    {
        PeerState p => op == "members" ? Members(Views.Members(p)) : Status(Views.Status(p), queued, uptime),
        SeedState s => op == "members" ? Members(Views.Members(s)) : Status(Views.Status(s), queued, uptime),
        _ => Error("the node has no state to show"),
    };

    public static string Error(string message) => Write(w => { w.WriteBoolean("ok", false); w.WriteString("error", message); });

    public static string Subscribed() => Write(w => { w.WriteBoolean("ok", true); w.WriteBoolean("subscribed", true); });

    /// <summary>What a subscriber reads for one first-time delivery: who made it, its id, its payload (base64), where it came from, how late.</summary>
    public static string Delivery(Deliver e) => Write(w =>
    {
        w.WriteString("origin", e.Origin.ToString());
        w.WriteString("id", e.Id);
        w.WriteNumber("size", AppMessage.SizeOf(e.Data));
        w.WriteString("data", e.Data);
        w.WriteString("from", e.From.ToString());
        w.WriteNumber("latency_ms", Math.Round(e.LatencyUs / 1000.0, 3));
    });

    /// <summary>The answer to a <c>publish</c>, from the effects of the step that took it.</summary>
    public static string Published(LanguageExt.Seq<Effect> effects) =>
        effects.Find(e => e is AppMade or PublishRefused).Case switch
        {
            AppMade m => Write(w => { w.WriteBoolean("ok", true); w.WriteString("id", m.Id); w.WriteNumber("size", m.Size); w.WriteNumber("sent_to", m.SentTo); }),
            PublishRefused r => Error($"not gossiped: {r.Why}"),
            _ => Error("not gossiped"),
        };

    static string Members(LanguageExt.Seq<MemberView> members) => Write(w =>
    {
        w.WriteBoolean("ok", true);
        w.WriteStartArray("members");
        foreach (var m in members)
        {
            w.WriteStartObject();
            w.WriteString("node", m.Node.ToString());
            w.WriteString("role", m.Role == Role.Seed ? "seed" : "peer");
            w.WriteString("state", m.State);
            if (m.Incarnation is { } inc) w.WriteNumber("incarnation", inc); else w.WriteNull("incarnation");
            if (m.Degree is { } d) w.WriteNumber("degree", d); else w.WriteNull("degree");
            if (m.LastHeardUs is { } heard) w.WriteNumber("last_heard_us", heard); else w.WriteNull("last_heard_us");
            w.WriteStartArray("voters");
            foreach (var v in m.Voters) w.WriteStringValue(v.ToString());
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    static string Status(StatusView v, int queued, TimeSpan uptime) => Write(w =>
    {
        w.WriteBoolean("ok", true);
        w.WriteString("node", v.Self.ToString());
        w.WriteString("role", v.Role == Role.Seed ? "seed" : "peer");
        w.WriteString("phase", v.Phase);
        w.WriteNumber("incarnation", v.Incarnation);
        w.WriteNumber("members", v.Members);
        w.WriteNumber("suspected", v.Suspected);
        w.WriteNumber("dead", v.Dead);
        w.WriteNumber("neighbours", v.Neighbours);
        w.WriteNumber("made", v.Made);
        w.WriteNumber("received", v.FirstTime);
        w.WriteNumber("duplicates", v.Duplicates);
        w.WriteNumber("stale", v.Stale);
        w.WriteNumber("health", v.Health);
        w.WriteNumber("queued", queued);
        w.WriteNumber("uptime_s", Math.Round(uptime.TotalSeconds, 1));
    });

    static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
