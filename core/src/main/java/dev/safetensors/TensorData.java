package dev.safetensors;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The bytes of one tensor for {@link SafeTensorsWriter}, produced only when the writer streams them to
 * disk, so a model larger than the heap can be written from memory-mapped or generated data. Arrays and
 * segments are not copied: they are read when the file is written, so leave them unchanged until then.
 *
 * <p>Data from an array or a segment knows its size and element type, and the writers check both against
 * the declaration when the tensor is added ({@code InvalidTensorView}): a {@code float[]} for an I32
 * tensor, or three floats for a tensor of four, never reach the file. A callback's size is counted while
 * it streams.
 *
 * <pre>{@code
 * TensorData.of(new float[] {1, 2, 3});            // little-endian on every platform
 * TensorData.of(otherFile.tensor("w").data());     // zero-copy from a mapped file
 * TensorData generated = sink -> {                 // any producer, in pieces
 *     for (byte[] block : blocks) sink.write(block);
 * };
 * }</pre>
 */
@FunctionalInterface
public interface TensorData {
    /** Writes exactly the tensor's bytes to {@code sink}, in order. */
    void writeTo(ByteSink sink) throws IOException;

    /** Raw bytes from a segment (read when written): any dtype, of exactly the declared size. */
    static TensorData of(MemorySegment bytes) {
        Objects.requireNonNull(bytes, "bytes must be non-null");
        return new TypedTensorData(bytes, TypedTensorData.Element.BYTES);
    }

    /** Raw little-endian bytes: any dtype, of exactly the declared size. */
    static TensorData of(byte[] values) {
        return of(MemorySegment.ofArray(values));
    }

    /** I16, U16, or the raw bits of F16 and BF16 values. */
    static TensorData of(short[] values) {
        return new TypedTensorData(MemorySegment.ofArray(values), TypedTensorData.Element.SHORTS);
    }

    /** I32 or U32. */
    static TensorData of(int[] values) {
        return new TypedTensorData(MemorySegment.ofArray(values), TypedTensorData.Element.INTS);
    }

    /** I64 or U64. */
    static TensorData of(long[] values) {
        return new TypedTensorData(MemorySegment.ofArray(values), TypedTensorData.Element.LONGS);
    }

    /** F32, or C64 as interleaved real and imaginary parts. */
    static TensorData of(float[] values) {
        return new TypedTensorData(MemorySegment.ofArray(values), TypedTensorData.Element.FLOATS);
    }

    /** F64. */
    static TensorData of(double[] values) {
        return new TypedTensorData(MemorySegment.ofArray(values), TypedTensorData.Element.DOUBLES);
    }
}
