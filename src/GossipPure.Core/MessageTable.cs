using System.Collections.Frozen;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace GossipPure.Core;

/// <summary>
/// Every message type, declared once: its wire name, its fields in order (name, kind of value, limits, how to read
/// it from the record) and how to make the record from the values read. The wire codec, the wire type name
/// (<see cref="Wire.TypeName"/>) and the simulator's trace text are all driven by this table, so a new message is
/// one entry here (and its record in Messages.cs).
/// </summary>
/// <remarks>
/// The order of <see cref="Kinds"/> is the order a decoder tries type names in: the most frequent first. The order
/// of a message's fields is the order they are written in (on the wire and in the trace) and the order a decoder
/// reports their errors in. specs/protocol.md describes the same shapes for people.
/// </remarks>
public static class MessageTable
{
    /// <summary>Longest gossip body, in UTF-16 characters.</summary>
    public const int MaxBodyChars = 64 * 1024;
    /// <summary>Longest of any other string in a message (addresses, proposal ids, reasons, the type).</summary>
    public const int MaxStringChars = 1024;
    /// <summary>The most fields any message or item has (the size of <see cref="FieldValues"/>).</summary>
    public const int MaxFields = 8;

    // ---- Items of lists --------------------------------------------------------------------------------------

    /// <summary>A seed's signature in a certificate: <c>{"seed","sig"}</c>.</summary>
    public static readonly Shape<Identity.SeedSignature> SignatureShape = Shape<Identity.SeedSignature>.Of(f => f
            .Address("seed", g => g.Seed)
            .Text("sig", g => g.Sig),
        (ref v) => new Identity.SeedSignature(v.Address(0), v.Text(1)), traceSeparator: "/", traceLeading: false);

    /// <summary>A commit certificate: a REGISTER_COMMIT, and an item of SEED_SYNC's <c>commits</c>.</summary>
    public static readonly Shape<RegisterCommit> CommitShape = Shape<RegisterCommit>.Of(f => f
            .Address("peer", c => c.Peer)
            .Addresses("voters", c => c.Voters)
            .Long("incarnation", c => c.Incarnation)
            .OmittedText("key", c => c.Key)
            .OmittedText("proposal", c => c.ProposalId)
            .OmittedObjects("signatures", c => c.Signatures, SignatureShape),
        (ref v) => new RegisterCommit(v.Address(0), v.Seq<NodeId>(1), v.Long(2))
        {
            Key = v.OptionalText(3), ProposalId = v.OptionalText(4), Signatures = v.Seq<Identity.SeedSignature>(5),
        });

    /// <summary>A removal: a DEAD_CONFIRMED, and an item of SEED_SYNC's <c>removals</c>.</summary>
    public static readonly Shape<DeadConfirmed> RemovalShape = Shape<DeadConfirmed>.Of(f => f
            .Address("node", c => c.Node)
            .Addresses("voters", c => c.Voters)
            .Text("reason", c => c.Reason)
            .OptionalAddress("rendezvous", c => c.Rendezvous)
            .Long("incarnation", c => c.Incarnation)
            .OmittedText("proposal", c => c.ProposalId)
            .OmittedObjects("signatures", c => c.Signatures, SignatureShape),
        (ref v) => new DeadConfirmed(v.Address(0), v.Seq<NodeId>(1), v.Text(2), v.OptionalAddress(3), v.Long(4))
        {
            ProposalId = v.OptionalText(5), Signatures = v.Seq<Identity.SeedSignature>(6),
        });

    /// <summary>A peer-list entry: <c>{"node","degree"}</c>, in the trace <c>node/degree</c>.</summary>
    public static readonly Shape<PeerEntry> PeerEntryShape = Shape<PeerEntry>.Of(f => f
            .Address("node", e => e.Node)
            .NonNegativeInt("degree", e => e.Degree)
            .OmittedObjects("cert", e => e.Cert, CommitShape),
        (ref v) => new PeerEntry(v.Address(0), (int)v.Long(1)) { Cert = v.Seq<RegisterCommit>(2) }, traceSeparator: "/", traceLeading: false);

