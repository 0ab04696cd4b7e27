package dev.safetensors;

import java.util.PrimitiveIterator;

/**
 * The dimensions of a shape of very high rank, seven bits to a byte (LEB128) instead of eight bytes each.
 *
 * <p>No real tensor has more than a handful of dimensions, but a header may declare 5 × 10^7 of them in
 * 10^8 bytes ({@code 1,1,1,…}); as a {@code long[]} that is 400 MB, four times the header. Packed, a small
 * dimension costs one byte, half its two bytes of header text. Every {@value #MARK_EVERY}-th dimension's
 * position is kept, so {@link #dim(int)} decodes at most that many values.
 */
final class PackedDims {
    private static final int MARK_EVERY = 64;

    private final int rank;
    private final byte[] bytes;
    private final int[] marks;   // where dimension k * MARK_EVERY starts in bytes

    private PackedDims(int rank, byte[] bytes, int[] marks) {
        this.rank = rank;
        this.bytes = bytes;
        this.marks = marks;
    }

    /** Packs {@code rank} dimensions read from {@code dims}. */
    static PackedDims of(int rank, PrimitiveIterator.OfLong dims) {
        byte[] out = new byte[Math.max(16, rank + rank / 8)];
        int[] marks = new int[(rank + MARK_EVERY - 1) / MARK_EVERY];
        int n = 0;
        for (int i = 0; i < rank; i++) {
            if (i % MARK_EVERY == 0) {
                marks[i / MARK_EVERY] = n;
            }
            if (out.length - n < 10) {
                out = java.util.Arrays.copyOf(out, out.length + Math.max(out.length / 2, 10));
            }
            long v = dims.nextLong();
            while ((v & ~0x7FL) != 0) {
                out[n++] = (byte) (v & 0x7F | 0x80);
                v >>>= 7;
            }
            out[n++] = (byte) v;
        }
        return new PackedDims(rank, java.util.Arrays.copyOf(out, n), marks);
    }

    int rank() {
        return rank;
    }

    long dim(int i) {
        return iterator(java.util.Objects.checkIndex(i, rank)).nextLong();
    }

    /** The dimensions from {@code first} on, in order. */
    PrimitiveIterator.OfLong iterator(int first) {
        Reader r = new Reader(first - first % MARK_EVERY);
        for (int k = first % MARK_EVERY; k > 0; k--) {
            r.nextLong();
        }
        return r;
    }

    private final class Reader implements PrimitiveIterator.OfLong {
        private int index;
        private int at;

        Reader(int first) {
            index = first;
            at = first < rank ? marks[first / MARK_EVERY] : bytes.length;
        }

        @Override
        public boolean hasNext() {
            return index < rank;
        }

        @Override
        public long nextLong() {
            long v = 0;
            int shift = 0;
            byte c;
            do {
                c = bytes[at++];
                v |= (long) (c & 0x7F) << shift;
                shift += 7;
            } while (c < 0);
            index++;
            return v;
        }
    }
}
