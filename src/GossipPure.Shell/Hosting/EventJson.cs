using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using GossipPure.Core;
using LanguageExt;
using static LanguageExt.Prelude;

namespace GossipPure.Shell.Hosting;

/// <summary>
/// The JSON form of a <see cref="NodeEvent"/>: its kind (the record's name) and its fields (snake_case; addresses as
/// <c>ip:port</c>, lists as arrays, enums by name). The event log records each step's events this way (an effect
/// <c>{"fx":"event","kind":"Suspected","event":{"node":"127.0.0.1:6001",...}}</c>), the JSON output log shows the same
/// fields, and <c>gossip replay</c> reads them back to compare a replay and to answer <c>--why</c>.
/// Made by System.Text.Json's source generator: no reflection, NativeAOT-safe. A new event kind needs its
/// [JsonSerializable] line and its entry in <see cref="Kinds"/> (EventTextTests checks every kind round-trips).
/// </summary>
public static class EventJson
{
    static readonly IReadOnlyDictionary<string, Type> Kinds = new Dictionary<string, Type>(StringComparer.Ordinal)
    {
        [nameof(BridgeReceived)] = typeof(BridgeReceived),
        [nameof(CertificateRefused)] = typeof(CertificateRefused),
        [nameof(CommitIgnored)] = typeof(CommitIgnored),
        [nameof(CommitLearned)] = typeof(CommitLearned),
        [nameof(ConfirmationIgnored)] = typeof(ConfirmationIgnored),
        [nameof(SignatureRefused)] = typeof(SignatureRefused),
        [nameof(StaleCertificateRefused)] = typeof(StaleCertificateRefused),
        [nameof(DeadProposalReceived)] = typeof(DeadProposalReceived),
        [nameof(DeadProposed)] = typeof(DeadProposed),
        [nameof(DeadReportIgnored)] = typeof(DeadReportIgnored),
        [nameof(DeadReportMerged)] = typeof(DeadReportMerged),
        [nameof(DeadReportReceived)] = typeof(DeadReportReceived),
        [nameof(DeadReportResent)] = typeof(DeadReportResent),
        [nameof(DeadReported)] = typeof(DeadReported),
        [nameof(DeadTimedOut)] = typeof(DeadTimedOut),
        [nameof(DeadVoteCounted)] = typeof(DeadVoteCounted),
        [nameof(DeadVoteSent)] = typeof(DeadVoteSent),
        [nameof(DeadVoteWithheld)] = typeof(DeadVoteWithheld),
        [nameof(DeadVotedDown)] = typeof(DeadVotedDown),
        [nameof(DegreeFromRemoved)] = typeof(DegreeFromRemoved),
        [nameof(DegreeRepaired)] = typeof(DegreeRepaired),
        [nameof(DegreeToppedUp)] = typeof(DegreeToppedUp),
        [nameof(DegreeUpdateIgnored)] = typeof(DegreeUpdateIgnored),
        [nameof(FirstPeer)] = typeof(FirstPeer),
        [nameof(FrameRefused)] = typeof(FrameRefused),
        [nameof(GossipMade)] = typeof(GossipMade),
        [nameof(GossipReceived)] = typeof(GossipReceived),
        [nameof(AppMade)] = typeof(AppMade),
        [nameof(AppReceived)] = typeof(AppReceived),
        [nameof(PublishRefused)] = typeof(PublishRefused),
        [nameof(GossipStale)] = typeof(GossipStale),
        [nameof(GossipTotals)] = typeof(GossipTotals),
        [nameof(HealthBetter)] = typeof(HealthBetter),
        [nameof(HealthWorse)] = typeof(HealthWorse),
        [nameof(LeaveReceived)] = typeof(LeaveReceived),
        [nameof(LeaveSent)] = typeof(LeaveSent),
        [nameof(MemberConfirmed)] = typeof(MemberConfirmed),
        [nameof(CertificateKept)] = typeof(CertificateKept),
        [nameof(MemberQueryAnswered)] = typeof(MemberQueryAnswered),
        [nameof(MemberQuerySent)] = typeof(MemberQuerySent),
        [nameof(MessageDropped)] = typeof(MessageDropped),
        [nameof(MessageIgnored)] = typeof(MessageIgnored),
        [nameof(NeighbourAdded)] = typeof(NeighbourAdded),
        [nameof(NeighbourLeft)] = typeof(NeighbourLeft),
        [nameof(NeighboursChosen)] = typeof(NeighboursChosen),
        [nameof(NoQuorumReachable)] = typeof(NoQuorumReachable),
        [nameof(NoWitnesses)] = typeof(NoWitnesses),
        [nameof(NodeStarted)] = typeof(NodeStarted),
        [nameof(OverlayBridged)] = typeof(OverlayBridged),
        [nameof(PeerConnectionLost)] = typeof(PeerConnectionLost),
        [nameof(PeerListAtShutdown)] = typeof(PeerListAtShutdown),
        [nameof(PeerListReceived)] = typeof(PeerListReceived),
        [nameof(PeerListSent)] = typeof(PeerListSent),
        [nameof(PeerRemoved)] = typeof(PeerRemoved),
        [nameof(PingUnanswered)] = typeof(PingUnanswered),
        [nameof(PingUnavailable)] = typeof(PingUnavailable),
        [nameof(Purged)] = typeof(Purged),
        [nameof(RegisterCommitted)] = typeof(RegisterCommitted),
        [nameof(RegisterProposalReceived)] = typeof(RegisterProposalReceived),
        [nameof(RegisterProposed)] = typeof(RegisterProposed),
        [nameof(RegisterRequestRedirected)] = typeof(RegisterRequestRedirected),
        [nameof(RegisterRequestSent)] = typeof(RegisterRequestSent),
        [nameof(RegisterRequested)] = typeof(RegisterRequested),
        [nameof(RegisterTimedOut)] = typeof(RegisterTimedOut),
        [nameof(RegisterVoteCounted)] = typeof(RegisterVoteCounted),
        [nameof(RegisterVoteSent)] = typeof(RegisterVoteSent),
        [nameof(RegisterVotedDown)] = typeof(RegisterVotedDown),
        [nameof(Registered)] = typeof(Registered),
        [nameof(RegistrationKeyConflict)] = typeof(RegistrationKeyConflict),
        [nameof(RegistrationRefused)] = typeof(RegistrationRefused),
        [nameof(RegistrationRejected)] = typeof(RegistrationRejected),
        [nameof(Rejoining)] = typeof(Rejoining),
        [nameof(RendezvousLinked)] = typeof(RendezvousLinked),
        [nameof(SeedConnected)] = typeof(SeedConnected),
        [nameof(SeedUnreachable)] = typeof(SeedUnreachable),
        [nameof(ShuttingDown)] = typeof(ShuttingDown),
        [nameof(StrangerRefused)] = typeof(StrangerRefused),
        [nameof(Suspected)] = typeof(Suspected),
        [nameof(SuspicionDropped)] = typeof(SuspicionDropped),
        [nameof(SyncedFromSeed)] = typeof(SyncedFromSeed),
        [nameof(CaughtUpWithSeed)] = typeof(CaughtUpWithSeed),
        [nameof(SyncChunkIgnored)] = typeof(SyncChunkIgnored),
        [nameof(TransitionRefused)] = typeof(TransitionRefused),
        [nameof(WitnessAnswerSent)] = typeof(WitnessAnswerSent),
        [nameof(WitnessAnswered)] = typeof(WitnessAnswered),
        [nameof(WitnessProbing)] = typeof(WitnessProbing),
        [nameof(WitnessVerdict)] = typeof(WitnessVerdict),
        [nameof(WitnessWithheld)] = typeof(WitnessWithheld),
        [nameof(WitnessesAsked)] = typeof(WitnessesAsked),
        [nameof(WitnessesInconclusive)] = typeof(WitnessesInconclusive),
    };

