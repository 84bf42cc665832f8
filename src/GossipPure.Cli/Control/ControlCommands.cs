using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using GossipPure.Core;
using GossipPure.Shell.Hosting;

namespace GossipPure.Cli.Control;

/// <summary>
/// <c>gossip members</c> and <c>gossip status</c>: ask a running node on this machine, through its control socket
/// in its log folder (specs/control.md), who it knows and how it is doing.
/// </summary>
public static class ControlCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Command("members", "List every node a running node knows: role, state (alive, suspected, dead, left), incarnation, degree, last heard, voters", "members");
        yield return Command("status", "A running node's own counters: messages made, received, duplicates, suspicions, queue depth, uptime", "status");
        yield return Publish();
        yield return Subscribe();
    }

    static (Option<int> Node, Option<string> LogDir) Where() =>
        (new Option<int>("--node") { Description = "The port of the node (a peer on this machine)", Required = true },
         new Option<string>("--log-dir") { Description = "The node's --log-dir, where its control socket is", DefaultValueFactory = _ => "." });

    static Command Publish()
    {
        var (node, logDir) = Where();
        var text = new Argument<string?>("text") { Description = "The payload, as UTF-8 text (or give --file, or pipe it in)", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--file") { Description = "Read the payload (any bytes) from this file" };
        var command = new Command("publish", $"Hand a running peer an application message (at most {AppMessage.MaxBytes} bytes) to gossip to every peer") { node, logDir, text, file };
        command.SetAction(async (pr, ct) =>
        {
            byte[] payload;
            try
            {
                payload = pr.GetValue(file) is { } path ? await File.ReadAllBytesAsync(path, ct)
                    : pr.GetValue(text) is { } t ? Encoding.UTF8.GetBytes(t)
                    : await ReadAll(Console.OpenStandardInput(), ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"gossip publish: cannot read the payload: {e.Message}");
                return 2;
            }
            if (payload.Length > AppMessage.MaxBytes)
            {
                Console.Error.WriteLine($"gossip publish: the payload is {payload.Length} bytes; the limit is {AppMessage.MaxBytes} (64 KiB)");
                return 2;
            }
            var port = pr.GetValue(node);
            return await AskAndShow("publish", pr.GetValue(logDir)!, port, "publish", Convert.ToBase64String(payload), ct, (_, root) =>
                Console.WriteLine($"published {root.GetProperty("id").GetString()} ({root.GetProperty("size").GetInt32()} bytes) from 127.0.0.1:{port} to {root.GetProperty("sent_to").GetInt32()} neighbours"));
        });
        return command;
    }

    static async Task<byte[]> ReadAll(Stream input, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        // Read one byte past the limit at most: enough to say it is too big.
        while (buffer.Length <= AppMessage.MaxBytes && (n = await input.ReadAsync(chunk, ct)) > 0) buffer.Write(chunk, 0, n);
        return buffer.ToArray();
    }

    static Command Subscribe()
    {
        var (node, logDir) = Where();
        var json = new Option<bool>("--json") { Description = "Print each delivery as the node sends it (one JSON object a line, payload as base64)" };
        var command = new Command("subscribe", "Print every application message a running peer receives for the first time, as it arrives (Ctrl+C ends)") { node, logDir, json };
        command.SetAction(async (pr, ct) =>
        {
            var port = pr.GetValue(node);
            var dir = pr.GetValue(logDir)!;
            if (SocketOf(dir, port) is not { } path)
            {
                Console.Error.WriteLine($"gossip subscribe: {NoSocket(dir, port)}");
                return 1;
            }
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                await using var stream = new NetworkStream(socket);
                await stream.WriteAsync(Encoding.UTF8.GetBytes("{\"op\":\"subscribe\"}\n"), ct);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var first = await reader.ReadLineAsync(ct);
                if (first is null || !first.Contains("\"subscribed\":true", StringComparison.Ordinal))
                {
                    Console.Error.WriteLine($"gossip subscribe: the node on port {port} did not take the subscription ({first ?? "it closed the connection"})");
                    return 1;
                }
                Console.Error.WriteLine($"subscribed to 127.0.0.1:{port}: every application message it receives for the first time, one a line (Ctrl+C ends)");
                var asJson = pr.GetValue(json);
                while (await reader.ReadLineAsync(ct) is { } line)
                {
                    if (asJson) { Console.WriteLine(line); continue; }
                    using var doc = JsonDocument.Parse(line);
                    var d = doc.RootElement;
                    if (d.TryGetProperty("error", out var err)) { Console.Error.WriteLine($"gossip subscribe: {err.GetString()}"); continue; }
                    Console.WriteLine($"{d.GetProperty("origin").GetString()} {d.GetProperty("id").GetString()} {Shown(d.GetProperty("data").GetString()!)}");
                }
                Console.Error.WriteLine($"gossip subscribe: the node on port {port} closed the subscription (it stopped)");
                return 1;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 0;
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                Console.Error.WriteLine($"gossip subscribe: cannot reach the node on port {port} at '{path}': {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>A payload as text when it is UTF-8 without control characters, else as base64 (marked so).</summary>
    static string Shown(string data)
    {
        var bytes = Convert.FromBase64String(data);
        try
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            return text.Any(char.IsControl) ? $"base64:{data}" : text;
        }
        catch (DecoderFallbackException)
        {
            return $"base64:{data}";
        }
    }

    static string? SocketOf(string logDir, int port) =>
        new[] { Role.Peer, Role.Seed }.Select(r => ControlEndpoint.SocketPath(logDir, r, port)).FirstOrDefault(File.Exists);

    static string NoSocket(string logDir, int port) =>
        $"no node on port {port} has a control socket in '{Path.GetFullPath(logDir)}' (is it running, with this --log-dir?)";

    static Command Command(string name, string description, string op)
    {
        var node = new Option<int>("--node") { Description = "The port of the node to ask (a seed or a peer on this machine)", Required = true };
        var logDir = new Option<string>("--log-dir") { Description = "The node's --log-dir, where its control socket is", DefaultValueFactory = _ => "." };
        var json = new Option<bool>("--json") { Description = "Print the node's answer as JSON (one object)" };
        var command = new Command(name, description) { node, logDir, json };
        command.SetAction((pr, ct) => AskAndShow(name, pr.GetValue(logDir)!, pr.GetValue(node), op, null, ct, (answer, root) =>
        {
            if (pr.GetValue(json)) Console.WriteLine(answer);
            else if (op == "members") PrintMembers(root);
            else PrintStatus(root);
        }));
        return command;
    }

    /// <summary>Asks the node; on an answer that is not an error, shows it (exit code 0), else says why in one line (exit code 1).</summary>
    static async Task<int> AskAndShow(string command, string logDir, int port, string op, string? data, CancellationToken ct, Action<string, JsonElement> show)
    {
        var (answer, error) = await Ask(logDir, port, op, ct, data);
        if (answer is null)
        {
            Console.Error.WriteLine($"gossip {command}: {error}");
            return 1;
        }
        using var doc = JsonDocument.Parse(answer);
        var root = doc.RootElement;
        if (!root.GetProperty("ok").GetBoolean())
        {
            Console.Error.WriteLine($"gossip {command}: the node answered: {root.GetProperty("error").GetString()}");
            return 1;
        }
        show(answer, root);
        return 0;
    }

    /// <summary>Sends one request to the node on <paramref name="port"/> and returns its answer line, or why there is none.</summary>
    public static async Task<(string? Answer, string? Error)> Ask(string logDir, int port, string op, CancellationToken ct, string? data = null)
    {
        if (SocketOf(logDir, port) is not { } path) return (null, NoSocket(logDir, port));
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), bounded.Token);
            await using var stream = new NetworkStream(socket);
            var request = data is null ? $"{{\"op\":\"{op}\"}}" : $"{{\"op\":\"{op}\",\"data\":\"{data}\"}}";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(request + "\n"), bounded.Token);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var line = await reader.ReadLineAsync(bounded.Token);
            return line is null ? (null, $"the node on port {port} closed the connection without an answer") : (line, null);
        }
        catch (SocketException e)
        {
            return (null, $"cannot reach the node on port {port} at '{path}': {e.Message} (it is not running: the socket file is left from an earlier run)");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"the node on port {port} did not answer within 15s");
        }
        catch (IOException e)
        {
            return (null, $"the connection to the node on port {port} broke: {e.Message}");
        }
    }

    static void PrintMembers(JsonElement root)
    {
        var rows = new List<string[]> { new[] { "NODE", "ROLE", "STATE", "INCARNATION", "DEGREE", "LAST HEARD", "VOTERS" } };
        var nowUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        foreach (var m in root.GetProperty("members").EnumerateArray())
        {
            string Num(string field) => m.GetProperty(field).ValueKind == JsonValueKind.Number ? m.GetProperty(field).GetInt64().ToString(CultureInfo.InvariantCulture) : "";
            var heard = m.GetProperty("last_heard_us").ValueKind == JsonValueKind.Number
                ? $"{Math.Max(0, nowUs - m.GetProperty("last_heard_us").GetInt64()) / 1000.0 / 1000:0.0}s ago" : "";
            rows.Add([m.GetProperty("node").GetString()!, m.GetProperty("role").GetString()!, m.GetProperty("state").GetString()!,
                Num("incarnation"), Num("degree"), heard, string.Join(",", m.GetProperty("voters").EnumerateArray().Select(v => v.GetString()))]);
        }
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var r in rows) Console.WriteLine(string.Join("  ", r.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
    }

    static void PrintStatus(JsonElement root)
    {
        foreach (var p in root.EnumerateObject().Where(p => p.Name != "ok"))
            Console.WriteLine($"{p.Name + ":",-12} {(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}");
    }
}
