package dev.safetensors.load;

import dev.safetensors.testing.RecordingDevice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceTensor;
import dev.safetensors.internal.device.DeviceData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving from a device writes the same file as saving the same bytes from an array. */
class SaveFromDeviceTest {
    @TempDir
    Path dir;

    @Test
    void aDeviceTensorSavesByteForByteThroughStaging() throws Exception {
        byte[] bytes = new byte[3 * 1000 * 2];
        new Random(5).nextBytes(bytes);
        RecordingDevice dev = new RecordingDevice(1, 0);
        try (DeviceTensor t = dev.allocate("w", DType.BF16, Shape.of(3, 1000))) {
            try (Arena a = Arena.ofShared()) {
                MemorySegment src = a.allocate(bytes.length);
                src.copyFrom(MemorySegment.ofArray(bytes));
                dev.copyIn(src, t, 0).await();
            }
            Path fromDevice = dir.resolve("device.safetensors");
            SafeTensorsWriter.create().putMetadata("format", "pt")
                    .add("w", DType.BF16, Shape.of(3, 1000), DeviceData.of(t, 1000))   // 7 chunks, the last partial
                    .write(fromDevice);
            Path fromArray = dir.resolve("array.safetensors");
            SafeTensorsWriter.create().putMetadata("format", "pt")
                    .add("w", DType.BF16, Shape.of(3, 1000), TensorData.of(bytes))
                    .write(fromArray);
            assertThat(Files.readAllBytes(fromDevice)).isEqualTo(Files.readAllBytes(fromArray));
        }
        assertThat(dev.liveHostBytes.get()).isZero();
    }

    @Test
    void aCpuTensorIsWrittenStraightFromItsMemory() {
        try (Arena arena = Arena.ofShared(); Device cpu = Device.cpu(arena)) {
            DeviceTensor t = cpu.allocate("x", DType.F32, Shape.of(4));
            MemorySegment m = cpu.hostView(t).orElseThrow();
            for (int i = 0; i < 4; i++) {
                m.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 4L * i, i + 0.5f);
            }
            Path file = dir.resolve("cpu.safetensors");
            SafeTensorsWriter.create().add("x", t).write(file);
            try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
                assertThat(f.tensor("x").toFloatArray()).containsExactly(0.5f, 1.5f, 2.5f, 3.5f);
            }
        }
    }
}
