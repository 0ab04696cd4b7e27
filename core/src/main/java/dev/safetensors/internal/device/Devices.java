package dev.safetensors.internal.device;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceId;
import dev.safetensors.device.DeviceProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds devices: the CPU here, everything else through the installed {@link DeviceProvider}s. */
public final class Devices {
    private Devices() {
    }

    public static Device open(String name) {
        DeviceId id;
        try {
            id = DeviceId.parse(name);
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, name, e.getMessage());
        }
        if (id.kind().equals("cpu")) {
            return CpuDevice.owning();
        }
        List<String> kinds = new ArrayList<>();
        for (DeviceProvider p : ServiceLoader.load(DeviceProvider.class)) {
            if (p.kind().equals(id.kind())) {
                List<Integer> present = p.indexes();
                if (!present.contains(id.index())) {
                    throw new SafeTensorsException(SafeTensorsException.Kind.IoError, name, present.isEmpty()
                            ? "no " + id.kind() + " device is present (" + unavailableReason(p) + ")"
                            : "no such device: " + id.kind() + " devices present are " + present);
                }
                return p.open(id.index());
            }
            kinds.add(p.kind());
        }
        throw new SafeTensorsException(SafeTensorsException.Kind.IoError, name, "no provider for devices of kind `"
                + id.kind() + "` is installed (installed: cpu" + (kinds.isEmpty() ? "" : ", " + String.join(", ", kinds))
                + "); add safetensors-cuda to the class or module path for cuda and rocm");
    }

    /** A provider that sees no device says why when asked to open one. */
    private static String unavailableReason(DeviceProvider p) {
        try {
            p.open(0).close();
            return "the runtime reports none";
        } catch (SafeTensorsException e) {
            return e.detail();
        }
    }

    public static List<String> available() {
        List<String> names = new ArrayList<>(List.of("cpu"));
        for (DeviceProvider p : ServiceLoader.load(DeviceProvider.class)) {
            for (int i : p.indexes()) {
                names.add(p.kind() + ":" + i);
            }
        }
        return names;
    }
}
