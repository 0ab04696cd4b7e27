package dev.safetensors.cli;

import dev.safetensors.DType;
import dev.safetensors.OpenOptions;
import dev.safetensors.ReadStrategy;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.convert.FloatDecoder;
import dev.safetensors.convert.SubBytePacking;
import dev.safetensors.internal.io.InFlight;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code safetensors bench}: how fast this machine opens, reads, writes and converts the user's own files. */
final class BenchCommand implements Callable<Integer> {
    /** Below this, a read or write takes microseconds: the clock and the call overhead, not the bytes, are timed. */
    static final long MIN_TIMED_BYTES = 1 << 20;
    final CommandSpec spec;
    private final Main main;
    List<Path> paths;
    boolean json;
    int runs;
    Integer threads;
    Path scratch;
    boolean cold;
    String device;
    String budget;
    String chunk;
    Integer tensorParallel;
    int rank;

    BenchCommand(Main main) {
        this.main = main;
        spec = CommandModel.command("bench", this, new String[] {
                "Measure how fast this machine opens, reads, writes and converts your own files.",
                "",
                "Each figure comes with a baseline measured in the same run: memcpy with as many threads as the",
                "reads, a raw write of the same bytes, dd for cold reads. Every figure is the median of several runs",
                "after warm-up; a file under 1 MiB is too small to time its reads and writes. A sharded checkpoint is",
                "measured shard by shard. The write test's scratch copy goes to the temp directory (or --scratch",
                "DIR, to measure another disk), never next to the model, and is removed afterwards."},
                "  safetensors bench model.safetensors",
                "  safetensors bench --json --runs 9 --threads 4 shards/",
                "  safetensors bench --scratch /mnt/nvme/tmp model.safetensors   # write figures for that disk",
                "  safetensors bench --device cuda:0 model.safetensors");
        spec.addPositional(CommandModel.positionals("1..*", "PATH", Path.class, () -> paths, v -> paths = v)
                .description("safetensors files, *.safetensors.index.json files or directories of shards (each shard "
                        + "measured)").build());
        spec.addOption(CommandModel.flag("--json", () -> json, v -> json = v)
                .description("One JSON object per file.").build());
        spec.addOption(CommandModel.option("--runs", "N", int.class, () -> runs, v -> runs = v).defaultValue("5")
                .description("Timed runs per figure (default ${DEFAULT-VALUE}).").build());
        spec.addOption(CommandModel.option("--threads", "N", Integer.class, () -> threads, v -> threads = v)
                .description("Reader threads (default: the number of cores, at most 8).").build());
        spec.addOption(CommandModel.option("--scratch", "DIR", Path.class, () -> scratch, v -> scratch = v)
                .description("Where the write test puts its copy (default: the temp directory, "
                        + "java.io.tmpdir).").build());
        spec.addOption(CommandModel.flag("--cold", () -> cold, v -> cold = v)
                .description("Also measure cold reads, dropping the page cache before each run (root "
                        + "only).").build());
        spec.addOption(CommandModel.option("--device", "DEVICE", String.class, () -> device, v -> device = v)
                .description("Measure streaming loads onto DEVICE (cpu, cuda:0, rocm:0) against the baselines that "
                        + "bound them: memcpy and dd for the CPU, host-to-device copies from pinned and pageable "
                        + "memory for a GPU.").build());
        spec.addOption(CommandModel.option("--budget", "SIZE", String.class,
                () -> budget, v -> budget = v).defaultValue("256MiB")
                .description("With --device: staging memory the load may hold (default ${DEFAULT-VALUE}).").build());
        spec.addOption(CommandModel.option("--chunk", "SIZE", String.class,
                () -> chunk, v -> chunk = v).defaultValue("8MiB")
                .description("With --device: bytes per read and copy (default ${DEFAULT-VALUE}).").build());
        spec.addOption(CommandModel.option("--tensor-parallel", "N", Integer.class,
                () -> tensorParallel, v -> tensorParallel = v)
                .description("With --device: load one rank's pieces of an N-way tensor-parallel plan (Llama-style "
                        + "rules).").build());
        spec.addOption(CommandModel.option("--rank", "R", int.class, () -> rank, v -> rank = v).defaultValue("0")
                .description("With --tensor-parallel: which rank.").build());
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        int t = threads != null ? threads : Math.min(8, Runtime.getRuntime().availableProcessors());
        if (t < 1 || runs < 1) {
            throw new ParameterException(spec.commandLine(), "--threads and --runs take a number of at least 1");
        }
        if (scratch != null && !Files.isDirectory(scratch)) {
            throw new ParameterException(spec.commandLine(), "--scratch `" + scratch + "` is not a directory");
        }
        if (device != null) {
            return streamBench(out, t);
        }
        int status = ExitCode.OK;
        for (Path p : paths) {
            // As inspect and validate: a path that fails is reported on one line, and the others are measured.
            try {
                for (Path file : Inputs.filePaths(p)) {
                    Map<String, Object> r = measure(file, t);
                    out.println(json ? AsciiJson.of(toJson(r)) : toText(r));
                    out.flush();
                }
            } catch (SafeTensorsException | IOException | OutOfMemoryError e) {
                status = ExitCode.worst(status, main.failed(e, p));
            }
        }
        return status;
    }

