package dev.safetensors.cuda;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import java.nio.file.Path;

/**
 * Writes a checkpoint for scripts/gpu-check: N BF16 tensors of B bytes each, pseudo-random (a cheap
 * generator: the values do not matter, only that they are not zero pages). Arguments: file N B.
 */
public final class GenerateCheckpoint {
    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        long bytes = Long.parseLong(args[2]) & ~1L;
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (int i = 0; i < n; i++) {
            long seed = i * 0x9E3779B97F4A7C15L;
            w.add("model.layers." + i / 7 + ".w" + i, DType.BF16, Shape.of(bytes / 2 / 1024, 1024), sink -> {
                byte[] block = new byte[1 << 20];
                long s = seed;
                for (long done = 0; done < bytes; done += block.length) {
                    for (int k = 0; k < block.length; k += 8) {
                        s = s * 6364136223846793005L + 1442695040888963407L;
                        for (int b = 0; b < 8; b++) {
                            block[k + b] = (byte) (s >>> (8 * b));
                        }
                    }
                    sink.write(block, 0, (int) Math.min(block.length, bytes - done));
                }
            });
        }
        w.write(file);
    }
}