    /// <summary>Every kind this build knows, by name.</summary>
    public static IEnumerable<string> KnownKinds => Kinds.Keys;

    /// <summary>The name the event's kind is recorded under.</summary>
    public static string KindOf(NodeEvent e) => e.GetType().Name;

    /// <summary>The fields of <paramref name="e"/> as one JSON object.</summary>
    public static string Encode(NodeEvent e) => JsonSerializer.Serialize(e, Info(e.GetType()));

    /// <summary>Writes the fields of <paramref name="e"/> as one JSON object.</summary>
    public static void Write(Utf8JsonWriter w, NodeEvent e) => JsonSerializer.Serialize(w, e, Info(e.GetType()));

    /// <summary>Reads an event of kind <paramref name="kind"/> from its fields; a one-line error when it cannot.</summary>
    public static bool TryRead(string kind, JsonElement fields, [NotNullWhen(true)] out NodeEvent? e, [NotNullWhen(false)] out string? error)
    {
        e = null;
        if (!Kinds.TryGetValue(kind, out var type))
        {
            error = $"unknown event kind '{(kind.Length > 64 ? kind[..64] + "…" : kind)}'";
            return false;
        }
        try
        {
            e = fields.Deserialize(Info(type)) as NodeEvent;
            error = e is null ? $"event '{kind}': no fields" : null;
            return e is not null;
        }
        catch (Exception x) when (x is JsonException or FormatException or InvalidOperationException or ArgumentException or NotSupportedException)
        {
            error = $"event '{kind}': {x.Message.Split('\n')[0]}";
            return false;
        }
    }

