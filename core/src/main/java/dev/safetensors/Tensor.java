package dev.safetensors;

import dev.safetensors.convert.SubBytePacking;
import dev.safetensors.internal.read.Sinks;
import dev.safetensors.internal.read.Runs;
import dev.safetensors.internal.slice.IndexParser;
import dev.safetensors.internal.slice.Selection;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/**
 * One tensor of an open {@link SafeTensorsFile}: its {@link TensorInfo} and lazy access to its bytes.
 *
 * <p>Nothing is read until a data method is called. Bytes are little-endian, row-major and may be
 * unaligned (legacy writers), so every typed read here uses unaligned little-endian layouts. A tensor reads
 * as its whole {@link TensorSlice}: the same copy-outs, checks and decoding serve both.
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
     *
     * <p>A view is checked against the file on disk when it is handed out; reads through it later are plain
     * memory reads that nothing can check. If another process truncates or rewrites the file meanwhile, they
     * see zeros, the new bytes, or fault with the JVM's {@code InternalError}: use the copy-outs, or PREAD,
     * for files that others may change.
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
        whole().copyTo(dst);
    }

    /**
     * Decodes every element into {@code dst} as {@code as} (F32, F64, I32, I64, F16, BF16, or the tensor's own
     * dtype), little-endian, from its start: one pass, no intermediate array, any number of elements. The
     * conversions are those of {@link TensorSlice#copyTo(MemorySegment, DType)}.
     *
     * <pre>{@code
     * Tensor w = file.tensor("model.embed_tokens.weight");                     // BF16 [32000, 4096]
     * try (Arena arena = Arena.ofConfined()) {
     *     MemorySegment f32 = arena.allocate(w.byteSize(DType.F32));           // 4 bytes per element
     *     w.copyTo(f32, DType.F32);
     * }
     * }</pre>
     *
     * @param dst where the values go, from its start; at least {@link #byteSize(DType)} bytes
     * @param as the dtype to write them as
     * @throws SafeTensorsException of kind {@code InvalidTensorView} when the conversion is not defined, or
     *         {@code dst} is read-only or smaller than {@link #byteSize(DType)}
     */
    public void copyTo(MemorySegment dst, DType as) {
        whole().copyTo(dst, as);
    }

    /**
     * The bytes of the tensor's values as {@code as}: what {@link #copyTo(MemorySegment, DType)} writes.
     *
     * <pre>{@code
     * long f32Bytes = tensor.byteSize(DType.F32);    // 4 × elementCount() (8 × for C64 pairs)
     * }</pre>
     *
     * @param as the dtype the values would be written as
     * @return bytes of the values as {@code as}
     * @throws SafeTensorsException of kind {@code InvalidTensorView} when the conversion is not defined
     */
    public long byteSize(DType as) {
        return whole().byteSize(as);
    }

    /**
     * Hints to the operating system that this tensor's bytes will be read soon, and returns at once: see
     * {@link SafeTensorsFile#prefetch(java.util.Collection)} for how, and when hints are skipped.
     *
     * <pre>{@code
     * Tensor next = file.tensor("model.layers.1.self_attn.q_proj.weight");
     * next.prefetch();                       // read from disk in the background
     * current.copyTo(staging, DType.F32);    // meanwhile
     * }</pre>
     *
     * @throws SafeTensorsException of kind {@code IoError} when the file is closed
     */
    public void prefetch() {
        file.prefetch(info.begin(), info.byteSize());
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
        return new TensorSlice(this, Selection.resolve(info, List.of(indices), file.description()), false);
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
                file.description()), false);
    }

    /** The whole tensor as a slice: what every copy-out of a tensor reads through. */
    private TensorSlice whole() {
        return new TensorSlice(this, Selection.all(info, file.description()), true);
    }

    /** {@code length} bytes from {@code offset} within the tensor: a view when mapped, else a fresh copy. */
    MemorySegment read(long offset, long length) {
        MemorySegment view = file.view(info.begin() + offset, length);
        if (view != null) {
            return view;
        }
        MemorySegment copy = Arena.ofAuto().allocate(Math.max(1, length), 8).asSlice(0, length);
        copyRange(Runs.range(offset, length), copy);
        return copy.asReadOnly();
    }

    /**
     * Copies the tensor's bytes {@code [offset, offset + dst.byteSize())} into {@code dst}: for loaders that
     * split large tensors into pieces (parallel reads, bounded staging buffers).
     *
     * @param offset the first byte to copy, relative to the tensor's first byte
     * @param dst    where the bytes go; its size is the number of bytes copied
     * @throws IndexOutOfBoundsException when the range is not inside the tensor
     * @throws IllegalArgumentException when {@code dst} is read-only
     */
    public void copyTo(long offset, MemorySegment dst) {
        Objects.checkFromIndexSize(offset, dst.byteSize(), info.byteSize());
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("destination is read-only");
        }
        copyRange(Runs.range(offset, dst.byteSize()), dst);
    }

    /** Copies the runs into {@code dst}, which holds their bytes in order. */
    void copyRange(Runs runs, MemorySegment dst) {
        file.copyOut(info.begin(), runs, Sinks.memory(dst));
    }

    /** {@return the raw bytes, any dtype} */
    public byte[] toByteArray() {
        return whole().toByteArray();
    }

    /** {@return 16-bit dtypes (I16, U16, F16, BF16) as raw 16-bit values; BOOL, U8, I8 widened by value} */
    public short[] toShortArray() {
        return whole().toShortArray();
    }

    /** {@return 32-bit integers (I32, U32 as raw bits), and narrower integers and BOOL widened by value} */
    public int[] toIntArray() {
        return whole().toIntArray();
    }

    /** {@return 64-bit integers (I64, U64 as raw bits), and narrower integers and BOOL widened by value} */
    public long[] toLongArray() {
        return whole().toLongArray();
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
        return whole().toFloatArray(packing);
    }

    /**
     * {@return the values as doubles: F64 as is, 32-bit integers exactly, 64-bit integers rounded to nearest,
     * everything else through {@link #toFloatArray()} (exact: every narrower float is a float)}
     */
    public double[] toDoubleArray() {
        return whole().toDoubleArray();
    }

    @Override
    public String toString() {
        return "Tensor[" + name() + ": " + dtype() + shape() + "]";
    }
}
