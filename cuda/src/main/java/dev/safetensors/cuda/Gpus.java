package dev.safetensors.cuda;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.cuda.internal.GpuDevice;
import dev.safetensors.cuda.internal.GpuRuntime;
import dev.safetensors.cuda.internal.Vendor;
import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceId;
import java.util.ArrayList;
import java.util.List;

/**
 * The GPUs of this machine through the CUDA or ROCm (HIP) runtime, found at run time. Most code needs only
 * {@code Device.open("cuda:0")}; this class adds the choice of staging memory and the devices' properties.
 *
 * <pre>{@code
 * for (GpuInfo g : Gpus.list()) System.out.println(g.device() + " " + g.name());
 * try (Device gpu = Gpus.open("cuda:0", HostMemory.PAGEABLE)) { ... }   // e.g. to measure pinning's gain
 * }</pre>
 *
 * <p>Native calls need native access: {@code --enable-native-access=dev.safetensors.cuda} on the module path,
 * {@code ALL-UNNAMED} on the class path (without it the JDK prints a warning; later JDKs refuse).
 */
public final class Gpus {
    private Gpus() {
    }

    /** {@return every GPU both runtimes can see; empty without a runtime or a driver} */
    public static List<GpuInfo> list() {
        List<GpuInfo> out = new ArrayList<>();
        for (Vendor v : Vendor.values()) {
            GpuRuntime.Loaded loaded = Runtimes.get(v);
            if (loaded.runtime().isEmpty()) {
                continue;
            }
            GpuRuntime rt = loaded.runtime().get();
            int n = rt.deviceCountOrError();
            for (int i = 0; i < n; i++) {
                try (GpuDevice d = GpuDevice.open(rt, i, HostMemory.PINNED)) {
                    out.add(d.info());
                }
            }
        }
        return out;
    }

    /**
     * Opens {@code cuda:N} or {@code rocm:N} with the given staging memory.
     *
     * @param name    {@code cuda:N} or {@code rocm:N}
     * @param staging what {@link Device#allocateHost} hands out
     * @return the open device; the caller closes it
     * @throws SafeTensorsException of kind {@code IoError} with the runtime's reason when it cannot
     */
    public static Device open(String name, HostMemory staging) {
        DeviceId id = DeviceId.parse(name);
        for (Vendor v : Vendor.values()) {
            if (v.kind().equals(id.kind())) {
                return GpuDevice.open(Runtimes.require(v), id.index(), staging);
            }
        }
        throw new SafeTensorsException(SafeTensorsException.Kind.IoError, name, "not a GPU device name: use cuda:N or rocm:N");
    }

    /**
     * {@return what the runtime says about an open GPU device now (free memory included)}
     *
     * @param device a device {@link #open} or {@link Device#open} opened
     * @throws IllegalArgumentException when {@code device} is not a GPU of this module
     */
    public static GpuInfo info(Device device) {
        if (!(device instanceof GpuDevice g)) {
            throw new IllegalArgumentException(device.name() + " is not a GPU of safetensors-cuda");
        }
        return g.info();
    }

    /**
     * {@return why no device of this kind ({@code cuda} or {@code rocm}) can be opened, or empty when one can}
     *
     * @param kind {@code cuda} or {@code rocm}
     */
    public static java.util.Optional<String> unavailableReason(String kind) {
        for (Vendor v : Vendor.values()) {
            if (v.kind().equals(kind)) {
                return Runtimes.unavailableReason(v);
            }
        }
        return java.util.Optional.of("unknown GPU kind `" + kind + "`");
    }
}
