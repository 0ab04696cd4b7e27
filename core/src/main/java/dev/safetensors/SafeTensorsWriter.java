package dev.safetensors;

import static dev.safetensors.SafeTensorsException.Kind.InvalidTensorView;
import static dev.safetensors.SafeTensorsException.Kind.JsonError;

import dev.safetensors.internal.header.HeaderValidator;
import dev.safetensors.internal.header.HeaderWriter;
import dev.safetensors.internal.io.AtomicFile;
import dev.safetensors.internal.io.LittleEndian;
import dev.safetensors.internal.io.StreamChannel;
import dev.safetensors.internal.io.WriteFully;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes safetensors files byte-identical to the reference writer, streaming tensor bytes so that models
 * larger than the heap can be written.
 *
 * <p>Tensors are declared first (name, dtype, shape, data source); the header is computed from the
 * declarations alone, then each tensor's {@link TensorData} is asked for its bytes in file order and they go
 * to disk through one 1 MiB buffer. Writing to a path is atomic: a temp file in the same directory,
 * {@code fsync}, rename. On any failure the target keeps its old content.
 *
 * <pre>{@code
 * SafeTensorsWriter.create()
 *         .putMetadata("format", "pt")
 *         .add("fc.weight", DType.F32, Shape.of(2, 3), TensorData.of(new float[] {0, 1, 2, 3, 4, 5}))
 *         .add("fc.bias", DType.F32, Shape.of(2), TensorData.of(new float[] {0, 0}))
 *         .write(Path.of("model.safetensors"));
 * }</pre>
 *
 * <p>Not thread-safe; a writer can be written several times.
 */
public final class SafeTensorsWriter {
    private static final int BUFFER = 1 << 20;
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final List<String> names = new ArrayList<>();
    private final List<DType> dtypes = new ArrayList<>();
    private final List<long[]> shapes = new ArrayList<>();
    private final Map<String, TensorData> data = new LinkedHashMap<>();
    private Map<String, String> metadata;
    private long maxHeaderSize = Header.DEFAULT_MAX_SIZE;

    private SafeTensorsWriter() {
    }

    /** {@return a writer with no tensors and no metadata} */
    public static SafeTensorsWriter create() {
        return new SafeTensorsWriter();
    }

    /**
     * Declares a tensor. Data from an array or a segment is checked here against the declaration; the bytes
     * of a callback are counted when the file is written.
     *
     * @throws SafeTensorsException of kind {@code JsonError} for a duplicate name or the reserved name
     *         {@code __metadata__}; {@code ValidationOverflow} or {@code MisalignedSlice} when shape × dtype is
     *         not a whole number of bytes below 2^64; {@code InvalidTensorView} when array data has another
     *         element type or size than declared
     * @param name  the tensor's name, unique in the file
     * @param dtype its element type
     * @param shape its dimensions
     * @param bytes where its bytes come from, little-endian, row-major
     * @return this writer
     */
    public SafeTensorsWriter add(String name, DType dtype, Shape shape, TensorData bytes) {
        checkDeclaration(name, dtype, shape, bytes);
        if (data.putIfAbsent(name, bytes) != null) {
            throw new SafeTensorsException(JsonError, null, "duplicate tensor name `" + name + "`");
        }
        names.add(name);
        dtypes.add(dtype);
        shapes.add(shape.dims());
        return this;
    }

    /**
     * Declares a tensor held by a device (a GPU, or the CPU): its bytes are copied out through two staging
     * buffers while the file is written, so saving never holds more than two chunks on the host.
     *
     * <pre>{@code
     * SafeTensorsWriter.create().add("w", gpuTensor).write(Path.of("out.safetensors"));
     * }</pre>
     *
     * @param name   the tensor's name, unique in the file
     * @param tensor the device tensor; its dtype and shape are the declaration
     * @return this writer
     */
    public SafeTensorsWriter add(String name, dev.safetensors.device.DeviceTensor tensor) {
        Objects.requireNonNull(tensor, "tensor must be non-null");
        return add(name, tensor.dtype(), tensor.shape(), dev.safetensors.internal.device.DeviceData.of(tensor));
    }

    /**
     * The checks every writer makes when a tensor is declared, before any byte is written.
     *
     * @return the tensor's size in bytes
     */
    static long checkDeclaration(String name, DType dtype, Shape shape, TensorData bytes) {
        Objects.requireNonNull(name, "name must be non-null");
        Objects.requireNonNull(dtype, "dtype must be non-null");
        Objects.requireNonNull(shape, "shape must be non-null");
        Objects.requireNonNull(bytes, "bytes must be non-null");
        if (name.equals("__metadata__")) {
            throw new SafeTensorsException(JsonError, null, "`__metadata__` is reserved and cannot name a tensor");
        }
        long byteCount = HeaderValidator.byteCount(name, dtype, shape.dims(), null);
        if (bytes instanceof TypedTensorData typed) {
            typed.checkFits(name, dtype, shape, byteCount);
        }
        return byteCount;
    }