    // Messages without fields are values: one instance each serves every decode.
    static readonly Heartbeat TheHeartbeat = new();
    static readonly Leave TheLeave = new();
    static readonly PeerListRequest ThePeerListRequest = new();

    // ---- The messages -----------------------------------------------------------------------------------------

    /// <summary>Every message type, the most frequent first; <see cref="MessageKind.Index"/> is the position here.</summary>
    public static readonly MessageKind[] Kinds =
    [
        MessageKind<Gossip>.Of("GOSSIP", f => f
                .Address("origin", m => m.Origin)
                .Text("body", m => m.Body, MaxBodyChars)
                .OmittedText("sig", m => m.Sig)
                .OmittedObjects("cert", m => m.Cert, CommitShape)
                .OmittedText("data", m => m.Data, AppMessage.MaxDataChars),
            (ref v) => new Gossip(v.Address(0), v.Text(1)) { Sig = v.OptionalText(2), Cert = v.Seq<RegisterCommit>(3), Data = v.OptionalText(4) }),
        MessageKind<Heartbeat>.Of("HEARTBEAT", f => f, (ref _) => TheHeartbeat),
        MessageKind<Probe>.Of("PROBE", f => f.Long("nonce", m => m.Nonce), (ref v) => new Probe(v.Long(0))),
        MessageKind<ProbeAck>.Of("PROBE_ACK", f => f.Long("nonce", m => m.Nonce), (ref v) => new ProbeAck(v.Long(0))),
        MessageKind<Hello>.Of("HELLO", f => f
                .Address("from", m => m.From)
                .Role("role", m => m.Role)
                .OmittedText("key", m => m.Key)
                .OmittedText("proof", m => m.Proof)
                .OmittedObjects("cert", m => m.Cert, CommitShape),
            (ref v) => new Hello(v.Address(0), v.Role(1)) { Key = v.OptionalText(2), Proof = v.OptionalText(3), Cert = v.Seq<RegisterCommit>(4) }),
        MessageKind<DegreeUpdate>.Of("DEGREE_UPDATE", f => f
                .Addresses("neighbours", m => m.Neighbours)
                .OmittedCount("unnamed", m => m.Unnamed),
            (ref v) => new DegreeUpdate(v.Seq<NodeId>(0)) { Unnamed = (int)v.Long(1) }),
        MessageKind<PeerList>.Of("PEER_LIST", f => f.Objects("peers", m => m.Peers, PeerEntryShape),
            (ref v) => new PeerList(v.Seq<PeerEntry>(0))),
        MessageKind<LinkRequest>.Of("LINK_REQUEST", f => f.Long("incarnation", m => m.Incarnation),
            (ref v) => new LinkRequest(v.Long(0))),
        MessageKind<SuspectRequest>.Of("SUSPECT_REQUEST", f => f.Address("suspect", m => m.Suspect),
            (ref v) => new SuspectRequest(v.Address(0))),
        MessageKind<SuspectResponse>.Of("SUSPECT_RESPONSE", f => f
                .Address("suspect", m => m.Suspect)
                .Bool("dead", m => m.Dead, "dead", "alive")
                .Text("evidence", m => m.Evidence)
                .OmittedText("sig", m => m.Sig),
            (ref v) => new SuspectResponse(v.Address(0), v.Bool(1), v.Text(2)) { Sig = v.OptionalText(3) }),
        MessageKind<RegisterRequest>.Of("REGISTER_REQUEST", f => f
                .Long("incarnation", m => m.Incarnation)
                .OmittedText("key", m => m.Key)
                .OmittedText("sig", m => m.Sig),
            (ref v) => new RegisterRequest(v.Long(0)) { Key = v.OptionalText(1), Sig = v.OptionalText(2) }),
        MessageKind<RegisterProposal>.Of("REGISTER_PROPOSAL", f => f
                .Address("peer", m => m.Peer)
                .Id("proposal", m => m.ProposalId)
                .Long("incarnation", m => m.Incarnation)
                .OmittedText("key", m => m.Key),
            (ref v) => new RegisterProposal(v.Address(0), v.Text(1), v.Long(2)) { Key = v.OptionalText(3) }),
        MessageKind<RegisterVote>.Of("REGISTER_VOTE", f => f
                .Address("peer", m => m.Peer)
                .Id("proposal", m => m.ProposalId)
                .Bool("yes", m => m.Yes, "yes", "no")
                .OptionalText("reason", m => m.Reason)
                .OmittedText("sig", m => m.Sig),
            (ref v) => new RegisterVote(v.Address(0), v.Text(1), v.Bool(2), v.OptionalText(3)) { Sig = v.OptionalText(4) }),
        MessageKind<RegisterCommit>.Of("REGISTER_COMMIT", CommitShape),
        MessageKind<RegisterRejected>.Of("REGISTER_REJECTED", f => f.Text("reason", m => m.Reason),
            (ref v) => new RegisterRejected(v.Text(0))),
        MessageKind<PeerListRequest>.Of("PEER_LIST_REQUEST", f => f, (ref _) => ThePeerListRequest),
        MessageKind<Bridge>.Of("BRIDGE", f => f.Address("target", m => m.Target), (ref v) => new Bridge(v.Address(0))),
        MessageKind<SeedSyncRequest>.Of("SEED_SYNC_REQUEST", f => f
                .Long("run", m => m.Run)
                .Long("since", m => m.Since),
            (ref v) => new SeedSyncRequest(v.Long(0), v.Long(1))),
        MessageKind<SeedSync>.Of("SEED_SYNC", f => f
                .Objects("commits", m => m.Commits, CommitShape, traceNamed: true)
                .Objects("removals", m => m.Removals, RemovalShape, traceNamed: true)
                .Long("run", m => m.Run)
                .Long("since", m => m.Since)
                .Long("upto", m => m.Upto)
                .Bool("more", m => m.More, "more", "last"),
            (ref v) => new SeedSync(v.Long(2), v.Long(3), v.Long(4), v.Bool(5), v.Seq<RegisterCommit>(0), v.Seq<DeadConfirmed>(1))),
        MessageKind<DeadReport>.Of("DEAD_REPORT", f => f
                .Address("suspect", m => m.Suspect)
                .Text("report", m => m.Report)
                .OmittedText("sig", m => m.Sig),
            (ref v) => new DeadReport(v.Address(0), v.Text(1)) { Sig = v.OptionalText(2) }),
        MessageKind<DeadProposal>.Of("DEAD_PROPOSAL", f => f
                .Address("suspect", m => m.Suspect)
                .Id("proposal", m => m.ProposalId)
                .Text("reason", m => m.Reason)
                .Long("incarnation", m => m.Incarnation),
            (ref v) => new DeadProposal(v.Address(0), v.Text(1), v.Text(2), v.Long(3))),
        MessageKind<DeadVote>.Of("DEAD_VOTE", f => f
                .Address("suspect", m => m.Suspect)
                .Id("proposal", m => m.ProposalId)
                .Bool("yes", m => m.Yes, "yes", "no")
                .Text("evidence", m => m.Evidence)
                .OmittedText("sig", m => m.Sig),
            (ref v) => new DeadVote(v.Address(0), v.Text(1), v.Bool(2), v.Text(3)) { Sig = v.OptionalText(4) }),
        MessageKind<DeadConfirmed>.Of("DEAD_CONFIRMED", RemovalShape),
        MessageKind<DeadRejected>.Of("DEAD_REJECTED", f => f
                .Address("suspect", m => m.Suspect)
                .Text("reason", m => m.Reason),
            (ref v) => new DeadRejected(v.Address(0), v.Text(1))),
        MessageKind<Leave>.Of("LEAVE", f => f, (ref _) => TheLeave),
        MessageKind<KeyChallenge>.Of("KEY_CHALLENGE", f => f.Long("nonce", m => m.Nonce), (ref v) => new KeyChallenge(v.Long(0))),
        MessageKind<KeyProof>.Of("KEY_PROOF", f => f
                .Long("nonce", m => m.Nonce)
                .Text("sig", m => m.Sig),
            (ref v) => new KeyProof(v.Long(0), v.Text(1))),
        MessageKind<MemberQuery>.Of("MEMBER_QUERY", f => f.Address("node", m => m.Node), (ref v) => new MemberQuery(v.Address(0))),
        MessageKind<MemberAnswer>.Of("MEMBER_ANSWER", f => f
                .Address("node", m => m.Node)
                .Bool("member", m => m.Member, "member", "stranger")
                .Long("incarnation", m => m.Incarnation)
                .OmittedObjects("cert", m => m.Cert, CommitShape),
            (ref v) => new MemberAnswer(v.Address(0), v.Bool(1), v.Long(2)) { Cert = v.Seq<RegisterCommit>(3) }),
    ];

