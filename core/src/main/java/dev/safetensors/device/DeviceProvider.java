package dev.safetensors.device;

import java.util.List;

/**
 * Plugs a kind of device into {@link Device#open}: found with {@link java.util.ServiceLoader} (declare it
 * with {@code provides dev.safetensors.device.DeviceProvider with ...} in the module, or in
 * {@code META-INF/services} on the class path).
 *
 * <pre>{@code
 * public final class CudaProvider implements DeviceProvider {
 *     public String kind() { return "cuda"; }
 *     public List<Integer> indexes() { return runtime.isPresent() ? range(0, runtime.deviceCount()) : List.of(); }
 *     public Device open(int index) { return new CudaDevice(runtime.orElseThrow(...), index); }
 * }
 * }</pre>
 */
public interface DeviceProvider {

    /** {@return the kind this provider opens, lower case: {@code cuda}, {@code rocm}} */
    String kind();

    /** {@return the indexes of the devices present now; empty when the runtime or driver is missing} */
    List<Integer> indexes();

    /**
     * Opens device {@code index}.
     *
     * @param index one of {@link #indexes()}
     * @return the open device; the caller closes it
     * @throws dev.safetensors.SafeTensorsException of kind {@code IoError}, with the runtime's own reason,
     *         when the runtime is missing or refuses
     */
    Device open(int index);
}
