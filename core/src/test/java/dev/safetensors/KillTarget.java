package dev.safetensors;

import java.nio.file.Path;

/**
 * Child-JVM program for {@link CrashSafetyTest}: rewrites one file forever, each version a complete,
 * checkable file (metadata {@code version} = k, every data byte = k). Mode {@code write} streams new data,
 * mode {@code convert} copies the current file into a new version through its own mapping, as
 * {@code safetensors convert} does.
 */
public final class KillTarget {
    static final int TENSORS = 4;
    static final int BYTES = 2 << 20;

    public static void main(String[] args) {
        Path target = Path.of(args[0]);
        boolean convert = args[1].equals("convert");
        for (int k = 1; ; k++) {
            byte version = (byte) k;
            SafeTensorsWriter w = SafeTensorsWriter.create().putMetadata("version", Integer.toString(version & 0xFF));
            if (convert) {
                try (SafeTensorsFile old = SafeTensorsFile.open(target)) {
                    for (Tensor t : old.tensors()) {
                        // Same bytes as the old version, then the new version's bytes in a fresh tensor.
                        w.add(t.name(), t.dtype(), t.shape(), sink -> {
                            byte[] block = new byte[1 << 16];
                            java.util.Arrays.fill(block, version);
                            for (long off = 0; off < t.byteSize(); off += block.length) {
                                sink.write(block, 0, (int) Math.min(block.length, t.byteSize() - off));
                            }
                        });
                    }
                    w.write(target);
                }
            } else {
                for (int t = 0; t < TENSORS; t++) {
                    w.add("t" + t, DType.U8, Shape.of(BYTES), sink -> {
                        byte[] block = new byte[1 << 16];
                        java.util.Arrays.fill(block, version);
                        for (int off = 0; off < BYTES; off += block.length) {
                            sink.write(block);
                        }
                    });
                }
                w.write(target);
            }
        }
    }
}
