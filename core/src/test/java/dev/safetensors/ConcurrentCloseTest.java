package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Eight threads read tensors and slices from one handle while another thread closes it: every read returns the
 * right values or fails with a clean closed-file error.
 */
class ConcurrentCloseTest {
    private static final int TENSORS = 16;
    private static final int ELEMENTS = 64 * 1024;

    @TempDir
    static Path dir;
    static Path file;

    @BeforeAll
    static void write() {
        file = TestFiles.numberedTensors(dir, "concurrent.safetensors", TENSORS, ELEMENTS);
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void readersSeeCorrectDataOrACleanClosedError(ReadStrategy strategy) throws Exception {
        Random random = new Random(42);
        AtomicInteger reads = new AtomicInteger();
        AtomicInteger closedErrors = new AtomicInteger();
        for (int round = 0; round < 40; round++) {
            SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy));
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 8; r++) {
                long seed = random.nextLong();
                readers.add(Thread.ofPlatform().start(() -> {
                    Random rnd = new Random(seed);
                    try {
                        start.await();
                        while (true) {
                            int t = rnd.nextInt(TENSORS);
                            int op = rnd.nextInt(3);
                            if (op == 0) {
                                float[] v = f.tensor("t" + t).toFloatArray();
                                int i = rnd.nextInt(ELEMENTS);
                                if (v[i] != t * 1_000_000 + i || v.length != ELEMENTS) {
                                    throw new AssertionError("wrong value in t" + t + " at " + i + ": " + v[i]);
                                }
                            } else if (op == 1) {
                                // Streamed to a channel: the copy-out that handed mapped memory to the kernel.
                                int from = rnd.nextInt(ELEMENTS - 4096);
                                java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
                                f.tensor("t" + t).slice(from + ":" + (from + 4096)).writeTo(
                                        java.nio.channels.Channels.newChannel(bytes));
                                java.nio.FloatBuffer v = java.nio.ByteBuffer.wrap(bytes.toByteArray())
                                        .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                                for (int k = 0; k < 4096; k += 511) {
                                    if (v.get(k) != t * 1_000_000 + from + k) {
                                        throw new AssertionError("wrong written value in t" + t + " at " + (from + k));
                                    }
                                }
                            } else {
                                int from = rnd.nextInt(ELEMENTS - 16);
                                float[] v = f.tensor("t" + t).slice(from + ":" + (from + 16) + ":3").toFloatArray();
                                for (int k = 0; k < v.length; k++) {
                                    if (v[k] != t * 1_000_000 + from + 3 * k) {
                                        throw new AssertionError("wrong slice value in t" + t + " at " + (from + 3 * k));
                                    }
                                }
                            }
                            reads.incrementAndGet();
                        }
                    } catch (SafeTensorsException e) {
                        if (e.kind() == SafeTensorsException.Kind.IoError && e.getMessage().contains("closed")) {
                            closedErrors.incrementAndGet();
                        } else {
                            failure.set(e);
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }));
            }
            start.countDown();
            Thread.sleep(random.nextInt(5));
            f.close();
            for (Thread t : readers) {
                t.join(30_000);
                assertThat(t.isAlive()).isFalse();
            }
            assertThat(failure.get()).as("reader failure in round %d", round).isNull();
        }
        assertThat(closedErrors.get()).isEqualTo(40 * 8);
        assertThat(reads.get()).isPositive();
    }
}
