package dev.safetensors.quant.internal.kernel;

import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;

/**
 * Reading the {@code i}-th {@code bits}-wide unsigned field of a run of 32-bit little-endian words that may
 * be {@code stride} bytes apart (4 when the words are consecutive, {@code out × 4} when they go down a column
 * as GPTQ's {@code qweight} does). Field 0 sits in the lowest bits of the first word.
 *
 * <ul>
 * <li>{@link #dense}: one bit stream, field {@code i} at stream bit {@code i × bits}, straddling words where it
 *     must (GPTQ 3-bit, compressed-tensors since 0.17.0, MLX). For 1, 2, 4 and 8 bits no field straddles.</li>
 * <li>{@link #aligned}: {@code 32 / bits} fields per word, the top bits unused (compressed-tensors before
 *     0.17.0 for 3, 5, 6 and 7 bits).</li>
 * </ul>
 */
public final class BitFields {
    private BitFields() {
    }

    public static int dense(MemorySegment words, long base, long stride, long i, int bits) {
        long bit = i * bits;
        long at = base + (bit >>> 5) * stride;
        int shift = (int) (bit & 31);
        int v = words.get(LittleEndian.INT, at) >>> shift;
        if (shift + bits > 32) {
            v |= words.get(LittleEndian.INT, at + stride) << (32 - shift);
        }
        return v & ((1 << bits) - 1);
    }

    public static int aligned(MemorySegment words, long base, long stride, long i, int bits) {
        int perWord = 32 / bits;
        long at = base + (i / perWord) * stride;
        return (words.get(LittleEndian.INT, at) >>> (int) ((i % perWord) * bits)) & ((1 << bits) - 1);
    }

    /** Words needed for {@code n} dense fields. */
    public static long denseWords(long n, int bits) {
        return (n * bits + 31) / 32;
    }

    /** Words needed for {@code n} word-aligned fields. */
    public static long alignedWords(long n, int bits) {
        int perWord = 32 / bits;
        return (n + perWord - 1) / perWord;
    }
}
