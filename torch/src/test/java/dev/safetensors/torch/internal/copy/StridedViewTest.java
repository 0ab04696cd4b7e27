package dev.safetensors.torch.internal.copy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Contiguous copies of strided views against a scalar reference written here: element {@code [i0, i1, ...]}
 * is at storage element {@code offset + Σ i_d · stride_d}, its bytes reversed per swap unit when big-endian.
 * Random shapes, strides (0 included), offsets and element sizes; views larger than the 1 MiB buffer too.
 */
class StridedViewTest {
    private static byte[] collect(StridedView v) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        v.data().writeTo(bytes -> out.write(bytes.toArray(ValueLayout.JAVA_BYTE)));
        return out.toByteArray();
    }

    /** The reference: walk the indexes in row-major order and copy element by element. */
    private static byte[] reference(byte[] storage, long offsetBytes, int es, int swap, long[] sizes, long[] strides) {
        long n = 1;
        for (long s : sizes) {
            n *= s;
        }
        byte[] out = new byte[(int) (n * es)];
        long[] index = new long[sizes.length];
        for (long e = 0; e < n; e++) {
            long at = offsetBytes;
            for (int d = 0; d < sizes.length; d++) {
                at += index[d] * strides[d] * es;
            }
            for (int b = 0; b < es; b++) {
                int unitStart = b / swap * swap;
                int within = b % swap;
                out[(int) (e * es + b)] = storage[(int) (at + unitStart + (swap - 1 - within))];
            }
            for (int d = sizes.length - 1; d >= 0; d--) {
                if (++index[d] < sizes[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return out;
    }

    @Test
    void randomViewsMatchTheScalarReference() throws IOException {
        Random random = new Random(12345);
        int[] elementSizes = {1, 2, 4, 8};
        for (int trial = 0; trial < 400; trial++) {
            int es = elementSizes[random.nextInt(4)];
            int rank = random.nextInt(5);
            long[] sizes = new long[rank];
            long[] strides = new long[rank];
            long extent = 0;
            for (int d = 0; d < rank; d++) {
                sizes[d] = random.nextInt(6);
                strides[d] = random.nextInt(4) == 0 ? 0 : random.nextInt(40);
                extent += Math.max(0, sizes[d] - 1) * strides[d];
            }
            long offset = random.nextInt(16);
            byte[] storage = new byte[(int) ((offset + extent + 1) * es)];
            random.nextBytes(storage);
            int swap = random.nextBoolean() ? 1 : (es == 8 && random.nextBoolean() ? 4 : es);
            StridedView v = new StridedView(MemorySegment.ofArray(storage), offset * es, es, swap, sizes, strides);
            assertThat(collect(v)).as("trial %d: es %d swap %d sizes %s strides %s", trial, es, swap,
                    java.util.Arrays.toString(sizes), java.util.Arrays.toString(strides))
                    .isEqualTo(reference(storage, offset * es, es, swap, sizes, strides));
        }
    }

    @Test
    void largeTransposedAndRowStridedViewsCrossTheBuffer() throws IOException {
        int rows = 700;
        int cols = 900;
        byte[] storage = new byte[rows * cols * 4 + 4 * 5];
        new Random(1).nextBytes(storage);
        long[][] layouts = {{cols, rows, 1, cols}, {rows, cols / 2, cols, 2}};   // transposed; every other column
        for (long[] l : layouts) {
            long[] sizes = {l[0], l[1]};
            long[] strides = {l[2], l[3]};
            StridedView v = new StridedView(MemorySegment.ofArray(storage), 20, 4, 1, sizes, strides);
            assertThat(v.isContiguous()).isFalse();
            assertThat(collect(v)).isEqualTo(reference(storage, 20, 4, 1, sizes, strides));
        }
    }

    @Test
    void contiguityIsTorchs() {
        MemorySegment s = MemorySegment.ofArray(new byte[64]);
        assertThat(new StridedView(s, 0, 4, 1, new long[] {2, 3}, new long[] {3, 1}).isContiguous()).isTrue();
        assertThat(new StridedView(s, 0, 4, 1, new long[] {2, 1, 3}, new long[] {3, 99, 1}).isContiguous()).isTrue();
        assertThat(new StridedView(s, 0, 4, 1, new long[] {3, 2}, new long[] {1, 3}).isContiguous()).isFalse();
        assertThat(new StridedView(s, 0, 4, 1, new long[] {0, 5}, new long[] {7, 7}).isContiguous()).isTrue();
        assertThat(new StridedView(s, 0, 4, 1, new long[] {}, new long[] {}).isContiguous()).isTrue();
    }

    @Test
    void aContiguousLittleEndianViewIsASliceOfTheStorageNotACopy() throws IOException {
        MemorySegment storage = MemorySegment.ofArray(new byte[] {0, 1, 2, 3, 4, 5, 6, 7});
        StridedView v = new StridedView(storage, 2, 2, 1, new long[] {3}, new long[] {1});
        MemorySegment[] seen = new MemorySegment[1];
        v.data().writeTo(bytes -> seen[0] = bytes);
        assertThat(seen[0].address()).isEqualTo(storage.asSlice(2).address());
        assertThat(seen[0].toArray(ValueLayout.JAVA_BYTE)).containsExactly(2, 3, 4, 5, 6, 7);
    }
}
