package dev.safetensors.torch.internal.pickle;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * An allowlisted global that builds data when a pickle calls it: {@code REDUCE}, {@code INST} and
 * {@code OBJ} apply {@link #call}, {@code NEWOBJ} and {@code NEWOBJ_EX} apply {@link #newInstance} (only
 * classes whose bare instances are data allow that). Both take the arguments as built values and return
 * a value; neither can reach anything outside the values given.
 *
 * @param name        {@code module.name}, for messages
 * @param call        {@code name(*args)}
 * @param newInstance {@code name.__new__(name, *args)}, or null when not allowed
 */
public record Constructor(String name, Function<List<Object>, Object> call, Function<List<Object>, Object> newInstance) {
    public Constructor {
        Objects.requireNonNull(name);
        Objects.requireNonNull(call);
    }

    public static Constructor of(String name, Function<List<Object>, Object> call) {
        return new Constructor(name, call, null);
    }

    @Override
    public String toString() {
        return name;
    }
}