    private int streamBench(PrintWriter out, int threadCount) throws Exception {
        boolean canDrop = cold && Files.isWritable(Path.of("/proc/sys/vm/drop_caches"));
        if (cold && !canDrop) {
            spec.commandLine().getErr().println("safetensors bench: --cold needs root (to write /proc/sys/vm/drop_caches);"
                    + " cold figures left out");
        }
        long budgetBytes = dev.safetensors.ShardedWriter.parseSize(budget);
        long chunkBytes = Math.min(budgetBytes, dev.safetensors.ShardedWriter.parseSize(chunk));
        dev.safetensors.load.LoadBudget b = dev.safetensors.load.LoadBudget.defaults().withBytes(budgetBytes)
                .withChunkBytes(chunkBytes).withThreads(threadCount);
        dev.safetensors.load.LoadPlan plan = tensorParallel == null ? dev.safetensors.load.LoadPlan.all()
                : dev.safetensors.load.LoadPlan.rank(dev.safetensors.parallel.ParallelPlan.builder(tensorParallel)
                        .place(".*\\.(q|k|v|gate|up)_proj\\.weight", dev.safetensors.parallel.Placement.SPLIT_DIM0)
                        .place(".*\\.(o|down)_proj\\.weight", dev.safetensors.parallel.Placement.SPLIT_DIM1)
                        .build(), rank, 0);
        for (Path p : paths) {
            Map<String, Object> r = new StreamBench(p, b, plan, runs, canDrop).measure(device);
            out.println(json ? AsciiJson.of(toJson(r)) : toText(r));
            out.flush();
        }
        return 0;
    }

