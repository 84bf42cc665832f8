using System.CommandLine;
using System.Text;

namespace GossipPure.Cli.Replay;

/// <summary>
/// <c>gossip replay &lt;events-file&gt; [--at N] [--until N] [--quiet] [--key-dir DIR]</c>: runs the pure reducer over a
/// recorded run and checks it decides the same effects at every step (a signed run with the node's own key). <c>--why IP:PORT</c> instead explains, from the recorded
/// events, what happened to that node at this one (<see cref="Why"/>).
/// </summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("events-file") { Description = "An events_<role>_<port>.jsonl file a node wrote" };
        var at = new Option<long?>("--at") { Description = "Replay up to step N, print it and the node's full state, and stop" };
        var until = new Option<long?>("--until") { Description = "Stop after step N" };
        var quiet = new Option<bool>("--quiet") { Description = "Print only differences, notes and the final line" };
        var keyDir = new Option<string?>("--key-dir") { Description = "A signed run replays with the node's own key file gossip_<ip>_<port>.key: the folder that holds it (default: the events file's folder, then the working folder)" };
        var why = new Option<string?>("--why") { Description = "Explain from the recorded events why the node IP:PORT was suspected, reported, confirmed dead or purged at this node (or say it never was)" };
        var command = new Command("replay",
            "Replay a node's event log through the pure reducer: print each step (input → effects | state) and check the effects match the recorded ones")
            { file, at, until, quiet, why, keyDir };
        command.SetAction(pr =>
        {
            var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false, NewLine = "\n" };
            try
            {
                if (pr.GetValue(why) is { } node)
                    return pr.GetValue(at) is null && pr.GetValue(until) is null && !pr.GetValue(quiet)
                        ? Why.Run(pr.GetValue(file)!, node, stdout, Console.Error)
                        : Fail("--why cannot be used with --at, --until or --quiet");
                return Replayer.Run(pr.GetValue(file)!, new ReplayOptions(pr.GetValue(at), pr.GetValue(until), pr.GetValue(quiet)) { KeyDir = pr.GetValue(keyDir) }, stdout, Console.Error);
            }
            finally
            {
                stdout.Flush();
            }
        });
        return command;
    }

    static int Fail(string message)
    {
        Console.Error.WriteLine($"gossip replay: {message}");
        return 2;
    }
}
