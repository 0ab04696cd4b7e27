package dev.safetensors.bench;

import dev.safetensors.DType;
import dev.safetensors.OpenOptions;
import dev.safetensors.ReadStrategy;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The cold-cache effect of read-ahead hints (scripts/bench-prefetch drops the page cache before each run): a
 * loader reads every BF16 tensor of a file in order, decoding each into an F32 staging segment, with no hints
 * ({@code none}), hinting the next tensor before decoding the current one ({@code next}), or hinting them all
 * first ({@code all}). Prints the wall time and the MB/s of file bytes.
 *
 * <p>{@code java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar dev.safetensors.bench.ColdPrefetch
 * write FILE MIB} makes the file (64 tensors); {@code ... run FILE MMAP|PREAD none|next|all [WORK_MS]} measures.
 */
public final class ColdPrefetch {
    private ColdPrefetch() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        if (args[0].equals("write")) {
            long elements = Long.parseLong(args[2]) * (1 << 20) / 64 / 2;
            short[] values = new short[(int) elements];
            for (int i = 0; i < values.length; i++) {
                values[i] = (short) (Float.floatToRawIntBits(i * 0.001f) >>> 16);
            }
            SafeTensorsWriter w = SafeTensorsWriter.create();
            for (int t = 0; t < 64; t++) {
                w.add(String.format("layers.%02d.weight", t), DType.BF16, Shape.of(elements), TensorData.of(values));
            }
            w.write(file);
            return;
        }
        ReadStrategy strategy = ReadStrategy.valueOf(args[2]);
        String mode = args[3];
        long workNanos = args.length > 4 ? Long.parseLong(args[4]) * 1_000_000 : 0;
        long start = System.nanoTime();
        double sum = 0;
        try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy));
             Arena arena = Arena.ofConfined()) {
            List<Tensor> tensors = f.tensors();
            MemorySegment staging = arena.allocate(tensors.getFirst().byteSize(DType.F32), 64);
            if (mode.equals("all")) {
                f.prefetch(f.names());
            }
            for (int i = 0; i < tensors.size(); i++) {
                if (mode.equals("next") && i + 1 < tensors.size()) {
                    tensors.get(i + 1).prefetch();
                }
                tensors.get(i).copyTo(staging, DType.F32);
                sum += staging.get(ValueLayout.JAVA_FLOAT_UNALIGNED, staging.byteSize() - 4);
                for (long until = System.nanoTime() + workNanos; System.nanoTime() < until; ) {
                    Thread.onSpinWait();
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s %s work %d ms: %.3f s, %.0f MB/s (hints %s, checksum %.1f)%n", strategy, mode,
                workNanos / 1_000_000, seconds, Files.size(file) / seconds / 1e6, dev.safetensors.SafeTensorsFile.class.getModule().isNativeAccessEnabled(), sum);
    }
}