    static JsonTypeInfo Info(Type t) =>
        EventJsonContext.Default.GetTypeInfo(t) ?? throw new ArgumentException($"EventJson knows no event kind {t.Name}", nameof(t));
}

/// <summary>An address as <c>ip:port</c> (or <c>[v6]:port</c>).</summary>
sealed class NodeIdJsonConverter : JsonConverter<NodeId>
{
    public override NodeId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        NodeId.TryParse(reader.GetString(), out var id) ? id : throw new JsonException($"'{reader.GetString()}' is not IP:Port");

    public override void Write(Utf8JsonWriter writer, NodeId value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

/// <summary>A timer key as its stored text (<see cref="TimerKey.ToString"/>).</summary>
sealed class TimerKeyJsonConverter : JsonConverter<TimerKey>
{
    public override TimerKey Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TimerKey.TryParse(reader.GetString(), out var key) ? key : throw new JsonException($"'{reader.GetString()}' is not a timer key");

    public override void Write(Utf8JsonWriter writer, TimerKey value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

/// <summary>A list of addresses as a JSON array.</summary>
sealed class NodeIdSeqJsonConverter : JsonConverter<Seq<NodeId>>
{
    static readonly NodeIdJsonConverter One = new();

    public override Seq<NodeId> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array of addresses");
        var items = new List<NodeId>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) items.Add(One.Read(ref reader, typeof(NodeId), options));
        return toSeq(items.ToArray());
    }

    public override void Write(Utf8JsonWriter writer, Seq<NodeId> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var n in value) writer.WriteStringValue(n.ToString());
        writer.WriteEndArray();
    }
}

/// <summary>A list of peer-list entries as a JSON array of <c>{"node":…,"degree":…}</c>.</summary>
sealed class PeerEntrySeqJsonConverter : JsonConverter<Seq<PeerEntry>>
{
    public override Seq<PeerEntry> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array of peer entries");
        var items = new List<PeerEntry>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("expected a peer entry object");
            NodeId? node = null;
            var degree = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var name = reader.GetString();
                reader.Read();
                if (name == "node") node = NodeId.TryParse(reader.GetString(), out var id) ? id : throw new JsonException("entry 'node' is not IP:Port");
                else if (name == "degree") degree = reader.GetInt32();
                else reader.Skip();
            }
            items.Add(new PeerEntry(node ?? throw new JsonException("entry without 'node'"), degree));
        }
        return toSeq(items.ToArray());
    }

    public override void Write(Utf8JsonWriter writer, Seq<PeerEntry> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var e in value)
        {
            writer.WriteStartObject();
            writer.WriteString("node", e.Node.ToString());
            writer.WriteNumber("degree", e.Degree);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(NodeIdJsonConverter), typeof(TimerKeyJsonConverter), typeof(NodeIdSeqJsonConverter), typeof(PeerEntrySeqJsonConverter)])]
