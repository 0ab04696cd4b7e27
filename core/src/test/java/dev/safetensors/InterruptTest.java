package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An interrupt affects only the interrupted thread's read. A FileChannel closes itself when a thread blocked in
 * it is interrupted; before the fix every later read of every thread then failed with "the file is closed"
 * while {@code isClosed()} was false, under both strategies (with mmap through the lazy mapping).
 */
class InterruptTest {
    private static final int TENSORS = 16;
    private static final int ELEMENTS = 64 * 1024;

    @TempDir
    static Path dir;
    static Path file;

    @BeforeAll
    static void write() {
        file = TestFiles.numberedTensors(dir, "interrupt.safetensors", TENSORS, ELEMENTS);
    }

    /** One read of a random tensor through a random copy-out, checked against the values written. */
    private static void readAndCheck(SafeTensorsFile f, Random rnd, Arena arena) {
        int t = rnd.nextInt(TENSORS);
        Tensor tensor = f.tensor("t" + t);
        switch (rnd.nextInt(3)) {
            case 0 -> {
                float[] v = tensor.toFloatArray();
                int i = rnd.nextInt(ELEMENTS);
                if (v[i] != t * 1_000_000 + i) {
                    throw new AssertionError("wrong value in t" + t + " at " + i + ": " + v[i]);
                }
            }
            case 1 -> {
                int from = rnd.nextInt(ELEMENTS - 64);
                float[] v = tensor.slice(from + ":" + (from + 64) + ":7").toFloatArray();
                for (int k = 0; k < v.length; k++) {
                    if (v[k] != t * 1_000_000 + from + 7 * k) {
                        throw new AssertionError("wrong slice value in t" + t + " at " + (from + 7 * k));
                    }
                }
            }
            default -> {
                MemorySegment dst = arena.allocate(tensor.byteSize());
                tensor.copyTo(dst);
                int i = rnd.nextInt(ELEMENTS);
                float v = dst.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i);
                if (v != t * 1_000_000 + i) {
                    throw new AssertionError("wrong copied value in t" + t + " at " + i + ": " + v);
                }
            }
        }
    }

    private static boolean isInterruptedError(Throwable e) {
        return e instanceof SafeTensorsException s && s.kind() == SafeTensorsException.Kind.IoError
                && s.getMessage().contains("interrupted");
    }

    /** Eight readers on one handle, one of them interrupted over and over for a second. */
    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void anInterruptFailsOnlyTheInterruptedThreadsRead(ReadStrategy strategy) throws Exception {
        try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy))) {
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicInteger reads = new AtomicInteger();
            AtomicInteger interrupted = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(8);
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 8; r++) {
                boolean victim = r == 0;
                long seed = 1000 + r;
                readers.add(Thread.ofPlatform().start(() -> {
                    Random rnd = new Random(seed);
                    started.countDown();
                    try (Arena arena = Arena.ofConfined()) {
                        while (!stop.get()) {
                            try {
                                readAndCheck(f, rnd, arena);
                                reads.incrementAndGet();
                            } catch (Throwable e) {
                                if (victim && isInterruptedError(e)) {
                                    interrupted.incrementAndGet();
                                    Thread.interrupted();   // clear the status and read on
                                } else {
                                    failures.add(e);
                                    return;
                                }
                            }
                        }
                    }
                }));
            }
            started.await();
            Thread victim = readers.get(0);
            long end = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < end && failures.isEmpty()) {
                victim.interrupt();
                LockSupport.parkNanos(50_000);
            }
            stop.set(true);
            for (Thread t : readers) {
                t.join(30_000);
                assertThat(t.isAlive()).isFalse();
            }
            assertThat(failures).as("failures of readers").isEmpty();
            assertThat(reads.get()).isPositive();
            assertThat(f.isClosed()).isFalse();
            try (Arena arena = Arena.ofConfined()) {
                Random rnd = new Random(1);
                for (int i = 0; i < 50; i++) {
                    readAndCheck(f, rnd, arena);
                }
            }
        }
    }

    /**
     * A read by a thread whose interrupt status is set fails with "interrupted" and keeps the status; the
     * handle reads on for everyone else. With mmap this is the first access, which maps the file.
     */
    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void aReadWithTheInterruptStatusSetFailsAlone(ReadStrategy strategy) throws Exception {
        try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy))) {
            Throwable[] seen = new Throwable[1];
            boolean[] stillInterrupted = new boolean[1];
            Thread t = Thread.ofPlatform().start(() -> {
                Thread.currentThread().interrupt();
                try {
                    f.tensor("t3").toFloatArray();
                } catch (Throwable e) {
                    seen[0] = e;
                }
                stillInterrupted[0] = Thread.currentThread().isInterrupted();
            });
            t.join();
            assertThat(seen[0]).as("the interrupted read").matches(InterruptTest::isInterruptedError, "an interrupted IoError");
            assertThat(stillInterrupted[0]).isTrue();
            assertThat(f.isClosed()).isFalse();
            assertThat(f.tensor("t3").toFloatArray()[5]).isEqualTo(3_000_005f);
            assertThat(f.tensor("t4").slice("::2").toFloatArray()[3]).isEqualTo(4_000_006f);
        }
    }
}
