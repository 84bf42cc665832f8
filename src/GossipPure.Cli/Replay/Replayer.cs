using GossipPure.Core;
using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;
using GossipPure.Shell.Hosting;
using GossipPure.Shell.Security;
using GossipPure.Shell.Wire;
using LanguageExt;

namespace GossipPure.Cli.Replay;

/// <param name="At">Replay to this step, print it and the full state, and stop.</param>
/// <param name="Until">Stop after this step.</param>
/// <param name="Quiet">Print no steps: only notes, differences and the final line.</param>
public sealed record ReplayOptions(long? At, long? Until, bool Quiet)
{
    /// <summary>Where a signed run's key file is (<c>--key-dir</c>); null: the event log's folder, then the working folder.</summary>
    public string? KeyDir { get; init; }
}

/// <summary>
/// Feeds a recorded run's inputs, in order, to the pure reducer of its role, from the state the header describes,
/// and compares what it decides with what the node decided. The core reads no clock and no randomness of its own,
/// so any difference is a fault: nondeterminism in the core, a changed core, or a damaged file.
/// </summary>
public static class Replayer
{
    /// <summary>0: every step matched; 1: a step differs (or the reducer threw); 2: the file or the options are unusable.</summary>
    public static int Run(string path, ReplayOptions options, TextWriter output, TextWriter errors)
    {
        if (options.At is not null && options.Until is not null) return Fail(errors, "--at and --until cannot be used together");
        if (options.At is < 1) return Fail(errors, $"--at {options.At}: steps are numbered from 1");
        if (options.Until is < 1) return Fail(errors, $"--until {options.Until}: steps are numbered from 1");
        if (!EventLog.TryRead(path, out var log, out var error)) return Fail(errors, error);
        var firstStep = log.SnapshotStep + 1;
        var lastStep = log.SnapshotStep + log.Steps.Count;
        if (options.At is { } n && (n < firstStep || n > lastStep))
            return Fail(errors, log.Snapshot is null
                ? $"--at {n}: {path} has {log.Steps.Count} steps"
                : $"--at {n}: {path} is a segment that holds steps {firstStep} to {lastStep}");

        foreach (var w in log.Warnings) output.WriteLine($"note: {w}");
        if (log.Torn.Case is TornLine torn)
            output.WriteLine($"note: line {torn.Line} is torn ({torn.Reason}); skipped (the {log.Steps.Count} steps before it are whole)");
        if (!log.HasEffects)
            output.WriteLine($"note: format {log.Header.Format} records no effects; the steps are replayed but not checked");

        var config = log.Header.Config;
        if (log.Header.Signed)
        {
            // The node signed deterministically: with its own key the replay makes the same signatures, byte for byte.
            if (log.Header.Scheme != Ed25519Scheme.Instance.Name)
                return Fail(errors, $"{path} was signed with '{log.Header.Scheme}', a scheme this build does not have");
            if (NodeKeys.CheckLibrary() is { } library) return Fail(errors, library);
            var (signer, keyError) = NodeKey(path, log.Header, options.KeyDir);
            if (signer is null) return Fail(errors, keyError!);
            config = config with { Security = new Core.Identity.Security(log.Header.SeedKeys, Ed25519Scheme.Instance, signer) };
        }
        // A segment after the first starts from its snapshot, with the config the header records (signer included).
        object? start = null;
        if (log.Snapshot is { } snapshot)
        {
            if (!StateSnapshot.TryDecode(snapshot, log.Header.Role, config, out _, out start, out var snapshotError))
                return Fail(errors, $"{path} line 2: {snapshotError}");
            output.WriteLine($"note: segment {log.Header.Segment} of run {log.Header.Run}: replaying from its snapshot after step {log.SnapshotStep}");
        }
        return log.Header.Role == Role.Seed
            ? Replay(log, options, output, start as SeedState ?? SeedState.Initial(config), SeedReducer.Step, StateText.SeedSummary, StateText.SeedDump)
            : Replay(log, options, output, start as PeerState ?? PeerState.Initial(config), PeerReducer.Step, StateText.PeerSummary, StateText.PeerDump);
    }

