package dev.safetensors.torch.internal.checkpoint;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;
import static dev.safetensors.SafeTensorsException.Kind.TensorNotFound;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.torch.SkippedEntry;
import dev.safetensors.torch.internal.pickle.Budget;
import dev.safetensors.torch.internal.pickle.PickleError;
import dev.safetensors.torch.internal.pickle.PyDict;
import dev.safetensors.torch.internal.pickle.PyTuple;
import dev.safetensors.torch.internal.pickle.PyValues;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the unpickled object into named tensors, by one rule:
 * <ol>
 * <li>The sub-dict: the one asked for (a key of the top-level dict, dotted for deeper ones, {@code ""} for
 *     the whole object); else, when the top-level dict holds no tensor itself, the first of
 *     {@code state_dict}, {@code model_state_dict}, {@code model}, {@code module} that holds tensors (a
 *     Lightning, DeepSpeed or training-loop checkpoint); else the whole object.</li>
 * <li>Within it, nested dicts, lists and tuples are flattened with dotted names relative to it
 *     ({@code encoder.layers.0.weight}); keys must be strings or integers.</li>
 * <li>A value that is not a tensor, a container without any tensor inside, and each top-level entry beside
 *     the sub-dict is listed as skipped.</li>
 * </ol>
 * Names that collide, reference cycles through tensors and nesting deeper than 100 levels are errors.
 *
 * <p>A container the pickle refers to twice is walked at each path, so a small pickle of shared lists could
 * flatten to a number of entries and names that grows with the square (or any power) of its size: every
 * entry met, tensor or not, counts against {@code PickleLimits.maxContainerSize}, and every name built is
 * charged to the checkpoint's allocation budget before it is built.
 */
public final class Flattener {
    public static final List<String> NESTED_KEYS = List.of("state_dict", "model_state_dict", "model", "module");
    static final int MAX_DEPTH = 100;
    private static final int MAX_KEY_DIGITS = 4300;
    private static final int MAX_KEY_BITS = 14_285;   // 2^14285 > 10^4300

    /** A tensor and the name it gets. */
    public record Named(String name, TensorRef tensor) {
    }

    /**
     * @param selected the sub-dict's path, or {@code ""} for the whole object
     * @param tensors  in the order the checkpoint holds them
     * @param skipped  what was not a tensor
     */
    public record Flat(String selected, List<Named> tensors, List<SkippedEntry> skipped) {
    }

    private final String source;
    private final Budget budget;
    private final Map<Object, Boolean> holdsTensor = new IdentityHashMap<>();
    private final Map<Object, Boolean> onPath = new IdentityHashMap<>();
    private final Map<String, Named> names = new LinkedHashMap<>();
    private final List<SkippedEntry> skipped = new ArrayList<>();
    private long visited;

    private Flattener(String source, Budget budget) {
        this.source = source;
        this.budget = budget;
    }

    /**
     * @param subDict the entry to convert ({@code ""}: everything), or null to choose by the rule above
     * @param budget  the checkpoint's pickle budget, which the names built are charged to
     */
    public static Flat flatten(Object root, String subDict, String source, Budget budget) {
        Flattener f = new Flattener(source, budget);
        String selected = subDict != null ? subDict : f.automatic(root);
        Object start = selected.isEmpty() ? root : f.select(root, selected);
        if (start instanceof TensorRef t) {
            f.add(selected, t);
        } else {
            f.walk(start, "", 0);
        }
        if (!selected.isEmpty() && root instanceof PyDict d) {
            f.skipOthers(d, selected);
        }
        return new Flat(selected, List.copyOf(f.names.values()), List.copyOf(f.skipped));
    }

    private String automatic(Object root) {
        if (!(root instanceof PyDict d) || d.entries().values().stream().anyMatch(v -> v instanceof TensorRef)) {
            return "";
        }
        for (String key : NESTED_KEYS) {
            Object v = d.entries().get(key);
            if (v instanceof PyDict && holdsTensor(v)) {
                return key;
            }
        }
        return "";
    }

