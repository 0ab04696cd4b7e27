package dev.safetensors.internal.header;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Shape;

import static dev.safetensors.SafeTensorsException.Kind.InvalidOffset;
import static dev.safetensors.SafeTensorsException.Kind.MetadataIncompleteBuffer;
import static dev.safetensors.SafeTensorsException.Kind.MisalignedSlice;
import static dev.safetensors.SafeTensorsException.Kind.TensorInvalidInfo;
import static dev.safetensors.SafeTensorsException.Kind.ValidationOverflow;

import java.util.Arrays;

/**
 * The reference's {@code Metadata::validate} plus the coverage check (reader steps 7 and 8, FORMAT.md
 * §7, §8): tensors walked in offset order must tile the data buffer exactly, and each byte range must equal
 * shape × dtype. All arithmetic is checked unsigned 64-bit.
 */
public final class HeaderValidator {
    private HeaderValidator() {
    }

    /**
     * @return the tensor indexes in data order
     * @throws SafeTensorsException on the first rule broken, in the reference's order
     */
    public static int[] validate(TensorTable t, long headerSize, long dataSize, String source) {
        int[] order = dataOrder(t);
        long start = 0;
        for (int i : order) {
            long begin = t.begins[i];
            long end = t.ends[i];
            if (begin != start) {
                throw new SafeTensorsException(InvalidOffset, source, "invalid offset for tensor `" + t.name(i)
                        + "`: data_offsets " + range(begin, end) + " begin at " + Long.toUnsignedString(begin)
                        + ", but " + (start == 0 ? "the data buffer starts at 0" : "the previous tensor ends at " + start)
                        + " (tensors must be contiguous, without holes or overlaps)");
            }
            if (Long.compareUnsigned(end, begin) < 0) {
                throw new SafeTensorsException(InvalidOffset, source, "invalid offset for tensor `" + t.name(i)
                        + "`: data_offsets " + range(begin, end) + " end before they begin");
            }
            start = end;
            long bytes = bytesOrNegative(t.dtypes[i], t.shapes[i]);
            if (bytes < 0 || bytes != end - begin) {
                checkSize(t.name(i), t.dtypes[i], t.shapes[i], end - begin, source);   // throws, naming the tensor
            }
        }
        if (start != dataSize) {
            throw new SafeTensorsException(MetadataIncompleteBuffer, source,
                    "incomplete metadata, file not fully covered: the tensors cover " + Long.toUnsignedString(start)
                            + " bytes, but the file has " + dataSize + " bytes of data after the "
                            + headerSize + "-byte header");
        }
        return order;
    }

    /** Size rule for one tensor: elements, bits, byte boundary, byte count (FORMAT.md §8). */
    public static void checkSize(String name, DType dtype, long[] shape, long byteCount, String source) {
        long bytes = byteCount(name, dtype, shape, source);
        if (bytes != byteCount) {
            throw new SafeTensorsException(TensorInvalidInfo, source, "invalid shape, data type, or offset for tensor `"
                    + name + "`: " + dtype + Shape.of(shape) + " needs " + bytes + " bytes, but its data_offsets span "
                    + Long.toUnsignedString(byteCount));
        }
    }

    /** Bytes that shape × dtype occupy, or -1 when a check of {@link #byteCount} would fail. */
    private static long bytesOrNegative(DType dtype, long[] shape) {
        long elements = 1;
        for (long d : shape) {
            if (Math.unsignedMultiplyHigh(elements, d) != 0) {
                return -1;
            }
            elements *= d;
        }
        if (Math.unsignedMultiplyHigh(elements, dtype.bits()) != 0) {
            return -1;
        }
        long bits = elements * dtype.bits();
        return (bits & 7) != 0 ? -1 : bits >>> 3;
    }

    /**
     * Bytes that shape × dtype occupy, with the reference's checks: {@code ValidationOverflow} when the
     * element or bit count overflows 64 bits, {@code MisalignedSlice} when the bits are not whole bytes.
     */
    public static long byteCount(String name, DType dtype, long[] shape, String source) {
        long elements = 1;
        for (long d : shape) {
            if (Math.unsignedMultiplyHigh(elements, d) != 0) {
                throw overflow(name, dtype, shape, source);
            }
            elements *= d;
        }
        if (Math.unsignedMultiplyHigh(elements, dtype.bits()) != 0) {
            throw overflow(name, dtype, shape, source);
        }
        long bits = elements * dtype.bits();
        if ((bits & 7) != 0) {
            throw new SafeTensorsException(MisalignedSlice, source, "tensor `" + name + "` of " + dtype
                    + Shape.of(shape) + " holds " + Long.toUnsignedString(bits)
                    + " bits, which is not a whole number of bytes");
        }
        return bits >>> 3;
    }

    private static SafeTensorsException overflow(String name, DType dtype, long[] shape, String source) {
        return new SafeTensorsException(ValidationOverflow, source,
                "overflow computing buffer size from shape and/or element type: tensor `" + name + "` of "
                        + dtype + Shape.of(shape) + " needs 2^64 bits or more");
    }

    /** Sorted by (begin, end) unsigned, ties by name; writers almost always emit this order already. */
    private static int[] dataOrder(TensorTable t) {
        int n = t.size;
        int[] order = new int[n];
        boolean sorted = true;
        for (int i = 0; i < n; i++) {
            order[i] = i;
            if (sorted && i > 0 && compare(t, i - 1, i) > 0) {
                sorted = false;
            }
        }
        if (sorted) {
            return order;
        }
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, (a, b) -> compare(t, a, b));
        for (int i = 0; i < n; i++) {
            order[i] = boxed[i];
        }
        return order;
    }

    private static int compare(TensorTable t, int a, int b) {
        int c = Long.compareUnsigned(t.begins[a], t.begins[b]);
        if (c == 0) {
            c = Long.compareUnsigned(t.ends[a], t.ends[b]);
        }
        return c != 0 ? c : t.compareNames(a, b);
    }

    private static String range(long begin, long end) {
        return "[" + Long.toUnsignedString(begin) + ", " + Long.toUnsignedString(end) + "]";
    }
}
