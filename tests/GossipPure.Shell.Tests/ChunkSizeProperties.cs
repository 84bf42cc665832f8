using LanguageExt;

namespace GossipPure.Shell.Tests;

/// <summary>
/// <see cref="FrameSize.OfItem{T}"/> is what a seed counts to keep a SEED_SYNC chunk below the frame limit: it must be
/// exactly what an entry adds to the frame the codec writes, whatever its texts hold (one comma less for the first item
/// of each list).
/// </summary>
public sealed class ChunkSizeProperties
{
    /// <summary>The bytes <paramref name="commits"/> and <paramref name="removals"/> add to an otherwise empty SEED_SYNC.</summary>
    static int Added(Seq<RegisterCommit> commits, Seq<DeadConfirmed> removals) =>
        JsonCodec.Encode(new SeedSync(long.MinValue, long.MinValue, long.MinValue, false, commits, removals)).Length
        - JsonCodec.Encode(new SeedSync(long.MinValue, long.MinValue, long.MinValue, false, Seq<RegisterCommit>(), Seq<DeadConfirmed>())).Length;

    [Property(MaxTest = 500)]
    public Property A_commit_adds_exactly_its_counted_size() =>
        Prop.ForAll(Generators.Commit.ToArbitrary(), c =>
        {
            var counted = FrameSize.OfItem(c, MessageTable.CommitShape) - 1;   // the first item: no comma
            var real = Added(Seq1(c), Seq<DeadConfirmed>());
            return (counted == real).Label($"counted {counted}, encoded {real} bytes for {c}");
        });

    [Property(MaxTest = 500)]
    public Property A_removal_adds_exactly_its_counted_size() =>
        Prop.ForAll(Generators.Removal.ToArbitrary(), r =>
        {
            var counted = FrameSize.OfItem(r, MessageTable.RemovalShape) - 1;
            var real = Added(Seq<RegisterCommit>(), Seq1(r));
            return (counted == real).Label($"counted {counted}, encoded {real} bytes for {r}");
        });

    /// <summary>Many entries: the counts add up to the frame they make (commas between items included).</summary>
    [Property(MaxTest = 200)]
    public Property The_counts_of_a_chunk_add_up_to_its_encoding() =>
        Prop.ForAll(Gen.ListOf(Generators.Commit).ToArbitrary(), Gen.ListOf(Generators.Removal).ToArbitrary(), (cs, rs) =>
        {
            var counted = cs.Sum(c => FrameSize.OfItem(c, MessageTable.CommitShape)) + rs.Sum(r => FrameSize.OfItem(r, MessageTable.RemovalShape))
                          - (cs.Count > 0 ? 1 : 0) - (rs.Count > 0 ? 1 : 0);
            var real = Added(toSeq(cs), toSeq(rs));
            return (counted == real).Label($"counted {counted}, encoded {real} bytes for {cs.Count} commits and {rs.Count} removals");
        });
}