    static readonly FrozenDictionary<Type, MessageKind> ByType = Index();

    static FrozenDictionary<Type, MessageKind> Index()
    {
        for (var i = 0; i < Kinds.Length; i++) Kinds[i].Index = i;
        return Kinds.ToFrozenDictionary(k => k.Type);
    }

    /// <summary>The entry of <paramref name="m"/>'s type, or null for a type the table does not hold.</summary>
    public static MessageKind? Of(Message m) => ByType.GetValueOrDefault(m.GetType());

    /// <summary>Every field of every shape (messages and list items), each once: for tables indexed by <see cref="Field.Id"/>.</summary>
    public static IEnumerable<Field> AllFields =>
        Kinds.SelectMany(k => k.Shape.Fields).Concat(PeerEntryShape.Fields).Concat(CommitShape.Fields).Concat(SignatureShape.Fields).DistinctBy(f => f.Id);

    /// <summary>An array indexed by <see cref="Field.Id"/> holding <paramref name="make"/> of every field (what codecs derive from the table).</summary>
    public static T[] ByFieldId<T>(Func<Field, T> make)
    {
        var fields = AllFields.ToList();
        var made = new T[fields.Max(f => f.Id) + 1];
        foreach (var f in fields) made[f.Id] = make(f);
        return made;
    }
}

