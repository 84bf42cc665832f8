using System.Text;
using System.Text.Json;
using GossipPure.Core;
using GossipPure.Shell.Wire;

namespace GossipPure.Shell.Hosting;

/// <summary>
/// Appends every input handed to the reducer, with its time, to <c>events_&lt;role&gt;_&lt;port&gt;.jsonl</c>, one JSON
/// line each, flushed as it goes: after a crash every whole line written before it is still there.
/// </summary>
public sealed class InputRecorder : IDisposable
{
    public const int FormatVersion = 1;
    readonly StreamWriter writer;
    long step;

    public InputRecorder(string path, Role role, NodeConfig config, ulong randomSeed)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
        writer.WriteLine(Header(role, config, randomSeed));
        Path = path;
    }

    public string Path { get; }

    static string Header(Role role, NodeConfig config, ulong randomSeed)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            var o = config.Options;
            w.WriteStartObject();
            w.WriteNumber("format", FormatVersion);
            w.WriteString("role", role == Role.Seed ? "seed" : "peer");
            w.WriteString("node", config.Self.ToString());
            w.WriteStartArray("seeds");
            foreach (var s in config.Seeds) w.WriteStringValue(s.ToString());
            w.WriteEndArray();
            w.WriteString("random_seed", randomSeed.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteStartObject("options");
            w.WriteNumber("gossip_interval_ms", o.GossipIntervalMs);
            w.WriteNumber("gossip_count", o.GossipCount);
            w.WriteNumber("register_retry_ms", o.RegisterRetryMs);
            w.WriteNumber("register_retry_max_ms", o.RegisterRetryMaxMs);
            w.WriteNumber("proposal_timeout_ms", o.ProposalTimeoutMs);
            w.WriteNumber("seed_reconnect_ms", o.SeedReconnectMs);
            w.WriteNumber("pareto_alpha", o.ParetoAlpha);
            w.WriteNumber("min_neighbours", o.MinNeighbours);
            w.WriteNumber("max_neighbours", o.MaxNeighbours);
            w.WriteNumber("backlog_size", o.BacklogSize);
            w.WriteNumber("overlay_check_ms", o.OverlayCheckMs);
            w.WriteNumber("degree_report_ms", o.DegreeReportMs);
            w.WriteNumber("heartbeat_interval_ms", o.HeartbeatIntervalMs);
            w.WriteNumber("heartbeat_misses", o.HeartbeatMisses);
            w.WriteNumber("ping_interval_ms", o.PingIntervalMs);
            w.WriteNumber("ping_failures", o.PingFailures);
            w.WriteNumber("probe_timeout_ms", o.ProbeTimeoutMs);
            w.WriteNumber("witnesses", o.Witnesses);
            w.WriteNumber("witness_timeout_ms", o.WitnessTimeoutMs);
            w.WriteNumber("report_retry_ms", o.ReportRetryMs);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public void Append(Input input) => writer.WriteLine(JsonCodec.EncodeInput(++step, input));

    public void Dispose() => writer.Dispose();
}
