package dev.safetensors.quant;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.quant.internal.kernel.Dense;
import dev.safetensors.quant.internal.kernel.Fp4Kernel;
import dev.safetensors.quant.internal.kernel.Kernel;
import dev.safetensors.quant.internal.layout.BuiltLayer;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * One quantized weight of an open {@link QuantizedModel}: what it is, and its values back as dense floats,
 * whole or a range of rows at a time, so a huge layer streams in bounded memory and a tensor-parallel rank
 * dequantizes only its own rows.
 *
 * <p>Rows and columns are those of the logical weight {@code [out_features, in_features]} ({@code [experts × out,
 * in]} for stacked experts) whatever the packed layout (GPTQ and AWQ store it transposed). Values are computed in
 * F32 by the producer's formula; BF16 and F16 are that F32 result rounded to nearest even once. Instances are
 * immutable and safe to use from many threads; they read the model's tensors, so use them while it is open.
 *
 * <pre>{@code
 * try (QuantizedModel model = QuantizedModel.open(Path.of("Llama-3-8B-GPTQ"))) {
 *     QuantizedLinear q = model.layer("model.layers.0.self_attn.q_proj").orElseThrow();
 *     q.shape();                          // [4096, 4096]
 *     float[] all = q.dequantize();       // F32, row-major
 *     try (Arena arena = Arena.ofConfined()) {
 *         MemorySegment rows = arena.allocate(1024L * q.columns() * 2);
 *         q.dequantize(1024, 2048, DType.BF16, rows);     // rows 1024..2047 as BF16
 *     }
 * }
 * }</pre>
 */
public final class QuantizedLinear {
    private final LayerPlan plan;
    private final Kernel kernel;
    private final String denseName;
    private final Shape denseShape;
    private final boolean transposed;

    QuantizedLinear(BuiltLayer built) {
        this.plan = built.plan();
        this.kernel = built.kernel();
        this.denseName = built.denseName();
        this.denseShape = built.denseShape();
        this.transposed = built.transposed();
    }

    /** {@return the layer's prefix, e.g. {@code model.layers.0.self_attn.q_proj}} */
    public String name() {
        return plan.name();
    }

    public QuantScheme scheme() {
        return plan.scheme();
    }

    /** {@return the producer's layout, e.g. {@code gptq v1}} */
    public String format() {
        return plan.format();
    }

    public int bits() {
        return plan.bits();
    }

    /** {@return input columns per scale; −1 when one scale spans a whole row} */
    public int groupSize() {
        return plan.groupSize();
    }

    /** {@return output rows per scale: 1, the block height of 2-D block scales, or every row for one scale per tensor} */
    public long blockRows() {
        return plan.blockRows();
    }

    public boolean symmetric() {
        return plan.symmetric();
    }

    /** {@return whether columns map to groups through an explicit index (GPTQ act-order {@code g_idx})} */
    public boolean actOrder() {
        return plan.actOrder();
    }

    /** {@return the logical shape: {@code [out, in]}, or {@code [experts, out, in]}} */
    public Shape shape() {
        return plan.shape().orElseThrow();
    }

    /** {@return all rows: {@code out}, times the experts for stacked experts} */
    public long rows() {
        return kernel.rows();
    }

    /** {@return {@code in_features}} */
    public int columns() {
        return kernel.columns();
    }

    /** {@return role (e.g. {@code qweight}, {@code scales}) to the name of the tensor it is read from} */
    public Map<String, String> tensors() {
        return plan.tensors();
    }

    public LayerPlan plan() {
        return plan;
    }

    /** {@return the name the unquantized model gives this weight: {@code <name>.weight}, or transformers' GPT-OSS names} */
    public String denseName() {
        return denseName;
    }

    /** Its shape there: the logical shape, or {@code [experts, in, out]} for GPT-OSS experts. */
    public Shape denseShape() {
        return denseShape;
    }

    /**
     * {@return the whole weight as F32, row-major}
     *
     * @throws IllegalStateException when it has more than 2^31 − 9 elements (use the segment form)
     */
    public float[] dequantize() {
        return dequantize(0, rows());
    }

