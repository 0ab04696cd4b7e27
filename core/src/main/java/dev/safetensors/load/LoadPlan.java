package dev.safetensors.load;

import dev.safetensors.Checkpoint;
import dev.safetensors.parallel.ParallelPlan;
import dev.safetensors.parallel.Placement;
import dev.safetensors.parallel.Rank;
import dev.safetensors.parallel.RankPiece;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What a streaming load reads: every tensor, some by name or pattern, or a tensor- and pipeline-parallel
 * rank's pieces (then only that rank's bytes are read).
 *
 * <pre>{@code
 * LoadPlan.all();
 * LoadPlan.matching("model\\.layers\\.0\\..*");
 * LoadPlan.rank(plan, Rank.fromEnvironment().orElse(Rank.SINGLE));
 * }</pre>
 */
public final class LoadPlan {
    private final Function<Checkpoint, List<RankPiece>> pieces;
    private final String description;

    private LoadPlan(Function<Checkpoint, List<RankPiece>> pieces, String description) {
        this.pieces = pieces;
        this.description = description;
    }

    /** Every tensor of the checkpoint, whole. */
    public static LoadPlan all() {
        return new LoadPlan(c -> whole(c, c.names()), "all tensors");
    }

    /** These tensors, whole, in this order. */
    public static LoadPlan names(Collection<String> names) {
        List<String> copy = List.copyOf(names);
        return new LoadPlan(c -> whole(c, copy), copy.size() + " named tensors");
    }

    /** The tensors whose whole name matches {@code regex}, whole. */
    public static LoadPlan matching(String regex) {
        Pattern p = Pattern.compile(regex);
        return new LoadPlan(c -> whole(c, c.names().stream().filter(n -> p.matcher(n).matches()).toList()),
                "tensors matching " + regex);
    }

    /** The pieces of tensor-parallel rank {@code tpRank} at pipeline stage {@code stage}. */
    public static LoadPlan rank(ParallelPlan plan, int tpRank, int stage) {
        Objects.requireNonNull(plan, "plan must be non-null");
        return new LoadPlan(c -> plan.pieces(c, tpRank, stage), "rank " + tpRank + ", stage " + stage);
    }

    /** The pieces of the process at {@code rank} (see {@link ParallelPlan#pieces(Checkpoint, Rank)}). */
    public static LoadPlan rank(ParallelPlan plan, Rank rank) {
        Objects.requireNonNull(plan, "plan must be non-null");
        return new LoadPlan(c -> plan.pieces(c, rank), "rank " + rank.rank() + " of " + rank.worldSize());
    }

    /** The pieces this plan reads from {@code checkpoint}, in plan order. */
    public List<RankPiece> pieces(Checkpoint checkpoint) {
        return pieces.apply(checkpoint);
    }

    private static List<RankPiece> whole(Checkpoint c, List<String> names) {
        List<RankPiece> out = new ArrayList<>(names.size());
        for (String n : names) {
            out.add(new RankPiece(n, Placement.REPLICATE, -1, 0, c.tensor(n).slice()));
        }
        return out;
    }

    @Override
    public String toString() {
        return "LoadPlan[" + description + "]";
    }
}
