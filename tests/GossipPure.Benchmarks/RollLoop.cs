using System.Diagnostics;
using GossipPure.Core;
using GossipPure.Core.Peers;
using GossipPure.Shell.Hosting;
using GossipPure.Simulation;

namespace GossipPure.Benchmarks;

/// <summary>
/// Issue 17, end to end on the loop's side: a busy peer's recorded run (a peer of 20, everyone gossiping every 200 ms,
/// the simulator's inputs) stepped and recorded as the node loop does it (step the reducer, <see cref="InputRecorder.Append"/>
/// with the state before, hand the buffer over every 8 steps as an emptied inbox would), each step timed alone, with a
/// budget that never rolls (256 MiB) and one that rolls every few hundred KiB (1 MiB). The inputs come in step with the
/// run's own clock, sped up (a node takes its inputs as they come, so its writer has the time between them). Prints the
/// step times' percentiles.
/// Run: dotnet run -c Release --project tests/GossipPure.Benchmarks -- roll-loop [seconds of simulated run, 120] [speed-up, 4]
/// </summary>
public static class RollLoop
{
    public static void Run(int seconds, int speedUp)
    {
        var result = Simulator.Run(new Scenario
        {
            Seed = 17, Seeds = 3, Peers = 20, RunUntilUs = seconds * 1_000_000L, KeepLogs = false,
            Options = ProtocolOptions.Default with { GossipIntervalMs = 200, GossipCount = 100_000 },
        });
        var node = Addresses.Peer(0);
        var config = result.Peers[node].Config;
        var inputs = result.Trace.Where(s => s.Node == node).Select(s => s.Input).ToList();
        Console.WriteLine($"// {inputs.Count} steps of {node} over {seconds} s simulated");
        foreach (var retainMb in new[] { 256, 1, 256, 1 })
        {
            var dir = Directory.CreateTempSubdirectory("gossip-roll-loop-").FullName;
            try
            {
                var times = new double[inputs.Count];
                var state = PeerState.Initial(config);
                var path = Path.Combine(dir, "events_peer_6001.jsonl");
                using (var recorder = new InputRecorder(path, Role.Peer, config, 42, DiskBudget.OfMb(retainMb)))
                {
                    var started = Stopwatch.GetTimestamp();
                    for (var i = 0; i < inputs.Count; i++)
                    {
                        // In step with the run's own time, sped up: a node takes its inputs as they come.
                        var dueUs = (inputs[i].NowUs - inputs[0].NowUs) / speedUp;
                        while (Stopwatch.GetElapsedTime(started).TotalMicroseconds < dueUs) Thread.Sleep(1);
                        var t0 = Stopwatch.GetTimestamp();
                        var step = PeerReducer.Step(state, inputs[i]);
                        recorder.Append(inputs[i], step.Effects, state);
                        state = step.State;
                        if (i % 8 == 7) recorder.HandOver();
                        times[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
                    }
                }
                // The current segment's header says which segment of the run it is: one more than the rolls.
                var rolls = int.Parse(System.Text.RegularExpressions.Regex.Match(File.ReadLines(path).First(), "\"segment\":([0-9]+)").Groups[1].Value) - 1;
                Array.Sort(times);
                double At(double q) => times[Math.Min(times.Length - 1, (int)(q * times.Length))];
                Console.WriteLine($"--retain-mb {retainMb,3}: {rolls,4} rolls; step µs p50 {At(0.5):F1}  p99 {At(0.99):F1}  p99.9 {At(0.999):F1}  max {times[^1]:F0}");
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