    /** Rows {@code [fromRow, toRow)} as F32. */
    public float[] dequantize(long fromRow, long toRow) {
        long n = checkRows(fromRow, toRow) * columns();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(n + " elements do not fit an array; dequantize into a MemorySegment");
        }
        float[] out = new float[(int) n];
        dequantize(fromRow, toRow, out, 0);
        return out;
    }

    /** Rows {@code [fromRow, toRow)} as F32 into {@code dst} from {@code offset}. */
    public void dequantize(long fromRow, long toRow, float[] dst, int offset) {
        long n = checkRows(fromRow, toRow) * columns();
        Objects.checkFromIndexSize(offset, n, dst.length);
        Dense.toArray(kernel, fromRow, toRow, dst, offset);
    }

    /**
     * Rows {@code [fromRow, toRow)} as F32, BF16 or F16, little-endian, into the first
     * {@code (toRow − fromRow) × columns × width} bytes of {@code dst}.
     *
     * @throws IllegalArgumentException for another dtype, or a destination too small or read-only
     */
    public void dequantize(long fromRow, long toRow, DType dtype, MemorySegment dst) {
        long bytes = checkRows(fromRow, toRow) * columns() * checkOutput(dtype);
        if (dst.byteSize() < bytes || dst.isReadOnly()) {
            throw new IllegalArgumentException("destination has " + dst.byteSize() + (dst.isReadOnly() ? " read-only" : "")
                    + " bytes; rows " + fromRow + ".." + toRow + " of `" + name() + "` as " + dtype + " need " + bytes);
        }
        Dense.encode(kernel, fromRow, toRow, dtype, dst.asSlice(0, bytes));
    }

    /** Rows {@code [fromRow, toRow)} as BF16 or F16 bit patterns. */
    public short[] dequantize(DType dtype, long fromRow, long toRow) {
        if (dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("short[] holds BF16 or F16, not " + dtype);
        }
        long n = checkRows(fromRow, toRow) * columns();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(n + " elements do not fit an array; dequantize into a MemorySegment");
        }
        short[] out = new short[(int) n];
        MemorySegment le = MemorySegment.ofArray(new byte[(int) n * 2]);
        dequantize(fromRow, toRow, dtype, le);
        MemorySegment.copy(le, dev.safetensors.internal.io.LittleEndian.SHORT, 0, out, 0, (int) n);
        return out;
    }

    /** {@return the codes and scales of rows {@code [fromRow, toRow)}, for engines with their own quantized kernels} */
    public UnpackedWeights unpack(long fromRow, long toRow) {
        long n = checkRows(fromRow, toRow) * columns();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(n + " codes do not fit an array; unpack fewer rows");
        }
        return kernel.unpack(fromRow, (int) (toRow - fromRow));
    }

    /**
     * {@return the dense tensor as {@link #denseName()} and {@link #denseShape()} describe it, produced tile by tile
     * when a writer asks for it; {@code progress} hears the bytes produced after each tile}
     */
    public TensorData dense(DType dtype, LongConsumer progress) {
        checkOutput(dtype);
        if (transposed) {
            return Dense.streamTransposed((Fp4Kernel) kernel, denseShape.dim(0), dtype, progress);
        }
        return Dense.stream(kernel, dtype, progress);
    }

    private long checkRows(long fromRow, long toRow) {
        if (fromRow < 0 || toRow < fromRow || toRow > rows()) {
            throw new IndexOutOfBoundsException("rows " + fromRow + ".." + toRow + " of `" + name() + "`, which has "
                    + rows());
        }
        return toRow - fromRow;
    }

    private static long checkOutput(DType dtype) {
        if (!Dense.isOutput(dtype)) {
            throw new IllegalArgumentException("dequantization writes F32, BF16 or F16, not " + dtype);
        }
        return dtype.bits() / 8;
    }

    @Override
    public String toString() {
        return plan.toString();
    }
}
