using System.Text;
using GossipPure.Core;
using GossipPure.Shell.Wire;
using LanguageExt;

namespace GossipPure.Shell.Hosting;

/// <summary>
/// Appends every input handed to the reducer, with its time and the effects the reducer produced for it, to
/// <c>events_&lt;role&gt;_&lt;port&gt;.jsonl</c>, one JSON line each. Lines are buffered and reach the file at
/// <see cref="Flush"/> (the node loop calls it when its inbox is empty) and when the recorder is disposed: a
/// <c>kill -9</c> loses at most the steps of the batch under way, and the reader skips a torn last line. The first line is the header (<see cref="EventLogHeader"/>); the file is read
/// back by <see cref="EventLog"/>.
/// </summary>
public sealed class InputRecorder : IDisposable
{
    public const int FormatVersion = EventLog.FormatVersion;
    readonly StreamWriter writer;
    long step;

    public InputRecorder(string path, Role role, NodeConfig config, ulong randomSeed)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1);
        writer = new StreamWriter(stream, new UTF8Encoding(false), 16 * 1024) { AutoFlush = false, NewLine = "\n" };
        writer.WriteLine(EventLogHeader.Encode(role, config, randomSeed));
        writer.Flush();
        Path = path;
    }

    public string Path { get; }

    /// <summary>Records one step: the input the reducer took and the effects it returned, in order.</summary>
    public void Append(Input input, Seq<Effect> effects) => writer.WriteLine(EffectCodec.EncodeStep(++step, input, effects));

    /// <summary>Hands the buffered lines to the operating system.</summary>
    public void Flush() => writer.Flush();

    public void Dispose() => writer.Dispose();
}
