package dev.safetensors.torch.internal.pickle;

import java.math.BigInteger;
import java.util.List;

/** Small facts about the values the pickle machine builds, without ever walking into them. */
public final class PyValues {
    /** Tuples used as dict keys or set items are hashed on every insertion: they stay small. */
    static final int MAX_KEY_TUPLE = 16;

    private PyValues() {
    }

    /** A short description for messages: the Python type, and a container's size; never the contents. */
    public static String describe(Object v) {
        return switch (v) {
            case PyNone n -> "None";
            case Boolean b -> "bool";
            case Long l -> "int";
            case BigInteger b -> "int (" + b.bitLength() + " bits)";
            case Double d -> "float";
            case String s -> "str of " + s.length() + " characters";
            case PyBytes b -> "bytes of " + b.bytes().length;
            case PyComplex c -> "complex";
            case PyTuple t -> "tuple of " + t.size();
            case List<?> l -> "list of " + l.size();
            case PyDict d -> (d.ordered() ? "OrderedDict of " : "dict of ") + d.entries().size();
            case PySet s -> (s.frozen() ? "frozenset of " : "set of ") + s.items().size();
            case PyGlobal g -> "`" + g.qualifiedName() + "`";
            case Constructor c -> "`" + c.name() + "`";
            case Opaque o -> "the result of a call";
            default -> v.toString();
        };
    }

    /** Whether {@code v} may be a dict key or a set item: a scalar, or a small tuple of scalars. */
    public static boolean hashable(Object v) {
        if (v instanceof PyTuple t) {
            return t.size() <= MAX_KEY_TUPLE && t.items().stream().allMatch(PyValues::scalar);
        }
        return scalar(v);
    }

    private static boolean scalar(Object v) {
        return v instanceof String || v instanceof Long || v instanceof BigInteger || v instanceof Double
                || v instanceof Boolean || v instanceof PyNone || v instanceof PyBytes || v instanceof PyComplex
                || v instanceof PyGlobal || v instanceof Opaque;
    }

    /** An int argument, or null when {@code v} is not an int that fits 64 bits. Python's bool is an int. */
    public static Long asLong(Object v) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof Boolean b) {
            return b ? 1L : 0L;
        }
        return null;
    }
}
