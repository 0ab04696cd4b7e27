package dev.safetensors.quant.internal.kernel;

import dev.safetensors.DType;
import dev.safetensors.convert.FloatDecoder;
import dev.safetensors.convert.SubBytePacking;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A row-major matrix of scales (or zero points, biases) held in a tensor of any float dtype, read a row or
 * an element at a time, with an optional per-tensor factor folded in: the second-level scale of NVFP4
 * (multiplied for ModelOpt, divided for compressed-tensors) or the 1/127 of LLM.int8.
 *
 * <p>Scales stored as U8 codes of another one-byte type (MX scales as E8M0, MLX's NVFP4 scales as E4M3)
 * are read through {@link #codes}.
 */
public final class FloatMatrix {
    /** How the per-tensor factor applies to each stored value. */
    public enum Fold {
        NONE, MULTIPLY, DIVIDE
    }

    private final MemorySegment data;
    private final DType dtype;
    private final float[] byteTable;     // for one-byte dtypes, else null
    private final long rows;
    private final int columns;
    private final Fold fold;
    private final float factor;
    private final boolean repeated;      // every row is stored row 0

    private FloatMatrix(MemorySegment data, DType dtype, float[] byteTable, long rows, int columns, Fold fold,
            float factor, boolean repeated) {
        this.data = data;
        this.dtype = dtype;
        this.byteTable = byteTable;
        this.rows = rows;
        this.columns = columns;
        this.fold = fold;
        this.factor = factor;
        this.repeated = repeated;
    }

    /** {@code rows × columns} values of {@code dtype} (F32, F16, BF16, F64 or an F8 type). */
    public static FloatMatrix of(MemorySegment data, DType dtype, long rows, int columns) {
        float[] table = dtype.bits() == 8 ? Codebook.bytes(dtype) : null;
        return new FloatMatrix(data, dtype, table, rows, columns, Fold.NONE, 1f, false);
    }

    /**
     * One-byte values read as codes of {@code codeType}, whatever their stored dtype: U8 holding E8M0 powers of
     * two (OCP MX scales as GPT-OSS and compressed-tensors store them) or E4M3 (MLX NVFP4).
     */
    public static FloatMatrix codes(MemorySegment data, DType codeType, long rows, int columns) {
        return new FloatMatrix(data, DType.U8, Codebook.bytes(codeType), rows, columns, Fold.NONE, 1f, false);
    }

    /** This matrix with every value multiplied or divided by {@code factor}. */
    public FloatMatrix folded(Fold how, float factor) {
        return new FloatMatrix(data, dtype, byteTable, rows, columns, how, factor, repeated);
    }

    /** A one-row matrix seen as {@code rows} copies of its row (a per-tensor scale applied row by row). */
    public FloatMatrix repeatedRows(long rows) {
        return new FloatMatrix(data, dtype, byteTable, rows, columns, fold, factor, true);
    }

    public long rows() {
        return rows;
    }

    public int columns() {
        return columns;
    }

    /** Row {@code r} into {@code dst[0, columns)}. */
    public void row(long r, float[] dst) {
        long width = dtype.bits() / 8;
        MemorySegment slice = data.asSlice((repeated ? 0 : r) * columns * width, columns * width);
        if (byteTable != null) {
            for (int i = 0; i < columns; i++) {
                dst[i] = byteTable[slice.get(ValueLayout.JAVA_BYTE, i) & 0xFF];
            }
        } else {
            FloatDecoder.decode(dtype, slice, dst, 0, SubBytePacking.DEFAULT);
        }
        if (fold != Fold.NONE) {
            for (int i = 0; i < columns; i++) {
                dst[i] = apply(dst[i]);
            }
        }
    }

    /** Whether every value is that of a one-byte code ({@link #codeRow}, {@link #ofCode}): at most 256 values. */
    public boolean byteCoded() {
        return byteTable != null;
    }

    /** Row {@code r}'s one-byte codes into {@code dst[0, columns)}; only when {@link #byteCoded}. */
    public void codeRow(long r, byte[] dst) {
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (repeated ? 0 : r) * columns, dst, 0, columns);
    }

    /** The value of {@code code} (0 to 255), the factor folded in as {@link #row} folds it. */
    public float ofCode(int code) {
        float v = byteTable[code];
        return fold == Fold.NONE ? v : apply(v);
    }

    /** The value at {@code [r, c]}. */
    public float at(long r, int c) {
        long index = (repeated ? 0 : r) * columns + c;
        float v = switch (dtype) {
            case F32 -> data.get(LittleEndian.FLOAT, 4 * index);
            case F16 -> Float.float16ToFloat(data.get(LittleEndian.SHORT, 2 * index));
            case BF16 -> Float.intBitsToFloat(data.get(LittleEndian.SHORT, 2 * index) << 16);
            case F64 -> (float) data.get(LittleEndian.DOUBLE, 8 * index);
            default -> byteTable[data.get(ValueLayout.JAVA_BYTE, index) & 0xFF];
        };
        return fold == Fold.NONE ? v : apply(v);
    }

    private float apply(float v) {
        return fold == Fold.MULTIPLY ? v * factor : v / factor;
    }
}
