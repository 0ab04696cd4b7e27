package dev.safetensors;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;

import dev.safetensors.internal.json.JsonCursor;
import dev.safetensors.internal.json.JsonWriter;
import dev.safetensors.internal.json.Utf8;
import dev.safetensors.internal.io.IoErrors;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code model.safetensors.index.json}: {@code {"metadata": {"total_size": N, ...}, "weight_map":
 * {"tensor": "model-00001-of-00002.safetensors", ...}}} (a Hub convention, not part of the format).
 *
 * <p>Shard names come from an untrusted file, so each must be a bare file name: no separators, no
 * {@code ..}, nothing absolute. Numbered shards ({@code -00001-of-00004}) must all be referenced.
 *
 * <pre>{@code
 * ShardIndex index = ShardIndex.read(Path.of("model.safetensors.index.json"), Header.DEFAULT_MAX_SIZE);
 * index.shardOf("lm_head.weight");   // "model-00004-of-00004.safetensors"
 * index.totalSize();                 // OptionalLong[...]
 * }</pre>
 */
public final class ShardIndex {
    private static final Pattern NUMBERED = Pattern.compile("(.*)-(\\d{5})-of-(\\d{5})\\.safetensors");

    private final Map<String, Object> metadata;
    private final Map<String, String> weightMap;
    private final List<String> shards;

    private ShardIndex(Map<String, Object> metadata, Map<String, String> weightMap) {
        this.metadata = Collections.unmodifiableMap(metadata);
        this.weightMap = Collections.unmodifiableMap(weightMap);
        this.shards = List.copyOf(new LinkedHashSet<>(weightMap.values()));
    }

    /** Builds an index (for writers): metadata values may be String, Long, Boolean or null. */
    public static ShardIndex of(Map<String, Object> metadata, Map<String, String> weightMap) {
        ShardIndex index = new ShardIndex(new LinkedHashMap<>(metadata), new LinkedHashMap<>(weightMap));
        index.validate(null);
        return index;
    }

    /** Reads and checks an index file of at most {@code maxSize} bytes. */
    public static ShardIndex read(Path file, long maxSize) {
        try {
            long size = Files.size(file);
            if (size > maxSize) {
                throw new SafeTensorsException(SafeTensorsException.Kind.HeaderTooLarge, file.toString(),
                        "the index has " + size + " bytes, more than the limit of " + maxSize);
            }
            return parse(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw IoErrors.io(file.toString(), "cannot read the index", e);
        }
    }

    /** Parses index JSON (strict UTF-8 and JSON, duplicate keys rejected). */
    @SuppressWarnings("unchecked")
    public static ShardIndex parse(byte[] json, String source) {
        int bad = Utf8.firstInvalid(json, 0, json.length);
        if (bad >= 0) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidHeader, source,
                    "invalid UTF-8 in the index at byte " + bad);
        }
        JsonCursor in = new JsonCursor(json, 0, json.length, source);
        in.skipWhitespace();
        if (in.peek() != '{') {
            throw in.fail("the index must be a JSON object, found " + in.describeToken());
        }
        Object top = in.readValue(1);
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
        ShardIndex index = new ShardIndex(md == null ? new LinkedHashMap<>() : (Map<String, Object>) md, weightMap);
        index.validate(source);
        return index;
    }

    private void validate(String source) {
        if (weightMap.isEmpty()) {
            throw invalid(source, "`weight_map` is empty");
        }
        for (String shard : shards) {
            checkShardName(shard, source);
        }
        // Numbered shards: every number from 1 to the count must be there, all with one prefix and count.
        Map<String, Integer> counts = new LinkedHashMap<>();
        List<Integer> numbers = new ArrayList<>();
        for (String shard : shards) {
            Matcher m = NUMBERED.matcher(shard);
            if (m.matches()) {
                counts.put(m.group(1) + " of " + m.group(3), Integer.parseInt(m.group(3)));
                numbers.add(Integer.parseInt(m.group(2)));
            }
        }
        if (counts.size() == 1) {
            int of = counts.values().iterator().next();
            boolean[] seen = new boolean[of + 1];
            for (int n : numbers) {
                if (n < 1 || n > of) {
                    throw invalid(source, "shard number " + n + " is outside 1.." + of);
                }
                seen[n] = true;
            }
            for (int n = 1; n <= of; n++) {
                if (!seen[n]) {
                    throw invalid(source, "no tensor is mapped to shard " + n + " of " + of);
                }
            }
        }
        Object total = metadata.get("total_size");
        if (total != null && !(total instanceof Long || total instanceof BigInteger)) {
            throw invalid(source, "`metadata.total_size` must be an integer");
        }
    }

    /** A shard must be a plain file name in the index's directory. */
    static void checkShardName(String shard, String source) {
        boolean plain = !shard.isEmpty() && !shard.equals(".") && !shard.equals("..")
                && shard.chars().noneMatch(c -> c == '/' || c == '\\' || c == 0 || c == ':');
        if (!plain) {
            throw invalid(source, "shard `" + shard + "` must be a bare file name in the index's directory "
                    + "(no separators, `..` or absolute paths)");
        }
    }

    static SafeTensorsException invalid(String source, String detail) {
        return new SafeTensorsException(InvalidHeaderDeserialization, source, "invalid index: " + detail);
    }

    /** Tensor name → shard file, in index order. */
    public Map<String, String> weightMap() {
        return weightMap;
    }

    /** The shard files, in order of first appearance. */
    public List<String> shards() {
        return shards;
    }

    /** The shard holding {@code tensor}, or null. */
    public String shardOf(String tensor) {
        return weightMap.get(tensor);
    }

    /** The index's metadata as parsed: String, Long, BigInteger, Double, Boolean, null, List or Map. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** {@code metadata.total_size}, when present and below 2^63. */
    public OptionalLong totalSize() {
        return metadata.get("total_size") instanceof Long l ? OptionalLong.of(l) : OptionalLong.empty();
    }

    /**
     * The index as transformers writes it: {@code json.dumps(index, indent=2, sort_keys=True) + "\n"},
     * non-ASCII escaped.
     */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\n  \"metadata\": {");
        appendSorted(sb, metadata);
        sb.append("},\n  \"weight_map\": {");
        appendSorted(sb, weightMap);
        return sb.append("}\n}\n").toString();
    }

    private static void appendSorted(StringBuilder sb, Map<String, ?> map) {
        String[] keys = map.keySet().toArray(new String[0]);
        Arrays.sort(keys, Utf8::compare);
        for (int i = 0; i < keys.length; i++) {
            sb.append(i == 0 ? "\n    " : ",\n    ");
            JsonWriter.appendString(sb, keys[i], JsonWriter.Style.PYTHON);
            sb.append(": ");
            JsonWriter.appendValue(sb, map.get(keys[i]), JsonWriter.Style.PYTHON);
        }
        if (keys.length > 0) {
            sb.append("\n  ");
        }
    }
}
