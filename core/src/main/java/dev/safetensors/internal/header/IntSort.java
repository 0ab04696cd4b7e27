package dev.safetensors.internal.header;

import java.util.function.IntBinaryOperator;

/**
 * A stable merge sort of ints by a comparator: tensor indexes by offset or by name. {@code Arrays.sort}
 * sorts ints only by value, and boxing 10^6 indexes into {@code Integer[]} costs 20 bytes each.
 */
public final class IntSort {
    private IntSort() {
    }

    /** Sorts {@code a} in place; {@code compare} returns a negative, zero or positive int like a Comparator. */
    public static void sort(int[] a, IntBinaryOperator compare) {
        int[] from = a;
        int[] to = new int[a.length];
        for (int width = 1; width < a.length; width *= 2) {
            for (int lo = 0; lo < a.length; lo += 2 * width) {
                int mid = Math.min(lo + width, a.length);
                int hi = Math.min(lo + 2 * width, a.length);
                int i = lo;
                int j = mid;
                for (int k = lo; k < hi; k++) {
                    to[k] = j >= hi || (i < mid && compare.applyAsInt(from[i], from[j]) <= 0) ? from[i++] : from[j++];
                }
            }
            int[] swap = from;
            from = to;
            to = swap;
        }
        if (from != a) {
            System.arraycopy(from, 0, a, 0, a.length);
        }
    }
}
