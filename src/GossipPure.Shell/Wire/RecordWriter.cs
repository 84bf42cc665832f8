using System.Text.Json;
using GossipPure.Core;

namespace GossipPure.Shell.Wire;

// The writer of the event-log records (InputCodec.cs, EffectCodec.cs): one record, an input or an effect, is its
// kind word and then its fields, each field one call, so a kind is one line in its codec.
public static partial class JsonCodec
{
    /// <summary>Writes one record's fields into an open JSON object; allocates nothing of its own.</summary>
    internal readonly struct Record
    {
        readonly Utf8JsonWriter w;

        Record(Utf8JsonWriter w) => this.w = w;

        /// <summary>Starts a record: its kind word under <paramref name="kindField"/> (<c>input</c>, <c>fx</c>).</summary>
        public static Record Of(Utf8JsonWriter w, string kindField, string kind)
        {
            w.WriteString(kindField, kind);
            return new(w);
        }

        public Record String(string name, string value) { w.WriteString(name, value); return this; }
        public Record Number(string name, long value) { w.WriteNumber(name, value); return this; }
        public Record Address(JsonEncodedText name, NodeId node) { WriteAddress(w, name, node); return this; }
        public Record Message(string name, Core.Message m)
        {
            w.WritePropertyName(name);
            // A gossip is written once as received and once per neighbour it goes to: its JSON is made once.
            if (m is Gossip g) w.WriteRawValue(FrameOf(g).AsSpan(Framing.HeaderBytes), skipInputValidation: true);
            else WriteMessage(w, m);
            return this;
        }

        /// <summary>The name of a field whose value the caller writes next.</summary>
        public void Name(string name) => w.WritePropertyName(name);
    }
}
