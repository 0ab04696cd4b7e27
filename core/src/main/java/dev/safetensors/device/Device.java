package dev.safetensors.device;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Shape;
import dev.safetensors.internal.device.CpuDevice;
import dev.safetensors.internal.device.Devices;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;

/**
 * Where tensors live: the CPU, or an accelerator that a module such as {@code safetensors-cuda} plugs in
 * through {@link DeviceProvider}. Loaders and writers move bytes between files and a device only through
 * this interface: host staging memory the device copies from fastest, asynchronous copies in and out, and
 * tensors allocated on the device.
 *
 * <pre>{@code
 * try (Device gpu = Device.open("cuda:0");                       // or "cpu", "rocm:0"
 *      Checkpoint ckpt = Checkpoint.open(Path.of("model"));
 *      TensorStream tensors = ckpt.stream(gpu, LoadPlan.all(), LoadBudget.ofBytes(256 << 20))) {
 *     for (LoadedTensor t : tensors) {
 *         register(t.name(), t.tensor().address());               // device pointer, owned by the caller now
 *     }
 * }
 * }</pre>
 *
 * <p>Implementations are safe for concurrent use: loaders issue copies from several threads.
 */
public interface Device extends AutoCloseable {

    /** {@return the device's name as {@link #open} takes it: {@code cpu}, {@code cuda:0}, {@code rocm:1}} */
    String name();

    /** {@return the kind ({@code cpu}, {@code cuda}, {@code rocm}) and index within that kind} */
    DeviceId id();

    /**
     * Allocates memory for a tensor; the caller owns and closes it.
     *
     * @param name  what to call the tensor in messages
     * @param dtype its element type
     * @param shape its dimensions; the size is shape × dtype
     * @return the tensor, its contents undefined until written
     * @throws SafeTensorsException of kind {@code IoError} when the device is out of memory
     */
    DeviceTensor allocate(String name, DType dtype, Shape shape);

    /**
     * {@return host memory that this device copies from and to at full speed (page-locked for GPUs), for staging
     * buffers; freed when the returned buffer closes}
     *
     * @param bytes the buffer's size
     */
    HostBuffer allocateHost(long bytes);

    /**
     * Starts copying all of {@code src} into {@code dst} at {@code dstOffset}. {@code src} must stay
     * unchanged until the returned copy is done.
     *
     * @param src       the bytes to copy, in host memory
     * @param dst       the tensor to copy into
     * @param dstOffset where in {@code dst} the bytes go
     * @return the copy in flight; wait on it before reusing {@code src}
     */
    PendingCopy copyIn(MemorySegment src, DeviceTensor dst, long dstOffset);

    /**
     * Starts copying {@code dst.byteSize()} bytes of {@code src} from {@code srcOffset} into {@code dst}.
     *
     * @param src       the tensor to copy from
     * @param srcOffset where in {@code src} the bytes start
     * @param dst       where the bytes go, in host memory
     * @return the copy in flight; {@code dst} holds the bytes once it is done
     */
    PendingCopy copyOut(DeviceTensor src, long srcOffset, MemorySegment dst);

    /**
     * {@return the tensor's memory as a segment the CPU can address, for devices that share host memory (the CPU):
     * loaders then read file bytes straight into it, without staging}
     *
     * @param tensor a tensor of this device
     */
    default Optional<MemorySegment> hostView(DeviceTensor tensor) {
        return Optional.empty();
    }

    /**
     * {@return direct reads from files into this device's memory (GPUDirect Storage), when the device, its driver
     * and the machine support them; the caller closes the returned reader}
     */
    default java.util.Optional<DirectFileReads> directFileReads() {
        return java.util.Optional.empty();
    }

    /** Releases what the device holds for this process (streams, the runtime's context). Idempotent. */
    @Override
    void close();

    /**
     * {@return the CPU: tensors in off-heap memory of {@code arena}, which the caller owns (tensors stay valid until
     * it closes; closing a tensor does nothing then)} A streaming load fills tensors from threads of its own, so
     * it needs an arena they can reach ({@code Arena.ofShared()}, {@code ofAuto()}, {@code global()}): it refuses
     * a confined one with {@link IllegalArgumentException}.
     *
     * @param arena the arena tensors are allocated in
     */
    static Device cpu(Arena arena) {
        return CpuDevice.in(arena);
    }

    /**
     * {@return the CPU: tensors carved one after another (64-byte aligned) from the caller's {@code region}, for
     * engines that keep all weights in one block of memory; allocation fails with {@code IoError} once the
     * region is full} Closing a tensor does not give its bytes back.
     *
     * @param region the memory tensors are carved from
     */
    static Device cpu(MemorySegment region) {
        return CpuDevice.in(region);
    }

    /** {@return the CPU: every tensor in its own memory, freed when the tensor closes} */
    static Device cpu() {
        return CpuDevice.owning();
    }

    /**
     * Opens a device by name: {@code cpu}, or {@code kind:index} for a kind some installed
     * {@link DeviceProvider} supports.
     *
     * @throws SafeTensorsException of kind {@code IoError} when no provider knows the kind, or the
     *         provider cannot open the device (no driver, index out of range), with the provider's reason
     * @param name {@code cpu}, or {@code kind:index} such as {@code cuda:0}
     * @return the open device; the caller closes it
     */
    static Device open(String name) {
        return Devices.open(name);
    }

    /** {@return the devices the installed providers can see, by name (always {@code cpu} first)} */
    static List<String> available() {
        return Devices.available();
    }
}
