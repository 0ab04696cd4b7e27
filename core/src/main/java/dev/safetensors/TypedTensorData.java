package dev.safetensors;

import static dev.safetensors.SafeTensorsException.Kind.InvalidTensorView;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@link TensorData} from a Java array or a segment: its size and element type are known before anything is
 * written, so the writers check a declaration against them when the tensor is added, not after the header
 * is on disk. Callback data cannot be checked that early and is counted while it streams.
 */
record TypedTensorData(MemorySegment values, Element element) implements TensorData {

    /** The Java element type of the values, and the dtypes whose elements it can hold bit for bit. */
    enum Element {
        BYTES("raw bytes", 1, EnumSet.allOf(DType.class)),
        SHORTS("short[]", 2, EnumSet.of(DType.I16, DType.U16, DType.F16, DType.BF16)),
        INTS("int[]", 4, EnumSet.of(DType.I32, DType.U32)),
        LONGS("long[]", 8, EnumSet.of(DType.I64, DType.U64)),
        FLOATS("float[]", 4, EnumSet.of(DType.F32, DType.C64)),
        DOUBLES("double[]", 8, EnumSet.of(DType.F64));

        final String description;
        final int width;
        final Set<DType> holds;

        Element(String description, int width, Set<DType> holds) {
            this.description = description;
            this.width = width;
            this.holds = holds;
        }
    }

    /**
     * Checks that these values can be the bytes of a tensor declared {@code dtype} of {@code byteCount} bytes.
     *
     * @throws SafeTensorsException {@code InvalidTensorView}, naming the tensor, the declaration and the data
     */
    void checkFits(String name, DType dtype, Shape shape, long byteCount) {
        if (!element.holds.contains(dtype)) {
            throw new SafeTensorsException(InvalidTensorView, null, "tensor `" + name + "` is declared " + dtype
                    + ", but its data is a " + element.description + ", which holds " + element.holds
                    + " values: convert the values, declare the dtype they have, or pass raw little-endian bytes");
        }
        long size = values.byteSize();
        if (size != byteCount) {
            String what = element == Element.BYTES ? size + " bytes"
                    : element.description + " of " + size / element.width + " elements (" + size + " bytes)";
            throw new SafeTensorsException(InvalidTensorView, null, "tensor `" + name + "` is declared " + dtype + shape
                    + ", which is " + Long.toUnsignedString(byteCount) + " bytes, but its data is " + what);
        }
    }

    /** Heap arrays are in native order; swap to little-endian in blocks where the platform is not. */
    @Override
    public void writeTo(ByteSink sink) throws IOException {
        if (element.width == 1 || ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            sink.write(values);
            return;
        }
        long block = 1 << 16;
        long width = element.width;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment le = arena.allocate(block);
            for (long off = 0; off < values.byteSize(); off += block) {
                long n = Math.min(block, values.byteSize() - off);
                MemorySegment dst = le.asSlice(0, n);
                for (long i = 0; i < n; i += width) {
                    for (long k = 0; k < width; k++) {
                        dst.set(ValueLayout.JAVA_BYTE, i + k, values.get(ValueLayout.JAVA_BYTE, off + i + width - 1 - k));
                    }
                }
                sink.write(dst);
            }
        }
    }
}
