package dev.safetensors.testing;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.ShardedWriter;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;

import java.nio.file.Path;

/**
 * Child-JVM program for {@link CrashSafetyTest}: rewrites one file forever, each version a complete,
 * checkable file (metadata {@code version} = k, every data byte = k). Mode {@code write} streams new data,
 * mode {@code convert} copies the current file into a new version through its own mapping, as
 * {@code safetensors convert} does; mode {@code reshard} replaces a sharded checkpoint in a directory.
 */
public final class KillTarget {
    public static final int TENSORS = 4;
    public static final int BYTES = 2 << 20;
    /** Mode {@code reshard}: six tensors of 512 KiB, written as 1, 2, 3 or 6 files in turn. */
    public static final int RESHARD_TENSORS = 6;
    public static final int RESHARD_BYTES = 512 << 10;
    private static final int[] SHARD_COUNTS = {3, 3, 1, 1, 2, 6, 3, 2, 2, 1, 6, 6};

    public static void main(String[] args) {
        Path target = Path.of(args[0]);
        if (args[1].equals("reshard")) {
            reshard(target, Integer.parseInt(args[2]) + 1);
            return;
        }
        boolean convert = args[1].equals("convert");
        for (int k = 1; ; k++) {
            byte version = (byte) k;
            SafeTensorsWriter w = SafeTensorsWriter.create().putMetadata("version", Integer.toString(version & 0xFF));
            if (convert) {
                try (SafeTensorsFile old = SafeTensorsFile.open(target)) {
                    for (Tensor t : old.tensors()) {
                        // The old version's shape, streamed while its mapping is open, with the new version's bytes.
                        w.add(t.name(), t.dtype(), t.shape(), filled(version, t.byteSize()));
                    }
                    w.write(target);
                }
            } else {
                for (int t = 0; t < TENSORS; t++) {
                    w.add("t" + t, DType.U8, Shape.of(BYTES), filled(version, BYTES));
                }
                w.write(target);
            }
        }
    }

    /**
     * Replaces the checkpoint in {@code dir} forever, as {@code convert --max-shard-size} does: version k (in
     * 1..127, every byte k) as one file or as shards, the count changing and repeating, so that new shard names
     * are sometimes the old ones.
     */
    public static void reshard(Path dir, int first) {
        reshard(dir, first, Integer.MAX_VALUE);
    }

    /** {@code versions} versions from {@code first} on. */
    public static void reshard(Path dir, int first, int versions) {
        for (int k = first; k - first < versions; k++) {
            byte version = (byte) (1 + k % 127);
            int shards = shardsOf(k);
            ShardedWriter w = ShardedWriter.create((long) RESHARD_BYTES * RESHARD_TENSORS / shards)
                    .shardMetadata(java.util.Map.of("version", Integer.toString(version)));
            for (int t = 0; t < RESHARD_TENSORS; t++) {
                w.add("t" + t, DType.U8, Shape.of(RESHARD_BYTES), filled(version, RESHARD_BYTES));
            }
            w.write(dir, "model");
        }
    }

    /** {@code bytes} bytes of {@code version}, streamed in 64 KiB blocks as a generator would. */
    private static TensorData filled(byte version, long bytes) {
        return sink -> {
            byte[] block = new byte[1 << 16];
            java.util.Arrays.fill(block, version);
            for (long off = 0; off < bytes; off += block.length) {
                sink.write(block, 0, (int) Math.min(block.length, bytes - off));
            }
        };
    }

    public static int shardsOf(int k) {
        return SHARD_COUNTS[Math.floorMod(k, SHARD_COUNTS.length)];
    }
}
