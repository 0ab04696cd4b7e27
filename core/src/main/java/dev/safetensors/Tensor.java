package dev.safetensors;

import static dev.safetensors.SafeTensorsException.Kind.InvalidTensorView;

import dev.safetensors.internal.slice.Selection;
import dev.safetensors.internal.slice.IndexParser;
import dev.safetensors.convert.FloatDecoder;
import dev.safetensors.convert.SubBytePacking;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * One tensor of an open {@link SafeTensorsFile}: its {@link TensorInfo} and lazy access to its bytes.
 *
 * <p>Nothing is read until a data method is called. Bytes are little-endian, row-major and may be
 * unaligned (legacy writers), so every typed read here uses unaligned little-endian layouts.
 *
 * <pre>{@code
 * Tensor t = file.tensor("model.embed_tokens.weight");
 * t.dtype();                 // BF16
 * t.shape();                 // [32000, 4096]
 * float[] f = t.toFloatArray();                  // decoded to float
 * try (Arena arena = Arena.ofConfined()) {
 *     MemorySegment dst = arena.allocate(t.byteSize());
 *     t.copyTo(dst);                             // raw bytes into memory you own
 * }
 * }</pre>
 */
public final class Tensor {
    /**
     * Staging size for positional reads into arrays: large enough for full-speed I/O, small for the heap,
     * and a multiple of 24 so that chunks hold whole elements of every dtype (F6 comes in 3-byte groups).
     */
    private static final long CHUNK = 3 << 18;
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;


    private final SafeTensorsFile file;
    private final TensorInfo info;

    Tensor(SafeTensorsFile file, TensorInfo info) {
        this.file = file;
        this.info = info;
    }

    /** The file holding this tensor. */
    SafeTensorsFile file() {
        return file;
    }

    /** {@return the tensor's name in the header} */
    public String name() {
        return info.name();
    }

    /** {@return the element type} */
    public DType dtype() {
        return info.dtype();
    }

    /** {@return the dimensions} */
    public Shape shape() {
        return info.shape();
    }

    /** {@return name, dtype, shape and byte range as the header gives them} */
    public TensorInfo info() {
        return info;
    }

    /** {@return number of bytes of the tensor} */
    public long byteSize() {
        return info.byteSize();
    }

    /** {@return number of elements (1 for a scalar)} */
    public long elementCount() {
        return info.elementCount();
    }

    /**
     * {@return the tensor's bytes as a read-only segment} With {@link ReadStrategy#MMAP} this is a zero-copy view
     * of the mapping, valid until the file closes; with {@link ReadStrategy#PREAD} it is a fresh copy in
     * memory the garbage collector frees (prefer {@link #copyTo} to choose where bytes go).
     */
    public MemorySegment data() {
        return read(0, info.byteSize());
    }

    /**
     * Copies the raw bytes into the first {@link #byteSize()} bytes of {@code dst}.
     *
     * @param dst where the bytes go: a heap or native segment of at least {@link #byteSize()} bytes
     * @throws IllegalArgumentException when {@code dst} is smaller than the tensor or read-only
     */
    public void copyTo(MemorySegment dst) {
        Objects.requireNonNull(dst, "dst must be non-null");
        long size = info.byteSize();
        if (dst.byteSize() < size) {
            throw new IllegalArgumentException("destination has " + dst.byteSize() + " bytes, tensor `" + name()
                    + "` needs " + size);
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("destination is read-only");
        }
        copyRange(0, dst.asSlice(0, size));
    }

    /**
     * {@return a NumPy-style selection; nothing is read until the slice is}
     *
     * <pre>{@code
     * TensorSlice rows = t.slice(Index.range(0, 2), Index.all());   // t[0:2, :]
     * float[] values = rows.toFloatArray();
     * }</pre>
     *
     * @param indices one entry per dimension from the first, at most one {@link Index#ellipsis()}; missing
     *                trailing entries take whole dimensions
     * @throws SafeTensorsException {@code TooManySlices}, {@code SliceOutOfRange} (naming the dimension, the
     *         index and the size) or {@code MisalignedSlice} (sub-byte dtypes cut inside a byte)
     */
    public TensorSlice slice(Index... indices) {
        return new TensorSlice(this, Selection.resolve(info, java.util.List.of(indices), file.description()));
    }

