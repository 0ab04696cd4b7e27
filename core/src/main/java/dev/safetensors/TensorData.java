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
    /**
     * Writes exactly the tensor's bytes to {@code sink}, in order.
     *
     * @param sink where the bytes go; it counts them against the declaration
     * @throws IOException when the sink (the file being written) fails
     */
    void writeTo(ByteSink sink) throws IOException;

    /**
     * {@return raw bytes from a segment (read when written): any dtype, of exactly the declared size}
     *
     * @param bytes little-endian, row-major; not copied
     */
    static TensorData of(MemorySegment bytes) {
        Objects.requireNonNull(bytes, "bytes must be non-null");
        return new TypedTensorData(bytes, TypedTensorData.Element.BYTES);
    }

    /**
     * {@return raw little-endian bytes: any dtype, of exactly the declared size}
     *
     * @param values the bytes; not copied
     */
    static TensorData of(byte[] values) {
        return of(MemorySegment.ofArray(values));
    }

    /**
     * {@return the data of an I16 or U16 tensor, or the raw bits of F16 and BF16 values}
     *
     * @param values one per element; not copied
     */
    static TensorData of(short[] values) {
        return new TypedTensorData(MemorySegment.ofArray(values), TypedTensorData.Element.SHORTS);
    }

    /**
     * {@return the data of an I32 or U32 tensor}
     *
     * @param values one per element; not copied
     */
    static TensorData of(int[] values) {
        return new TypedTensorData(MemorySegment.ofArray(values), TypedTensorData.Element.INTS);
    }

    /**
     * {@return the data of an I64 or U64 tensor}
     *
     * @param values one per element; not copied
     */
    static TensorData of(long[] values) {
        return new TypedTensorData(MemorySegment.ofArray(values), TypedTensorData.Element.LONGS);
    }

    /**
     * {@return the data of an F32 tensor, or of a C64 tensor as interleaved real and imaginary parts}
     *
     * @param values one per element (two per C64 element); not copied
     */
    static TensorData of(float[] values) {
        return new TypedTensorData(MemorySegment.ofArray(values), TypedTensorData.Element.FLOATS);
    }

    /**
     * {@return the data of an F64 tensor}
     *
     * @param values one per element; not copied
     */
    static TensorData of(double[] values) {
        return new TypedTensorData(MemorySegment.ofArray(values), TypedTensorData.Element.DOUBLES);
    }
}
