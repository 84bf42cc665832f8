using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using GossipPure.Core;
using GossipPure.Core.Peers;
using GossipPure.Core.Seeds;
using GossipPure.Core.Detection;
using GossipPure.Shell.Wire;
using LanguageExt;
using static LanguageExt.Prelude;

namespace GossipPure.Shell.Hosting;

/// <summary>
/// The snapshot record that opens every event-log segment after the first of a run: the node's whole state as the
/// reducer sees it, after step <c>step</c>, so a replay of the segment starts from it (specs/events.md, "Segments").
/// <code>{"snapshot":1,"step":1234,"role":"peer","state":{...}}</code>
/// The config is not written: the segment's header records it (never a private key) and a replay rebuilds it,
/// signer included, as it does for step 0. Messages held in the state are written in their wire form
/// (<see cref="JsonCodec"/>). Writing it is hand-made (no reflection: the CLI is NativeAOT); decoding never throws.
/// Every property of every state record is listed in <see cref="Written"/>, which a test compares with the records
/// themselves: a property added to a state record and not written here fails the build's tests.
/// </summary>
public static class StateSnapshot
{
    /// <summary>The version of the snapshot record; a reader refuses one it does not know.</summary>
    public const int Version = 1;

    /// <summary>
    /// Per state record, the properties the codec writes (the rest of a record's public properties are computed). A
    /// record of the core that the state holds and that is not here, or a property of it not named here, is a test failure.
    /// </summary>
    public static readonly IReadOnlyDictionary<Type, string[]> Written = new Dictionary<Type, string[]>
    {
        [typeof(PeerState)] = ["Config", "Phase", "Rng", "Round", "Known", "Neighbours", "Made", "Seen", "Backlog", "FirstTime",
            "Duplicates", "Pending", "AppMade", "Stale", "Incarnation", "NowUs", "Health", "Det", "Heard", "Certificate", "Keys", "CertsSent"],
        [typeof(Round)] = ["Attempt", "Asked", "Failed", "Lists"],
        [typeof(SeenSet)] = ["Current", "Previous", "RotatedUs"],
        [typeof(Digest)] = ["A", "B", "C", "D"],
        [typeof(Rng)] = ["State"],
        [typeof(Health)] = ["Score", "ChangedUs", "DueUs"],
        [typeof(Detection)] = ["Watches", "Probes", "NextNonce", "Dead", "PingFailures", "Incarnations", "SilenceSeenUs"],
        [typeof(LastHeard)] = ["Us", "Suspected", "Ended"],
        [typeof(Watch)] = ["Phase", "Evidence", "Witnesses", "Confirms", "Denials", "Needed", "SinceUs", "Reports"],
        [typeof(PendingProbe<NodeId>)] = ["Nonce", "StartedUs", "Waiting", "AttemptsLeft"],
        [typeof(PendingProbe<BallotRef>)] = ["Nonce", "StartedUs", "Waiting", "AttemptsLeft"],
        [typeof(PendingMember)] = ["Asked", "Held"],
        [typeof(PeerKey)] = ["Key", "Incarnation", "Cert"],
        [typeof(CertSent)] = ["Origin", "Incarnation"],
        [typeof(SeedState)] = ["Config", "Running", "Peers", "Registrations", "ProposalSeq", "SeedsUp", "SeedsDown", "NowUs", "Health",
            "Deaths", "Probes", "NextNonce", "Left", "KeyChecks", "Removed", "Reports", "BridgedUs",
            "Run", "Version", "VersionOf", "Changes", "SyncedFrom", "ReportsChanged", "OverlayWhole"],
        [typeof(SyncCursor)] = ["Run", "Upto", "Chunks", "Learned", "Removed"],
        [typeof(NeighbourReport)] = ["Degree", "Neighbours"],
        [typeof(OverlayMark)] = ["Version", "ReportsChanged"],
        [typeof(PeerRecord)] = ["Voters", "Incarnation", "Key", "ProposalId", "Signatures"],
        [typeof(RegistrationRecord)] = ["Peer", "Incarnation", "Phase", "ProposalId", "Yes", "No", "Waiting", "LastNoReason", "Key", "Sigs"],
        [typeof(DeathRecord)] = ["Suspect", "Phase", "ProposalId", "Reason", "Incarnation", "Yes", "No", "Reporters", "LastEvidence", "DecidedUs", "Sigs"],
        [typeof(BallotRef)] = ["Proposer", "ProposalId", "Incarnation", "Reason"],
        [typeof(KeyCheckRecord)] = ["Nonce", "Ballots"],
        [typeof(KeyBallot)] = ["Proposer", "ProposalId", "Key", "Incarnation"],
    };