    /// <summary>
    /// The private key of a signed run's node: its key file in <paramref name="keyDir"/>, or else in the event log's
    /// folder, then the working folder; it must hold the public key the header records.
    /// </summary>
    static (Ed25519Signer? Signer, string? Error) NodeKey(string path, EventLogHeader header, string? keyDir)
    {
        var self = header.Config.Self;
        string[] dirs = keyDir is not null
            ? [keyDir]
            : new[] { Path.GetDirectoryName(Path.GetFullPath(path))!, Directory.GetCurrentDirectory() }.Distinct().ToArray();
        foreach (var dir in dirs)
        {
            var file = NodeKeys.PathOf(dir, self);
            var (signer, error) = NodeKeys.Load(file);
            if (error is not null) return (null, error);
            if (signer is null) continue;
            if (signer.PublicKey == header.PublicKey) return (signer, null);
            signer.Dispose();
            return (null, $"key file '{file}' holds public key {signer.PublicKey}, but {path} was signed with {header.PublicKey}: give --key-dir the folder of this node's own key");
        }
        return (null, $"{path} is a signed run; replaying it needs the node's private key {NodeKeys.FileName(self)}, which is not in {string.Join(" or ", dirs)} (give --key-dir the folder that holds it; --why needs no key)");
    }

    static int Replay<TState>(EventLog log, ReplayOptions options, TextWriter output, TState initial,
        Func<TState, Input, Step<TState>> reduce, Func<TState, string> summary, Func<TState, string> dump)
    {
        var state = initial;
        var last = Math.Min(options.At ?? options.Until ?? long.MaxValue, log.SnapshotStep + log.Steps.Count);
        var replayed = 0L;
        foreach (var s in log.Steps)
        {
            if (s.Step > last) break;
            Step<TState> result;
            try
            {
                result = reduce(state, s.Input);
            }
            catch (Exception e)
            {
                output.WriteLine($"step {s.Step} (line {s.Line}): the reducer threw {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
                output.WriteLine(e.StackTrace);
                return 1;
            }
            state = result.State;
            replayed++;
            var print = options.At is { } at ? s.Step == at : !options.Quiet;
            if (print) PrintStep(output, s, result.Effects, summary(state));
            if (s.Effects.Case is Seq<Effect> recorded && !recorded.Equals(result.Effects))
            {
                PrintDifference(output, s, recorded, result.Effects);
                return 1;
            }
        }
        if (options.At is not null)
        {
            output.WriteLine();
            output.WriteLine(dump(state));
            output.WriteLine();
        }
        var of = replayed < log.Steps.Count ? $" of {log.Steps.Count}" : "";
        var torn = log.Torn.Case is TornLine t ? $" (torn line {t.Line} skipped)" : "";
        output.WriteLine(log.HasEffects
            ? $"replayed {replayed}{of} steps: all effects match{torn}"
            : $"replayed {replayed}{of} steps: no effects recorded to compare (format {log.Header.Format}){torn}");
        return 0;
    }

    static void PrintStep(TextWriter output, EventLogStep s, Seq<Effect> effects, string state)
    {
        output.WriteLine($"#{s.Step} {StateText.Time(s.Input.NowUs)} {StateText.Input(s.Input)} → {StateText.Effects(effects)} | {state}");
        foreach (var e in effects)
            if (e is NodeEvent ev && EventText.Render(ev) is var (level, line)) output.WriteLine($"    {StateText.Level(level)}{line}");
    }

    static void PrintDifference(TextWriter output, EventLogStep s, Seq<Effect> recorded, Seq<Effect> replayed)
    {
        var first = 0;
        while (first < recorded.Count && first < replayed.Count && recorded[first].Equals(replayed[first])) first++;
        output.WriteLine($"step {s.Step} differs: (line {s.Line}, {StateText.Time(s.Input.NowUs)} {StateText.Input(s.Input)}; first difference at effect {first + 1})");
        void List(string what, Seq<Effect> effects)
        {
            output.WriteLine($"  {what} ({effects.Count} effects):");
            for (var i = 0; i < effects.Count; i++)
                output.WriteLine($"  {(i == first ? "→" : " ")} {i + 1,3} {EffectCodec.Encode(effects[i])}");
        }
        List("recorded", recorded);
        List("replayed", replayed);
    }

    static int Fail(TextWriter errors, string message)
    {
        errors.WriteLine($"gossip replay: {message}");
        return 2;
    }
}
