package dev.safetensors.cuda;

import dev.safetensors.cuda.internal.GpuDevice;
import dev.safetensors.cuda.internal.Vendor;
import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceProvider;
import java.util.List;
import java.util.stream.IntStream;

/** A device provider over one GPU runtime; devices stage through pinned memory. */
abstract sealed class GpuProvider implements DeviceProvider permits CudaProvider, RocmProvider {
    private final Vendor vendor;

    GpuProvider(Vendor vendor) {
        this.vendor = vendor;
    }

    @Override
    public String kind() {
        return vendor.kind();
    }

    @Override
    public List<Integer> indexes() {
        return Runtimes.get(vendor).runtime()
                .map(rt -> IntStream.range(0, Math.max(0, rt.deviceCountOrError())).boxed().toList())
                .orElse(List.of());
    }

    @Override
    public Device open(int index) {
        return GpuDevice.open(Runtimes.require(vendor), index, HostMemory.PINNED);
    }
}