    /** The top-level entries beside the sub-dict are not converted either: listed, saying which hold tensors. */
    private void skipOthers(PyDict root, String selected) {
        String top = root.entries().containsKey(selected) ? selected : selected.substring(0, selected.indexOf('.'));
        root.entries().forEach((k, v) -> {
            if (!top.equals(k)) {
                String type = PyValues.describe(v) + (v instanceof TensorRef || holdsTensor(v) ? ", with tensors" : "");
                skipped.add(new SkippedEntry(k instanceof String s ? s : "<" + PyValues.describe(k) + " key>", type));
            }
        });
    }

    /** The entry at a key of the top-level dict, or at a dotted path through nested dicts. */
    private Object select(Object root, String path) {
        Object at = root;
        String rest = path;
        while (true) {
            if (!(at instanceof PyDict d)) {
                throw new SafeTensorsException(TensorNotFound, source, "no sub-dict `" + path + "`: the value on the "
                        + "way there is " + PyValues.describe(at));
            }
            Object whole = child(d, rest);
            if (whole != null) {
                return whole;
            }
            int dot = rest.indexOf('.');
            Object next = dot < 0 ? null : child(d, rest.substring(0, dot));
            if (next == null) {
                throw new SafeTensorsException(TensorNotFound, source, "no sub-dict `" + path + "`; the keys there are "
                        + keys(d));
            }
            at = next;
            rest = rest.substring(dot + 1);
        }
    }

    /** The value under a key spelled {@code name}: a string key, or an integer key in decimal. */
    private Object child(PyDict d, String name) {
        Object v = d.entries().get(name);
        if (v != null) {
            return v;
        }
        for (Map.Entry<Object, Object> e : d.entries().entrySet()) {
            if ((e.getKey() instanceof Long || e.getKey() instanceof BigInteger) && keyName(e.getKey(), "").equals(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    private void walk(Object node, String prefix, int depth) {
        if (depth > MAX_DEPTH) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, source, "`" + strip(prefix)
                    + "` is nested more than " + MAX_DEPTH + " levels deep");
        }
        if (!holdsTensor(node)) {
            if (!prefix.isEmpty()) {
                skipped.add(new SkippedEntry(strip(prefix), PyValues.describe(node)));
            } else {   // the sub-dict itself holds no tensor: list what it holds
                children(node, prefix).forEach((k, v) -> {
                    count();
                    skipped.add(new SkippedEntry(k.toString(), PyValues.describe(v)));
                });
            }
            return;
        }
        if (onPath.put(node, Boolean.TRUE) != null) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, source, "`" + strip(prefix)
                    + "` refers back to a container that holds it (a reference cycle)");
        }
        for (Map.Entry<Object, Object> e : children(node, prefix).entrySet()) {
            count();
            String key = e.getKey().toString();
            if (e.getValue() instanceof TensorRef t) {
                add(concat(prefix, key, ""), t);
            } else {
                walk(e.getValue(), concat(prefix, key, "."), depth + 1);
            }
        }
        onPath.remove(node);
    }

