/**
 * Tensor- and pipeline-parallel loading plans: which part of each tensor a rank reads, so that every process
 * reads only its own bytes.
 *
 * <pre>{@code
 * ParallelPlan plan = ParallelPlan.builder(4)
 *         .place(".*(q_proj|k_proj|v_proj|gate_proj|up_proj)\\.weight", Placement.SPLIT_DIM0)
 *         .place(".*(o_proj|down_proj)\\.weight", Placement.SPLIT_DIM1)
 *         .build();
 * Rank rank = Rank.fromEnvironment().orElseThrow();      // torchrun, Open MPI, PMI or Slurm
 * for (RankPiece piece : plan.pieces(checkpoint, rank)) {
 *     float[] mine = piece.slice().toFloatArray();       // only this rank's rows or columns
 * }
 * }</pre>
 */
package dev.safetensors.parallel;
