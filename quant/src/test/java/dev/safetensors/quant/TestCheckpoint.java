package dev.safetensors.quant;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A small checkpoint written by a test: tensors from raw little-endian bytes, and a config.json beside them. */
public final class TestCheckpoint {
    private final SafeTensorsWriter writer = SafeTensorsWriter.create();

    public TestCheckpoint add(String name, DType dtype, long[] shape, byte[] bytes) {
        writer.add(name, dtype, Shape.of(shape), TensorData.of(bytes));
        return this;
    }

    public TestCheckpoint ints(String name, DType dtype, long[] shape, int... values) {
        return add(name, dtype, shape, Bytes.ints(values));
    }

    public TestCheckpoint floats(String name, long[] shape, float... values) {
        return add(name, DType.F32, shape, Bytes.floats(values));
    }

    public TestCheckpoint halves(String name, long[] shape, float... values) {
        return add(name, DType.F16, shape, Bytes.halves(values));
    }

    /** Writes {@code model.safetensors} and, unless null, {@code config.json} into {@code dir}. */
    public Path write(Path dir, String configJson) {
        try {
            Files.createDirectories(dir);
            writer.write(dir.resolve("model.safetensors"));
            if (configJson != null) {
                Files.writeString(dir.resolve("config.json"), configJson, StandardCharsets.UTF_8);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static long[] shape(long... dims) {
        return dims;
    }
}
