package dev.safetensors.internal.header;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.text.Elide;

import static dev.safetensors.SafeTensorsException.Kind.InvalidOffset;
import static dev.safetensors.SafeTensorsException.Kind.MetadataIncompleteBuffer;
import static dev.safetensors.SafeTensorsException.Kind.MisalignedSlice;
import static dev.safetensors.SafeTensorsException.Kind.TensorInvalidInfo;
import static dev.safetensors.SafeTensorsException.Kind.ValidationOverflow;

import java.util.Arrays;
import java.util.PrimitiveIterator;

/**
 * The reference's {@code Metadata::validate} plus the coverage check (reader steps 7 and 8,
 * docs/format.md#offsets and #size-rule): tensors walked in offset order must tile the data buffer exactly, and each byte range must equal
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
                throw new SafeTensorsException(InvalidOffset, source, "invalid offset for tensor `" + t.nameForMessage(i)
                        + "`: data_offsets " + range(begin, end) + " begin at " + Long.toUnsignedString(begin)
                        + ", but " + (start == 0 ? "the data buffer starts at 0" : "the previous tensor ends at " + start)
                        + " (tensors must be contiguous, without holes or overlaps)");
            }
            if (Long.compareUnsigned(end, begin) < 0) {
                throw new SafeTensorsException(InvalidOffset, source, "invalid offset for tensor `" + t.nameForMessage(i)
                        + "`: data_offsets " + range(begin, end) + " end before they begin");
            }
            start = end;
            if (t.byteCounts[i] != end - begin) {
                throw sizeError(t, i, source);
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

    /** The error for tensor {@code i} of the table, whose byte count breaks the size rule. */
    private static SafeTensorsException sizeError(TensorTable t, int i, String source) {
        String name = t.nameForMessage(i);
        DType dtype = t.dtype(i);
        String shape = Elide.dims(t.rank(i), t.dims(i));
        long code = t.byteCounts[i];
        if (code == SizeRule.ELEMENTS_OVERFLOW || code == SizeRule.BITS_OVERFLOW) {
            return overflow(name, dtype, shape, source);
        }
        if (code == SizeRule.NOT_WHOLE_BYTES) {
            return misaligned(name, dtype, shape, elements(t.dims(i)) * dtype.bits(), source);
        }
        return invalidInfo(name, dtype, shape, code, t.ends[i] - t.begins[i], source);
    }

    /** Size rule for one tensor: elements, bits, byte boundary, byte count (docs/format.md#size-rule). */
    public static void checkSize(String name, DType dtype, long[] shape, long byteCount, String source) {
        long bytes = byteCount(name, dtype, shape, source);
        if (bytes != byteCount) {
            throw invalidInfo(Elide.text(name), dtype, Elide.dims(shape.length, Arrays.stream(shape).iterator()),
                    bytes, byteCount, source);
        }
    }

    /**
     * Bytes that shape × dtype occupy, with the reference's checks: {@code ValidationOverflow} when the
     * element or bit count overflows 64 bits, {@code MisalignedSlice} when the bits are not whole bytes.
     */
    public static long byteCount(String name, DType dtype, long[] shape, String source) {
        long elements = 1;
        boolean overflow = false;
        for (long d : shape) {
            overflow |= Math.unsignedMultiplyHigh(elements, d) != 0;
            elements *= d;
        }
        long bytes = SizeRule.byteCount(elements, overflow, dtype);
        if (bytes >= 0) {
            return bytes;
        }
        String shown = Elide.dims(shape.length, Arrays.stream(shape).iterator());
        if (bytes == SizeRule.NOT_WHOLE_BYTES) {
            throw misaligned(Elide.text(name), dtype, shown, elements * dtype.bits(), source);
        }
        throw overflow(Elide.text(name), dtype, shown, source);
    }

    private static SafeTensorsException invalidInfo(String name, DType dtype, String shape, long bytes, long span,
            String source) {
        return new SafeTensorsException(TensorInvalidInfo, source, "invalid shape, data type, or offset for tensor `"
                + name + "`: " + dtype + shape + " needs " + bytes + " bytes, but its data_offsets span "
                + Long.toUnsignedString(span));
    }

    private static SafeTensorsException misaligned(String name, DType dtype, String shape, long bits, String source) {
        return new SafeTensorsException(MisalignedSlice, source, "tensor `" + name + "` of " + dtype + shape
                + " holds " + Long.toUnsignedString(bits) + " bits, which is not a whole number of bytes");
    }

    private static SafeTensorsException overflow(String name, DType dtype, String shape, String source) {
        return new SafeTensorsException(ValidationOverflow, source,
                "overflow computing buffer size from shape and/or element type: tensor `" + name + "` of "
                        + dtype + shape + " needs 2^64 bits or more");
    }

    private static long elements(PrimitiveIterator.OfLong dims) {
        long n = 1;
        while (dims.hasNext()) {
            n *= dims.nextLong();
        }
        return n;
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
        if (!sorted) {
            IntSort.sort(order, (a, b) -> compare(t, a, b));
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
