package dev.safetensors.torch.internal.checkpoint;

import dev.safetensors.torch.internal.checkpoint.Flattener.Named;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which tensors sharing a storage are written once, by the reference's rule (safetensors
 * {@code bindings/python/py_src/safetensors/torch.py}, {@code _find_shared_tensors},
 * {@code _filter_shared_not_shared} and {@code _remove_duplicate_names}, at commit 24b0b28):
 * <ol>
 * <li>tensors are grouped by storage (a storage of no bytes shares with nothing);</li>
 * <li>within a storage, sorted by (first byte, end, name), a tensor starting at or after the end of the one
 *     before it starts a new group; otherwise it joins that group (the reference compares with the previous
 *     tensor's end, not the furthest end so far, and so does this);</li>
 * <li>in a group, the name kept is the first in code-point order among the tensors covering the whole
 *     storage, and each tensor that is the very same view (dtype, offset, sizes, strides) is dropped, its name
 *     recorded in {@code __metadata__} as {@code dropped → kept}.</li>
 * </ol>
 * Where this differs, on purpose: the reference also drops partial views of a covering tensor (its
 * {@code load_model} re-ties them through the module) and refuses groups without one; a file converter
 * cannot re-tie, so those views are kept as contiguous copies, and identical partial views are
 * deduplicated among themselves (first name in code-point order kept). No tensor's values are lost.
 */
public final class SharedStorages {
    private record Area(long start, long stop, Named tensor) {
    }

    private static final Comparator<String> CODE_POINTS = (a, b) -> Arrays.compare(a.codePoints().toArray(),
            b.codePoints().toArray());

    private SharedStorages() {
    }

    /** Dropped name → kept name, sorted by dropped name. */
    public static Map<String, String> duplicates(List<Named> tensors) {
        Map<String, List<Named>> byStorage = new LinkedHashMap<>();
        for (Named n : tensors) {
            StorageRef s = n.tensor().storage();
            if (s.viewNumel() == 0) {
                continue;
            }
            byStorage.computeIfAbsent(s.key() + "@" + s.viewOffset() + "+" + s.viewNumel(), k -> new ArrayList<>()).add(n);
        }
        Map<String, String> dropped = new TreeMap<>(CODE_POINTS);
        for (List<Named> members : byStorage.values()) {
            if (members.size() > 1) {
                for (List<Named> group : overlapping(members)) {
                    dedupe(group, dropped);
                }
            }
        }
        return dropped;
    }

    /** The reference's walk over areas sorted by (start, stop, name). */
    private static List<List<Named>> overlapping(List<Named> members) {
        List<Area> areas = new ArrayList<>();
        for (Named n : members) {
            long[] range = Views.byteRange(n.tensor());
            areas.add(new Area(range[0], range[1], n));
        }
        areas.sort(Comparator.comparingLong(Area::start).thenComparingLong(Area::stop)
                .thenComparing(a -> a.tensor().name(), CODE_POINTS));
        List<List<Named>> groups = new ArrayList<>();
        long lastStop = Long.MIN_VALUE;
        for (Area a : areas) {
            if (groups.isEmpty() || a.start() >= lastStop) {
                groups.add(new ArrayList<>());
            }
            groups.getLast().add(a.tensor());
            lastStop = a.stop();
        }
        return groups;
    }

    /** Within a group, the first name (in code-point order) of each distinct view is kept; by hash, not pairwise. */
    private static void dedupe(List<Named> group, Map<String, String> dropped) {
        List<Named> sorted = new ArrayList<>(group);
        sorted.sort(Comparator.comparing(Named::name, CODE_POINTS));
        Map<View, Named> kept = new HashMap<>();
        for (Named n : sorted) {
            Named same = kept.putIfAbsent(View.of(n.tensor()), n);
            if (same != null) {
                dropped.put(n.name(), same.name());
            }
        }
    }

    /** What makes two tensors of one storage the very same view: dtype, offset, sizes and strides. */
    private record View(TorchDType dtype, long offset, List<Long> sizes, List<Long> strides) {
        static View of(TensorRef t) {
            return new View(t.dtype(), t.offset(), Arrays.stream(t.sizes()).boxed().toList(),
                    Arrays.stream(t.strides()).boxed().toList());
        }
    }
}
