using LanguageExt;

namespace GossipPure.Core.Tests;

/// <summary>MessageTable is the one list of message types: every message record has exactly one entry, and the entries agree with the records.</summary>
public sealed class MessageTableTests
{
    static readonly Type[] MessageRecords =
        [.. typeof(Message).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Message)) && !t.IsAbstract)];

    [Fact]
    public void Every_message_record_has_one_entry_and_every_entry_one_record()
    {
        Assert.Equal(MessageRecords.OrderBy(t => t.Name), MessageTable.Kinds.Select(k => k.Type).OrderBy(t => t.Name));
        Assert.Equal(MessageTable.Kinds.Length, MessageTable.Kinds.Select(k => k.Name).Distinct().Count());
        Assert.All(MessageTable.Kinds.Select((k, i) => (k, i)), e => Assert.Equal(e.i, e.k.Index));
    }

    [Fact]
    public void Field_names_are_unique_within_a_shape_and_fit_the_decoder()
    {
        var shapes = MessageTable.Kinds.Select(k => k.Shape).Append(MessageTable.PeerEntryShape);
        Assert.All(shapes, s =>
        {
            Assert.True(s.Fields.Count <= MessageTable.MaxFields);
            Assert.Equal(s.Fields.Count, s.Fields.Select(f => f.Name).Distinct().Count());
            Assert.DoesNotContain(s.Fields, f => f.Name == "type");
        });
        Assert.Equal(MessageTable.AllFields.Count(), MessageTable.AllFields.Select(f => f.Id).Distinct().Count());
    }

    /// <summary>
    /// A record built from the values its own fields hand out is the record again (the builder reads the fields in
    /// the order they are declared), for a sample of every kind.
    /// </summary>
    [Fact]
    public void Each_entry_builds_back_what_its_fields_read()
    {
        var p = new NodeId("10.1.2.3", 6001);
        var samples = new Message[]
        {
            new Gossip(p, "b"), new Heartbeat(), new Probe(1), new ProbeAck(2), new Hello(p, Role.Peer), new DegreeUpdate(Seq1(p)),
            new PeerList(Seq1(new PeerEntry(p, 3))), new LinkRequest(4), new SuspectRequest(p), new SuspectResponse(p, true, "e"),
            new RegisterRequest(5), new RegisterProposal(p, "x", 6), new RegisterVote(p, "x", false, null), new RegisterCommit(p, Seq1(p), 7),
            new RegisterRejected("r"), new PeerListRequest(), new Bridge(p),
            new SeedSyncRequest(12, 13), new SeedSync(14, 15, 16, true, Seq1(new RegisterCommit(p, Seq1(p), 7)), Seq1(new DeadConfirmed(p, Seq1(p), "left", Some(p), 8))),
            new DegreeUpdate(Seq1(p)) { Unnamed = 40 },
            new DeadReport(p, "d"), new DeadProposal(p, "y", "crashed", 9), new DeadVote(p, "y", true, "e"),
            new DeadConfirmed(p, Seq1(p), "crashed", None, 10), new DeadRejected(p, "alive"), new Leave(), new KeyChallenge(7), new KeyProof(7, "sig"), new MemberQuery(p),
            new MemberAnswer(p, true, 11),
        };
        Assert.Equal(MessageTable.Kinds.Length, samples.Select(m => m.GetType()).Distinct().Count());
        foreach (var m in samples)
        {
            var kind = MessageTable.Of(m)!;
            var reader = new ValueReader();
            kind.Visit(m, ref reader);
            var values = reader.Values;
            Assert.Equal(m, kind.Build(ref values));
        }
    }

    /// <summary>Copies each field's value into the slot a decoder would fill.</summary>
    struct ValueReader() : IFieldVisitor
    {
        public FieldValues Values;
        int next = 0;

        void Put(FieldValue v) => Values[next++] = v;
        public void Address(Field f, NodeId value) => Put(new() { Address = value });
        public void OptionalAddress(Field f, NodeId? value) => Put(new() { Address = value });
        public void Role(Field f, Role value) => Put(new() { Number = value == Core.Role.Seed ? 0 : 1 });
        public void Number(Field f, long value) => Put(new() { Number = value });
        public void Bool(Field f, bool value) => Put(new() { Number = value ? 1 : 0 });
        public void Text(Field f, string? value) => Put(new() { Text = value });
        public void Addresses(Field f, Seq<NodeId> value) => Put(new() { Items = value.ToArray() });

        public void Objects<T>(Field f, Seq<T> items, Shape<T> shape)
        {
            var built = items.Select(item =>
            {
                var inner = new ValueReader();
                shape.Visit(item, ref inner);
                return inner.Values;
            }).ToArray();
            Put(new() { Items = shape.BuildArray(built) });
        }
    }
}