    /**
     * Adds one {@code __metadata__} entry; the header is written even if the map stays empty.
     *
     * @param key   the entry's key; an existing entry of that key is replaced
     * @param value its value
     * @return this writer
     */
    public SafeTensorsWriter putMetadata(String key, String value) {
        Objects.requireNonNull(key, "metadata key must be non-null");
        Objects.requireNonNull(value, "metadata value must be non-null");
        if (metadata == null) {
            metadata = new LinkedHashMap<>();
        }
        metadata.put(key, value);
        return this;
    }

    /**
     * Sets the whole {@code __metadata__} map ({@code null}: no entry at all). Keys are written sorted.
     *
     * @param map the entries, copied; or null
     * @return this writer
     */
    public SafeTensorsWriter metadata(Map<String, String> map) {
        if (map == null) {
            metadata = null;
            return this;
        }
        metadata = new LinkedHashMap<>();
        map.forEach(this::putMetadata);
        return this;
    }

    /**
     * Sets the largest padded header to write; {@link Header#DEFAULT_MAX_SIZE} unless set.
     *
     * @param max bytes, at most {@link Header#MAX_CONFIGURABLE_SIZE}
     * @return this writer
     * @throws IllegalArgumentException outside 0 to {@link Header#MAX_CONFIGURABLE_SIZE}
     */
    public SafeTensorsWriter maxHeaderSize(long max) {
        Header.checkLimit(max);
        this.maxHeaderSize = max;
        return this;
    }

    /** {@return the exact size of the file {@link #write} would produce} */
    public long fileSize() {
        return plan(null).fileSize();
    }

    /** {@return the padded header JSON (without the 8-byte length prefix) that would be written} */
    public byte[] headerBytes() {
        return plan(null).json();
    }

    /**
     * Writes the file atomically: temp file, fsync, rename.
     *
     * @throws SafeTensorsException when a declaration is invalid (checked before anything is written), a
     *         data source yields the wrong number of bytes ({@code InvalidTensorView}), or I/O fails
     *         ({@code IoError}); the target is then untouched
     * @param target the file to create or replace
     */
    public void write(Path target) {
        HeaderWriter.Plan plan = plan(target.toString());
        AtomicFile.write(target, channel -> stream(plan, channel, target.toString()));
    }

    /**
     * Streams the file to any channel (not atomic); the same as {@link #writeTo(WritableByteChannel)}.
     *
     * @param out where the file's bytes go; not closed
     * @throws IOException when the channel fails
     * @throws java.nio.channels.IllegalBlockingModeException when {@code out} is a channel in non-blocking mode
     *         (refused before anything is written: a full socket would make the copy spin)
     */
    public void write(WritableByteChannel out) throws IOException {
        writeTo(out);
    }

    /**
     * Streams the file to a channel (a socket, an upload, a pipe) as it is produced: the header, then each tensor's
     * bytes through one 1 MiB buffer, with no temp file and no copy of the whole file in memory. The channel is not
     * closed. Not atomic: on a failure the channel has received part of the file.
     *
     * <pre>{@code
     * try (SocketChannel socket = SocketChannel.open(address)) {
     *     writer.writeTo(socket);
     * }
     * }</pre>
     *
     * @param out where the file's bytes go; not closed
     * @throws SafeTensorsException when a declaration is invalid (checked before anything is written) or a data
     *         source yields the wrong number of bytes ({@code InvalidTensorView})
     * @throws IOException when the channel fails
     * @throws java.nio.channels.IllegalBlockingModeException when {@code out} is a channel in non-blocking mode
     *         (refused before anything is written: a full socket would make the copy spin)
     */
    public void writeTo(WritableByteChannel out) throws IOException {
        Objects.requireNonNull(out, "out must be non-null");
        stream(plan(null), out, null);
    }

    /**
     * Streams the file to an output stream (an HTTP request body, a zip entry) as {@link #writeTo(WritableByteChannel)}
     * does. The stream is neither flushed nor closed.
     *
     * <pre>{@code
     * try (OutputStream body = connection.getOutputStream()) {
     *     writer.writeTo(body);
     * }
     * }</pre>
     *
     * @param out where the file's bytes go; neither flushed nor closed
     * @throws SafeTensorsException as {@link #writeTo(WritableByteChannel)}
     * @throws IOException when the stream fails
     */
    public void writeTo(OutputStream out) throws IOException {
        Objects.requireNonNull(out, "out must be non-null");
        writeTo(new StreamChannel(out));
    }

