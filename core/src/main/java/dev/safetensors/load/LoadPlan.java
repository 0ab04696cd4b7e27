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

    /** {@return every tensor of the checkpoint, whole} */
    public static LoadPlan all() {
        return new LoadPlan(c -> whole(c, c.names()), "all tensors");
    }

    /**
     * {@return these tensors, whole, in this order}
     *
     * @param names tensor names of the checkpoint
     */
    public static LoadPlan names(Collection<String> names) {
        List<String> copy = List.copyOf(names);
        return new LoadPlan(c -> whole(c, copy), copy.size() + " named tensors");
    }

    /**
     * {@return the tensors whose whole name matches {@code regex}, whole, in checkpoint order}
     *
     * @param regex a {@link java.util.regex.Pattern}, matched against the whole name
     */
    public static LoadPlan matching(String regex) {
        Pattern p = Pattern.compile(regex);
        return new LoadPlan(c -> whole(c, c.names().stream().filter(n -> p.matcher(n).matches()).toList()),
                "tensors matching " + regex);
    }

    /**
     * {@return the pieces of tensor-parallel rank {@code tpRank} at pipeline stage {@code stage}}
     *
     * @param plan   how tensors are split and placed
     * @param tpRank the tensor-parallel rank, 0 to the plan's degree - 1
     * @param stage  the pipeline stage, 0 to the plan's stages - 1
     */
    public static LoadPlan rank(ParallelPlan plan, int tpRank, int stage) {
        Objects.requireNonNull(plan, "plan must be non-null");
        return new LoadPlan(c -> plan.pieces(c, tpRank, stage), "rank " + tpRank + ", stage " + stage);
    }

    /**
     * {@return the pieces of the process at {@code rank} (see {@link ParallelPlan#pieces(Checkpoint, Rank)})}
     *
     * @param plan how tensors are split and placed
     * @param rank the process's place in the job
     */
    public static LoadPlan rank(ParallelPlan plan, Rank rank) {
        Objects.requireNonNull(plan, "plan must be non-null");
        return new LoadPlan(c -> plan.pieces(c, rank), "rank " + rank.rank() + " of " + rank.worldSize());
    }

    /**
     * {@return the pieces this plan reads from {@code checkpoint}, in plan order}
     *
     * @param checkpoint the checkpoint to load from
     */
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
