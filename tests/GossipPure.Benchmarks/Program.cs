using BenchmarkDotNet.Running;

// The hot paths of a node: frame encode/decode, the peer reducer on the gossip path, the seed reducer on a
// registration. Run: dotnet run -c Release --project tests/GossipPure.Benchmarks -- --filter '*'
if (args is ["handshake-loop", ..])
{
    await GossipPure.Benchmarks.HandshakeLoop.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 100);
    return;
}
if (args is ["roll-loop", ..])
{
    GossipPure.Benchmarks.RollLoop.Run(args.Length > 1 ? int.Parse(args[1]) : 120, args.Length > 2 ? int.Parse(args[2]) : 4);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(GossipPure.Benchmarks.FrameBenchmarks).Assembly).Run(args);