// ---- The parts of a declaration ---------------------------------------------------------------------------------

/// <summary>The kind of value a field holds: what the wire accepts for it.</summary>
public enum FieldKind : byte
{
    /// <summary>An <c>IP:Port</c> string.</summary>
    Address,
    /// <summary>An address, null or absent.</summary>
    OptionalAddress,
    /// <summary>"seed" or "peer".</summary>
    Role,
    /// <summary>Any 64-bit integer.</summary>
    Long,
    /// <summary>A 32-bit integer ≥ 0.</summary>
    NonNegativeInt,
    /// <summary>A boolean.</summary>
    Bool,
    /// <summary>A string of at most <see cref="Field.MaxChars"/> characters, no control characters.</summary>
    Text,
    /// <summary>A text, null or absent.</summary>
    OptionalText,
    /// <summary>A non-empty text (a proposal id).</summary>
    Id,
    /// <summary>An array of addresses.</summary>
    Addresses,
    /// <summary>An array of objects of one shape (<see cref="Field.Items"/>).</summary>
    Objects,
}

/// <summary>
/// Told the value of each field of a record, in order, with the field it belongs to: how the codec writes a message
/// and the trace describes one, without a switch over message types.
/// </summary>
public interface IFieldVisitor
{
    void Address(Field field, NodeId value);
    void OptionalAddress(Field field, NodeId? value);
    void Role(Field field, Role value);
    /// <summary>A <see cref="FieldKind.Long"/> or <see cref="FieldKind.NonNegativeInt"/>.</summary>
    void Number(Field field, long value);
    void Bool(Field field, bool value);
    /// <summary>A text, an id or an optional text (null when absent).</summary>
    void Text(Field field, string? value);
    void Addresses(Field field, Seq<NodeId> value);
    void Objects<T>(Field field, Seq<T> items, Shape<T> shape);
}