    static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
    static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = JsonCodec.MaxDepth + 8 };

    /// <summary>True when <paramref name="line"/> looks like a snapshot record (its first field is <c>snapshot</c>).</summary>
    public static bool IsSnapshot(string line) => line.StartsWith("{\"snapshot\":", StringComparison.Ordinal);

    /// <summary>Reads only the step of a snapshot line (the reader of a segment numbers its steps from it). Never throws.</summary>
    public static bool TryReadStep(string line, out long step, [NotNullWhen(false)] out string? error)
    {
        step = 0;
        try
        {
            using var doc = JsonDocument.Parse(line, DocumentOptions);
            var root = new R(doc.RootElement, "snapshot");
            step = root.Long("step");
            error = step >= 0 ? null : "snapshot: field 'step' is negative";
            return error is null;
        }
        catch (Exception e)
        {
            error = e is SnapshotError ? e.Message : "snapshot: " + JsonCodec.DecodeFailure(e);
            return false;
        }
    }

    /// <summary>The snapshot line (without its line break) of <paramref name="state"/> after step <paramref name="step"/>.</summary>
    public static string Encode(long step, object state)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) Write(w, step, state);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the snapshot record of a <see cref="PeerState"/> or <see cref="SeedState"/>.</summary>
    public static void Write(Utf8JsonWriter w, long step, object state)
    {
        w.WriteStartObject();
        w.WriteNumber("snapshot", Version);
        w.WriteNumber("step", step);
        switch (state)
        {
            case PeerState p: w.WriteString("role", "peer"); w.WritePropertyName("state"); WritePeer(w, p); break;
            case SeedState s: w.WriteString("role", "seed"); w.WritePropertyName("state"); WriteSeed(w, s); break;
            default: throw new ArgumentException($"StateSnapshot cannot write a {state.GetType().Name}", nameof(state));
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// Reads a snapshot line back into the state of <paramref name="role"/>, with <paramref name="config"/> (the
    /// header's, signer included) as its config. Never throws; <paramref name="error"/> is one line.
    /// </summary>
    public static bool TryDecode(string line, Role role, NodeConfig config, out long step, [NotNullWhen(true)] out object? state,
        [NotNullWhen(false)] out string? error)
    {
        step = 0;
        state = null;
        try
        {
            using var doc = JsonDocument.Parse(line, DocumentOptions);
            var root = new R(doc.RootElement, "snapshot");
            var version = root.Int("snapshot");
            if (version != Version) throw new SnapshotError($"snapshot: version {version} is not one this build reads ({Version})");
            step = root.Long("step");
            var roleText = root.Str("role");
            if (roleText != (role == Role.Seed ? "seed" : "peer"))
                throw new SnapshotError($"snapshot: field 'role' is '{roleText}', but the header's node is a {(role == Role.Seed ? "seed" : "peer")}");
            var body = root.Obj("state");
            state = role == Role.Seed ? ReadSeed(body, config) : ReadPeer(body, config);
            error = null;
            return true;
        }
        catch (Exception e)
        {
            error = e is SnapshotError ? e.Message : "snapshot: " + JsonCodec.DecodeFailure(e);
            return false;
        }
    }

    // ---- The peer ----------------------------------------------------------------------------------------------

    static void WritePeer(Utf8JsonWriter w, PeerState s)
    {
        w.WriteStartObject();
        w.WriteString("phase", s.Phase.ToString());
        w.WriteNumber("rng", s.Rng.State);
        w.WriteStartObject("round");
        w.WriteNumber("attempt", s.Round.Attempt);
        Nodes(w, "asked", s.Round.Asked);
        Nodes(w, "failed", s.Round.Failed);
        Map(w, "lists", s.Round.Lists, l => Msg(w, new PeerList(l)));
        w.WriteEndObject();
        Map(w, "known", s.Known, d => w.WriteNumberValue(d));
        Nodes(w, "neighbours", s.Neighbours);
        w.WriteNumber("made", s.Made);
        w.WriteStartObject("seen");
        Digests(w, "current", s.Seen.Current);
        Digests(w, "previous", s.Seen.Previous);
        w.WriteNumber("rotated_us", s.Seen.RotatedUs);
        w.WriteEndObject();
        Messages(w, "backlog", s.Backlog);
        w.WriteNumber("first_time", s.FirstTime);
        w.WriteNumber("duplicates", s.Duplicates);
        Map(w, "pending", s.Pending, p =>
        {
            w.WriteStartObject();
            Nodes(w, "asked", p.Asked);
            Messages(w, "held", p.Held);
            w.WriteEndObject();
        });
        w.WriteNumber("app_made", s.AppMade);
        w.WriteNumber("stale", s.Stale);
        w.WriteNumber("incarnation", s.Incarnation);
        w.WriteNumber("now_us", s.NowUs);
        WriteHealth(w, s.Health);
        var d = s.Det;
        w.WriteStartObject("det");
        // A watch's last-heard time is kept apart in the state (PeerState.Heard) and written with the watch, as before.
        Map(w, "watches", d.Watches.Select(e => (e.Key, (Watch: e.Value, HeardUs: s.LastHeardUs(e.Key)))), e =>
        {
            var x = e.Watch;
            w.WriteStartObject();
            w.WriteString("phase", x.Phase.ToString());
            w.WriteNumber("last_heard_us", e.HeardUs);
            w.WriteString("evidence", x.Evidence);
            Nodes(w, ("witnesses", x.Witnesses), ("confirms", x.Confirms), ("denials", x.Denials));
            w.WriteNumber("needed", x.Needed);
            w.WriteNumber("since_us", x.SinceUs);
            w.WriteNumber("reports", x.Reports);
            w.WriteEndObject();
        });
        Map(w, "probes", d.Probes, p => WriteProbe(w, p, n => w.WriteStringValue(n.ToString())));
        w.WriteNumber("next_nonce", d.NextNonce);
        Map(w, "dead", d.Dead, v => w.WriteNumberValue(v));
        w.WriteStartObject("ping_failures");
        foreach (var (ip, n) in d.PingFailures.OrderBy(x => x.Key, StringComparer.Ordinal)) w.WriteNumber(ip, n);
        w.WriteEndObject();
        Map(w, "incarnations", d.Incarnations, v => w.WriteNumberValue(v));
        w.WriteNumber("silence_seen_us", d.SilenceSeenUs);
        w.WriteEndObject();
        if (s.Certificate is { } cert) { w.WritePropertyName("certificate"); Msg(w, cert); }
        Map(w, "keys", s.Keys, k =>
        {
            w.WriteStartObject();
            w.WriteString("key", k.Key);
            w.WriteNumber("incarnation", k.Incarnation);
            w.WritePropertyName("cert");
            Msg(w, k.Cert);
            w.WriteEndObject();
        });
        Map(w, "certs_sent", s.CertsSent, set =>
        {
            w.WriteStartArray();
            foreach (var c in set.OrderBy(c => c.Origin).ThenBy(c => c.Incarnation))
            {
                w.WriteStartObject();
                w.WriteString("origin", c.Origin.ToString());
                w.WriteNumber("incarnation", c.Incarnation);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
        w.WriteEndObject();
    }

    static PeerState ReadPeer(R r, NodeConfig config)
    {
        var round = r.Obj("round");
        var seen = r.Obj("seen");
        var det = r.Obj("det");
        var watches = det.Map("watches", v => (Watch: new Watch(v.Enum<SuspicionPhase>("phase"), v.Str("evidence"),
                v.NodeSet("witnesses"), v.NodeSet("confirms"), v.NodeSet("denials"), v.Int("needed"))
            { SinceUs = v.Long("since_us"), Reports = v.Int("reports") }, HeardUs: v.Long("last_heard_us")));
        return new PeerState(
            config,
            r.Enum<PeerPhase>("phase"),
            new Rng(r.ULong("rng")),
            new Round(round.Int("attempt"), round.NodeSet("asked"), round.NodeSet("failed"),
                round.Map("lists", v => v.Msg<PeerList>().Peers)),
            NodeMap<int>.From(r.Map("known", v => v.Int())),
            r.NodeSet("neighbours"),
            r.Int("made"),
            new SeenSet(seen.DigestSet("current"), seen.DigestSet("previous"), seen.Long("rotated_us")),
            toQueue(r.Arr("backlog").Select(v => v.Msg<Gossip>())),
            r.Long("first_time"),
            r.Long("duplicates"))
        {
            Pending = r.Map("pending", v => new PendingMember(v.NodeSet("asked"), toQueue(v.Arr("held").Select(m => m.Msg<Message>())))),
            AppMade = r.Long("app_made"),
            Stale = r.Long("stale"),
            Incarnation = r.Long("incarnation"),
            NowUs = r.Long("now_us"),
            Health = ReadHealth(r.Obj("health")),
            Det = new Detection(
                NodeMap<Watch>.From(watches.Select(e => (e.Key, e.Value.Watch))),
                det.Map("probes", v => ReadProbe(v, x => x.Node())),
                det.Long("next_nonce"),
                det.Map("dead", v => v.Long()),
                toHashMap(det.Obj("ping_failures").Fields().Select(f => (f.Name, f.Value.Int()))),
                det.Map("incarnations", v => v.Long()))
            {
                // Absent from logs written before the two-phase silence check: no silence awaiting its second check.
                SilenceSeenUs = det.Has("silence_seen_us") ? det.Long("silence_seen_us") : 0,
            },
            Heard = NodeMap<LastHeard>.From(watches.Select(e => (e.Key, LastHeard.Of(e.Value.HeardUs, e.Value.Watch)))),
            Certificate = r.Has("certificate") ? r.Get("certificate").Msg<RegisterCommit>() : null,
            Keys = r.Map("keys", v => new PeerKey(v.Str("key"), v.Long("incarnation"), v.Get("cert").Msg<RegisterCommit>())),
            CertsSent = r.Map("certs_sent", v => toHashSet(v.Items().Select(c => new CertSent(c.Node("origin"), c.Long("incarnation"))))),
        };
    }

    // ---- The seed ----------------------------------------------------------------------------------------------

    static void WriteSeed(Utf8JsonWriter w, SeedState s)
    {
        w.WriteStartObject();
        w.WriteBoolean("running", s.Running);
        // A committed peer's record is its certificate: written as the REGISTER_COMMIT it came in.
        w.WriteStartObject("peers");
        foreach (var (n, p) in s.Peers.OrderBy(x => x.Key))
        {
            w.WritePropertyName(n.ToString());
            Msg(w, s.CertificateOf(n, p));
        }
        w.WriteEndObject();
        Map(w, "registrations", s.Registrations, x =>
        {
            w.WriteStartObject();
            w.WriteString("peer", x.Peer.ToString());
            w.WriteNumber("incarnation", x.Incarnation);
            w.WriteString("phase", x.Phase.ToString());
            w.WriteString("proposal_id", x.ProposalId);
            Nodes(w, ("yes", x.Yes), ("no", x.No), ("waiting", x.Waiting));
            if (x.LastNoReason is { } why) w.WriteString("last_no_reason", why);
            if (x.Key is { } key) w.WriteString("key", key);
            Map(w, "sigs", x.Sigs, v => w.WriteStringValue(v));
            w.WriteEndObject();
        });
        w.WriteNumber("proposal_seq", s.ProposalSeq);
        Nodes(w, "seeds_up", s.SeedsUp);
        Nodes(w, "seeds_down", s.SeedsDown);
        w.WriteNumber("now_us", s.NowUs);
        WriteHealth(w, s.Health);
        Map(w, "deaths", s.Deaths, x =>
        {
            w.WriteStartObject();
            w.WriteString("suspect", x.Suspect.ToString());
            w.WriteString("phase", x.Phase.ToString());
            w.WriteString("proposal_id", x.ProposalId);
            w.WriteString("reason", x.Reason);
            w.WriteNumber("incarnation", x.Incarnation);
            Nodes(w, ("yes", x.Yes), ("no", x.No), ("reporters", x.Reporters));
            w.WriteString("last_evidence", x.LastEvidence);
            w.WriteNumber("decided_us", x.DecidedUs);
            Map(w, "sigs", x.Sigs, v => w.WriteStringValue(v));
            w.WriteEndObject();
        });
        Map(w, "probes", s.Probes, p => WriteProbe(w, p, b => Ballot(w, b.Proposer, b.ProposalId, b.Incarnation, "reason", b.Reason)));
        w.WriteNumber("next_nonce", s.NextNonce);
        Nodes(w, "left", s.Left);
        Map(w, "key_checks", s.KeyChecks, k =>
        {
            w.WriteStartObject();
            w.WriteNumber("nonce", k.Nonce);
            w.WriteStartArray("ballots");
            foreach (var b in k.Ballots) Ballot(w, b.Proposer, b.ProposalId, b.Incarnation, "key", b.Key);
            w.WriteEndArray();
            w.WriteEndObject();
        });
        Map(w, "removed", s.Removed, d => Msg(w, d));
        Map(w, "reports", s.Reports, report =>
        {
            w.WriteStartObject();
            w.WriteNumber("degree", report.Degree);
            Nodes(w, "neighbours", report.Neighbours);
            w.WriteEndObject();
        });
        Map(w, "bridged_us", s.BridgedUs, v => w.WriteNumberValue(v));
        w.WriteNumber("run", s.Run);
        w.WriteNumber("version", s.Version);
        // Changes (version -> node) is the inverse of this map, one item per node: it is read back from it.
        Map(w, "version_of", s.VersionOf, v => w.WriteNumberValue(v));
        Map(w, "synced_from", s.SyncedFrom, c =>
        {
            w.WriteStartObject();
            w.WriteNumber("run", c.Run);
            w.WriteNumber("upto", c.Upto);
            w.WriteNumber("chunks", c.Chunks);
            w.WriteNumber("learned", c.Learned);
            w.WriteNumber("removed", c.Removed);
            w.WriteEndObject();
        });
        w.WriteNumber("reports_changed", s.ReportsChanged);
        if (s.OverlayWhole is { } whole)
        {
            w.WriteStartObject("overlay_whole");
            w.WriteNumber("version", whole.Version);
            w.WriteNumber("reports_changed", whole.ReportsChanged);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    static SeedState ReadSeed(R r, NodeConfig config)
    {
        var versionOf = r.Map("version_of", v => v.Long());
        return new SeedState(
            config,
            r.Bool("running"),
            toMap(r.Map("peers", v => PeerRecord.Of(v.Msg<RegisterCommit>())).AsEnumerable()),
            r.Map("registrations", v => new RegistrationRecord(v.Node("peer"), v.Long("incarnation"), v.Enum<RegPhase>("phase"),
                v.Str("proposal_id"), v.NodeSet("yes"), v.NodeSet("no"), v.NodeSet("waiting"), v.OptStr("last_no_reason"))
            { Key = v.OptStr("key"), Sigs = v.Map("sigs", x => x.Str()) }),
            r.Long("proposal_seq"),
            r.NodeSet("seeds_up"),
            r.NodeSet("seeds_down"))
        {
            NowUs = r.Long("now_us"),
            Health = ReadHealth(r.Obj("health")),
            Deaths = r.Map("deaths", v => new DeathRecord(v.Node("suspect"), v.Enum<DeathPhase>("phase"), v.Str("proposal_id"), v.Str("reason"),
                v.Long("incarnation"), v.NodeSet("yes"), v.NodeSet("no"), v.NodeSet("reporters"), v.Str("last_evidence"))
            { DecidedUs = v.Long("decided_us"), Sigs = v.Map("sigs", x => x.Str()) }),
            Probes = r.Map("probes", v => ReadProbe(v, b => new BallotRef(b.Node("proposer"), b.Str("proposal_id"))
                { Incarnation = b.Long("incarnation"), Reason = b.Str("reason") })),
            NextNonce = r.Long("next_nonce"),
            Left = r.NodeSet("left"),
            KeyChecks = r.Map("key_checks", v => new KeyCheckRecord(v.Long("nonce"),
                toSeq(v.Arr("ballots").Select(b => new KeyBallot(b.Node("proposer"), b.Str("proposal_id"), b.Str("key"), b.Long("incarnation"))).ToArray()))),
            Removed = r.Map("removed", v => v.Msg<DeadConfirmed>()),
            BridgedUs = r.Map("bridged_us", v => v.Long()),
            Run = r.Long("run"),
            Version = r.Long("version"),
            VersionOf = versionOf,
            Changes = toMap(versionOf.AsEnumerable().Select(x => (x.Value, x.Key))),
            SyncedFrom = r.Map("synced_from", v => new SyncCursor(v.Long("run"), v.Long("upto"))
                { Chunks = v.Int("chunks"), Learned = v.Int("learned"), Removed = v.Int("removed") }),
            ReportsChanged = r.Long("reports_changed"),
            OverlayWhole = r.Has("overlay_whole") ? new OverlayMark(r.Obj("overlay_whole").Long("version"), r.Obj("overlay_whole").Long("reports_changed")) : null,
        }.WithReports(r.Map("reports", v => new NeighbourReport(v.Int("degree"), v.NodeSet("neighbours"))));
    }

    // ---- Shared parts ------------------------------------------------------------------------------------------

    // A vote waiting on something (a probe, a key check): whose proposal, of which run, and one more field.
    static void Ballot(Utf8JsonWriter w, NodeId proposer, string proposalId, long incarnation, string name, string value)
    {
        w.WriteStartObject();
        w.WriteString("proposer", proposer.ToString());
        w.WriteString("proposal_id", proposalId);
        w.WriteNumber("incarnation", incarnation);
        w.WriteString(name, value);
        w.WriteEndObject();
    }

    static void WriteHealth(Utf8JsonWriter w, Health h)
    {
        w.WriteStartObject("health");
        w.WriteNumber("score", h.Score);
        w.WriteNumber("changed_us", h.ChangedUs);
        w.WriteStartObject("due_us");
        foreach (var (key, due) in h.DueUs.Select(x => (Key: x.Key.ToString(), x.Value)).OrderBy(x => x.Key, StringComparer.Ordinal))
            w.WriteNumber(key, due);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    static Health ReadHealth(R r) =>
        new(r.Int("score"), r.Long("changed_us"), toHashMap(r.Obj("due_us").Fields().Select(f =>
            (TimerKey.TryParse(f.Name, out var key) ? key : throw new SnapshotError($"snapshot: '{f.Name}' in health.due_us is not a timer key"), f.Value.Long()))));

    static void WriteProbe<T>(Utf8JsonWriter w, PendingProbe<T> p, Action<T> waiter)
    {
        w.WriteStartObject();
        w.WriteNumber("nonce", p.Nonce);
        w.WriteNumber("started_us", p.StartedUs);
        w.WriteStartArray("waiting");
        foreach (var x in p.Waiting) waiter(x);
        w.WriteEndArray();
        w.WriteNumber("attempts_left", p.AttemptsLeft);
        w.WriteEndObject();
    }

    static PendingProbe<T> ReadProbe<T>(R r, Func<R, T> waiter) =>
        new(r.Long("nonce"), r.Long("started_us"), toSeq(r.Arr("waiting").Select(waiter).ToArray()), r.Int("attempts_left"));

    static IEnumerable<NodeId> Sorted(IEnumerable<NodeId> nodes) => nodes.OrderBy(n => n);

    static void Nodes(Utf8JsonWriter w, string name, LanguageExt.HashSet<NodeId> set)
    {
        w.WriteStartArray(name);
        foreach (var n in Sorted(set)) w.WriteStringValue(n.ToString());
        w.WriteEndArray();
    }

    // A digest is its 32 bytes (A, B, C, D big-endian) in base64: a busy peer's seen set is most of its snapshot.
    static void Nodes(Utf8JsonWriter w, params (string Name, LanguageExt.HashSet<NodeId> Set)[] sets)
    {
        foreach (var (name, set) in sets) Nodes(w, name, set);
    }

    static void Digests(Utf8JsonWriter w, string name, LanguageExt.HashSet<Digest> set)
    {
        Span<byte> bytes = stackalloc byte[32];
        w.WriteStartArray(name);
        foreach (var d in set)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, d.A);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], d.B);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[16..], d.C);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[24..], d.D);
            w.WriteBase64StringValue(bytes);
        }
        w.WriteEndArray();
    }

    static void Messages<M>(Utf8JsonWriter w, string name, IEnumerable<M> messages) where M : Message
    {
        w.WriteStartArray(name);
        foreach (var m in messages) Msg(w, m);
        w.WriteEndArray();
    }

    static void Msg(Utf8JsonWriter w, Message m) => w.WriteRawValue(JsonCodec.Encode(m), skipInputValidation: true);

    /// <summary>A map keyed by address, as a JSON object in address order (the same state writes the same bytes).</summary>
    static void Map<V>(Utf8JsonWriter w, string name, IEnumerable<(NodeId Key, V Value)> map, Action<V> value)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in map.OrderBy(x => x.Key))
        {
            w.WritePropertyName(k.ToString());
            value(v);
        }
        w.WriteEndObject();
    }

    /// <summary>A field of the snapshot being read, with its path for errors.</summary>
    readonly struct R
    {
        readonly JsonElement el;
        readonly string path;

        public R(JsonElement el, string path) { this.el = el; this.path = path; }

        public bool Has(string name) => el.TryGetProperty(name, out _);

        public R Get(string name) =>
            el.ValueKind == JsonValueKind.Object && el.TryGetProperty(name, out var v) ? new R(v, $"{path}.{name}") : throw Bad($"field '{name}' missing");

        public R Obj(string name) => Get(name).Is(JsonValueKind.Object, "an object");
        public IEnumerable<R> Arr(string name) => Get(name).Items();

        public IEnumerable<R> Items()
        {
            var (e, p) = (Is(JsonValueKind.Array, "an array").el, path);
            return e.EnumerateArray().Select((x, i) => new R(x, $"{p}[{i}]")).ToArray();
        }

        public IEnumerable<(string Name, R Value)> Fields()
        {
            var p = path;
            return Is(JsonValueKind.Object, "an object").el.EnumerateObject().Select(f => (f.Name, new R(f.Value, $"{p}.{f.Name}"))).ToArray();
        }

        R Is(JsonValueKind kind, string what) => el.ValueKind == kind ? this : throw Bad($"not {what}");
        SnapshotError Bad(string why) => new($"snapshot: {path}: {why}");

        public long Long() => el.ValueKind == JsonValueKind.Number && el.TryGetInt64(out var v) ? v : throw Bad("not a 64-bit integer");
        public int Int() => el.ValueKind == JsonValueKind.Number && el.TryGetInt32(out var v) ? v : throw Bad("not a 32-bit integer");
        public string Str() => el.ValueKind == JsonValueKind.String ? el.GetString()! : throw Bad("not a string");
        public NodeId Node() => NodeId.TryParse(Str(), out var n) ? n : throw Bad("not IP:Port");

        public long Long(string name) => Get(name).Long();
        public int Int(string name) => Get(name).Int();
        public ulong ULong(string name) => Get(name) is var v && v.el.ValueKind == JsonValueKind.Number && v.el.TryGetUInt64(out var u) ? u : throw v.Bad("not an unsigned 64-bit integer");
        public bool Bool(string name) => Get(name) is var v && v.el.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.el.GetBoolean() : throw Get(name).Bad("not a boolean");
        public string Str(string name) => Get(name).Str();
        public string? OptStr(string name) => Has(name) ? Str(name) : null;
        public NodeId Node(string name) => Get(name).Node();
        public T Enum<T>(string name) where T : struct, Enum =>
            System.Enum.TryParse<T>(Str(name), out var v) && System.Enum.IsDefined(v) ? v : throw Get(name).Bad($"not a {typeof(T).Name}");

        public LanguageExt.HashSet<NodeId> NodeSet(string name) => toHashSet(Arr(name).Select(x => x.Node()));

        public LanguageExt.HashSet<Digest> DigestSet(string name) => toHashSet(Arr(name).Select(d =>
        {
            var bytes = d.el.ValueKind == JsonValueKind.String && d.el.TryGetBytesFromBase64(out var b) && b.Length == 32 ? b : throw d.Bad("not a digest (32 bytes in base64)");
            return new Digest(Be(bytes, 0), Be(bytes, 8), Be(bytes, 16), Be(bytes, 24));
        }));

        static ulong Be(byte[] b, int at) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(at));

        public HashMap<NodeId, V> Map<V>(string name, Func<R, V> value) =>
            toHashMap(Obj(name).Fields().Select(f => (NodeId.TryParse(f.Name, out var n) ? n : throw f.Value.Bad("the key is not IP:Port"), value(f.Value))));

        public M Msg<M>() where M : Message
        {
            Is(JsonValueKind.Object, "a message");
            return JsonCodec.ReadMessageFrom(el, path) is M m ? m : throw Bad($"not a {typeof(M).Name} message");
        }
    }

    sealed class SnapshotError(string message) : Exception(message);
}
