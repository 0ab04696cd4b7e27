package dev.safetensors.quant.internal.kernel;

import dev.safetensors.DType;
import dev.safetensors.quant.UnpackedWeights;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One byte per element, row-major (FP8 codes, int8), times a scale per block of
 * {@code blockRows × blockColumns} elements, minus an optional zero point per block:
 * {@code w[r, c] = (v(q[r, c]) − zero[r / br, c / bc]) × scale[r / br, c / bc]}. One kernel for FP8 per tensor
 * (one block), per channel (1 × in), per group (1 × g) and DeepSeek's 128 × 128 blocks (partial edge blocks
 * included), for compressed-tensors int-quantized and for LLM.int8 (scale = SCB / 127).
 */
public final class ByteCodeKernel implements Kernel {
    private final MemorySegment codes;
    private final float[] values;          // value of each byte code
    private final long rows;
    private final int columns;
    private final long blockRows;
    private final int blockColumns;
    private final FloatMatrix scales;      // [⌈rows / blockRows⌉, ⌈columns / blockColumns⌉]
    private final FloatMatrix zeros;       // same shape, or null
    private final boolean vectorE4m3;      // F8_E4M3 codes, no zero points, vector loops on: E4M3's own loops

    public ByteCodeKernel(MemorySegment codes, float[] values, long rows, int columns, long blockRows, int blockColumns,
            FloatMatrix scales, FloatMatrix zeros) {
        this.codes = codes;
        this.values = values;
        this.rows = rows;
        this.columns = columns;
        this.blockRows = blockRows;
        this.blockColumns = blockColumns;
        this.scales = scales;
        this.zeros = zeros;
        this.vectorE4m3 = Simd.ENABLED && zeros == null
                && java.util.Arrays.equals(values, Codebook.bytes(DType.F8_E4M3));
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public int columns() {
        return columns;
    }

    /**
     * For BF16 by tables, rows of eight tiles' outputs, whole blocks of rows where one fits, so that a call builds
     * each block's tables once (measured: 16-row calls spent as long building 128-row blocks' tables, eight times
     * over, as looking codes up; wider rows build a block's split tables once per call, 32 outputs each);
     * otherwise a tile's.
     */
    @Override
    public int blockRows(DType dtype) {
        int rows = Dense.rowsPer(8 * Dense.TILE, columns);
        if (!byTables(dtype, rows)) {
            return Kernel.super.blockRows(dtype);
        }
        return rows >= blockRows ? (int) (rows / blockRows * blockRows) : rows;
    }

    /**
     * Whether BF16 comes from {@link #bf16ByTables} for calls of {@code count} rows: a table of the 256 finished
     * outputs per block, when each entry serves several elements of the call, replaces a multiply and a rounding
     * per element; with the vector loops E4M3's table is split for byte shuffles, sixteen codes at a time, so
     * blocks narrower than that keep the computing loop.
     */
    private boolean byTables(DType dtype, int count) {
        return dtype == DType.BF16 && Math.min(blockRows, count) * blockColumns >= 4 * 256
                && (!vectorE4m3 || blockColumns >= 16);
    }

    @Override
    public void decode(long row, int count, DType dtype, MemorySegment dst, long offset) {
        if (byTables(dtype, count)) {
            bf16ByTables(row, count, dst, offset);
            return;
        }
        int gridColumns = scales.columns();
        float[] s = new float[gridColumns];
        float[] z = zeros == null ? null : new float[gridColumns];
        byte[] q = new byte[columns];
        float[] values = new float[columns];
        long loadedRow = -1;
        float[] lut = this.values;
        for (int i = 0; i < count; i++) {
            long r = row + i;
            long gridRow = r / blockRows;
            if (gridRow != loadedRow) {
                loadGridRow(gridRow, s, z);
                loadedRow = gridRow;
            }
            // One bulk copy of the row's codes, then array loops the JIT keeps tight.
            MemorySegment.copy(codes, ValueLayout.JAVA_BYTE, r * columns, q, 0, columns);
            long out = offset + (long) i * columns;
            if (vectorE4m3) {   // decoded and stored in one pass
                for (int b = 0; b < gridColumns; b++) {
                    int from = b * blockColumns;
                    int to = Math.min(columns, from + blockColumns);
                    if (dtype == DType.F32) {
                        VectorLoops.e4m3Store(q, from, to, s[b], lut, true, dst, out + from);
                    } else {
                        VectorLoops.e4m3Bf16(q, from, to, s[b], lut, dst, out + from);
                    }
                }
                continue;
            }
            for (int b = 0; b < gridColumns; b++) {
                int from = b * blockColumns;
                int to = Math.min(columns, from + blockColumns);
                float scale = s[b];
                if (z == null) {
                    for (int c = from; c < to; c++) {
                        values[c] = lut[q[c] & 0xFF] * scale;
                    }
                } else {
                    float zero = z[b];
                    for (int c = from; c < to; c++) {
                        values[c] = (lut[q[c] & 0xFF] - zero) * scale;
                    }
                }
            }
            RowStore.store(values, 0, columns, dtype, dst, out);
        }
    }

    /** The scales of grid row {@code gridRow} into {@code s}, and its zero points into {@code z} when there are. */
    private void loadGridRow(long gridRow, float[] s, float[] z) {
        scales.row(gridRow, s);
        if (z != null) {
            zeros.row(gridRow, z);
        }
    }

    /**
     * Per block of the grid row, the BF16 output of every code; then one table load per element, or (E4M3 codes,
     * vector loops) sixteen at a time by byte shuffles in the blocks whose scale
     * {@link E4m3Split} splits, those blocks' full tables built only for what the shuffles leave (a tail under
     * sixteen codes, a run with a NaN code and the rest of its block).
     */
    private void bf16ByTables(long row, int count, MemorySegment dst, long offset) {
        boolean split = vectorE4m3;
        int gridColumns = scales.columns();
        float[] s = new float[gridColumns];
        float[] z = zeros == null ? null : new float[gridColumns];
        byte[] q = new byte[columns];
        LookupTile tile = new LookupTile(columns, 256 * gridColumns);
        byte[] low = split ? new byte[E4m3Split.SIZE * gridColumns] : null;
        byte[] high = split ? new byte[E4m3Split.SIZE * gridColumns] : null;
        boolean[] splitBlock = new boolean[gridColumns];
        boolean[] tabled = new boolean[gridColumns];
        long loadedRow = -1;
        for (int i = 0; i < count; i++) {
            long r = row + i;
            long gridRow = r / blockRows;
            if (gridRow != loadedRow) {
                loadGridRow(gridRow, s, z);
                for (int b = 0; b < gridColumns; b++) {
                    splitBlock[b] = split && E4m3Split.split(values, s[b], low, high, E4m3Split.SIZE * b);
                    tabled[b] = !splitBlock[b];
                    if (tabled[b]) {
                        table(tile, b, s, z);
                    }
                }
                loadedRow = gridRow;
            }
            MemorySegment.copy(codes, ValueLayout.JAVA_BYTE, r * columns, q, 0, columns);
            long out = offset + (long) i * columns;
            for (int b = 0; b < gridColumns; b++) {
                int from = b * blockColumns;
                int to = Math.min(columns, from + blockColumns);
                if (split) {
                    // Straight to dst: the vector stores drain while the next codes are looked up (measured: 0.59
                    // of memcpy against 0.51 through the row tile).
                    int c = splitBlock[b]
                            ? VectorLoops.e4m3SplitBf16(q, from, to, low, high, E4m3Split.SIZE * b, dst, out + from)
                            : from;
                    if (c < to && !tabled[b]) {
                        table(tile, b, s, z);
                        tabled[b] = true;
                    }
                    tile.bytes(q, c, to, 256 * b, dst, out + c);
                } else {
                    tile.bytes(q, from, to, 256 * b, from);
                }
            }
            if (!split) {
                tile.store(0, columns, dst, out);
            }
        }
    }

    /** Block {@code b}'s 256 outputs, from its scale and zero point, into the tile's table at {@code 256 b}. */
    private void table(LookupTile tile, int b, float[] s, float[] z) {
        tile.table(256 * b, values, 256, z == null ? 0f : z[b], s[b]);
    }

    @Override
    public UnpackedWeights unpack(long row, int count) {
        int gridColumns = scales.columns();
        byte[] q = new byte[count * columns];
        MemorySegment.copy(codes, ValueLayout.JAVA_BYTE, row * columns, q, 0, q.length);
        float[] s = new float[count * gridColumns];
        float[] z = zeros == null ? null : new float[count * gridColumns];
        float[] buffer = new float[gridColumns];
        for (int i = 0; i < count; i++) {
            scales.row((row + i) / blockRows, buffer);
            System.arraycopy(buffer, 0, s, i * gridColumns, gridColumns);
            if (z != null) {
                zeros.row((row + i) / blockRows, buffer);
                System.arraycopy(buffer, 0, z, i * gridColumns, gridColumns);
            }
        }
        return new UnpackedWeights(row, count, columns, q, values.clone(), blockColumns, null, gridColumns, s, z, null);
    }
}