/// <summary>One field of a record: its name on the wire, the kind of its value and its limits.</summary>
public abstract class Field
{
    static int count;

    private protected Field(string name, FieldKind kind, int maxChars)
    {
        Name = name;
        Kind = kind;
        MaxChars = maxChars;
        Id = count++;
    }

    public string Name { get; }
    public FieldKind Kind { get; }
    /// <summary>The longest text accepted, for the text kinds.</summary>
    public int MaxChars { get; }
    /// <summary>A number of its own among all fields, from 0: codecs keep what they derive from a field in arrays indexed by it.</summary>
    public int Id { get; }
    public bool Optional => Kind is FieldKind.OptionalAddress or FieldKind.OptionalText || Omittable;
    /// <summary>
    /// Left out of the wire, the trace and the event log when absent (null text, empty list), and absent when
    /// missing on decode: the fields signed membership adds, so an unauthenticated network's frames stay as they were.
    /// </summary>
    public bool Omittable { get; init; }
    /// <summary>A boolean's words in the trace.</summary>
    public string TrueWord { get; init; } = "true";
    public string FalseWord { get; init; } = "false";
    /// <summary>Whether the trace writes <c>name=</c> before the value (lists of objects, which would read alike otherwise).</summary>
    public bool TraceNamed { get; init; }
    /// <summary>The shape of the items of an <see cref="FieldKind.Objects"/> field.</summary>
    public virtual Shape? Items => null;
}

/// <summary>A field of a <typeparamref name="T"/>: it can hand its value to a visitor.</summary>
public abstract class Field<T> : Field
{
    private protected Field(string name, FieldKind kind, int maxChars) : base(name, kind, maxChars) { }

    public abstract void Accept<V>(T owner, ref V visitor) where V : IFieldVisitor;

    /// <summary>
    /// <see cref="Accept{V}"/> for <see cref="FrameSize"/>'s counter: an ordinary virtual call where the generic one
    /// costs a runtime lookup per field, which the simulator would pay hundreds of millions of times.
    /// </summary>
    internal abstract void Count(T owner, ref FrameSize.Counter counter);

    /// <summary>True when the field has no value in <paramref name="owner"/> (only <see cref="Field.Omittable"/> fields ask).</summary>
    public virtual bool IsAbsent(T owner) => false;
}

/// <summary>The values read for the fields of one object, by position (what a decoder hands a shape's builder).</summary>
public struct FieldValue
{
    public string? Text;
    public NodeId? Address;
    /// <summary>A number, a boolean (1 or 0) or a role (0 seed, 1 peer).</summary>
    public long Number;
    /// <summary>The items of a list field, exactly as many as it has (null for none).</summary>
    public Array? Items;
}

[InlineArray(MessageTable.MaxFields)]
public struct FieldValues
{
    FieldValue first;

    public readonly NodeId Address(int i) => this[i].Address!;
    public readonly Option<NodeId> OptionalAddress(int i) => this[i].Address is { } a ? Option<NodeId>.Some(a) : Option<NodeId>.None;
    public readonly string Text(int i) => this[i].Text!;
    public readonly string? OptionalText(int i) => this[i].Text;
    public readonly long Long(int i) => this[i].Number;
    public readonly bool Bool(int i) => this[i].Number != 0;
    public readonly Role Role(int i) => this[i].Number == 0 ? Core.Role.Seed : Core.Role.Peer;
    public readonly Seq<T> Seq<T>(int i) => SeqOf.Wrap((T[]?)this[i].Items);
}

