using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using GossipPure.Core;
using GossipPure.Core.Peers;
using GossipPure.Shell.Hosting;

namespace GossipPure.Shell.Tests;

/// <summary>The control socket: owner-only, one JSON answer a line, a clear error for a bad request, and it serves on.</summary>
public sealed class ControlEndpointTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("gossip-ctl-").FullName;
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static readonly PeerState State = PeerState.Initial(new NodeConfig(new NodeId("127.0.0.1", 7000), toSeq([new NodeId("127.0.0.1", 5011)]), ProtocolOptions.Default));

    ControlEndpoint Start(List<string> warnings) =>
        ControlEndpoint.TryStart(ControlEndpoint.SocketPath(dir, Role.Peer, 7000), q => { q.Reply(ControlJson.Answer(q.Op, State, 0, TimeSpan.Zero)); return true; }, warnings.Add)!;

    static async Task<List<string>> Ask(string path, params string[] lines)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var cts = new CancellationTokenSource(Bound);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cts.Token);
        await using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var answers = new List<string>();
        foreach (var l in lines)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(l + "\n"), cts.Token);
            answers.Add(await reader.ReadLineAsync(cts.Token) ?? "<closed>");
        }
        return answers;
    }

    static JsonElement Json(string line) => JsonDocument.Parse(line).RootElement;

    [Fact]
    public async Task Answers_each_request_on_one_line_and_a_bad_one_with_an_error_then_serves_on()
    {
        var warnings = new List<string>();
        using var endpoint = Start(warnings);
        Assert.Empty(warnings);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(endpoint.Path));

        var answers = await Ask(endpoint.Path, "{\"op\":\"members\"}", "not json", "{\"op\":\"gossip\"}", "{\"op\":\"status\"}");
        var members = Json(answers[0]);
        Assert.True(members.GetProperty("ok").GetBoolean());
        Assert.Equal(["127.0.0.1:5011", "127.0.0.1:7000"], members.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("node").GetString()));
        Assert.Contains("not JSON", Json(answers[1]).GetProperty("error").GetString());
        Assert.Contains("unknown op 'gossip'", Json(answers[2]).GetProperty("error").GetString());
        Assert.Equal("idle", Json(answers[3]).GetProperty("phase").GetString());

        // A request past the limit is refused with a line; the next client is served as usual.
        var huge = await Ask(endpoint.Path, new string('x', ControlEndpoint.MaxRequestBytes + 10));
        Assert.Contains("longer than", Json(huge[0]).GetProperty("error").GetString());
        Assert.True(Json((await Ask(endpoint.Path, "{\"op\":\"members\"}"))[0]).GetProperty("ok").GetBoolean());
    }

    [Fact]
    public void A_socket_of_a_node_that_is_gone_is_replaced_and_one_in_use_is_refused_in_one_line()
    {
        var warnings = new List<string>();
        var path = ControlEndpoint.SocketPath(dir, Role.Peer, 7000);
        // A stale socket file (its node was killed -9): bound, nothing listening, so nothing answers on it.
        using var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        stale.Bind(new UnixDomainSocketEndPoint(path));
        Assert.True(File.Exists(path));
        using var endpoint = Start(warnings);
        Assert.NotNull(endpoint);
        Assert.Empty(warnings);
        // A second node with the same port and folder: refused, the first keeps its socket.
        Assert.Null(Start(warnings));
        Assert.Contains("in use by another running node", Assert.Single(warnings));
    }
}
