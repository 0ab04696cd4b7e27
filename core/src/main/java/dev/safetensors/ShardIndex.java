package dev.safetensors;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;

import dev.safetensors.internal.json.JsonCursor;
import dev.safetensors.internal.json.JsonNumber;
import dev.safetensors.internal.json.JsonWriter;
import dev.safetensors.internal.json.Utf8;
import dev.safetensors.internal.io.IoErrors;
import dev.safetensors.internal.memory.HeapBudget;
import dev.safetensors.internal.shard.NumberedSets;
import dev.safetensors.internal.shard.ShardPaths;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A {@code model.safetensors.index.json}: {@code {"metadata": {"total_size": N, ...}, "weight_map":
 * {"tensor": "model-00001-of-00002.safetensors", ...}}} (a Hub convention, not part of the format).
 *
 * <p>Shard names come from an untrusted file, so each must be a bare file name: no separators, no
 * {@code ..}, nothing absolute. Numbered shards ({@code -00001-of-00004}) must form complete sets: one
 * count per prefix, every number referenced.
 *
 * <pre>{@code
 * ShardIndex index = ShardIndex.read(Path.of("model.safetensors.index.json"), Header.DEFAULT_MAX_SIZE);
 * index.shardOf("lm_head.weight");   // "model-00004-of-00004.safetensors"
 * index.totalSize();                 // OptionalLong[...]
 * }</pre>
 */
@SuppressWarnings("unchecked")
public final class ShardIndex {
    private static final long HEAP_PER_VALUE = 200;
    private final Map<String, Object> exactMetadata;     // numbers as JsonNumber when read from a file
    private final Map<String, Object> metadata;          // the same with plain numbers, for callers
    private final Map<String, Object> otherMembers;      // top-level members besides metadata and weight_map
    private final Map<String, String> weightMap;
    private final List<String> shards;

    private ShardIndex(Map<String, Object> exactMetadata, Map<String, Object> otherMembers, Map<String, String> weightMap) {
        this.exactMetadata = exactMetadata;
        this.metadata = (Map<String, Object>) plain(exactMetadata);
        this.otherMembers = otherMembers;
        this.weightMap = Collections.unmodifiableMap(weightMap);
        this.shards = List.copyOf(new LinkedHashSet<>(weightMap.values()));
    }

    /**
     * Builds an index (for writers).
     *
     * @param metadata String, Boolean, null, numbers (Long, Integer, BigInteger, Double, BigDecimal), and
     *                 Lists and Maps of those; {@code total_size} an integer
     * @param weightMap tensor name → shard file name, in the order to write
     * @return the index
     * @throws IllegalArgumentException for a value JSON cannot hold (another type, NaN, an infinity)
     * @throws SafeTensorsException when a shard name is not a bare file name or the weight map breaks a rule
     */
    public static ShardIndex of(Map<String, Object> metadata, Map<String, String> weightMap) {
        Map<String, Object> copy = new LinkedHashMap<>(metadata);
        JsonWriter.appendValue(new StringBuilder(), copy, JsonWriter.Style.PYTHON);
        ShardIndex index = new ShardIndex(copy, Map.of(), new LinkedHashMap<>(weightMap));
        index.validate(null);
        return index;
    }

    /**
     * Reads and checks an index file of at most {@code maxSize} bytes.
     *
     * @param file    a {@code *.safetensors.index.json}
     * @param maxSize the largest index accepted, in bytes
     * @return the index
     * @throws SafeTensorsException {@code HeaderTooLarge} above {@code maxSize}, {@code IoError} when unreadable,
     *         {@code InvalidHeader} or {@code InvalidHeaderDeserialization} when malformed
     */
    public static ShardIndex read(Path file, long maxSize) {
        return read(file, file.toString(), maxSize);
    }

    /** The same, naming the index {@code source} in messages (its name in the checkpoint directory). */
    static ShardIndex read(Path file, String source, long maxSize) {
        try {
            long size = Files.size(file);
            if (size > maxSize) {
                throw new SafeTensorsException(SafeTensorsException.Kind.HeaderTooLarge, source,
                        "the index has " + size + " bytes, more than the limit of " + maxSize);
            }
            return parse(Files.readAllBytes(file), source);
        } catch (IOException e) {
            throw IoErrors.io(source, "cannot read the index", e);
        }
    }

