package dev.safetensors.hub.testing;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Small safetensors files for the tests, with values the tests know independently: tensor {@code t} of shape
 * {@code [rows, cols]} holds {@code base + r * cols + c} as F32.
 */
public final class TestCheckpoints {
    private TestCheckpoints() {
    }

    /** Tensors name → [rows, cols], each filled with {@link #value}, in a safetensors file's bytes. */
    public static byte[] file(Map<String, int[]> tensors, Map<String, String> metadata) {
        try {
            Path tmp = Files.createTempFile("hub-test", ".safetensors");
            try {
                SafeTensorsWriter w = SafeTensorsWriter.create();
                metadata.forEach(w::putMetadata);
                int base = 0;
                for (Map.Entry<String, int[]> e : tensors.entrySet()) {
                    int rows = e.getValue()[0];
                    int cols = e.getValue()[1];
                    w.add(e.getKey(), DType.F32, Shape.of(rows, cols), TensorData.of(values(base, rows * cols)));
                    base += 1_000_000;
                }
                w.write(tmp);
                return Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One tensor {@code name} of [rows, cols]. */
    public static byte[] file(String name, int rows, int cols) {
        Map<String, int[]> t = new LinkedHashMap<>();
        t.put(name, new int[] {rows, cols});
        return file(t, Map.of());
    }

    /** The value at flat index {@code i} of the {@code k}-th tensor (in declaration order) of {@link #file}. */
    public static float value(int k, long i) {
        return k * 1_000_000f + i;
    }

    private static float[] values(int base, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = base + i;
        }
        return v;
    }

    /** Bytes that are not a safetensors file: {@code n} pseudo-random bytes from a seed. */
    public static byte[] noise(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }
}