/// <summary>Makes a record from the values of its fields.</summary>
public delegate T Builder<T>(ref FieldValues values);

/// <summary>The fields of one kind of record, in order, and how the trace lays them out.</summary>
public abstract class Shape
{
    public abstract IReadOnlyList<Field> Fields { get; }
    /// <summary>What the trace writes between fields (and before the first, when <see cref="TraceLeading"/>).</summary>
    public string TraceSeparator { get; init; } = " ";
    public bool TraceLeading { get; init; } = true;

    /// <summary>An array of the records made from <paramref name="items"/>, or null for none.</summary>
    public abstract Array? BuildArray(Span<FieldValues> items);
}

public sealed class Shape<T> : Shape
{
    readonly Field<T>[] fields;
    readonly Builder<T> build;

    Shape(Field<T>[] fields, Builder<T> build)
    {
        if (fields.Length > MessageTable.MaxFields)
            throw new ArgumentException($"a shape has at most {MessageTable.MaxFields} fields", nameof(fields));
        this.fields = fields;
        this.build = build;
    }

    /// <summary>A shape of the fields <paramref name="declare"/> adds, in that order, built by <paramref name="build"/>.</summary>
    public static Shape<T> Of(Func<FieldList<T>, FieldList<T>> declare, Builder<T> build, string traceSeparator = " ", bool traceLeading = true) =>
        new(declare(new FieldList<T>()).ToArray(), build) { TraceSeparator = traceSeparator, TraceLeading = traceLeading };

    public override IReadOnlyList<Field> Fields => fields;

    public T Build(ref FieldValues values) => build(ref values);

    /// <summary>Hands each field's value of <paramref name="owner"/> to <paramref name="visitor"/>, in order.</summary>
    public void Visit<V>(T owner, ref V visitor) where V : IFieldVisitor
    {
        foreach (var f in fields)
            if (!f.Omittable || !f.IsAbsent(owner)) f.Accept(owner, ref visitor);
    }

    /// <summary>As <see cref="Visit{V}"/>, for <see cref="FrameSize"/>.</summary>
    internal void Count(T owner, ref FrameSize.Counter counter)
    {
        foreach (var f in fields)
            if (!f.Omittable || !f.IsAbsent(owner)) f.Count(owner, ref counter);
    }

    public override Array? BuildArray(Span<FieldValues> items)
    {
        if (items.IsEmpty) return null;
        var made = new T[items.Length];
        for (var i = 0; i < items.Length; i++) made[i] = build(ref items[i]);
        return made;
    }
}

/// <summary>The fields of a shape while it is declared: one method per kind of value.</summary>
public sealed class FieldList<T>
{
    readonly System.Collections.Generic.List<Field<T>> fields = [];

    internal Field<T>[] ToArray() => [.. fields];

    FieldList<T> Add(Field<T> f)
    {
        fields.Add(f);
        return this;
    }