    /**
     * The whole file as a byte array, like the reference's {@code save(...) -> bytes}: the bytes
     * {@link #write(Path)} would put on disk. Open them again with {@link SafeTensorsFile#open(byte[])}.
     *
     * <pre>{@code
     * byte[] bytes = SafeTensorsWriter.create()
     *         .add("w", DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2}))
     *         .toByteArray();                                  // 8 + 64 header + 8 data bytes
     * }</pre>
     *
     * @return the file's bytes, exactly {@link #fileSize()} of them
     * @throws SafeTensorsException when a declaration is invalid, a data source yields the wrong number of bytes
     *         ({@code InvalidTensorView}) or fails ({@code IoError}), or the file would not fit in a Java array
     *         ({@code InvalidTensorView}: write it to a channel instead), or the heap cannot hold it
     *         ({@code InvalidTensorView})
     */
    public byte[] toByteArray() {
        HeaderWriter.Plan plan = plan(null);
        if (plan.fileSize() > MAX_ARRAY) {
            throw new SafeTensorsException(InvalidTensorView, null, "the file would have " + plan.fileSize()
                    + " bytes, more than a Java byte[] holds; write it to a channel or a path instead");
        }
        ByteBuffer bytes;
        try {
            bytes = ByteBuffer.allocate((int) plan.fileSize());
        } catch (OutOfMemoryError e) {
            // One array of known size: failing to allocate it leaves the heap as it was, so report it plainly.
            throw new SafeTensorsException(InvalidTensorView, null, "the file would have " + plan.fileSize()
                    + " bytes, more than the heap can hold in one array (at most " + Runtime.getRuntime().maxMemory()
                    + " bytes of heap); write it to a channel or a path instead");
        }
        WritableByteChannel into = new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) {
                int n = src.remaining();
                bytes.put(src);
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        try {
            stream(plan, into, null);
        } catch (IOException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, null, "a tensor's data source failed: "
                    + e.getMessage(), e);
        }
        return bytes.array();
    }

    /** The same, naming {@code target} in messages (for writers that manage the file themselves). */
    void write(WritableByteChannel out, String target) throws IOException {
        stream(plan(target), out, target);
    }

    private HeaderWriter.Plan plan(String target) {
        return HeaderWriter.plan(names, dtypes, shapes, metadata, maxHeaderSize, target);
    }

    private void stream(HeaderWriter.Plan plan, WritableByteChannel out, String target) throws IOException {
        WriteFully.requireBlocking(out);
        try (Arena arena = Arena.ofConfined()) {
            Buffered sink = new Buffered(out, arena.allocate(BUFFER, 4096));
            MemorySegment prefix = MemorySegment.ofArray(new byte[Header.LENGTH_PREFIX]);
            prefix.set(LittleEndian.LONG, 0, plan.json().length);
            sink.write(prefix);
            sink.write(MemorySegment.ofArray(plan.json()));
            for (HeaderWriter.Placed t : plan.tensors()) {
                long expected = t.end() - t.begin();
                Counted counted = new Counted(sink, t.name(), expected, target);
                try {
                    data.get(t.name()).writeTo(counted);
                } catch (InternalError e) {
                    // A mapped source faulted: its file shrank or vanished while we copied from it.
                    throw new SafeTensorsException(SafeTensorsException.Kind.IoError, target, "the data of tensor `"
                            + t.name() + "` comes from a mapped file that changed on disk while being copied", e);
                }
                if (counted.written != expected) {
                    throw counted.mismatch(counted.written);
                }
            }
            sink.flush();
        }
    }

    /** Checks that a tensor's source yields exactly its declared size. */
    private static final class Counted implements ByteSink {
        private final Buffered out;
        private final String name;
        private final long expected;
        private final String target;
        long written;

        Counted(Buffered out, String name, long expected, String target) {
            this.out = out;
            this.name = name;
            this.expected = expected;
            this.target = target;
        }

        @Override
        public void write(MemorySegment bytes) throws IOException {
            long n = bytes.byteSize();
            if (n > expected - written) {
                throw mismatch(written + n);
            }
            out.write(bytes);
            written += n;
        }

        SafeTensorsException mismatch(long got) {
            return new SafeTensorsException(InvalidTensorView, target, "tensor `" + name + "` declares " + expected
                    + " bytes, but its data source yielded " + (got > expected ? "more (" + got + " so far)" : got));
        }
    }

    /** Copies small writes into one buffer; large off-heap writes go straight to the channel. */
    private static final class Buffered {
        private final WritableByteChannel out;
        private final MemorySegment buffer;
        private long used;

        Buffered(WritableByteChannel out, MemorySegment buffer) {
            this.out = out;
            this.buffer = buffer;
        }

        void write(MemorySegment src) throws IOException {
            long n = src.byteSize();
            if (n >= buffer.byteSize() && src.isNative()) {
                flush();
                for (long off = 0; off < n; off += 1L << 30) {
                    drain(src.asSlice(off, Math.min(1L << 30, n - off)).asByteBuffer());
                }
                return;
            }
            long off = 0;
            while (off < n) {
                long k = Math.min(n - off, buffer.byteSize() - used);
                MemorySegment.copy(src, off, buffer, used, k);
                used += k;
                off += k;
                if (used == buffer.byteSize()) {
                    flush();
                }
            }
        }

        void flush() throws IOException {
            if (used > 0) {
                drain(buffer.asSlice(0, used).asByteBuffer());
                used = 0;
            }
        }

        private void drain(ByteBuffer bb) throws IOException {
            WriteFully.write(out, bb);
        }
    }
}
