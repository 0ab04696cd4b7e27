package dev.safetensors.parallel;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * This process's place in a parallel job, as its launcher announced it in the environment, so a Java rank
 * started by any common launcher loads its part of a {@link ParallelPlan} with no code of its own.
 *
 * <p>Launchers recognised, first match wins: torchrun ({@code RANK}, {@code WORLD_SIZE}, {@code LOCAL_RANK}),
 * Open MPI ({@code OMPI_COMM_WORLD_RANK}, {@code OMPI_COMM_WORLD_SIZE}, {@code OMPI_COMM_WORLD_LOCAL_RANK}),
 * MPICH and other PMI launchers ({@code PMI_RANK}, {@code PMI_SIZE}, {@code MPI_LOCALRANKID}), and Slurm
 * ({@code SLURM_PROCID}, {@code SLURM_NTASKS}, {@code SLURM_LOCALID}).
 *
 * <pre>{@code
 * Rank me = Rank.fromEnvironment().orElse(Rank.SINGLE);       // 0 of 1 when not launched in parallel
 * List<RankPiece> mine = plan.pieces(checkpoint, me);           // tensor-parallel rank and stage from me.rank()
 * }</pre>
 *
 * @param rank      this process's index in the job, 0-based
 * @param worldSize the number of processes
 * @param localRank the index among the processes on this machine (for choosing a GPU), or {@code rank}
 *                  when the launcher does not say
 * @param launcher  which launcher's variables were read: {@code torchrun}, {@code openmpi}, {@code pmi},
 *                  {@code slurm}, or {@code none}
 */
public record Rank(int rank, int worldSize, int localRank, String launcher) {
    /** A process on its own: rank 0 of 1. */
    public static final Rank SINGLE = new Rank(0, 1, 0, "none");

    private record Convention(String launcher, String rank, String size, String localRank) {
    }

    private static final List<Convention> CONVENTIONS = List.of(
            new Convention("torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK"),
            new Convention("openmpi", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"),
            new Convention("pmi", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID"),
            new Convention("slurm", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"));

    /**
     * Checks that the rank is a place in the job.
     *
     * @throws NullPointerException     when {@code launcher} is null
     * @throws IllegalArgumentException when the world is empty or a rank lies outside it
     */
    public Rank {
        Objects.requireNonNull(launcher, "launcher must be non-null");
        if (worldSize < 1 || rank < 0 || rank >= worldSize || localRank < 0) {
            throw new IllegalArgumentException("rank " + rank + " of " + worldSize + " (local " + localRank
                    + ") is not a place in a job");
        }
    }

    /** {@return the rank this process's launcher announced, or empty when none did} */
    public static Optional<Rank> fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * {@return the rank announced in {@code env}, or empty when no launcher's variables are there}
     *
     * @param env environment variables, as {@link System#getenv()} gives them (torchrun, Open MPI, PMI, Slurm)
     * @throws IllegalArgumentException when a launcher's variables are present but not a valid rank (a
     *         rank outside the world, a non-number), naming the variables
     */
    public static Optional<Rank> fromEnvironment(Map<String, String> env) {
        for (Convention c : CONVENTIONS) {
            String r = env.get(c.rank());
            String n = env.get(c.size());
            if (r == null || n == null) {
                continue;
            }
            int rank = number(r, c.rank());
            int size = number(n, c.size());
            String local = env.get(c.localRank());
            int localRank = local == null ? rank : number(local, c.localRank());
            try {
                return Optional.of(new Rank(rank, size, localRank, c.launcher()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(c.rank() + "=" + r + ", " + c.size() + "=" + n
                        + ": " + e.getMessage(), e);
            }
        }
        return Optional.empty();
    }

    private static int number(String value, String variable) {
        String v = value.strip();
        // ASCII digits only: Character.isDigit takes other scripts' digits too, and parseInt reads them.
        if (v.isEmpty() || v.length() > 9 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(variable + "=`" + value + "` is not a rank number");
        }
        return Integer.parseInt(v);
    }
}
