package dev.safetensors.torch.internal.checkpoint;

import dev.safetensors.torch.internal.pickle.PickleError;
import dev.safetensors.torch.internal.pickle.PyDict;
import dev.safetensors.torch.internal.pickle.PyNone;
import dev.safetensors.torch.internal.pickle.PyTuple;
import dev.safetensors.torch.internal.pickle.PyValues;
import java.util.List;

/** The arguments of one constructor call, read with their expected Python types. */
final class Args {
    private final String function;
    private final List<Object> values;

    private Args(String function, List<Object> values) {
        this.function = function;
        this.values = values;
    }

    /** Checks the argument count; {@code max} may be larger than {@code min} for optional trailing arguments. */
    static Args of(String function, List<Object> values, int min, int max) {
        if (values.size() < min || values.size() > max) {
            throw PickleError.malformed("`" + function + "` takes " + (min == max ? min : min + " to " + max)
                    + " arguments, got " + values.size());
        }
        return new Args(function, values);
    }

    int size() {
        return values.size();
    }

    Object get(int i) {
        return values.get(i);
    }

    boolean has(int i) {
        return i < values.size() && values.get(i) != PyNone.NONE;
    }

    long integer(int i, String what) {
        Long v = PyValues.asLong(values.get(i));
        if (v == null) {
            throw wrong(i, what, "an int");
        }
        return v;
    }

    boolean bool(int i, String what) {
        if (!(values.get(i) instanceof Boolean b)) {
            throw wrong(i, what, "a bool");
        }
        return b;
    }

    String string(int i, String what) {
        if (!(values.get(i) instanceof String s)) {
            throw wrong(i, what, "a str");
        }
        return s;
    }

    /** A tuple of ints (sizes, strides), as a {@code torch.Size} or a plain tuple. */
    long[] integers(int i, String what) {
        if (!(values.get(i) instanceof PyTuple t)) {
            throw wrong(i, what, "a tuple of ints");
        }
        long[] out = new long[t.size()];
        for (int k = 0; k < out.length; k++) {
            Long v = PyValues.asLong(t.get(k));
            if (v == null) {
                throw PickleError.malformed("`" + function + "`: element " + k + " of " + what + " is "
                        + PyValues.describe(t.get(k)) + ", not an int of 64 bits");
            }
            out[k] = v;
        }
        return out;
    }

    <T> T typed(int i, Class<T> type, String what, String expected) {
        Object v = values.get(i);
        if (!type.isInstance(v)) {
            throw wrong(i, what, expected);
        }
        return type.cast(v);
    }

    /** An OrderedDict or dict (hooks, metadata, state); None counts as empty. */
    PyDict dictOrNone(int i, String what) {
        Object v = values.get(i);
        if (v == PyNone.NONE) {
            return new PyDict(false);
        }
        if (!(v instanceof PyDict d)) {
            throw wrong(i, what, "a dict");
        }
        return d;
    }

    private PickleError wrong(int i, String what, String expected) {
        return PickleError.malformed("`" + function + "`: argument " + (i + 1) + " (" + what + ") must be " + expected
                + ", got " + PyValues.describe(values.get(i)));
    }
}
