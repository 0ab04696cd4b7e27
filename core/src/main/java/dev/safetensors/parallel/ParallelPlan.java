package dev.safetensors.parallel;

import dev.safetensors.Checkpoint;
import dev.safetensors.Index;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which bytes each rank of a tensor- and pipeline-parallel job reads, so that every process loads only its
 * weights from the shared files, with nothing shared but the files.
 *
 * <p><b>Tensor parallel.</b> Rules map tensor names (regular expressions, first match wins) to a
 * {@link Placement}; unmatched tensors are replicated. A split of a dimension of size {@code D} over
 * {@code W} ranks follows PyTorch's {@code torch.chunk}: pieces of {@code ceil(D / W)}, rank {@code r} taking
 * {@code [r·c, min((r+1)·c, D))}, so trailing ranks may get less or nothing.
 *
 * <p><b>Pipeline parallel.</b> With {@code P} stages, layers are found by the number in {@code layers.N.}
 * and split into {@code P} contiguous blocks by the same chunk rule; tensors outside the layers go to the
 * first stage when they match the embedding pattern, to the last stage otherwise (final norm, head).
 *
 * <pre>{@code
 * ParallelPlan plan = ParallelPlan.builder(4)                       // 4 tensor-parallel ranks
 *         .place(".*\\.(q|k|v|gate|up)_proj\\.weight", Placement.SPLIT_DIM0)
 *         .place(".*\\.(o|down)_proj\\.weight", Placement.SPLIT_DIM1)
 *         .pipelineStages(2)
 *         .build();
 * for (RankPiece p : plan.pieces(checkpoint, tpRank, stage)) {
 *     p.slice().copyTo(deviceStaging(p));                           // reads only this rank's bytes
 * }
 * }</pre>
 */
public final class ParallelPlan {
    private static final Pattern LAYER = Pattern.compile("(?:^|\\.)layers\\.(\\d+)\\.");

    private record Rule(Pattern pattern, Placement placement) {
    }

    private final int tensorParallel;
    private final List<Rule> rules;
    private final int stages;
    private final Pattern firstStage;

    private ParallelPlan(Builder b) {
        this.tensorParallel = b.tensorParallel;
        this.rules = List.copyOf(b.rules);
        this.stages = b.stages;
        this.firstStage = b.firstStage;
    }

    /**
     * {@return a builder of a plan for {@code tensorParallel} ranks (1 for pipeline parallelism alone)}
     *
     * @param tensorParallel the tensor-parallel degree, at least 1
     * @throws IllegalArgumentException below 1
     */
    public static Builder builder(int tensorParallel) {
        return new Builder(tensorParallel);
    }

    /** Builds a {@link ParallelPlan}. */
    public static final class Builder {
        private final int tensorParallel;
        private final List<Rule> rules = new ArrayList<>();
        private int stages = 1;
        private Pattern firstStage = Pattern.compile("embed");

        private Builder(int tensorParallel) {
            if (tensorParallel < 1) {
                throw new IllegalArgumentException("tensor-parallel size must be at least 1, got " + tensorParallel);
            }
            this.tensorParallel = tensorParallel;
        }

        /**
         * Tensors whose whole name matches {@code regex} get {@code placement}; earlier rules win.
         *
         * @param regex     a {@link java.util.regex.Pattern}, matched against the whole name
         * @param placement how those tensors are split or replicated
         * @return this builder
         */
        public Builder place(String regex, Placement placement) {
            rules.add(new Rule(Pattern.compile(regex), Objects.requireNonNull(placement)));
            return this;
        }

        /**
         * Splits the layers over {@code count} pipeline stages.
         *
         * @param count the number of stages, at least 1
         * @return this builder
         * @throws IllegalArgumentException below 1
         */
        public Builder pipelineStages(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("pipeline stages must be at least 1, got " + count);
            }
            this.stages = count;
            return this;
        }

        /**
         * Non-layer tensors matching {@code regex} (found anywhere in the name) go to stage 0, the others to the
         * last stage; default {@code embed}.
         *
         * @param regex a {@link java.util.regex.Pattern}, found anywhere in the name
         * @return this builder
         */
        public Builder firstStage(String regex) {
            this.firstStage = Pattern.compile(regex);
            return this;
        }

