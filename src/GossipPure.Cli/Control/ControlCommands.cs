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
    }

    static Command Command(string name, string description, string op)
    {
        var node = new Option<int>("--node") { Description = "The port of the node to ask (a seed or a peer on this machine)", Required = true };
        var logDir = new Option<string>("--log-dir") { Description = "The node's --log-dir, where its control socket is", DefaultValueFactory = _ => "." };
        var json = new Option<bool>("--json") { Description = "Print the node's answer as JSON (one object)" };
        var command = new Command(name, description) { node, logDir, json };
        command.SetAction(async (pr, ct) =>
        {
            var port = pr.GetValue(node);
            var dir = pr.GetValue(logDir)!;
            var (answer, error) = await Ask(dir, port, op, ct);
            if (answer is null)
            {
                Console.Error.WriteLine($"gossip {name}: {error}");
                return 1;
            }
            using var doc = JsonDocument.Parse(answer);
            var root = doc.RootElement;
            if (!root.GetProperty("ok").GetBoolean())
            {
                Console.Error.WriteLine($"gossip {name}: the node answered: {root.GetProperty("error").GetString()}");
                return 1;
            }
            if (pr.GetValue(json)) Console.WriteLine(answer);
            else if (op == "members") PrintMembers(root);
            else PrintStatus(root);
            return 0;
        });
        return command;
    }

    /// <summary>Sends one request to the node on <paramref name="port"/> and returns its answer line, or why there is none.</summary>
    public static async Task<(string? Answer, string? Error)> Ask(string logDir, int port, string op, CancellationToken ct)
    {
        var path = new[] { Role.Peer, Role.Seed }.Select(r => ControlEndpoint.SocketPath(logDir, r, port)).FirstOrDefault(File.Exists);
        if (path is null)
            return (null, $"no node on port {port} has a control socket in '{Path.GetFullPath(logDir)}' (is it running, with this --log-dir?)");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), bounded.Token);
            await using var stream = new NetworkStream(socket);
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"op\":\"{op}\"}}\n"), bounded.Token);
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
