package dev.safetensors.cuda;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.cuda.internal.GpuRuntime;
import dev.safetensors.cuda.internal.Vendor;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** Each runtime library is looked for once per process. */
final class Runtimes {
    private static final Map<Vendor, GpuRuntime.Loaded> LOADED = new EnumMap<>(Vendor.class);

    private Runtimes() {
    }

    static synchronized GpuRuntime.Loaded get(Vendor v) {
        return LOADED.computeIfAbsent(v, GpuRuntime::load);
    }

    static GpuRuntime require(Vendor v) {
        GpuRuntime.Loaded l = get(v);
        return l.runtime().orElseThrow(() -> new SafeTensorsException(SafeTensorsException.Kind.IoError, v.kind(),
                l.reason()));
    }

    static Optional<String> unavailableReason(Vendor v) {
        GpuRuntime.Loaded l = get(v);
        if (l.runtime().isEmpty()) {
            return Optional.of(l.reason());
        }
        int n = l.runtime().get().deviceCountOrError();
        if (n > 0) {
            return Optional.empty();
        }
        return Optional.of(n == 0 ? "the runtime reports no device"
                : "the runtime reports " + l.runtime().get().errorText(-n) + " (" + l.runtime().get().library() + ")");
    }
}
