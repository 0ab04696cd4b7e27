package dev.safetensors.load;

import dev.safetensors.testing.RecordingDevice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.DType;
import dev.safetensors.OpenOptions;
import dev.safetensors.ReadStrategy;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.device.Device;
import dev.safetensors.device.DeviceTensor;
import dev.safetensors.device.PendingCopy;
import dev.safetensors.parallel.ParallelPlan;
import dev.safetensors.parallel.Placement;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming loader attacked: confined arenas, interrupts, close while readers wait, devices failing in
 * every call, files cut short under a load, sub-byte dtypes split across ranks, many tiny tensors. After
 * every test no {@code safetensors-load-*} thread is left.
 */
@Timeout(120)
class StreamingLoadHostileTest {
    @TempDir
    Path dir;

    @AfterEach
    void noLoadThreadOutlivesItsStream() {
        Thread.interrupted();   // a test that interrupted itself must not poison the next
        assertThat(loadThreads()).as("load threads alive after close").isEmpty();
    }

    private static List<String> loadThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("safetensors-load-")).toList();
    }

    private Path tensors(int count, int bytesEach) {
        Path file = dir.resolve("t" + count + ".safetensors");
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (int i = 0; i < count; i++) {
            byte[] b = new byte[bytesEach];
            Arrays.fill(b, (byte) i);
            w.add(String.format("t%06d", i), DType.U8, Shape.of(bytesEach), TensorData.of(b));
        }
        w.write(file);
        return file;
    }

    // ---- the CPU target in the caller's arena ----

    @Test
    void aConfinedArenaIsRefusedAtOnceWithAClearReason() {
        Path file = tensors(4, 100);
        try (Arena arena = Arena.ofConfined(); SafeTensorsFile f = SafeTensorsFile.open(file)) {
            Device cpu = Device.cpu(arena);
            assertThatThrownBy(() -> f.stream(cpu, LoadPlan.all(), LoadBudget.defaults()).close())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("confined")
                    .hasMessageContaining("Arena.ofShared");
            // The device still works on the owner's thread, for saving and for allocations of one's own.
            DeviceTensor t = cpu.allocate("x", DType.U8, Shape.of(3));
            assertThat(t.byteSize()).isEqualTo(3);
        }
    }

    @Test
    void sharedAndAutoArenasAndTheGlobalOneAreAccepted() {
        Path file = tensors(3, 10);
        for (Arena arena : List.of(Arena.ofShared(), Arena.ofAuto(), Arena.global())) {
            try (SafeTensorsFile f = SafeTensorsFile.open(file);
                 TensorStream s = f.stream(Device.cpu(arena), LoadPlan.all(), LoadBudget.defaults())) {
                int n = 0;
                for (LoadedTensor t : s) {
                    n++;
                    assertThat(t.tensor().byteSize()).isEqualTo(10);
                }
                assertThat(n).isEqualTo(3);
            }
        }
    }

    // ---- the consuming thread interrupted ----

    @Test
    void closeOnAnInterruptedThreadStillWaitsForTheLoadAndKeepsTheInterrupt() {
        Path file = tensors(40, 300);
        RecordingDevice slow = new RecordingDevice(20, 0);
        LoadedTensor first;
        try (SafeTensorsFile f = SafeTensorsFile.open(file);
             TensorStream s = f.stream(slow, LoadPlan.all(), new LoadBudget(4 * 256, 256, 4, 4, false))) {
            first = s.next();
            Thread.currentThread().interrupt();
        }
        assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
        assertThat(loadThreads()).as("threads alive right after close").isEmpty();
        assertThat(slow.liveHostBytes.get()).isZero();
        assertThat(slow.liveTensors.get()).isEqualTo(1);
        first.close();
        assertThat(slow.liveTensors.get()).isZero();
        slow.close();
    }

    @Test
    void anInterruptWhileWaitingForATensorIsAnIoErrorAndTheStreamStillCloses() {
        Path file = tensors(10, 300);
        RecordingDevice slow = new RecordingDevice(50, 0);
        try (SafeTensorsFile f = SafeTensorsFile.open(file);
             TensorStream s = f.stream(slow, LoadPlan.all(), new LoadBudget(2 * 256, 256, 2, 2, false))) {
            Thread.currentThread().interrupt();
            assertThatThrownBy(s::hasNext).isInstanceOf(SafeTensorsException.class).hasMessageContaining("interrupted");
        }
        assertThat(Thread.interrupted()).isTrue();
        assertThat(slow.liveHostBytes.get()).isZero();
        assertThat(slow.liveTensors.get()).isZero();
        slow.close();
    }

    // ---- close, and use after close ----

    @Test
    void closeWhileReadersWaitOnAFullQueueDoesNotHang() {
        Path file = tensors(64, 256);
        RecordingDevice slow = new RecordingDevice(100, 0);
        long t0 = System.nanoTime();
        try (SafeTensorsFile f = SafeTensorsFile.open(file);
             TensorStream s = f.stream(slow, LoadPlan.all(), new LoadBudget(16 * 256, 256, 8, 1, false))) {
            s.next().close();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(60));
        assertThat(slow.liveHostBytes.get()).isZero();
        assertThat(slow.liveTensors.get()).isZero();
        slow.close();
    }

    @Test
    void aClosedStreamYieldsNothingMore() {
        Path file = tensors(5, 10);
        try (Arena arena = Arena.ofShared(); SafeTensorsFile f = SafeTensorsFile.open(file)) {
            TensorStream s = f.stream(Device.cpu(arena), LoadPlan.all(), LoadBudget.defaults());
            s.next();
            s.close();
            s.close();
            assertThat(s.hasNext()).isFalse();
            assertThatThrownBy(s::next).isInstanceOf(NoSuchElementException.class);
        }
    }

    @Test
    void closeFromAnotherThreadEndsAConsumerWaitingForATensor() throws Exception {
        Path file = tensors(8, 256);
        RecordingDevice slow = new RecordingDevice(300, 0);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            TensorStream s = f.stream(slow, LoadPlan.all(), new LoadBudget(256, 256, 1, 1, false));
            List<Object> seen = new ArrayList<>();
            Thread consumer = new Thread(() -> {
                try {
                    while (s.hasNext()) {
                        LoadedTensor t = s.next();
                        seen.add(t);
                        t.close();
                    }
                    seen.add("end");
                } catch (RuntimeException e) {
                    seen.add(e);
                }
            });
            consumer.start();
            Thread.sleep(50);
            s.close();
            consumer.join(30_000);
            assertThat(consumer.isAlive()).isFalse();
            assertThat(seen).last().isEqualTo("end");
        }
        assertThat(slow.liveHostBytes.get()).isZero();
        assertThat(slow.liveTensors.get()).isZero();
        slow.close();
    }

    // ---- devices that fail ----

    /** The recording device, failing in allocate, copyIn (not a SafeTensorsException) or the copy's await. */
    private static final class FailingDevice extends ForwardingDevice {
        private final String where;
        private final int when;
        private final AtomicInteger calls = new AtomicInteger();

        FailingDevice(RecordingDevice inner, String where, int when) {
            super(inner);
            this.where = where;
            this.when = when;
        }

        @Override
        public DeviceTensor allocate(String name, DType dtype, Shape shape) {
            if (where.equals("allocate") && calls.incrementAndGet() == when) {
                throw new OutOfMemoryError("allocate " + when + " failed on purpose");
            }
            return super.allocate(name, dtype, shape);
        }

        @Override
        public PendingCopy copyIn(MemorySegment src, DeviceTensor dst, long dstOffset) {
            if (where.equals("copyIn") && calls.incrementAndGet() == when) {
                throw new IllegalStateException("copyIn " + when + " failed on purpose");
            }
            PendingCopy c = super.copyIn(src, dst, dstOffset);
            if (where.equals("await") && calls.incrementAndGet() == when) {
                return new PendingCopy() {
                    @Override
                    public boolean isDone() {
                        return c.isDone();
                    }

                    @Override
                    public void await() {
                        c.await();
                        throw new java.util.concurrent.CompletionException(new java.io.IOException("await failed on purpose"));
                    }
                };
            }
            return c;
        }
    }

    @Test
    void everyKindOfDeviceFailureSurfacesAsSafeTensorsExceptionAndLeavesNothing() {
        Path file = tensors(30, 700);
        for (String where : List.of("allocate", "copyIn", "await")) {
            for (int when : new int[] {1, 7, 20}) {
                RecordingDevice rec = new RecordingDevice(1, 0);
                FailingDevice dev = new FailingDevice(rec, where, when);
                List<LoadedTensor> taken = new ArrayList<>();
                try (SafeTensorsFile f = SafeTensorsFile.open(file);
                     TensorStream s = f.stream(dev, LoadPlan.all(), new LoadBudget(3 * 512, 512, 3, 2, false))) {
                    assertThatThrownBy(() -> s.forEachRemaining(taken::add)).as(where + " " + when)
                            .isInstanceOf(SafeTensorsException.class)
                            .hasMessageContaining("failed on purpose");
                }
                assertThat(loadThreads()).as(where + " " + when).isEmpty();
                assertThat(rec.liveHostBytes.get()).as(where + " " + when).isZero();
                assertThat(rec.liveTensors.get()).as(where + " " + when).isEqualTo(taken.size());
                taken.forEach(LoadedTensor::close);
                assertThat(rec.liveTensors.get()).isZero();
                rec.close();
            }
        }
    }

    // ---- the file changes under the load ----

    @Test
    void aFileCutShortDuringTheLoadIsAnIoErrorNamingTheFile() throws Exception {
        for (ReadStrategy strategy : ReadStrategy.values()) {
            Path file = tensors(16, 64 << 10);
            RecordingDevice slow = new RecordingDevice(30, 0);
            try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy));
                 TensorStream s = f.stream(slow, LoadPlan.all(), new LoadBudget(64 << 10, 16 << 10, 1, 1, false))) {
                s.next().close();
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                    raf.setLength(raf.length() / 3);
                }
                assertThatThrownBy(() -> s.forEachRemaining(LoadedTensor::close)).as(strategy.toString())
                        .isInstanceOf(SafeTensorsException.class)
                        .hasMessageContaining(file.getFileName().toString());
            }
            assertThat(slow.liveHostBytes.get()).isZero();
            assertThat(slow.liveTensors.get()).isZero();
            slow.close();
            Files.delete(file);
        }
    }

    // ---- budgets ----

    @Test
    void tinyBudgetsAreNeverExceededEvenWithDirectIo() {
        Path file = tensors(6, 1500);
        for (boolean direct : new boolean[] {false, true}) {
            for (long budget : new long[] {1, 7, 4095, 4096, 2 * 4096 + 1500, 3 * 4096 + 100}) {
                RecordingDevice dev = new RecordingDevice(0, 0);
                LoadBudget b = LoadBudget.ofBytes(budget).withThreads(3).withDirectIo(direct);
                try (SafeTensorsFile f = SafeTensorsFile.open(file); TensorStream s = f.stream(dev, LoadPlan.all(), b)) {
                    for (LoadedTensor t : s) {
                        byte[] expected = new byte[1500];
                        Arrays.fill(expected, (byte) Integer.parseInt(t.name().substring(1)));
                        assertThat(((RecordingDevice.Memory) t.tensor()).toArray()).isEqualTo(expected);
                        t.close();
                    }
                    assertThat(s.stats().stagingHighWater()).as("budget " + budget).isLessThanOrEqualTo(budget);
                }
                assertThat(dev.maxHostBytes.get()).as("budget " + budget + " direct " + direct).isLessThanOrEqualTo(budget);
                assertThat(dev.liveHostBytes.get()).isZero();
                dev.close();
            }
        }
    }

    @Test
    void aBudgetFarAboveTheCheckpointAllocatesOnlyWhatItsChunksUse() {
        Path file = tensors(5, 3000);
        RecordingDevice dev = new RecordingDevice(0, 0);
        LoadBudget huge = new LoadBudget(1L << 40, 1L << 40, 2, Integer.MAX_VALUE, false);
        try (SafeTensorsFile f = SafeTensorsFile.open(file); TensorStream s = f.stream(dev, LoadPlan.all(), huge)) {
            assertThat(s.next().tensor().byteSize()).isEqualTo(3000);
            s.forEachRemaining(LoadedTensor::close);
        }
        assertThat(dev.maxHostBytes.get()).isLessThanOrEqualTo(5 * 3000);
        assertThat(dev.liveTensors.get()).isEqualTo(1);
        dev.close();
    }

    @Test
    void directIoIsUsedWithABudgetOfOneDefaultChunk() {
        Path file = tensors(3, 200_000);
        for (long budget : new long[] {64L << 20, LoadBudget.DEFAULT_CHUNK_BYTES}) {
            RecordingDevice dev = new RecordingDevice(0, 0);
            try (SafeTensorsFile f = SafeTensorsFile.open(file);
                 TensorStream s = f.stream(dev, LoadPlan.all(), LoadBudget.ofBytes(budget).withDirectIo(true))) {
                s.forEachRemaining(LoadedTensor::close);
                if (budget == 64L << 20) {
                    org.junit.jupiter.api.Assumptions.assumeTrue(s.stats().directIo(), "the file system refuses O_DIRECT");
                }
                assertThat(s.stats().directIo()).as("budget " + budget).isTrue();
                assertThat(s.stats().stagingHighWater()).isLessThanOrEqualTo(budget);
            }
            dev.close();
        }
    }

    // ---- sub-byte dtypes split over ranks ----

    @Test
    void everyDtypeSplitOverRanksReassemblesByteForByte() {
        int ranks = 4;
        int rows = 8;
        int cols = 32;   // 8 columns a rank: whole bytes for every dtype, F4 and F6 included
        Path file = dir.resolve("split.safetensors");
        Random random = new Random(11);
        Map<String, byte[]> written = new HashMap<>();
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (DType t : DType.values()) {
            for (String kind : List.of("dim0", "dim1")) {
                byte[] b = new byte[rows * cols * t.bits() / 8];
                random.nextBytes(b);
                written.put(kind + "." + t, b);
                w.add(kind + "." + t, t, Shape.of(rows, cols), TensorData.of(b));
            }
        }
        w.write(file);
        ParallelPlan plan = ParallelPlan.builder(ranks).place("dim0\\..*", Placement.SPLIT_DIM0)
                .place("dim1\\..*", Placement.SPLIT_DIM1).build();
        Map<String, byte[]> rebuilt = new HashMap<>();
        written.forEach((n, b) -> rebuilt.put(n, new byte[b.length]));
        for (int rank = 0; rank < ranks; rank++) {
            RecordingDevice dev = new RecordingDevice(0, 0);
            try (SafeTensorsFile f = SafeTensorsFile.open(file);
                 TensorStream s = f.stream(dev, LoadPlan.rank(plan, rank, 0), new LoadBudget(96, 32, 3, 3, false))) {
                for (LoadedTensor t : s) {
                    byte[] piece = ((RecordingDevice.Memory) t.tensor()).toArray();
                    int bits = t.tensor().dtype().bits();
                    byte[] whole = rebuilt.get(t.name());
                    int rowBytes = cols * bits / 8;
                    if (t.dimension() == 0) {
                        System.arraycopy(piece, 0, whole, (int) t.start() * rowBytes, piece.length);
                    } else {
                        int pieceRowBytes = (int) t.tensor().shape().dims()[1] * bits / 8;
                        for (int r = 0; r < rows; r++) {
                            System.arraycopy(piece, r * pieceRowBytes, whole,
                                    r * rowBytes + (int) t.start() * bits / 8, pieceRowBytes);
                        }
                    }
                    t.close();
                }
            }
            dev.close();
        }
        written.forEach((n, b) -> assertThat(rebuilt.get(n)).as(n).isEqualTo(b));
    }

    @Test
    void aSubByteSplitThatCutsABytIsRefusedAsATensorError() {
        Path file = dir.resolve("f4.safetensors");
        SafeTensorsWriter.create().add("w", DType.F4, Shape.of(2, 6), TensorData.of(new byte[6])).write(file);
        ParallelPlan plan = ParallelPlan.builder(2).place("w", Placement.SPLIT_DIM1).build();   // 3 F4 columns: 12 bits
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            assertThatThrownBy(() -> {
                try (TensorStream s = f.stream(Device.cpu(), LoadPlan.rank(plan, 0, 0), LoadBudget.defaults())) {
                    s.forEachRemaining(LoadedTensor::close);
                }
            }).isInstanceOf(SafeTensorsException.class);
        }
    }

    // ---- many tiny tensors ----

    @Test
    @org.junit.jupiter.api.Tag("slow")
    void aHundredThousandTinyTensorsLoadInLinearTime() {
        Path small = tensors(10_000, 3);
        Path large = tensors(100_000, 3);
        loadAll(small);   // warm-up
        long tSmall = loadAll(small);
        long tLarge = loadAll(large);
        // Linear is 10x; quadratic would be 100x. A wide margin for a noisy machine.
        assertThat(tLarge).as("10x the tensors: %d ns vs %d ns", tLarge, tSmall).isLessThan(40 * tSmall);
    }

    private static long loadAll(Path file) {
        long t0 = System.nanoTime();
        try (Arena arena = Arena.ofShared(); SafeTensorsFile f = SafeTensorsFile.open(file);
             Device cpu = Device.cpu(arena);
             TensorStream s = f.stream(cpu, LoadPlan.all(), LoadBudget.defaults())) {
            long n = 0;
            for (LoadedTensor t : s) {
                n += cpu.hostView(t.tensor()).orElseThrow().byteSize();
            }
            assertThat(n).isEqualTo(3L * s.size());
        }
        return System.nanoTime() - t0;
    }

    // ---- saving from a device that fails ----

    @Test
    void aFailingCopyOutLeavesTheOldFileAndNoTemporaryOne() throws Exception {
        Path target = dir.resolve("saved.safetensors");
        SafeTensorsWriter.create().add("old", DType.U8, Shape.of(2), TensorData.of(new byte[] {1, 2})).write(target);
        byte[] before = Files.readAllBytes(target);
        RecordingDevice rec = new RecordingDevice(0, 0);
        Device failing = new ForwardingDevice(rec) {
            @Override
            public PendingCopy copyOut(DeviceTensor src, long srcOffset, MemorySegment dst) {
                if (srcOffset > 0) {
                    throw new IllegalStateException("copyOut failed on purpose");
                }
                return super.copyOut(src, srcOffset, dst);
            }
        };
        DeviceTensor t = rec.allocate("w", DType.F32, Shape.of(5 << 20));
        DeviceTensor onFailing = new ForwardingDevice.Tensor(t, failing);
        assertThatThrownBy(() -> SafeTensorsWriter.create().add("w", onFailing).write(target))
                .isInstanceOf(SafeTensorsException.class);
        assertThat(Files.readAllBytes(target)).isEqualTo(before);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("saved.safetensors");
        }
        t.close();
        assertThat(rec.liveHostBytes.get()).isZero();
        rec.close();
    }

    @Test
    void directIoOnTmpfsFallsBackToBufferedReads() {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no /dev/shm");
        Path file = shm.resolve("safetensors-rev15-" + ProcessHandle.current().pid() + ".safetensors");
        try {
            SafeTensorsWriter.create().add("x", DType.U8, Shape.of(10_000), TensorData.of(new byte[10_000])).write(file);
            RecordingDevice dev = new RecordingDevice(0, 0);
            try (SafeTensorsFile f = SafeTensorsFile.open(file);
                 TensorStream s = f.stream(dev, LoadPlan.all(), LoadBudget.ofBytes(1 << 20).withDirectIo(true))) {
                LoadedTensor t = s.next();
                assertThat(((RecordingDevice.Memory) t.tensor()).toArray()).isEqualTo(new byte[10_000]);
                t.close();
                assertThat(s.hasNext()).isFalse();
            }
            assertThat(dev.liveHostBytes.get()).isZero();
            dev.close();
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (java.io.IOException ignored) {
                // best effort
            }
        }
    }

    @Test
    void bytesReadAreCountedOnce() {
        Path file = tensors(3, 5000);
        RecordingDevice dev = new RecordingDevice(0, 0);
        try (SafeTensorsFile f = SafeTensorsFile.open(file);
             TensorStream s = f.stream(dev, LoadPlan.all(), LoadBudget.ofBytes(1 << 20).withDirectIo(true))) {
            s.forEachRemaining(LoadedTensor::close);
            assertThat(s.stats().bytes()).isEqualTo(3 * 5000);
        }
        dev.close();
    }
}