    public FieldList<T> Address(string name, Func<T, NodeId> get) => Add(new AddressField(name, get));
    public FieldList<T> OptionalAddress(string name, Func<T, Option<NodeId>> get) => Add(new OptionalAddressField(name, get));
    public FieldList<T> Role(string name, Func<T, Role> get) => Add(new RoleField(name, get));
    public FieldList<T> Long(string name, Func<T, long> get) => Add(new NumberField(name, FieldKind.Long, get));
    public FieldList<T> NonNegativeInt(string name, Func<T, int> get) => Add(new NumberField(name, FieldKind.NonNegativeInt, m => get(m)));
    public FieldList<T> Bool(string name, Func<T, bool> get, string trueWord, string falseWord) =>
        Add(new BoolField(name, get) { TrueWord = trueWord, FalseWord = falseWord });
    public FieldList<T> Text(string name, Func<T, string> get, int maxChars = MessageTable.MaxStringChars) => Add(new TextField(name, FieldKind.Text, get, maxChars));
    public FieldList<T> OptionalText(string name, Func<T, string?> get) => Add(new TextField(name, FieldKind.OptionalText, get, MessageTable.MaxStringChars));
    /// <summary>A non-empty text (a proposal id).</summary>
    public FieldList<T> Id(string name, Func<T, string> get) => Add(new TextField(name, FieldKind.Id, get, MessageTable.MaxStringChars));
    public FieldList<T> Addresses(string name, Func<T, Seq<NodeId>> get) => Add(new AddressesField(name, get));
    public FieldList<T> Objects<TItem>(string name, Func<T, Seq<TItem>> get, Shape<TItem> shape, bool traceNamed = false) =>
        Add(new ObjectsField<TItem>(name, get, shape) { TraceNamed = traceNamed });
    /// <summary>An optional text left out when null (see <see cref="Field.Omittable"/>).</summary>
    public FieldList<T> OmittedText(string name, Func<T, string?> get, int maxChars = MessageTable.MaxStringChars) =>
        Add(new TextField(name, FieldKind.OptionalText, get, maxChars) { Omittable = true, TraceNamed = true });
    /// <summary>A count (≥ 0) left out when 0 (see <see cref="Field.Omittable"/>).</summary>
    public FieldList<T> OmittedCount(string name, Func<T, int> get) =>
        Add(new NumberField(name, FieldKind.NonNegativeInt, m => get(m)) { Omittable = true, TraceNamed = true });
    /// <summary>A list of objects left out when empty (see <see cref="Field.Omittable"/>).</summary>
    public FieldList<T> OmittedObjects<TItem>(string name, Func<T, Seq<TItem>> get, Shape<TItem> shape) =>
        Add(new ObjectsField<TItem>(name, get, shape) { Omittable = true, TraceNamed = true });

    const int NoText = 0;

    sealed class AddressField(string name, Func<T, NodeId> get) : Field<T>(name, FieldKind.Address, NoText)
    {
        public override void Accept<V>(T owner, ref V visitor) => visitor.Address(this, get(owner));
        internal override void Count(T owner, ref FrameSize.Counter counter) => counter.Address(this, get(owner));
    }

    sealed class OptionalAddressField(string name, Func<T, Option<NodeId>> get) : Field<T>(name, FieldKind.OptionalAddress, NoText)
    {
        public override void Accept<V>(T owner, ref V visitor) => visitor.OptionalAddress(this, get(owner).Case as NodeId);
        internal override void Count(T owner, ref FrameSize.Counter counter) => counter.OptionalAddress(this, get(owner).Case as NodeId);
    }

    sealed class RoleField(string name, Func<T, Role> get) : Field<T>(name, FieldKind.Role, MessageTable.MaxStringChars)
    {
        public override void Accept<V>(T owner, ref V visitor) => visitor.Role(this, get(owner));
        internal override void Count(T owner, ref FrameSize.Counter counter) => counter.Role(this, get(owner));
    }

    sealed class NumberField(string name, FieldKind kind, Func<T, long> get) : Field<T>(name, kind, NoText)
    {
        public override void Accept<V>(T owner, ref V visitor) => visitor.Number(this, get(owner));
        internal override void Count(T owner, ref FrameSize.Counter counter) => counter.Number(this, get(owner));
        public override bool IsAbsent(T owner) => get(owner) == 0;
    }

    sealed class BoolField(string name, Func<T, bool> get) : Field<T>(name, FieldKind.Bool, NoText)
    {
        public override void Accept<V>(T owner, ref V visitor) => visitor.Bool(this, get(owner));
        internal override void Count(T owner, ref FrameSize.Counter counter) => counter.Bool(this, get(owner));
    }

    sealed class TextField(string name, FieldKind kind, Func<T, string?> get, int maxChars) : Field<T>(name, kind, maxChars)
    {
        public override void Accept<V>(T owner, ref V visitor) => visitor.Text(this, get(owner));
        internal override void Count(T owner, ref FrameSize.Counter counter) => counter.Text(this, get(owner));
        public override bool IsAbsent(T owner) => get(owner) is null;
    }