    /**
     * {@return a NumPy-style selection written as a string such as {@code "0:2, ..., -1"} or {@code "[:, ::2]"}}
     *
     * @param expression the index expression, with or without brackets
     * @throws SafeTensorsException {@code InvalidTensorView} when the expression does not parse; otherwise as
     *         {@link #slice(Index...)}
     */
    public TensorSlice slice(String expression) {
        return new TensorSlice(this, Selection.resolve(info, IndexParser.parse(expression, file.description()),
                file.description()));
    }

    /** {@code length} bytes from {@code offset} within the tensor: a view when mapped, else a fresh copy. */
    MemorySegment read(long offset, long length) {
        try {
            MemorySegment mapped = file.data();
            if (mapped != null) {
                return mapped.asSlice(info.begin() + offset, length);
            }
            MemorySegment copy = Arena.ofAuto().allocate(Math.max(1, length), 8).asSlice(0, length);
            copyRange(offset, copy);
            return copy.asReadOnly();
        } catch (IllegalStateException e) {
            throw file.closedOr(e);
        }
    }

    /**
     * Copies the tensor's bytes {@code [offset, offset + dst.byteSize())} into {@code dst}: for loaders that
     * split large tensors into pieces (parallel reads, bounded staging buffers).
     *
     * @param offset the first byte to copy, relative to the tensor's first byte
     * @param dst    where the bytes go; its size is the number of bytes copied
     * @throws IndexOutOfBoundsException when the range is not inside the tensor
     */
    public void copyTo(long offset, MemorySegment dst) {
        java.util.Objects.checkFromIndexSize(offset, dst.byteSize(), info.byteSize());
        copyRange(offset, dst);
    }

    /** Copies {@code dst.byteSize()} bytes from {@code offset} within the tensor into {@code dst}. */
    void copyRange(long offset, MemorySegment dst) {
        file.checkOpen();
        try {
            MemorySegment mapped = file.data();
            if (mapped != null) {
                MemorySegment.copy(mapped, info.begin() + offset, dst, 0, dst.byteSize());
            } else {
                file.source().read(file.header().dataStart() + info.begin() + offset, dst);
            }
        } catch (IllegalStateException e) {
            throw file.closedOr(e);
        } catch (InternalError e) {
            throw file.changedOnDisk(e);
        }
    }

    /**
     * Copies byte runs of the tensor ({@code lengths[i]} bytes at {@code offsets[i]}, relative to its first byte)
     * one after another into {@code dst}: from the mapping, or as one batch for the source to merge.
     */
    void copyRuns(long[] offsets, long[] lengths, MemorySegment dst) {
        file.checkOpen();
        try {
            MemorySegment mapped = file.data();
            long at = 0;
            if (mapped != null) {
                for (int i = 0; i < offsets.length; i++) {
                    MemorySegment.copy(mapped, info.begin() + offsets[i], dst, at, lengths[i]);
                    at += lengths[i];
                }
                return;
            }
            long base = file.header().dataStart() + info.begin();
            long[] positions = new long[offsets.length];
            for (int i = 0; i < offsets.length; i++) {
                positions[i] = base + offsets[i];
            }
            file.source().readRuns(positions, lengths, dst);
        } catch (IllegalStateException e) {
            throw file.closedOr(e);
        } catch (InternalError e) {
            throw file.changedOnDisk(e);
        }
    }

    /** Whether reads are views of a mapping (else copies from the source). */
    boolean mapped() {
        return file.data() != null;
    }

