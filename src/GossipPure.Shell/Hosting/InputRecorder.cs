using System.Text;
using GossipPure.Core;
using GossipPure.Shell.Wire;
using LanguageExt;

namespace GossipPure.Shell.Hosting;

/// <summary>
/// Appends every input handed to the reducer, with its time and the effects the reducer produced for it, to
/// <c>events_&lt;role&gt;_&lt;port&gt;.jsonl</c>, one JSON line each, flushed as it goes: after a crash every whole line
/// written before it is still there. The first line is the header (<see cref="EventLogHeader"/>); the file is read
/// back by <see cref="EventLog"/>.
/// </summary>
public sealed class InputRecorder : IDisposable
{
    public const int FormatVersion = EventLog.FormatVersion;
    readonly StreamWriter writer;
    long step;

    public InputRecorder(string path, Role role, NodeConfig config, ulong randomSeed)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        writer.WriteLine(EventLogHeader.Encode(role, config, randomSeed));
        Path = path;
    }

    public string Path { get; }

    /// <summary>Records one step: the input the reducer took and the effects it returned, in order.</summary>
    public void Append(Input input, Seq<Effect> effects) => writer.WriteLine(EffectCodec.EncodeStep(++step, input, effects));

    public void Dispose() => writer.Dispose();
}