    private Map<String, Object> measure(Path path, int threadCount) throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("path", path.toString());
        long dataBytes;
        try (SafeTensorsFile f = SafeTensorsFile.open(path)) {
            r.put("tensors", f.size());
            r.put("header_bytes", f.header().headerSize());
            dataBytes = f.header().dataSize();
            r.put("data_bytes", dataBytes);
        }
        boolean canDrop = cold && Files.isWritable(Path.of("/proc/sys/vm/drop_caches"));
        if (cold && !canDrop) {
            spec.commandLine().getErr().println("safetensors bench: --cold needs root (to write /proc/sys/vm/drop_caches);"
                    + " cold figures left out");
        }
        boolean timed = dataBytes >= MIN_TIMED_BYTES;
        // One step per figure: the bar says which is being measured, and how many are left.
        try (Progress bar = main.progress("bench " + path.getFileName(), timed ? (canDrop ? 11 : 9) : 4,
                Progress.Unit.STEPS)) {
            bar.message("open");
            r.put("open_ms", Math.round(Measure.medianSeconds(3, Math.max(runs, 5),
                    () -> SafeTensorsFile.open(path).close()) * 1e6) / 1e3);
            bar.advance(1);
            r.put("read_threads", threadCount);
            if (timed) {
                bar.message("memcpy");
                r.put("memcpy_gbps", memcpy(dataBytes, threadCount));
                bar.advance(1);
                bar.message("read (mmap)");
                r.put("read_mmap_gbps", read(path, ReadStrategy.MMAP, threadCount, dataBytes, false));
                bar.advance(1);
                bar.message("read (pread)");
                r.put("read_pread_gbps", read(path, ReadStrategy.PREAD, threadCount, dataBytes, false));
                bar.advance(1);
                if (canDrop) {
                    bar.message("cold read");
                    r.put("cold_read_gbps", read(path, ReadStrategy.PREAD, threadCount, dataBytes, true));
                    bar.advance(1);
                    bar.message("cold dd");
                    r.put("cold_dd_gbps", coldDd(path));
                    bar.advance(1);
                } else {
                    r.put("cold_read_gbps", null);
                    r.put("cold_dd_gbps", null);
                }
                bar.message("write");
                double[] w = writes(path);
                r.put("write_gbps", w[0]);
                r.put("raw_write_gbps", w[1]);
                bar.advance(2);
            } else {
                for (String k : List.of("memcpy_gbps", "read_mmap_gbps", "read_pread_gbps", "cold_read_gbps",
                        "cold_dd_gbps", "write_gbps", "raw_write_gbps")) {
                    r.put(k, null);   // too small to time
                }
            }
            for (DType d : List.of(DType.BF16, DType.F16, DType.F8_E4M3)) {
                bar.message("decode " + d);
                r.put(d.name().toLowerCase(java.util.Locale.ROOT) + "_to_f32_gbps", decode(d));
                bar.advance(1);
            }
        }
        r.put("too_small_to_time", !timed);
        return r;
    }

    /**
     * Copying the data's size between off-heap segments, shared out over {@code threadCount} threads as the reads
     * are: one thread's memcpy against several threads' reads would make a read look faster than memory.
     */
    private double memcpy(long bytes, int threadCount) throws Exception {
        long share = Math.ceilDiv(bytes, threadCount);
        long block = Math.max(1, Math.min(share, 64L << 20));
        ExecutorService pool = Executors.newFixedThreadPool(threadCount);
        try (Arena arena = Arena.ofShared()) {
            List<MemorySegment[]> pairs = new ArrayList<>();
            for (int i = 0; i < threadCount; i++) {
                pairs.add(new MemorySegment[] {arena.allocate(block, 4096).fill((byte) 1), arena.allocate(block, 4096)});
            }
            double s = Measure.medianSeconds(2, runs, () -> {
                List<Future<?>> futures = new ArrayList<>();
                for (int i = 0; i < threadCount; i++) {
                    MemorySegment[] pair = pairs.get(i);
                    long mine = Math.max(0, Math.min(share, bytes - i * share));
                    futures.add(pool.submit(() -> {
                        for (long done = 0; done < mine; done += block) {
                            MemorySegment.copy(pair[0], 0, pair[1], 0, Math.min(block, mine - done));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            });
            return Measure.gbps(bytes, s);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Every tensor copied into heap arrays (allocated once), tensors shared out over the threads; with
     * {@code cold}, the page cache is dropped (untimed) before each run.
     */
    private double read(Path path, ReadStrategy strategy, int threadCount, long dataBytes, boolean cold) throws Exception {
        try (SafeTensorsFile f = SafeTensorsFile.open(path, OpenOptions.defaults().withStrategy(strategy))) {
            List<Tensor> tensors = f.tensors();
            List<byte[][]> targets = new ArrayList<>();
            for (Tensor t : tensors) {
                targets.add(chunks(t.byteSize()));
            }
            ExecutorService pool = Executors.newFixedThreadPool(threadCount);
            try {
                Measure.Run body = () -> readAll(tensors, targets, pool, threadCount);
                double s = cold
                        ? Measure.medianSeconds(0, runs, BenchCommand::dropCaches, body)
                        : Measure.medianSeconds(1, runs, body);
                return Measure.gbps(dataBytes, s);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** The device's own sequential rate: {@code dd} of the whole file after dropping the page cache. */
    private double coldDd(Path path) throws Exception {
        double s = Measure.medianSeconds(0, runs, BenchCommand::dropCaches, () -> {
            Process p = new ProcessBuilder("dd", "if=" + path, "of=/dev/null", "bs=16M").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
        });
        return Measure.gbps(Files.size(path), s);
    }

    private static void dropCaches() throws IOException {
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
    }

    /** Heap arrays holding {@code size} bytes (Java arrays stop below 2 GiB). */
    private static byte[][] chunks(long size) {
        int n = (int) Math.max(1, (size + (1L << 30) - 1) >>> 30);
        byte[][] c = new byte[n][];
        for (int i = 0; i < n; i++) {
            c[i] = new byte[(int) Math.min(1L << 30, size - ((long) i << 30))];
        }
        return c;
    }

    /** 16 MiB pieces in file order, taken by whichever thread is free: every thread reads near the others. */
    private static void readAll(List<Tensor> tensors, List<byte[][]> targets, ExecutorService pool, int threadCount)
            throws Exception {
        long piece = 16L << 20;
        List<long[]> work = new ArrayList<>();   // {tensor, chunk, offset in chunk, length}
        for (int i = 0; i < tensors.size(); i++) {
            byte[][] chunks = targets.get(i);
            for (int c = 0; c < chunks.length; c++) {
                for (long off = 0; off < chunks[c].length; off += piece) {
                    work.add(new long[] {i, c, off, Math.min(piece, chunks[c].length - off)});
                }
            }
        }
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < threadCount; w++) {
            futures.add(pool.submit(() -> {
                for (int k = next.getAndIncrement(); k < work.size(); k = next.getAndIncrement()) {
                    long[] job = work.get(k);
                    byte[] chunk = targets.get((int) job[0])[(int) job[1]];
                    long tensorOffset = (job[1] << 30) + job[2];
                    tensors.get((int) job[0]).copyTo(tensorOffset,
                            MemorySegment.ofArray(chunk).asSlice(job[2], job[3]));
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
    }

    /**
     * Our writer (tensors streamed from the mapping, temp file, fsync, rename) and a raw channel write of
     * the same bytes + force, alternating run by run so that both meet the same writeback state. Both
     * write a new file: the previous one is deleted before each run, untimed.
     *
     * @return {ours, raw} in GB/s
     */
    private double[] writes(Path path) throws Exception {
        // Never next to the model: its folder may be read-only, synced or watched, and a crash must not leave a copy.
        Path dir = scratch != null ? scratch : Path.of(System.getProperty("java.io.tmpdir"));
        Path out = dir.resolve("safetensors-bench-" + ProcessHandle.current().pid() + ".safetensors");
        InFlight.add(out);      // a copy of the model: removed even when the bench is stopped (Ctrl-C)
        try (SafeTensorsFile f = SafeTensorsFile.open(path)) {
            long bytes = f.header().dataStart() + f.header().dataSize();
            double[] ours = new double[runs];
            double[] raw = new double[runs];
            for (int i = -1; i < runs; i++) {
                Files.deleteIfExists(out);
                double o = Measure.medianSeconds(0, 1, () -> {
                    SafeTensorsWriter w = SafeTensorsWriter.create().metadata(f.metadata().orElse(null));
                    for (Tensor t : f.tensors()) {
                        w.add(t.name(), t.dtype(), t.shape(), TensorData.of(t.data()));
                    }
                    w.write(out);
                });
                Files.deleteIfExists(out);
                double r = Measure.medianSeconds(0, 1, () -> rawWrite(out, f, bytes));
                if (i >= 0) {   // run -1 warms up
                    ours[i] = o;
                    raw[i] = r;
                }
            }
            return new double[] {Measure.gbps(bytes, Measure.median(ours)), Measure.gbps(bytes, Measure.median(raw))};
        } finally {
            Files.deleteIfExists(out);
            InFlight.remove(out);
        }
    }

    private static void rawWrite(Path out, SafeTensorsFile f, long bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer prefix = ByteBuffer.allocate((int) f.header().dataStart());
            while (prefix.hasRemaining()) {
                ch.write(prefix);
            }
            for (Tensor t : f.tensors()) {
                MemorySegment d = t.data();
                for (long off = 0; off < d.byteSize(); off += 1L << 30) {
                    ByteBuffer b = d.asSlice(off, Math.min(1L << 30, d.byteSize() - off)).asByteBuffer();
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
            }
            ch.force(true);
        }
    }

    /** Input bytes per second decoding 2^24 elements to float (synthetic data: values do not matter). */
    private double decode(DType t) throws Exception {
        int n = 1 << 24;
        float[] out = new float[n];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate((long) n * t.bits() / 8, 64).fill((byte) 0x3C);
            // Enough warm-up for the JIT to compile the loop fully, not only on-stack.
            double s = Measure.medianSeconds(20, runs, () -> FloatDecoder.decode(t, in, out, 0, SubBytePacking.DEFAULT));
            return Measure.gbps(in.byteSize(), s);
        }
    }

    private static String toJson(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : r.entrySet()) {
            sb.append(sb.length() == 1 ? "" : ", ").append(dev.safetensors.internal.json.JsonWriter.quote(e.getKey())).append(": ");
            Object v = e.getValue();
            sb.append(v instanceof String s ? dev.safetensors.internal.json.JsonWriter.quote(s) : String.valueOf(v));
        }
        return sb.append('}').toString();
    }

    private static String toText(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder();
        boolean tooSmall = Boolean.TRUE.equals(r.get("too_small_to_time"));
        r.forEach((k, v) -> {
            if (!k.equals("too_small_to_time")) {
                sb.append(String.format(Locale.ROOT, "  %-22s %s%n", k, v != null ? v
                        : tooSmall && k.endsWith("_gbps") && !k.startsWith("cold") ? "too small to time" : "-"));
            }
        });
        if (!r.containsKey("read_mmap_gbps") || tooSmall) {
            return sb.toString().stripTrailing();   // streaming figures carry their own ratios
        }
        double memcpy = (double) r.get("memcpy_gbps");
        sb.append(String.format("  read (best) / memcpy   %.2f%n",
                Math.max((double) r.get("read_mmap_gbps"), (double) r.get("read_pread_gbps")) / memcpy));
        sb.append(String.format("  write / raw write      %.2f%n", (double) r.get("write_gbps") / (double) r.get("raw_write_gbps")));
        return sb.toString().stripTrailing();
    }
}