        /** {@return the plan of the rules so far} */
        public ParallelPlan build() {
            return new ParallelPlan(this);
        }
    }

    /**
     * {@return how {@code name} is placed across tensor-parallel ranks: the first matching rule's placement, or
     * {@link Placement#REPLICATE}}
     *
     * @param name a tensor name
     */
    public Placement placementOf(String name) {
        for (Rule r : rules) {
            if (r.pattern().matcher(name).matches()) {
                return r.placement();
            }
        }
        return Placement.REPLICATE;
    }

    /**
     * {@return the layer number in {@code layers.N.}, if any}
     *
     * @param name a tensor name
     * @throws SafeTensorsException of kind {@code InvalidTensorView} when N is {@value #MAX_LAYER} or more
     *         (names come from files: a number no plan can count up to is refused, not misplaced)
     */
    public static OptionalInt layerOf(String name) {
        return layerOf(name, null);
    }

    /** The largest layer number: one more still fits an int as a layer count. */
    private static final int MAX_LAYER = Integer.MAX_VALUE - 1;

    private static OptionalInt layerOf(String name, String source) {
        Matcher m = LAYER.matcher(name);
        if (!m.find()) {
            return OptionalInt.empty();
        }
        String digits = m.group(1).replaceFirst("^0+(?=.)", "");
        if (digits.length() > 10 || Long.parseLong(digits) > MAX_LAYER) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, source, "tensor `" + name
                    + "` has a layer number larger than a pipeline plan counts (at most " + MAX_LAYER + ")");
        }
        return OptionalInt.of(Integer.parseInt(digits));
    }

    /**
     * {@return the pipeline stage that loads {@code name}, given the checkpoint's number of layers}
     *
     * @param name   a tensor name
     * @param layers the checkpoint's number of layers
     */
    public int stageOf(String name, int layers) {
        return stageOf(name, layers, null);
    }

    private int stageOf(String name, int layers, String source) {
        if (stages == 1) {
            return 0;
        }
        OptionalInt layer = layerOf(name, source);
        if (layer.isPresent()) {
            long[] range = new long[2];
            for (int s = 0; s < stages; s++) {
                chunk(layers, stages, s, range);
                if (layer.getAsInt() >= range[0] && layer.getAsInt() < range[1]) {
                    return s;
                }
            }
            return stages - 1;
        }
        return firstStage.matcher(name).find() ? 0 : stages - 1;
    }

    /**
     * {@return the pieces rank {@code tpRank} of pipeline stage {@code stage} loads, in checkpoint order}
     *
     * @param checkpoint the checkpoint to plan for
     * @param tpRank     the tensor-parallel rank, 0 to the degree - 1
     * @param stage      the pipeline stage, 0 to the stages - 1
     * @throws SafeTensorsException of kind {@code SliceOutOfRange} when a split needs a dimension the tensor
     *         lacks
     */
    public List<RankPiece> pieces(Checkpoint checkpoint, int tpRank, int stage) {
        if (tpRank < 0 || tpRank >= tensorParallel || stage < 0 || stage >= stages) {
            throw new IllegalArgumentException("rank " + tpRank + " of " + tensorParallel + ", stage " + stage + " of "
                    + stages + " is not in the plan");
        }
        String source = checkpoint.description();
        int layers = 0;
        for (String name : stages == 1 ? List.<String>of() : checkpoint.names()) {
            OptionalInt l = layerOf(name, source);
            if (l.isPresent()) {
                layers = Math.max(layers, l.getAsInt() + 1);
            }
        }
        List<RankPiece> out = new ArrayList<>();
        long[] range = new long[2];
        for (String name : checkpoint.names()) {
            if (stageOf(name, layers, source) != stage) {
                continue;
            }
            Placement p = placementOf(name);
            Tensor t = checkpoint.tensor(name);
            switch (p) {
                case SKIP -> { }
                case REPLICATE -> out.add(new RankPiece(name, p, -1, 0, t.slice()));
                case SPLIT_DIM0, SPLIT_DIM1 -> {
                    int dim = p == Placement.SPLIT_DIM0 ? 0 : 1;
                    if (t.shape().rank() <= dim) {
                        throw new SafeTensorsException(SafeTensorsException.Kind.SliceOutOfRange, source,
                                "tensor `" + name + "` of shape " + t.shape() + " has no dimension #" + dim + " to split");
                    }
                    if (t.shape().dim(dim) < 0) {
                        throw new SafeTensorsException(SafeTensorsException.Kind.SliceOutOfRange, source, "tensor `"
                                + name + "` dimension #" + dim + " of size " + Long.toUnsignedString(t.shape().dim(dim))
                                + " is too large to split");
                    }
                    chunk(t.shape().dim(dim), tensorParallel, tpRank, range);
                    Index[] idx = new Index[dim + 1];
                    for (int d = 0; d < dim; d++) {
                        idx[d] = Index.all();
                    }
                    idx[dim] = Index.range(range[0], range[1]);
                    out.add(new RankPiece(name, p, dim, range[0], t.slice(idx)));
                }
            }
        }
        return out;
    }

    /**
     * {@return the pieces of the process at {@code rank} of a job of {@code tensorParallel × stages} processes,
     * tensor-parallel ranks varying fastest (Megatron's order): tensor-parallel rank
     * {@code rank % tensorParallel}, stage {@code rank / tensorParallel}}
     *
     * @param checkpoint the checkpoint to plan for
     * @param rank       the process's place in the job
     * @throws IllegalArgumentException when the job's size is not the plan's
     */
    public List<RankPiece> pieces(Checkpoint checkpoint, Rank rank) {
        if (rank.worldSize() != tensorParallel * stages) {
            throw new IllegalArgumentException("the job has " + rank.worldSize() + " processes (" + rank.launcher()
                    + "), but the plan needs " + tensorParallel + " tensor-parallel ranks x " + stages + " stages = "
                    + tensorParallel * stages);
        }
        return pieces(checkpoint, rank.rank() % tensorParallel, rank.rank() / tensorParallel);
    }

    /**
     * torch.chunk: pieces of c = ceil(size / parts); piece {@code i} is [i·c, min((i+1)·c, size)). Exact for
     * every size up to {@code Long.MAX_VALUE} (a tensor with a zero dimension may declare any other size).
     */
    static void chunk(long size, int parts, int i, long[] range) {
        long c = size / parts + (size % parts == 0 ? 0 : 1);
        range[0] = offset(i, c, size);
        range[1] = offset(i + 1L, c, size);
    }

    /** min(k·c, size), without overflow. */
    private static long offset(long k, long c, long size) {
        return c == 0 || k > size / c ? size : Math.min(size, k * c);
    }
}