    sealed class AddressesField(string name, Func<T, Seq<NodeId>> get) : Field<T>(name, FieldKind.Addresses, NoText)
    {
        public override void Accept<V>(T owner, ref V visitor) => visitor.Addresses(this, get(owner));
        internal override void Count(T owner, ref FrameSize.Counter counter) => counter.Addresses(this, get(owner));
    }

    sealed class ObjectsField<TItem>(string name, Func<T, Seq<TItem>> get, Shape<TItem> shape) : Field<T>(name, FieldKind.Objects, NoText)
    {
        public override Shape Items => shape;
        public override void Accept<V>(T owner, ref V visitor) => visitor.Objects(this, get(owner), shape);
        internal override void Count(T owner, ref FrameSize.Counter counter) => counter.Objects(this, get(owner), shape);
        public override bool IsAbsent(T owner) => get(owner).IsEmpty;
    }
}

/// <summary>One message type: its wire name and the shape of its record.</summary>
public abstract class MessageKind
{
    private protected MessageKind(string name) => Name = name;

    /// <summary>The wire name: the JSON <c>type</c> field, and the type in log lines and the trace.</summary>
    public string Name { get; }
    /// <summary>Its position in <see cref="MessageTable.Kinds"/>.</summary>
    public int Index { get; internal set; }
    public abstract Type Type { get; }
    public abstract Shape Shape { get; }
    public abstract Message Build(ref FieldValues values);
    /// <summary>Hands each field's value of <paramref name="m"/> (a message of this kind) to <paramref name="visitor"/>.</summary>
    public abstract void Visit<V>(Message m, ref V visitor) where V : IFieldVisitor;
    /// <summary>Adds the bytes of <paramref name="m"/>'s fields to <paramref name="counter"/> (<see cref="FrameSize"/>).</summary>
    internal abstract void Count(Message m, ref FrameSize.Counter counter);
}

public sealed class MessageKind<M> : MessageKind where M : Message
{
    readonly Shape<M> shape;

    MessageKind(string name, Shape<M> shape) : base(name) => this.shape = shape;

    public static MessageKind<M> Of(string name, Func<FieldList<M>, FieldList<M>> declare, Builder<M> build) => new(name, Shape<M>.Of(declare, build));

    public static MessageKind<M> Of(string name, Shape<M> shape) => new(name, shape);

    public override Type Type => typeof(M);
    public override Shape Shape => shape;
    public override Message Build(ref FieldValues values) => shape.Build(ref values);
    public override void Visit<V>(Message m, ref V visitor) => shape.Visit((M)m, ref visitor);
    internal override void Count(Message m, ref FrameSize.Counter counter) => shape.Count((M)m, ref counter);
}

/// <summary>
/// Seqs over arrays a decoder made, without the copy LanguageExt's public factories take (they copy the array
/// they are given). It calls LanguageExt's own internal <c>Seq.FromArray</c>, which wraps an array as it is; should
/// that ever be gone, the public copying route is used instead.
/// </summary>
static class SeqOf
{
    [UnsafeAccessor(UnsafeAccessorKind.StaticMethod, Name = "FromArray")]
    static extern Seq<A> FromArray<A>([UnsafeAccessorType("LanguageExt.Seq, LanguageExt.Core")] object? seqModule, A[] items);

    static readonly bool CanWrap = Probe();

    static bool Probe()
    {
        try
        {
            var items = new[] { "a" };
            var s = FromArray<string>(null, items);
            return s.Count == 1 && s.Head == "a";
        }
        catch (Exception e) when (e is MissingMethodException or TypeLoadException or BadImageFormatException)
        {
            return false;
        }
    }

    public static Seq<A> Wrap<A>(A[]? items) =>
        items is null || items.Length == 0 ? LanguageExt.Seq<A>.Empty : CanWrap ? FromArray<A>(null, items) : Prelude.toSeq(items);
}
