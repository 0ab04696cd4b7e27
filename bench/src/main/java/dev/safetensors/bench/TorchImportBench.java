package dev.safetensors.bench;

import dev.safetensors.Checkpoint;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.torch.TorchCheckpoint;
import dev.safetensors.torch.TorchConverter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Importing a PyTorch checkpoint against rewriting a safetensors file of the same tensors, in one run:
 * {@code convert model.bin out.safetensors} (torch module) versus {@code convert model.safetensors
 * out.safetensors} (the core reader and writer, as the CLI does it). Both map their input and stream
 * tensor bytes into the atomic writer (temp file, fsync, rename); runs alternate so that both see the same
 * page cache and disk, and the medians are compared.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.safetensors.bench.TorchImportBench DIR [MIB] [RUNS]</pre>
 * (default 1024 MiB in 256 tensors, 7 runs each after one warm-up of each).
 */
public final class TorchImportBench {
    private TorchImportBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        Files.createDirectories(dir);
        int tensors = 256;
        int elements = (int) ((long) mib * (1 << 20) / tensors / 4);
        byte[] fill = new byte[1 << 16];
        new Random(42).nextBytes(fill);
        Path bin = dir.resolve("bench-model.bin");
        Path safetensors = dir.resolve("bench-model.safetensors");
        Path out = dir.resolve("bench-out.safetensors");
        TorchZipFile.write(bin, tensors, elements, fill);
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(bin)) {
            TorchConverter.create().convert(ckpt, safetensors);   // the same tensors, as safetensors
        }
        System.out.printf("inputs: %s (%,d bytes), %s (%,d bytes); %d runs each, alternating%n", bin, Files.size(bin),
                safetensors, Files.size(safetensors), runs);
        convertSafetensors(safetensors, out);
        convertTorch(bin, out);
        List<Double> st = new ArrayList<>();
        List<Double> pt = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            st.add(convertSafetensors(safetensors, out));
            pt.add(convertTorch(bin, out));
        }
        double s = median(st);
        double p = median(pt);
        double gib = Files.size(safetensors) / (double) (1L << 30);
        System.out.printf("convert safetensors -> safetensors: median %.3f s (%.2f GiB/s)  runs %s%n", s, gib / s, st);
        System.out.printf("convert .bin        -> safetensors: median %.3f s (%.2f GiB/s)  runs %s%n", p, gib / p, pt);
        System.out.printf("ratio (speed of .bin import / speed of safetensors rewrite): %.2f%n", s / p);
        Files.deleteIfExists(out);
    }

    /** What {@code safetensors convert IN OUT} does for a safetensors IN. */
    private static double convertSafetensors(Path in, Path out) {
        long t0 = System.nanoTime();
        try (Checkpoint ckpt = Checkpoint.open(in)) {
            SafeTensorsWriter w = SafeTensorsWriter.create().metadata(ckpt.metadata().orElse(null));
            for (String name : ckpt.names()) {
                Tensor t = ckpt.tensor(name);
                w.add(name, t.dtype(), t.shape(), TensorData.of(t.data()));
            }
            w.write(out);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double convertTorch(Path in, Path out) {
        long t0 = System.nanoTime();
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(in)) {
            TorchConverter.create().convert(ckpt, out);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
