package dev.safetensors;

import dev.safetensors.convert.SubBytePacking;
import dev.safetensors.internal.read.ChannelSink;
import dev.safetensors.internal.read.IntoMemory;
import dev.safetensors.internal.read.Sinks;
import dev.safetensors.internal.read.Sinks.Target;
import dev.safetensors.internal.slice.Selection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A NumPy-style selection of a tensor: its shape and the byte runs that hold it. Only the pages that hold
 * selected bytes are ever read: the selected bytes are copied into one destination in row-major order,
 * decoded into an array, or handed out as zero-copy segments. With positional reads, runs less than a page
 * apart are read together, so a strided slice costs a few large reads. The copy-outs and their decoding are those of {@link Tensor} (a tensor reads as its
 * whole slice): the same dtypes, the same errors, the same checks against a file changed underneath.
 *
 * <pre>{@code
 * TensorSlice rows = file.tensor("lm_head.weight").slice("0:1024");     // one contiguous run
 * float[] head = rows.toFloatArray();
 * TensorSlice cols = file.tensor("o_proj.weight").slice(":, 2048:4096"); // one run per row
 * cols.forEachRun((offset, length) -> ...);
 * }</pre>
 */
public final class TensorSlice {
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final Tensor tensor;
    private final Selection selection;
    private final Shape shape;
    private final boolean whole;

    TensorSlice(Tensor tensor, Selection selection, boolean whole) {
        this.tensor = tensor;
        this.selection = selection;
        this.shape = Shape.of(selection.shape());
        this.whole = whole;
    }

    /** {@return the shape of the result (dimensions selected by an integer index are dropped)} */
    public Shape shape() {
        return shape;
    }

    /** {@return the element type, the tensor's} */
    public DType dtype() {
        return tensor.dtype();
    }

    /** {@return bytes of the result} */
    public long byteSize() {
        return selection.byteSize();
    }

    /** Receives one byte run: {@code [offset, offset + length)} relative to the tensor's first byte. */
    @FunctionalInterface
    public interface RunConsumer {
        /**
         * Receives one run.
         *
         * @param offset the run's first byte, relative to the tensor's first byte
         * @param length the run's length in bytes
         */
        void accept(long offset, long length);
    }

    /**
     * Hands the byte runs to {@code consumer} in result order; adjacent runs are merged.
     *
     * @param consumer receives each run
     */
    public void forEachRun(RunConsumer consumer) {
        selection.forEachRun(consumer::accept);
    }

    /**
     * {@return the runs as segments: zero-copy views with mmap (checked against the file on disk as they are
     * handed out, see {@link Tensor#data()}), else slices of one fresh copy of the selected bytes}
     */
    public List<MemorySegment> segments() {
        MemorySegment bytes = tensor.file().view(tensor.info().begin(), tensor.byteSize());
        boolean views = bytes != null;
        if (!views) {
            MemorySegment copy = Arena.ofAuto().allocate(Math.max(1, byteSize()), 8).asSlice(0, byteSize());
            tensor.copyRange(selection, copy);
            bytes = copy.asReadOnly();
        }
        MemorySegment from = bytes;
        List<MemorySegment> out = new ArrayList<>();
        long[] at = {0};
        forEachRun((offset, length) -> {
            out.add(from.asSlice(views ? offset : at[0], length));
            at[0] += length;
        });
        return out;
    }

    /**
     * Hints to the operating system that the selected bytes will be read soon, and returns at once (see
     * {@link SafeTensorsFile#prefetch(java.util.Collection)}). Runs less than a page apart are hinted together, so a
     * strided slice costs few calls; runs further apart (a rank's column blocks) are hinted alone, so no page that
     * holds only other ranks' bytes is asked for.
     *
     * <pre>{@code
     * for (RankPiece piece : plan.pieces(ckpt, rank, 0)) piece.slice().prefetch();  // all of this rank's pages
     * }</pre>
     *
     * @throws SafeTensorsException of kind {@code IoError} when the file is closed
     */
    public void prefetch() {
        tensor.file().prefetchRuns(tensor.info().begin(), selection);
    }

