package dev.safetensors.quant.internal.kernel;

import dev.safetensors.DType;
import dev.safetensors.quant.UnpackedWeights;
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
        int first = firstBlock * block;
        int width = Math.min(blocks * block, columns - first);
        // The 16 finished outputs of a block depend on its scale alone. One-byte scales take at most 256 values:
        // when this call has enough elements, one table per scale code, else one per block.
        boolean byCode = scales.byteCoded() && (long) count * width >= 16L * 256 * 4;
        LookupTile tile = new LookupTile(dtype, count * width, 16 * (byCode ? 256 : blocks));
        float[] s = byCode ? null : new float[scales.columns()];
        byte[] scaleCodes = byCode ? new byte[scales.columns()] : null;
        if (byCode) {
            for (int code = 0; code < 256; code++) {
                tile.table(16 * code, E2M1, 16, 0f, scales.ofCode(code));
            }
        }
        byte[] q = new byte[width / 2];
        for (int i = 0; i < count; i++) {
            long r = row + i;
            if (byCode) {
                scales.codeRow(r, scaleCodes);
            } else {
                scales.row(r, s);
                for (int b = 0; b < blocks; b++) {
                    tile.table(16 * b, E2M1, 16, 0f, s[firstBlock + b]);
                }
            }
            // One bulk copy of the strip's bytes, then array loops the JIT keeps tight.
            MemorySegment.copy(codes, ValueLayout.JAVA_BYTE, r * (columns / 2) + first / 2, q, 0, q.length);
            for (int b = 0, at = 0; b < blocks; b++) {
                int end = at + Math.min(block, width - b * block) / 2;
                int table = 16 * (byCode ? scaleCodes[firstBlock + b] & 0xFF : b);
                tile.nibbleBytes(q, at, end, table, i * width + 2 * at);
                at = end;
            }
        }
        tile.store(0, count * width, dst, offset);
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