    /** {@return the raw bytes, any dtype} */
    public byte[] toByteArray() {
        byte[] out = new byte[arrayLength(info.byteSize(), "byte[]")];
        forEachChunk((chunk, offset) -> MemorySegment.copy(chunk, ValueLayout.JAVA_BYTE, 0, out, (int) offset,
                (int) chunk.byteSize()));
        return out;
    }

    /** {@return 16-bit dtypes (I16, U16, F16, BF16) as raw 16-bit values; BOOL, U8, I8 widened by value} */
    public short[] toShortArray() {
        short[] out = new short[arrayLength(elementCount(), "short[]")];
        switch (dtype()) {
            case I16, U16, F16, BF16 -> forEachChunk((chunk, offset) -> MemorySegment.copy(chunk, LittleEndian.SHORT, 0, out,
                    (int) (offset / 2), (int) (chunk.byteSize() / 2)));
            case BOOL, U8 -> forEachByte((b, i) -> out[i] = (short) (b & 0xFF));
            case I8 -> forEachByte((b, i) -> out[i] = b);
            default -> throw cannotView("short[]");
        }
        return out;
    }

    /** {@return 32-bit integers (I32, U32 as raw bits), and narrower integers and BOOL widened by value} */
    public int[] toIntArray() {
        int[] out = new int[arrayLength(elementCount(), "int[]")];
        switch (dtype()) {
            case I32, U32 -> forEachChunk((chunk, offset) -> MemorySegment.copy(chunk, LittleEndian.INT, 0, out,
                    (int) (offset / 4), (int) (chunk.byteSize() / 4)));
            case BOOL, U8 -> forEachByte((b, i) -> out[i] = b & 0xFF);
            case I8 -> forEachByte((b, i) -> out[i] = b);
            case I16, U16 -> {
                short[] s = toShortArray();
                boolean unsigned = dtype() == DType.U16;
                for (int i = 0; i < s.length; i++) {
                    out[i] = unsigned ? s[i] & 0xFFFF : s[i];
                }
            }
            default -> throw cannotView("int[]");
        }
        return out;
    }

