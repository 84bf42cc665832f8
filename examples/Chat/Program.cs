using System.Text;
using GossipPure;

// chat --config config.csv --port 6100 [--ip 127.0.0.1] [--log-dir DIR] [--say TEXT] [--wait-for N]
// Joins the network of config.csv as a peer, says TEXT once it is registered, prints every line the others say,
// and leaves (cleanly, as Ctrl+C does) after N of them, or on Ctrl+C.
string Arg(string name, string? fallback = null) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1]
    : fallback ?? throw new ArgumentException($"chat: {name} is missing (chat --config config.csv --port 6100 [--say TEXT] [--wait-for N])");

try
{
    var options = new GossipNodeOptions
    {
        Ip = Arg("--ip", "127.0.0.1"),
        Port = int.Parse(Arg("--port")),
        ConfigPath = Arg("--config"),
        LogDir = Arg("--log-dir", "."),
    };
    var waitFor = int.Parse(Arg("--wait-for", "0"));
    using var quit = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; quit.Cancel(); };

    await using var node = await GossipNode.StartPeerAsync(options, quit.Token);
    await node.WaitRegisteredAsync(TimeSpan.FromSeconds(60), quit.Token);
    Console.WriteLine($"chat: {node.Address} joined the network");
    if (Array.IndexOf(args, "--say") >= 0)
        Console.WriteLine($"chat: said {await node.PublishAsync(Encoding.UTF8.GetBytes(Arg("--say")), quit.Token)}");

    var heard = 0;
    await foreach (var d in node.ReadDeliveriesAsync(quit.Token))
    {
        Console.WriteLine($"{d.Origin}: {Encoding.UTF8.GetString(d.Payload.Span)}");
        if (++heard == waitFor) break;
    }
    Console.WriteLine($"chat: {node.Address} leaves");
    return 0;
}
catch (OperationCanceledException)
{
    return 0;
}
catch (Exception e) when (e is ArgumentException or InvalidOperationException or TimeoutException or IOException or FormatException)
{
    Console.Error.WriteLine($"chat: {e.Message}");
    return 1;
}