[JsonSerializable(typeof(BridgeReceived))]
[JsonSerializable(typeof(CertificateRefused))]
[JsonSerializable(typeof(CommitIgnored))]
[JsonSerializable(typeof(CommitLearned))]
[JsonSerializable(typeof(ConfirmationIgnored))]
[JsonSerializable(typeof(SignatureRefused))]
[JsonSerializable(typeof(StaleCertificateRefused))]
[JsonSerializable(typeof(DeadProposalReceived))]
[JsonSerializable(typeof(DeadProposed))]
[JsonSerializable(typeof(DeadReportIgnored))]
[JsonSerializable(typeof(DeadReportMerged))]
[JsonSerializable(typeof(DeadReportReceived))]
[JsonSerializable(typeof(DeadReportResent))]
[JsonSerializable(typeof(DeadReported))]
[JsonSerializable(typeof(DeadTimedOut))]
[JsonSerializable(typeof(DeadVoteCounted))]
[JsonSerializable(typeof(DeadVoteSent))]
[JsonSerializable(typeof(DeadVoteWithheld))]
[JsonSerializable(typeof(DeadVotedDown))]
[JsonSerializable(typeof(DegreeFromRemoved))]
[JsonSerializable(typeof(DegreeRepaired))]
[JsonSerializable(typeof(DegreeToppedUp))]
[JsonSerializable(typeof(DegreeUpdateIgnored))]
[JsonSerializable(typeof(FirstPeer))]
[JsonSerializable(typeof(FrameRefused))]
[JsonSerializable(typeof(GossipMade))]
[JsonSerializable(typeof(GossipReceived))]
[JsonSerializable(typeof(AppMade))]
[JsonSerializable(typeof(AppReceived))]
[JsonSerializable(typeof(PublishRefused))]
[JsonSerializable(typeof(GossipStale))]
[JsonSerializable(typeof(GossipTotals))]
[JsonSerializable(typeof(HealthBetter))]
[JsonSerializable(typeof(HealthWorse))]
[JsonSerializable(typeof(LeaveReceived))]
[JsonSerializable(typeof(LeaveSent))]
[JsonSerializable(typeof(MemberConfirmed))]
[JsonSerializable(typeof(CertificateKept))]
[JsonSerializable(typeof(MemberQueryAnswered))]
[JsonSerializable(typeof(MemberQuerySent))]
[JsonSerializable(typeof(MessageDropped))]
[JsonSerializable(typeof(MessageIgnored))]
[JsonSerializable(typeof(NeighbourAdded))]
[JsonSerializable(typeof(NeighbourLeft))]
[JsonSerializable(typeof(NeighboursChosen))]
[JsonSerializable(typeof(NoQuorumReachable))]
[JsonSerializable(typeof(NoWitnesses))]
[JsonSerializable(typeof(NodeStarted))]
[JsonSerializable(typeof(OverlayBridged))]
[JsonSerializable(typeof(PeerConnectionLost))]
[JsonSerializable(typeof(PeerListAtShutdown))]
[JsonSerializable(typeof(PeerListReceived))]
[JsonSerializable(typeof(PeerListSent))]
[JsonSerializable(typeof(PeerRemoved))]
[JsonSerializable(typeof(PingUnanswered))]
[JsonSerializable(typeof(PingUnavailable))]
[JsonSerializable(typeof(Purged))]
[JsonSerializable(typeof(RegisterCommitted))]
[JsonSerializable(typeof(RegisterProposalReceived))]
[JsonSerializable(typeof(RegisterProposed))]
[JsonSerializable(typeof(RegisterRequestRedirected))]
[JsonSerializable(typeof(RegisterRequestSent))]
[JsonSerializable(typeof(RegisterRequested))]
[JsonSerializable(typeof(RegisterTimedOut))]
[JsonSerializable(typeof(RegisterVoteCounted))]
[JsonSerializable(typeof(RegisterVoteSent))]
[JsonSerializable(typeof(RegisterVotedDown))]
[JsonSerializable(typeof(Registered))]
[JsonSerializable(typeof(RegistrationKeyConflict))]
[JsonSerializable(typeof(RegistrationRefused))]
[JsonSerializable(typeof(RegistrationRejected))]
[JsonSerializable(typeof(Rejoining))]
[JsonSerializable(typeof(RendezvousLinked))]
[JsonSerializable(typeof(SeedConnected))]
[JsonSerializable(typeof(SeedUnreachable))]
[JsonSerializable(typeof(ShuttingDown))]
[JsonSerializable(typeof(StrangerRefused))]
[JsonSerializable(typeof(Suspected))]
[JsonSerializable(typeof(SuspicionDropped))]
[JsonSerializable(typeof(SyncedFromSeed))]
[JsonSerializable(typeof(CaughtUpWithSeed))]
[JsonSerializable(typeof(SyncChunkIgnored))]
[JsonSerializable(typeof(TransitionRefused))]
[JsonSerializable(typeof(WitnessAnswerSent))]
[JsonSerializable(typeof(WitnessAnswered))]
[JsonSerializable(typeof(WitnessProbing))]
[JsonSerializable(typeof(WitnessVerdict))]
[JsonSerializable(typeof(WitnessWithheld))]
[JsonSerializable(typeof(WitnessesAsked))]
[JsonSerializable(typeof(WitnessesInconclusive))]
internal sealed partial class EventJsonContext : JsonSerializerContext;
