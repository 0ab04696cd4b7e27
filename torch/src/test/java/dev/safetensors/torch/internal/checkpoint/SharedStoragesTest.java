package dev.safetensors.torch.internal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.torch.internal.checkpoint.Flattener.Named;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedStoragesTest {
    private static final TorchDType F32 = TorchDType.byName("float32").orElseThrow();

    /** {@code n} tensors on one storage, all overlapping at its start, of {@code 1 .. n} elements, each named twice. */
    private static List<Named> prefixes(int n) {
        StorageRef s = new StorageRef("0", new StorageType("FloatStorage", F32), n, "cpu", 0, n);
        List<Named> out = new ArrayList<>();
        for (int k = 1; k <= n; k++) {
            TensorRef t = new TensorRef(s, F32, 0, new long[] {k}, new long[] {1}, false);
            out.add(new Named("a" + k, t));
            out.add(new Named("b" + k, new TensorRef(s, F32, 0, new long[] {k}, new long[] {1}, false)));
        }
        return out;
    }

    @Test
    void identicalViewsAreDroppedForTheFirstName() {
        var dropped = SharedStorages.duplicates(prefixes(3));
        assertThat(dropped).containsExactly(java.util.Map.entry("b1", "a1"), java.util.Map.entry("b2", "a2"),
                java.util.Map.entry("b3", "a3"));
    }

    /** One group of n distinct views: comparing each with every view kept is quadratic. */
    @Test
    void manyDistinctViewsOfOneStorageAreNotQuadratic() {
        long small = fastest(2_000);
        long large = fastest(16_000);   // 8x the tensors: about 8x the time if linear, 64x if quadratic
        assertThat((double) large / small).as("time for 16,000 views / time for 2,000").isLessThan(24);
    }

    private static long fastest(int n) {
        List<Named> tensors = prefixes(n);
        long best = Long.MAX_VALUE;
        for (int run = 0; run < 5; run++) {   // the fastest of five: a shared machine's pauses are not the code's
            long t0 = System.nanoTime();
            assertThat(SharedStorages.duplicates(tensors)).hasSize(n);
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best;
    }
}
