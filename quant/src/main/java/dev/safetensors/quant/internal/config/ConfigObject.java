package dev.safetensors.quant.internal.config;

import dev.safetensors.SafeTensorsException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A JSON object from a config file with typed, checked access: a value of the wrong type is an
 * {@code InvalidQuantization} naming the file and the key's path (e.g. {@code quantization_config.bits}).
 *
 * @param source the file, for messages
 * @param path   this object's path inside the file ("" for the root)
 * @param values the object's members in document order
 */
public record ConfigObject(String source, String path, Map<String, Object> values) {

    @SuppressWarnings("unchecked")
    public static ConfigObject root(Object parsed, String source) {
        if (!(parsed instanceof Map<?, ?>)) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidHeaderDeserialization, source,
                    "the document must be a JSON object");
        }
        return new ConfigObject(source, "", (Map<String, Object>) parsed);
    }

    public boolean has(String key) {
        return values.containsKey(key) && values.get(key) != null;
    }

    public String where(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public SafeTensorsException invalid(String key, String rule) {
        return new SafeTensorsException(SafeTensorsException.Kind.InvalidQuantization, source,
                "`" + where(key) + "` " + rule);
    }

    /** The object at {@code key}, if present and not null. */
    @SuppressWarnings("unchecked")
    public Optional<ConfigObject> object(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof Map<?, ?>)) {
            throw invalid(key, "must be an object, found " + describe(v));
        }
        return Optional.of(new ConfigObject(source, where(key), (Map<String, Object>) v));
    }

    public Optional<String> string(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof String s)) {
            throw invalid(key, "must be a string, found " + describe(v));
        }
        return Optional.of(s);
    }

    /** An integer that fits an int; JSON numbers like {@code 4.0} are refused. */
    public Optional<Integer> integer(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
            return Optional.of(l.intValue());
        }
        throw invalid(key, "must be an integer, found " + describe(v));
    }

    public Optional<Boolean> bool(String key) {
        Object v = values.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof Boolean b)) {
            throw invalid(key, "must be true or false, found " + describe(v));
        }
        return Optional.of(b);
    }

    /** A list of strings; absent or null is empty. */
    public List<String> strings(String key) {
        Object v = values.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            throw invalid(key, "must be a list of strings, found " + describe(v));
        }
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) {
                throw invalid(key, "must be a list of strings, found " + describe(o) + " in it");
            }
            out.add(s);
        }
        return List.copyOf(out);
    }

    /** A list of integers (e.g. {@code weight_block_size}); absent or null is empty. */
    public List<Integer> integers(String key) {
        Object v = values.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            throw invalid(key, "must be a list of integers, found " + describe(v));
        }
        List<Integer> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw invalid(key, "must be a list of integers, found " + describe(o) + " in it");
            }
            out.add(l.intValue());
        }
        return List.copyOf(out);
    }

    /** Members whose values are objects, by key (compressed-tensors' {@code config_groups}). */
    public Map<String, ConfigObject> objects() {
        Map<String, ConfigObject> out = new LinkedHashMap<>();
        for (String key : values.keySet()) {
            object(key).ifPresent(o -> out.put(key, o));
        }
        return out;
    }

    static String describe(Object v) {
        return switch (v) {
            case String s -> "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"";
            case Long l -> "the number " + l;
            case BigInteger b -> "the number " + b;
            case Double d -> "the number " + d;
            case Boolean b -> String.valueOf(b);
            case List<?> l -> "a list";
            case Map<?, ?> m -> "an object";
            default -> String.valueOf(v);
        };
    }
}
