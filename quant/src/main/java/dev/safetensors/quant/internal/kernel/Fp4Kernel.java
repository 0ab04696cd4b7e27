package dev.safetensors.quant.internal.kernel;

import dev.safetensors.DType;
import dev.safetensors.quant.UnpackedWeights;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * E2M1 codes two per byte, element {@code 2j} in the low nibble, rows of {@code columns / 2} bytes, one
 * scale per block of {@code block} elements of a row (an even number of columns; the last block may be
 * partial): {@code w = FP4(code) × scale}. MXFP4 (blocks of 32,
 * E8M0 scales: GPT-OSS, compressed-tensors, MLX) and NVFP4 (blocks of 16, E4M3 scales with the per-tensor
 * scale folded in: ModelOpt, compressed-tensors).
 */
public final class Fp4Kernel implements Kernel {
    private static final float[] E2M1 = Codebook.e2m1();

    private final MemorySegment codes;
    private final long rows;
    private final int columns;
    private final int block;
    private final FloatMatrix scales;     // [rows, columns / block]

    public Fp4Kernel(MemorySegment codes, long rows, int columns, int block, FloatMatrix scales) {
        this.codes = codes;
        this.rows = rows;
        this.columns = columns;
        this.block = block;
        this.scales = scales;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public int columns() {
        return columns;
    }

    public int block() {
        return block;
    }

    @Override
    public void decode(long row, int count, DType dtype, MemorySegment dst, long offset) {
        decode(row, count, 0, scales.columns(), dtype, dst, offset);
    }

    /**
     * Rows {@code [row, row + count)}, blocks {@code [firstBlock, firstBlock + blocks)} of each row, into
     * {@code dst} as a {@code count × width} matrix, {@code width} being those blocks' columns (the last
     * block of a row may be partial): for writers that transpose a layer in strips.
     */
    public void decode(long row, int count, int firstBlock, int blocks, DType dtype, MemorySegment dst, long offset) {
        if (dtype == DType.BF16) {
            bf16ByTables(row, count, firstBlock, blocks, dst, offset);
            return;
        }
        float[] s = new float[scales.columns()];
        float[] lut = E2M1;
        int first = firstBlock * block;
        int width = Math.min(blocks * block, columns - first);
        boolean vector = Simd.ENABLED && block % 8 == 0 && width == blocks * block;
        byte[] q = vector ? null : new byte[width / 2];
        int[] words = vector ? new int[width / 8] : null;
        float[] values = new float[width];
        for (int i = 0; i < count; i++) {
            long r = row + i;
            scales.row(r, s);
            long src = r * (columns / 2) + first / 2;
            long out = offset + (long) i * width;
            if (vector) {
                MemorySegment.copy(codes, LittleEndian.INT, src, words, 0, words.length);
                for (int b = 0; b < blocks; b++) {
                    VectorLoops.fp4(words, b * block / 8, block / 8, s[firstBlock + b], values, b * block);
                }
                RowStore.store(values, 0, width, dtype, dst, out);
                continue;
            }
            // One bulk copy of the strip's bytes, then array loops the JIT keeps tight.
            MemorySegment.copy(codes, ValueLayout.JAVA_BYTE, src, q, 0, q.length);
            int at = 0;
            for (int b = 0; b < blocks; b++) {
                float scale = s[firstBlock + b];
                int end = at + Math.min(block, width - b * block) / 2;
                for (; at < end; at++) {
                    int v = q[at];
                    values[2 * at] = lut[v & 0xF] * scale;
                    values[2 * at + 1] = lut[(v >>> 4) & 0xF] * scale;
                }
            }
            RowStore.store(values, 0, width, dtype, dst, out);
        }
    }

    /**
     * BF16 by table: a block's 16 finished outputs depend on its scale alone, so each output is one table load
     * (vector loops: a byte shuffle per eight) instead of a multiply and a rounding. One-byte scales take at most
     * 256 values: where this call has enough elements, one table per scale code, else one per block.
     */
    private void bf16ByTables(long row, int count, int firstBlock, int blocks, MemorySegment dst, long offset) {
        int first = firstBlock * block;
        int width = Math.min(blocks * block, columns - first);
        boolean byCode = scales.byteCoded() && (long) count * width >= 16L * 256 * 4;
        boolean vector = Simd.ENABLED && block % 8 == 0 && width == blocks * block;
        int tables = byCode ? 256 : blocks;
        byte[] lo = vector ? new byte[16 * tables] : null;
        byte[] hi = vector ? new byte[16 * tables] : null;
        LookupTile tile = vector ? null : new LookupTile(count * width, 16 * tables);
        float[] s = new float[scales.columns()];
        byte[] scaleCodes = byCode ? new byte[scales.columns()] : null;
        if (byCode) {
            for (int code = 0; code < 256; code++) {
                table(code, scales.ofCode(code), lo, hi, tile);
            }
        }
        byte[] q = vector ? null : new byte[width / 2];
        int[] words = vector ? new int[width / 8] : null;
        int[] tableOf = vector ? new int[blocks] : null;
        for (int i = 0; i < count; i++) {
            long r = row + i;
            if (byCode) {
                scales.codeRow(r, scaleCodes);
            } else {
                scales.row(r, s);
                for (int b = 0; b < blocks; b++) {
                    table(b, s[firstBlock + b], lo, hi, tile);
                }
            }
            long src = r * (columns / 2) + first / 2;
            if (vector) {
                MemorySegment.copy(codes, LittleEndian.INT, src, words, 0, words.length);
                for (int b = 0; b < blocks; b++) {
                    tableOf[b] = 16 * (byCode ? scaleCodes[firstBlock + b] & 0xFF : b);
                }
                VectorLoops.blocksBf16(words, blocks, block / 8, tableOf, lo, hi, dst, 2 * (offset + (long) i * width));
                continue;
            }
            MemorySegment.copy(codes, ValueLayout.JAVA_BYTE, src, q, 0, q.length);
            for (int b = 0, at = 0; b < blocks; b++) {
                int end = at + Math.min(block, width - b * block) / 2;
                tile.nibbleBytes(q, at, end, 16 * (byCode ? scaleCodes[firstBlock + b] & 0xFF : b), i * width + 2 * at);
                at = end;
            }
        }
        if (!vector) {
            tile.store(0, count * width, dst, offset);
        }
    }

    /** Table {@code t}: the BF16 of every code times {@code scale}, for the vector loops or the scalar ones. */
    private static void table(int t, float scale, byte[] lo, byte[] hi, LookupTile tile) {
        if (tile == null) {
            VectorLoops.bf16Table(E2M1, scale, lo, hi, 16 * t);
        } else {
            tile.table(16 * t, E2M1, 16, 0f, scale);
        }
    }

    @Override
    public UnpackedWeights unpack(long row, int count) {
        int groups = scales.columns();
        byte[] q = new byte[count * columns];
        float[] s = new float[count * groups];
        float[] buffer = new float[groups];
        for (int i = 0; i < count; i++) {
            long src = (row + i) * (columns / 2);
            for (int j = 0; j < columns / 2; j++) {
                int v = codes.get(ValueLayout.JAVA_BYTE, src + j);
                q[i * columns + 2 * j] = (byte) (v & 0xF);
                q[i * columns + 2 * j + 1] = (byte) ((v >>> 4) & 0xF);
            }
            scales.row(row + i, buffer);
            System.arraycopy(buffer, 0, s, i * groups, groups);
        }
        return new UnpackedWeights(row, count, columns, q, E2M1.clone(), block, null, groups, s, null, null);
    }
}