    /**
     * Copies the selected bytes, in row-major order of the result, into the start of {@code dst}.
     *
     * @param dst where the bytes go: at least {@link #byteSize()} bytes
     * @throws IllegalArgumentException when {@code dst} is smaller than {@link #byteSize()} or read-only
     */
    public void copyTo(MemorySegment dst) {
        Objects.requireNonNull(dst, "dst must be non-null");
        if (dst.byteSize() < byteSize()) {
            throw new IllegalArgumentException("destination has " + dst.byteSize() + " bytes, " + what() + " needs "
                    + byteSize());
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("destination is read-only");
        }
        tensor.copyRange(selection, dst.asSlice(0, byteSize()));
    }

    /**
     * Decodes the selected values into {@code dst} as {@code as}, little-endian, from its start, in one pass
     * with no intermediate array and for any number of elements: the fast path into memory you own (off-heap
     * buffers, staging memory for a device). {@code as} is one of
     * <ul>
     *   <li>{@code F32}: every dtype as {@link #toFloatArray()} decodes it (C64 as (real, imaginary) pairs);</li>
     *   <li>{@code F64}: as {@link #toDoubleArray()};</li>
     *   <li>{@code I32}, {@code I64}: integers and BOOL as {@link #toIntArray()} and {@link #toLongArray()};</li>
     *   <li>{@code F16}, {@code BF16}: floating dtypes, each value rounded once to nearest even (F64 from its
     *       double), overflowing to infinity as PyTorch's and NumPy's casts do: the rules of
     *       {@link dev.safetensors.convert.Conversion};</li>
     *   <li>the slice's own dtype: the bytes as they are.</li>
     * </ul>
     *
     * <pre>{@code
     * TensorSlice rows = file.tensor("lm_head.weight").slice("0:1024");        // BF16 [1024, 4096]
     * try (Arena arena = Arena.ofConfined()) {
     *     MemorySegment f32 = arena.allocate(rows.byteSize(DType.F32));        // 4 bytes per value
     *     rows.copyTo(f32, DType.F32);
     *     float first = f32.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0);
     * }
     * }</pre>
     *
     * @param dst where the values go, from its start; at least {@link #byteSize(DType)} bytes
     * @param as the dtype to write them as
     * @throws SafeTensorsException of kind {@code InvalidTensorView} when the conversion is not defined (I32 from
     *         a float, F16 from an integer, F6 whose packing the format leaves open, an {@code as} not listed), or
     *         {@code dst} is read-only or smaller than {@link #byteSize(DType)}
     */
    public void copyTo(MemorySegment dst, DType as) {
        Objects.requireNonNull(dst, "dst must be non-null");
        long need = byteSize(as);
        if (dst.isReadOnly() || dst.byteSize() < need) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, source(), "destination "
                    + (dst.isReadOnly() ? "is read-only" : "has " + dst.byteSize() + " bytes") + "; " + what()
                    + " as " + as + " needs " + need + " bytes");
        }
        copyOut(IntoMemory.sink(dtype(), as, dst.asSlice(0, need), SubBytePacking.DEFAULT));
    }

    /**
     * The bytes of the selected values as {@code as}: what {@link #copyTo(MemorySegment, DType)} writes.
     *
     * <pre>{@code
     * MemorySegment f32 = arena.allocate(slice.byteSize(DType.F32));
     * }</pre>
     *
     * @param as the dtype the values would be written as
     * @return bytes of the selected values as {@code as}
     * @throws SafeTensorsException of kind {@code InvalidTensorView} when the conversion is not defined, or the
     *         size does not fit in a {@code long}
     */
    public long byteSize(DType as) {
        Objects.requireNonNull(as, "as must be non-null");
        String refusal = IntoMemory.refusal(dtype(), as, SubBytePacking.DEFAULT);
        if (refusal != null) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, source(), what() + " "
                    + refusal);
        }
        try {
            return IntoMemory.byteSize(dtype(), as, selection.elementCount(), byteSize());
        } catch (ArithmeticException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, source(), what() + " as " + as
                    + " takes more than 2^63 bytes");
        }
    }

    /**
     * Streams the selected bytes, in row-major order of the result, to {@code out}: small runs are gathered
     * into large writes.
     *
     * @param out where the bytes go; not closed
     * @throws IOException when the channel fails
     * @throws java.nio.channels.IllegalBlockingModeException when {@code out} is a channel in non-blocking mode
     *         (refused before anything is written: a full socket would make the copy spin)
     */
    public void writeTo(WritableByteChannel out) throws IOException {
        Objects.requireNonNull(out, "out must be non-null");
        try (ChannelSink sink = new ChannelSink(out, byteSize())) {
            tensor.file().copyOut(tensor.info().begin(), selection, sink);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** {@return the selected bytes} */
    public byte[] toByteArray() {
        byte[] out = new byte[length(Target.BYTE, SubBytePacking.DEFAULT)];
        copyOut(Sinks.bytes(out));
        return out;
    }

    /** {@return the selected values as {@link Tensor#toShortArray()} gives them} */
    public short[] toShortArray() {
        short[] out = new short[length(Target.SHORT, SubBytePacking.DEFAULT)];
        copyOut(Sinks.shorts(dtype(), out));
        return out;
    }

    /** {@return the selected values as {@link Tensor#toIntArray()} gives them} */
    public int[] toIntArray() {
        int[] out = new int[length(Target.INT, SubBytePacking.DEFAULT)];
        copyOut(Sinks.ints(dtype(), out));
        return out;
    }

    /** {@return the selected values as {@link Tensor#toLongArray()} gives them} */
    public long[] toLongArray() {
        long[] out = new long[length(Target.LONG, SubBytePacking.DEFAULT)];
        copyOut(Sinks.longs(dtype(), out));
        return out;
    }

    /**
     * {@return the selected values as floats (see {@link Tensor#toFloatArray(SubBytePacking)})}
     *
     * @param packing how F4 and F6 elements sit in their bytes; ignored for other dtypes
     * @throws SafeTensorsException of kind {@code InvalidTensorView} for a dtype with no float value, or more
     *         values than a {@code float[]} holds
     */
    public float[] toFloatArray(SubBytePacking packing) {
        Objects.requireNonNull(packing, "packing must be non-null");
        float[] out = new float[length(Target.FLOAT, packing)];
        copyOut(Sinks.floats(dtype(), out, packing));
        return out;
    }

    /**
     * {@return the selected values as floats, as {@link Tensor#toFloatArray()} decodes them}
     *
     * @throws SafeTensorsException as {@link #toFloatArray(SubBytePacking)}
     */
    public float[] toFloatArray() {
        return toFloatArray(SubBytePacking.DEFAULT);
    }

    /** {@return the selected values as {@link Tensor#toDoubleArray()} gives them} */
    public double[] toDoubleArray() {
        double[] out = new double[length(Target.DOUBLE, SubBytePacking.DEFAULT)];
        copyOut(Sinks.doubles(dtype(), out, SubBytePacking.DEFAULT));
        return out;
    }

    private void copyOut(dev.safetensors.internal.read.Sink sink) {
        tensor.file().copyOut(tensor.info().begin(), selection, sink);
    }

    /**
     * The length of the array {@code target} for this selection, after checking that the dtype goes into it:
     * nothing is allocated for a request that cannot succeed.
     */
    private int length(Target target, SubBytePacking packing) {
        DType t = dtype();
        if (!target.accepts(t)) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, source(),
                    what() + " of type " + t + " can't be read as " + target.typeName());
        }
        if (target != Target.BYTE && t.isSubByte() && t != DType.F4 && packing.f6() == null) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, source(), what() + " is " + t
                    + ", whose bit packing the format does not define; name one with toFloatArray(SubBytePacking)");
        }
        long n = target.length(t, selection.elementCount(), byteSize());
        if (n > MAX_ARRAY || n < 0) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, source(), what() + " has "
                    + (target == Target.BYTE ? n + " bytes" : Long.toUnsignedString(n) + " values")
                    + ", more than a Java " + target.typeName() + " holds; use copyTo(MemorySegment)");
        }
        return (int) n;
    }

    private String what() {
        return (whole ? "tensor `" : "slice of tensor `") + tensor.name() + "`";
    }

    private String source() {
        return tensor.file().description();
    }

    @Override
    public String toString() {
        return "TensorSlice[" + tensor.name() + ": " + dtype() + shape + ", " + byteSize() + " bytes]";
    }
}
