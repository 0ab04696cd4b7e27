package dev.safetensors.parallel;

/** What a tensor-parallel rank takes of a tensor. */
public enum Placement {
    /** Split along dimension 0 (vLLM's column-parallel layers: the output rows of a [out, in] weight). */
    SPLIT_DIM0,
    /** Split along dimension 1 (row-parallel layers: the input columns); each rank reads strided runs. */
    SPLIT_DIM1,
    /** Every rank reads the whole tensor. */
    REPLICATE,
    /** No rank reads it. */
    SKIP
}