    /**
     * Parses index JSON (strict UTF-8 and JSON, duplicate keys rejected).
     *
     * @param json   the index file's bytes
     * @param source what to call the index in messages, or null
     * @return the index
     * @throws SafeTensorsException {@code InvalidHeader} or {@code InvalidHeaderDeserialization} when malformed
     */
    public static ShardIndex parse(byte[] json, String source) {
        int bad = Utf8.firstInvalid(json, 0, json.length);
        if (bad >= 0) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidHeader, source,
                    "invalid UTF-8 in the index at byte " + bad);
        }
        JsonCursor in = new JsonCursor(json, 0, json.length, source, "index");
        in.skipWhitespace();
        if (in.peek() != '{') {
            throw in.fail("the index must be a JSON object, found " + in.describeToken());
        }
        // The tree (and its copy with plain numbers) costs per value, not per byte: up to 53 times the
        // document for `[{},{},…]`. Counting the values first refuses an index the heap cannot hold before
        // any is built, with a bound that stays close to what real indexes take.
        long values = in.countValues(1);
        HeapBudget.require(heapNeeded(json.length, values), source,
                "an index of " + json.length + " bytes holding " + values + " JSON values");
        Object top = in.readExactValue(1);
        in.skipWhitespace();
        if (!in.atEnd()) {
            throw in.fail("trailing characters after the index object");
        }
        Map<String, Object> root = (Map<String, Object>) top;
        Object wm = root.get("weight_map");
        if (!(wm instanceof Map<?, ?> map)) {
            throw invalid(source, "the index needs a `weight_map` object of tensor name → shard file");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String shard)) {
                throw invalid(source, "`weight_map` entry `" + e.getKey() + "` must name a shard file");
            }
            weightMap.put((String) e.getKey(), shard);
        }
        Object md = root.getOrDefault("metadata", Map.of());
        if (md != null && !(md instanceof Map)) {
            throw invalid(source, "`metadata` of the index must be an object");
        }
        Map<String, Object> others = new LinkedHashMap<>(root);
        others.remove("metadata");
        others.remove("weight_map");
        ShardIndex index = new ShardIndex(md == null ? new LinkedHashMap<>() : (Map<String, Object>) md, others, weightMap);
        index.validate(source);
        return index;
    }

    /**
     * The most heap parsing an index of {@code bytes} holding {@code values} JSON values takes: its strings
     * (at most twice the bytes) besides the bytes themselves, and per value its node in the exact tree, in the
     * plain copy and in the weight map (measured at most 160 bytes, {@code HeaderMemoryTest}).
     */
    static long heapNeeded(long bytes, long values) {
        return 3 * bytes + HEAP_PER_VALUE * values;
    }

    /** JSON values with plain numbers (Long, BigInteger, Double), unmodifiable all the way down. */
    private static Object plain(Object v) {
        return switch (v) {
            case JsonNumber n -> n.toPlain();
            case Integer n -> n.longValue();
            case Short n -> n.longValue();
            case Byte n -> n.longValue();
            case Map<?, ?> map -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                map.forEach((k, x) -> m.put(k, plain(x)));
                yield Collections.unmodifiableMap(m);
            }
            case List<?> list -> {
                List<Object> l = new ArrayList<>(list.size());
                list.forEach(x -> l.add(plain(x)));
                yield Collections.unmodifiableList(l);
            }
            case null, default -> v;
        };
    }

    private void validate(String source) {
        if (weightMap.isEmpty()) {
            throw invalid(source, "`weight_map` is empty");
        }
        for (String shard : shards) {
            ShardPaths.checkBareName(shard, source);
        }
        NumberedSets.problem(shards).ifPresent(p -> {
            throw invalid(source, p.missing() > 0 ? "no tensor is mapped to " + p.text() : p.text());
        });
        Object total = metadata.get("total_size");
        if (total != null && !(total instanceof Long || total instanceof BigInteger)) {
            throw invalid(source, "`metadata.total_size` must be an integer");
        }
    }

    static SafeTensorsException invalid(String source, String detail) {
        return new SafeTensorsException(InvalidHeaderDeserialization, source, "invalid index: " + detail);
    }

    /** {@return tensor name → shard file, in index order} */
    public Map<String, String> weightMap() {
        return weightMap;
    }

    /** {@return the shard files, in order of first appearance} */
    public List<String> shards() {
        return shards;
    }

    /**
     * {@return the shard holding {@code tensor}, or null}
     *
     * @param tensor a tensor name
     */
    public String shardOf(String tensor) {
        return weightMap.get(tensor);
    }

    /** {@return the index's metadata as parsed: String, Long, BigInteger, Double, Boolean, null, List or Map} */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** {@return {@code metadata.total_size}, when present and below 2^63} */
    public OptionalLong totalSize() {
        return metadata.get("total_size") instanceof Long l ? OptionalLong.of(l) : OptionalLong.empty();
    }

    /**
     * {@return the index as transformers writes it: {@code json.dumps(index, indent=2, sort_keys=True) + "\n"},
     * non-ASCII escaped} Every value read from a file is written back exactly: numbers as they were spelled,
     * nested objects and arrays as JSON, other top-level members kept.
     */
    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>(otherMembers);
        root.put("metadata", exactMetadata);
        root.put("weight_map", weightMap);
        StringBuilder sb = new StringBuilder(64 + 64 * weightMap.size());
        JsonWriter.appendIndented(sb, root, 0);
        return sb.append('\n').toString();
    }

    /** The metadata as strings: strings as they are, every other value as its JSON text, numbers exactly. */
    Map<String, String> metadataAsText() {
        Map<String, String> m = new LinkedHashMap<>();
        exactMetadata.forEach((k, v) -> {
            if (v instanceof String s) {
                m.put(k, s);
            } else {
                StringBuilder sb = new StringBuilder();
                JsonWriter.appendValue(sb, v, JsonWriter.Style.SERDE);
                m.put(k, sb.toString());
            }
        });
        return Collections.unmodifiableMap(m);
    }
}
