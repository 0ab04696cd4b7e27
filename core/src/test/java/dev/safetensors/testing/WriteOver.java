package dev.safetensors.testing;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;

import java.nio.file.Path;

/** Child-JVM program for {@link WriteFailureTest}: writes an N-byte tensor over a file, reports the outcome. */
public final class WriteOver {
    public static void main(String[] args) {
        long size = Long.parseLong(args[1]);
        try {
            SafeTensorsWriter.create().add("big", DType.U8, Shape.of(size), sink -> {
                byte[] block = new byte[1 << 16];
                for (long off = 0; off < size; off += block.length) {
                    sink.write(block, 0, (int) Math.min(block.length, size - off));
                }
            }).write(Path.of(args[0]));
            System.out.println("OK");
        } catch (SafeTensorsException e) {
            System.out.println(e.kind() + ": " + e.getMessage());
        }
    }
}