    /** {@return 64-bit integers (I64, U64 as raw bits), and narrower integers and BOOL widened by value} */
    public long[] toLongArray() {
        DType t = dtype();
        if (t == DType.I64 || t == DType.U64) {
            long[] out = new long[arrayLength(elementCount(), "long[]")];
            forEachChunk((chunk, offset) -> MemorySegment.copy(chunk, LittleEndian.LONG, 0, out, (int) (offset / 8),
                    (int) (chunk.byteSize() / 8)));
            return out;
        }
        if (t == DType.U32) {
            int[] v = toIntArray();
            long[] out = new long[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = v[i] & 0xFFFFFFFFL;
            }
            return out;
        }
        if (!isInteger(t)) {
            throw cannotView("long[]");
        }
        int[] v = toIntArray();
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    /**
     * {@return the values as floats: every floating dtype decoded (F4 low nibble first, as PyTorch packs it),
     * integers and BOOL by value, C64 as interleaved (real, imaginary) pairs}
     *
     * @throws SafeTensorsException of kind {@code InvalidTensorView} for F6, whose packing the format leaves
     *         open: use {@link #toFloatArray(SubBytePacking)}
     */
    public float[] toFloatArray() {
        return toFloatArray(SubBytePacking.DEFAULT);
    }

    /**
     * {@return the values as floats, with the sub-byte packing named by the caller (F4 nibble order, F6 bit order)}
     *
     * @param packing how F4 and F6 elements sit in their bytes; ignored for other dtypes
     * @throws SafeTensorsException of kind {@code InvalidTensorView} for F6 when {@code packing} names no F6 bit
     *         order, or for a dtype with no float value
     */
    public float[] toFloatArray(SubBytePacking packing) {
        DType t = dtype();
        if (t.isSubByte() && t != DType.F4 && packing.f6() == null) {
            throw new SafeTensorsException(InvalidTensorView, file.description(), "tensor `" + name() + "` is " + t
                    + ", whose bit packing the format does not define; name one with toFloatArray(SubBytePacking)");
        }
        long count = t == DType.C64 ? Math.multiplyExact(elementCount(), 2) : elementCount();
        float[] out = new float[arrayLength(count, "float[]")];
        DType as = t == DType.C64 ? DType.F32 : t;
        forEachChunk((chunk, offset) -> FloatDecoder.decode(as, chunk, out, (int) (offset * 8 / as.bits()), packing));
        return out;
    }

    /**
     * {@return the values as doubles: F64 as is, 32- and 64-bit integers exactly (U64 rounded), everything else
     * through {@link #toFloatArray()} (exact: every narrower float is a float)}
     */
    public double[] toDoubleArray() {
        DType t = dtype();
        double[] out;
        switch (t) {
            case F64 -> {
                double[] d = new double[arrayLength(elementCount(), "double[]")];
                forEachChunk((chunk, offset) -> MemorySegment.copy(chunk, LittleEndian.DOUBLE, 0, d, (int) (offset / 8),
                        (int) (chunk.byteSize() / 8)));
                out = d;
            }
            case I32, I64, U32 -> {
                long[] v = toLongArray();
                out = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    out[i] = v[i];
                }
            }
            case U64 -> {
                long[] v = toLongArray();
                out = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    out[i] = v[i] >= 0 ? v[i] : ((v[i] >>> 1) | (v[i] & 1)) * 2.0;
                }
            }
            default -> {
                float[] f = toFloatArray();
                out = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    out[i] = f[i];
                }
            }
        }
        return out;
    }

    private static boolean isInteger(DType t) {
        return switch (t) {
            case BOOL, U8, I8, I16, U16, I32, U32, I64, U64 -> true;
            default -> false;
        };
    }

    @Override
    public String toString() {
        return "Tensor[" + name() + ": " + dtype() + shape() + "]";
    }

    // ---- reading in chunks ----

    private interface ChunkConsumer {
        /** {@code chunk} holds the tensor's bytes from {@code offset}; its size is a multiple of 8 except last. */
        void accept(MemorySegment chunk, long offset);
    }

    /** The whole view at once when mapped; else positional reads through one reused buffer. */
    private void forEachChunk(ChunkConsumer consumer) {
        file.checkOpen();
        long size = info.byteSize();
        try {
            MemorySegment mapped = file.data();
            if (mapped != null) {
                consumer.accept(mapped.asSlice(info.begin(), size), 0);
                return;
            }
            if (size == 0) {
                return;
            }
            long start = file.header().dataStart() + info.begin();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(Math.min(size, CHUNK), 64);
                for (long off = 0; off < size; off += CHUNK) {
                    MemorySegment chunk = buffer.asSlice(0, Math.min(CHUNK, size - off));
                    file.source().read(start + off, chunk);
                    consumer.accept(chunk, off);
                }
            }
        } catch (IllegalStateException e) {
            throw file.closedOr(e);
        } catch (InternalError e) {
            throw file.changedOnDisk(e);
        }
    }

    private interface ByteConsumer {
        void accept(byte b, int index);
    }

    private void forEachByte(ByteConsumer consumer) {
        forEachChunk((chunk, offset) -> {
            int base = (int) offset;
            for (int i = 0; i < chunk.byteSize(); i++) {
                consumer.accept(chunk.get(ValueLayout.JAVA_BYTE, i), base + i);
            }
        });
    }

    private int arrayLength(long count, String target) {
        if (count > MAX_ARRAY) {
            throw new SafeTensorsException(InvalidTensorView, file.description(), "tensor `" + name() + "` has "
                    + count + " values, more than a Java " + target + " holds; use copyTo(MemorySegment)");
        }
        return (int) count;
    }

    private SafeTensorsException cannotView(String target) {
        return new SafeTensorsException(InvalidTensorView, file.description(),
                "tensor `" + name() + "` of type " + dtype() + " can't be read as " + target);
    }
}
