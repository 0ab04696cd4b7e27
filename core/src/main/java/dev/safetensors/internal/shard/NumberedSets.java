package dev.safetensors.internal.shard;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Checks that numbered shards form complete sets: for each prefix, one count M and every number 1..M
 * exactly once. A set with a shard missing would otherwise open as a checkpoint with tensors silently
 * missing. Costs O(n log n) in the names given, whatever count they claim.
 *
 * <pre>{@code
 * NumberedSets.problem(List.of("model-00001-of-00003.safetensors", "model-00003-of-00003.safetensors"));
 * // Optional[Problem[missing=1, text="shard 2 of 3 of `model` (model-00002-of-00003.safetensors)"]]
 * }</pre>
 */
public final class NumberedSets {
    private static final int LISTED = 5;

    /**
     * @param missing how many shards are missing, with {@code text} naming them ("shard 2 of 3 of `model`
     *                (model-00002-of-00003.safetensors)"); 0 for another defect, which {@code text} states
     */
    public record Problem(long missing, String text) {
    }

    private NumberedSets() {
    }

    /** What is wrong with the numbered shards among {@code fileNames}, or empty when every set is complete. */
    public static Optional<Problem> problem(Collection<String> fileNames) {
        Map<String, List<ShardName>> byPrefix = new LinkedHashMap<>();
        for (String name : fileNames) {
            ShardName.parse(name).ifPresent(s -> byPrefix.computeIfAbsent(s.prefix(), k -> new ArrayList<>()).add(s));
        }
        for (List<ShardName> set : byPrefix.values()) {
            Optional<Problem> p = problemOfSet(set);
            if (p.isPresent()) {
                return p;
            }
        }
        return Optional.empty();
    }

    private static Optional<Problem> problemOfSet(List<ShardName> set) {
        String prefix = set.get(0).prefix();
        TreeMap<Integer, ShardName> byNumber = new TreeMap<>();
        for (ShardName s : set) {
            if (s.count() != set.get(0).count()) {
                return Optional.of(new Problem(0, "the shards of `" + prefix + "` disagree on their count ("
                        + set.get(0).count() + " and " + s.count() + "): files of two different saves?"));
            }
            if (s.number() < 1 || s.number() > s.count()) {
                return Optional.of(new Problem(0, "shard number " + s.number() + " of `" + prefix + "` is outside 1.."
                        + s.count()));
            }
            if (byNumber.put(s.number(), s) != null) {
                return Optional.of(new Problem(0, "two files are shard " + s.number() + " of " + s.count() + " of `"
                        + prefix + "`"));
            }
        }
        int count = set.get(0).count();
        long missing = (long) count - byNumber.size();
        if (missing == 0) {
            return Optional.empty();
        }
        // Walk the gaps between the numbers present; list the first few missing names.
        List<String> names = new ArrayList<>();
        int expected = 1;
        for (int n : byNumber.keySet()) {
            for (int m = expected; m < n && names.size() < LISTED; m++) {
                names.add(ShardName.format(prefix, m, count));
            }
            expected = n + 1;
        }
        for (int m = expected; m <= count && names.size() < LISTED; m++) {
            names.add(ShardName.format(prefix, m, count));
        }
        int firstNumber = ShardName.parse(names.get(0)).orElseThrow().number();
        String which = missing == 1
                ? "shard " + firstNumber + " of " + count + " of `" + prefix + "`"
                : missing + " of the " + count + " shards of `" + prefix + "`";
        return Optional.of(new Problem(missing, which + " (" + String.join(", ", names)
                + (missing > names.size() ? ", ..." : "") + ")"));
    }
}
