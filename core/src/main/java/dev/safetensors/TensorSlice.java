package dev.safetensors;

import dev.safetensors.internal.slice.Selection;
import dev.safetensors.convert.FloatDecoder;
import dev.safetensors.convert.SubBytePacking;
import java.lang.foreign.Arena;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A NumPy-style selection of a tensor: its shape and the byte runs that hold it. Only the selected bytes
 * are ever read: copied into one destination in row-major order, or handed out as zero-copy segments.
 *
 * <pre>{@code
 * TensorSlice rows = file.tensor("lm_head.weight").slice("0:1024");     // one contiguous run
 * float[] head = rows.toFloatArray();
 * TensorSlice cols = file.tensor("o_proj.weight").slice(":, 2048:4096"); // one run per row
 * cols.forEachRun((offset, length) -> ...);
 * }</pre>
 */
public final class TensorSlice {
    private static final long CHUNK = 1 << 26;
    /** Runs handed to the byte source at once, so that a remote source can merge them into few requests. */
    private static final int BATCH = 4096;

    private final Tensor tensor;
    private final Selection selection;
    private final Shape shape;

    TensorSlice(Tensor tensor, Selection selection) {
        this.tensor = tensor;
        this.selection = selection;
        this.shape = Shape.of(selection.shape());
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

    /** {@return the runs as segments: zero-copy views with mmap, fresh copies with positional reads} */
    public List<MemorySegment> segments() {
        List<MemorySegment> out = new ArrayList<>();
        forEachRun((offset, length) -> out.add(tensor.read(offset, length)));
        return out;
    }

    /**
     * Copies the selected bytes, in row-major order of the result, into the start of {@code dst}.
     *
     * @param dst where the bytes go: at least {@link #byteSize()} bytes
     * @throws IllegalArgumentException when {@code dst} is smaller than {@link #byteSize()}
     */
    public void copyTo(MemorySegment dst) {
        Objects.requireNonNull(dst, "dst must be non-null");
        if (dst.byteSize() < byteSize()) {
            throw new IllegalArgumentException("destination has " + dst.byteSize() + " bytes, the slice needs " + byteSize());
        }
        long[] at = {0};
        inBatches(Long.MAX_VALUE, (offsets, lengths, bytes) -> {
            tensor.copyRuns(offsets, lengths, dst.asSlice(at[0], bytes));
            at[0] += bytes;
        });
    }

    /** Receives runs in batches of at most {@link #BATCH} runs and {@code maxBytes} bytes. */
    @FunctionalInterface
    private interface BatchConsumer {
        void accept(long[] offsets, long[] lengths, long bytes);
    }

    /** The runs in batches; a run longer than {@code maxBytes} is split. */
    private void inBatches(long maxBytes, BatchConsumer consumer) {
        long[] offsets = new long[BATCH];
        long[] lengths = new long[BATCH];
        int[] n = {0};
        long[] bytes = {0};
        Runnable flush = () -> {
            if (n[0] > 0) {
                consumer.accept(java.util.Arrays.copyOf(offsets, n[0]), java.util.Arrays.copyOf(lengths, n[0]), bytes[0]);
                n[0] = 0;
                bytes[0] = 0;
            }
        };
        forEachRun((offset, length) -> {
            for (long done = 0; done < length; ) {
                long piece = Math.min(length - done, maxBytes - bytes[0]);
                offsets[n[0]] = offset + done;
                lengths[n[0]] = piece;
                n[0]++;
                bytes[0] += piece;
                done += piece;
                if (n[0] == BATCH || bytes[0] == maxBytes) {
                    flush.run();
                }
            }
        });
        flush.run();
    }

    /**
     * Streams the selected bytes, in row-major order of the result, to {@code out}.
     *
     * @param out where the bytes go; not closed
     * @throws IOException when the channel fails
     */
    public void writeTo(WritableByteChannel out) throws IOException {
        IOException[] failure = {null};
        if (tensor.mapped()) {
            forEachRun((offset, length) -> {
                for (long done = 0; done < length && failure[0] == null; done += CHUNK) {
                    failure[0] = write(out, tensor.read(offset + done, Math.min(CHUNK, length - done)));
                }
            });
        } else {
            // Copies from the source in batches (merged into few requests by remote sources), then writes.
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment staging = arena.allocate(Math.max(1, Math.min(CHUNK, byteSize())));
                inBatches(staging.byteSize(), (offsets, lengths, bytes) -> {
                    if (failure[0] == null) {
                        tensor.copyRuns(offsets, lengths, staging.asSlice(0, bytes));
                        failure[0] = write(out, staging.asSlice(0, bytes));
                    }
                });
            }
        }
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    private static IOException write(WritableByteChannel out, MemorySegment bytes) {
        java.nio.ByteBuffer b = bytes.asByteBuffer();
        try {
            while (b.hasRemaining()) {
                out.write(b);
            }
            return null;
        } catch (IOException e) {
            return e;
        }
    }

    /** {@return the selected bytes} */
    public byte[] toByteArray() {
        if (byteSize() > Integer.MAX_VALUE - 8) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, null,
                    "slice of `" + tensor.name() + "` has " + byteSize() + " bytes, more than a byte[] holds");
        }
        byte[] out = new byte[(int) byteSize()];
        copyTo(MemorySegment.ofArray(out));
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
        DType t = dtype();
        if (!FloatDecoder.canDecode(t)) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, null,
                    "tensor `" + tensor.name() + "` of type " + t + " can't be read as float[]");
        }
        long count = byteSize() * 8 / t.bits();
        if (count > Integer.MAX_VALUE - 8) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, null,
                    "slice of `" + tensor.name() + "` has " + count + " values, more than a float[] holds");
        }
        float[] out = new float[(int) count];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(Math.max(1, byteSize()));
            copyTo(bytes);
            FloatDecoder.decode(t, bytes.asSlice(0, byteSize()), out, 0, packing);
        }
        return out;
    }

    /**
     * {@return the selected values as floats, sub-byte dtypes packed as {@link SubBytePacking#DEFAULT} says}
     *
     * @throws SafeTensorsException as {@link #toFloatArray(SubBytePacking)}
     */
    public float[] toFloatArray() {
        return toFloatArray(SubBytePacking.DEFAULT);
    }

    @Override
    public String toString() {
        return "TensorSlice[" + tensor.name() + ": " + dtype() + shape + ", " + byteSize() + " bytes]";
    }
}