    /** One more entry met on the walk. */
    private void count() {
        long max = budget.limits().maxContainerSize();
        if (++visited > max) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, source, "the checkpoint flattens to more than "
                    + max + " entries (PickleLimits.maxContainerSize; shared sub-containers count at each path)");
        }
    }

    /** A name, charged to the budget before it is built. */
    private String concat(String prefix, String key, String suffix) {
        try {
            budget.chargeText((long) prefix.length() + key.length() + suffix.length());
        } catch (PickleError e) {
            throw new SafeTensorsException(e.kind(), source, "the names of the checkpoint's entries (`"
                    + strip(prefix).substring(0, Math.min(80, strip(prefix).length())) + "...`): " + e.getMessage());
        }
        return prefix + key + suffix;
    }

    /** A container's children by name: dict keys (strings, integers) or list and tuple indexes. */
    private Map<Object, Object> children(Object node, String prefix) {
        Map<Object, Object> out = new LinkedHashMap<>();
        switch (node) {
            case PyDict d -> d.entries().forEach((k, v) -> {
                if (k instanceof String || k instanceof Long || k instanceof BigInteger) {
                    if (out.putIfAbsent(keyName(k, prefix), v) != null) {   // "1" and 1: one name, neither may vanish
                        throw new SafeTensorsException(InvalidHeaderDeserialization, source, "two entries of the "
                                + "checkpoint flatten to the name `" + prefix + k + "` (a string key and an integer key)");
                    }
                } else {
                    skipped.add(new SkippedEntry(concat(prefix, "<" + PyValues.describe(k) + " key>", ""), PyValues.describe(v)));
                }
            });
            case List<?> l -> {
                for (int i = 0; i < l.size(); i++) {
                    out.put(Integer.toString(i), l.get(i));
                }
            }
            case PyTuple t -> {
                for (int i = 0; i < t.size(); i++) {
                    out.put(Integer.toString(i), t.get(i));
                }
            }
            default -> { }
        }
        return out;
    }

    /**
     * A key as a name: a string, or an integer in decimal. An integer of more than 4,300 digits (which
     * CPython refuses to print) is an error: its digits would take minutes to compute.
     */
    private String keyName(Object key, String prefix) {
        if (key instanceof BigInteger b && (b.bitLength() > MAX_KEY_BITS || b.abs().toString().length() > MAX_KEY_DIGITS)) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, source, "a key under `" + strip(prefix)
                    + "` is an integer of " + b.bitLength() + " bits, more than " + MAX_KEY_DIGITS + " digits (CPython's "
                    + "limit for printing one): it cannot be a name");
        }
        return key.toString();
    }

    private void add(String name, TensorRef t) {
        if (names.putIfAbsent(name, new Named(name, t)) != null) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, source, "two entries of the checkpoint "
                    + "flatten to the name `" + name + "`");
        }
    }

    /** Whether a tensor is anywhere inside; each container is looked at once (cycles count as empty). */
    private boolean holdsTensor(Object node) {
        if (node instanceof TensorRef) {
            return true;
        }
        if (!(node instanceof PyDict || node instanceof List || node instanceof PyTuple)) {
            return false;
        }
        Boolean known = holdsTensor.get(node);
        if (known != null) {
            return known;
        }
        holdsTensor.put(node, Boolean.FALSE);
        List<Object> stack = new ArrayList<>(List.of(node));
        boolean found = false;
        // Iterative, so that no nesting depth can overflow the Java stack.
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.add(node);
        while (!stack.isEmpty() && !found) {
            Object n = stack.removeLast();
            for (Object child : values(n)) {
                if (child instanceof TensorRef || Boolean.TRUE.equals(holdsTensor.get(child))) {
                    found = true;
                    break;
                }
                if ((child instanceof PyDict || child instanceof List || child instanceof PyTuple) && seen.add(child)) {
                    stack.add(child);
                }
            }
        }
        if (found) {
            holdsTensor.put(node, true);
        } else {
            seen.forEach(n -> holdsTensor.put(n, false));   // the whole subtree is tensor-free
        }
        return found;
    }

    private static Iterable<?> values(Object node) {
        return switch (node) {
            case PyDict d -> d.entries().values();
            case List<?> l -> l;
            case PyTuple t -> t.items();
            default -> List.of();
        };
    }

    private static String strip(String prefix) {
        return prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }

    private static String keys(PyDict d) {
        List<String> keys = new ArrayList<>();
        for (Object k : d.entries().keySet()) {
            if (keys.size() == 20) {
                keys.add("...");
                break;
            }
            keys.add(k instanceof String || k instanceof Long ? "`" + k + "`" : PyValues.describe(k));
        }
        return String.join(", ", keys);
    }
}
