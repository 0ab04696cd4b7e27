package dev.safetensors.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Shape;
import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceTensor;
import dev.safetensors.device.HostBuffer;
import java.lang.foreign.ValueLayout;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The real runtimes through {@link Device#open}, as users reach them. Where there is no GPU the provider
 * must say why (the runtime's own words) instead of failing obscurely; where there is one, bytes make the
 * round trip and no device memory is leaked.
 */
class RealRuntimeTest {

    @Test
    void theCpuIsAlwaysAvailableAndProvidersAreFound() {
        assertThat(Device.available()).first().isEqualTo("cpu");
        assertThatThrownBy(() -> Device.open("tpu:0"))
                .isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("no provider for devices of kind `tpu`")
                .hasMessageContaining("cuda, rocm");
    }

    @Test
    void withoutAGpuOpeningSaysWhy() {
        Optional<String> why = Gpus.unavailableReason("cuda");
        Assumptions.assumeTrue(why.isPresent(), "a CUDA GPU is present: the round trip test covers it");
        assertThatThrownBy(() -> Device.open("cuda:0"))
                .isInstanceOf(SafeTensorsException.class)
                .satisfies(e -> assertThat(((SafeTensorsException) e).kind()).isEqualTo(SafeTensorsException.Kind.IoError))
                .hasMessageContaining("no cuda device is present");
    }

    @Test
    void onARealGpuBytesRoundTripAndNothingLeaks() {
        Optional<String> why = Gpus.unavailableReason("cuda");
        Assumptions.assumeTrue(why.isEmpty(), () -> "no CUDA GPU here: " + why.orElse(""));
        try (Device gpu = Device.open("cuda:0")) {
            dev.safetensors.cuda.internal.GpuDevice g = (dev.safetensors.cuda.internal.GpuDevice) gpu;
            long before = g.memoryInfo()[0];
            for (DType t : DType.values()) {
                try (DeviceTensor d = gpu.allocate("t", t, Shape.of(1024, 8));
                     HostBuffer in = gpu.allocateHost(d.byteSize()); HostBuffer out = gpu.allocateHost(d.byteSize())) {
                    for (long i = 0; i < d.byteSize(); i++) {
                        in.segment().set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + t.ordinal()));
                    }
                    gpu.copyIn(in.segment(), d, 0).await();
                    gpu.copyOut(d, 0, out.segment()).await();
                    assertThat(out.segment().mismatch(in.segment())).as(t.name()).isEqualTo(-1);
                }
            }
            assertThat(g.memoryInfo()[0]).isEqualTo(before);
        }
    }
}
