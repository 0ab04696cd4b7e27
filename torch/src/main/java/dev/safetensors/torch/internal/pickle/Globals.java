package dev.safetensors.torch.internal.pickle;

import java.util.Optional;

/**
 * The allowlist a pickle's globals are resolved against. Resolution is a lookup of the exact
 * {@code module} and {@code name} strings in a fixed table: nothing is imported, no class is looked up.
 */
public interface Globals {
    /** The value the global stands for (a {@link Constructor}, or a plain value such as a dtype), if allowed. */
    Optional<Object> resolve(PyGlobal global);

    /** Why a global that {@link #resolve} refuses is refused, for the error message. */
    String refusal(PyGlobal global);
}
