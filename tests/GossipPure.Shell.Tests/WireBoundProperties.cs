using LanguageExt;

namespace GossipPure.Shell.Tests;

/// <summary>
/// <see cref="WireBound"/> is what a seed counts to keep a SEED_SYNC chunk below the frame limit: it must never be
/// less than what an entry really adds to the frame, whatever its texts hold.
/// </summary>
public sealed class WireBoundProperties
{
    /// <summary>The bytes <paramref name="commits"/> and <paramref name="removals"/> add to an otherwise empty SEED_SYNC.</summary>
    static int Added(Seq<RegisterCommit> commits, Seq<DeadConfirmed> removals) =>
        JsonCodec.Encode(new SeedSync(long.MinValue, long.MinValue, long.MinValue, false, commits, removals)).Length
        - JsonCodec.Encode(new SeedSync(long.MinValue, long.MinValue, long.MinValue, false, Seq<RegisterCommit>(), Seq<DeadConfirmed>())).Length;

    [Property(MaxTest = 500)]
    public Property The_bound_of_a_commit_is_never_below_its_encoding() =>
        Prop.ForAll(Generators.Commit.ToArbitrary(), c =>
        {
            var bound = WireBound.Of(c, MessageTable.CommitShape);
            var real = Added(Seq1(c), Seq<DeadConfirmed>());
            return (bound >= real).Label($"bound {bound} < {real} bytes for {c}");
        });

    [Property(MaxTest = 500)]
    public Property The_bound_of_a_removal_is_never_below_its_encoding() =>
        Prop.ForAll(Generators.Removal.ToArbitrary(), r =>
        {
            var bound = WireBound.Of(r, MessageTable.RemovalShape);
            var real = Added(Seq<RegisterCommit>(), Seq1(r));
            return (bound >= real).Label($"bound {bound} < {real} bytes for {r}");
        });

    /// <summary>Many entries: the bounds add up to at least the frame they make (commas between items included).</summary>
    [Property(MaxTest = 200)]
    public Property The_bounds_of_a_chunk_add_up_to_at_least_its_encoding() =>
        Prop.ForAll(Gen.ListOf(Generators.Commit).ToArbitrary(), Gen.ListOf(Generators.Removal).ToArbitrary(), (cs, rs) =>
        {
            var bound = cs.Sum(c => WireBound.Of(c, MessageTable.CommitShape)) + rs.Sum(r => WireBound.Of(r, MessageTable.RemovalShape));
            var real = Added(toSeq(cs), toSeq(rs));
            return (bound >= real).Label($"bound {bound} < {real} bytes for {cs.Count} commits and {rs.Count} removals");
        });
}
