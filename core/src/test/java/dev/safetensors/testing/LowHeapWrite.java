package dev.safetensors.testing;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Child-JVM program for {@link LowHeapWriteTest}: writes a 3 GiB model from generated data, then copies it
 * to a second file from its own mapping, both under a heap far smaller than the model.
 */
public final class LowHeapWrite {
    public static final long BIG = 5L << 29;    // 2.5 GiB: one tensor over 2 GiB
    public static final long SMALL = 1L << 29;  // 0.5 GiB

    /** The byte at {@code offset} of tensor {@code t}: a pattern no two nearby offsets share. */
    public static byte pattern(int t, long offset) {
        long x = offset * 0x9E3779B97F4A7C15L + t;
        return (byte) (x >>> 56);
    }

    public static void main(String[] args) {
        Path first = Path.of(args[0]);
        Path copy = Path.of(args[1]);
        SafeTensorsWriter.create()
                .putMetadata("purpose", "low-heap test")
                .add("big", DType.U8, Shape.of(BIG), generated(0, BIG))
                .add("small", DType.F32, Shape.of(SMALL / 4), generated(1, SMALL))
                .write(first);
        try (SafeTensorsFile in = SafeTensorsFile.open(first)) {
            SafeTensorsWriter w = SafeTensorsWriter.create().metadata(in.metadata().orElse(null));
            for (Tensor t : in.tensors()) {
                w.add(t.name(), t.dtype(), t.shape(), TensorData.of(t.data()));
            }
            w.write(copy);
        }
        System.out.println("heap max " + Runtime.getRuntime().maxMemory());
    }

    private static TensorData generated(int t, long size) {
        return sink -> {
            byte[] block = new byte[1 << 20];
            for (long off = 0; off < size; off += block.length) {
                int n = (int) Math.min(block.length, size - off);
                for (int i = 0; i < n; i++) {
                    block[i] = pattern(t, off + i);
                }
                sink.write(MemorySegment.ofArray(block).asSlice(0, n));
            }
        };
    }
}
