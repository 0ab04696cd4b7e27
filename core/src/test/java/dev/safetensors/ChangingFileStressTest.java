package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Six readers on one handle while another thread truncates or rewrites the file in place, 100 rounds per
 * strategy:
 * every copy-out returns the file's original bytes or fails with {@code IoError}; one that starts after the
 * change has finished always fails. No wrong data, no {@code InternalError}, no crash.
 */
class ChangingFileStressTest {
    private static final int BYTES = 64 * 1024;
    private static final int ROUNDS = 100;
    private static final int READERS = 6;

    @TempDir
    Path dir;

    /** Original byte i of tensor "a": 1..127, never 0 (what a truncated page reads as). */
    private static byte original(int i) {
        return (byte) (1 + (i * 31) % 127);
    }

    /** Rewritten byte i: 129..255, never equal to the original. */
    private static byte rewritten(int i) {
        return (byte) (original(i) | 0x80);
    }

    /** The file's bytes, made once by the writer; each round rewrites them plainly (no fsync: rounds stay fast). */
    private static byte[] image(Path dir) throws Exception {
        byte[] a = new byte[BYTES];
        for (int i = 0; i < BYTES; i++) {
            a[i] = original(i);
        }
        Path p = dir.resolve("image.safetensors");
        SafeTensorsWriter.create().add("a", DType.U8, Shape.of(BYTES / 64, 64), TensorData.of(a)).write(p);
        return Files.readAllBytes(p);
    }

    private static void write(Path p, byte[] image) throws Exception {
        Files.write(p, image);
        // Any write by the mutator gives a new modification time, whatever the timestamp resolution.
        Files.setLastModifiedTime(p, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
    }

    /** A random copy-out of part of "a", each byte checked against the original. */
    private static void readAndCheck(SafeTensorsFile f, Random rnd, Arena arena) throws Exception {
        Tensor t = f.tensor("a");
        int row = rnd.nextInt(BYTES / 64);
        switch (rnd.nextInt(6)) {
            case 0 -> check(t.toByteArray(), i -> i);
            case 1 -> {
                byte[] b = t.slice(row + ":, ::-1").toByteArray();    // rows from `row`, each reversed
                check(b, i -> (row + i / 64) * 64 + 63 - i % 64);
            }
            case 2 -> {
                float[] v = t.slice(":, " + (row % 64)).toFloatArray();    // one column
                for (int r = 0; r < v.length; r++) {
                    if (v[r] != (original(r * 64 + row % 64) & 0xFF)) {
                        throw new AssertionError("wrong value in column " + row % 64 + " at row " + r + ": " + v[r]);
                    }
                }
            }
            case 3 -> {
                MemorySegment dst = arena.allocate(BYTES);
                t.copyTo(dst);
                check(dst.toArray(ValueLayout.JAVA_BYTE), i -> i);
            }
            case 4 -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                t.slice("::3").writeTo(Channels.newChannel(out));    // every third row
                check(out.toByteArray(), i -> (i / 64) * 3 * 64 + i % 64);
            }
            default -> {
                int[] v = t.slice(Integer.toString(row)).toIntArray();
                for (int c = 0; c < 64; c++) {
                    if (v[c] != (original(row * 64 + c) & 0xFF)) {
                        throw new AssertionError("wrong int at row " + row + ", column " + c + ": " + v[c]);
                    }
                }
            }
        }
    }

    private static void check(byte[] got, java.util.function.IntUnaryOperator index) {
        for (int i = 0; i < got.length; i++) {
            if (got[i] != original(index.applyAsInt(i))) {
                throw new AssertionError("wrong byte at " + i + " (tensor byte " + index.applyAsInt(i) + "): " + got[i]);
            }
        }
    }

    private static boolean isChangedError(Throwable e) {
        return e instanceof SafeTensorsException s && s.kind() == SafeTensorsException.Kind.IoError;
    }

    /** The change of one round: truncated, rewritten in place at the same size, or truncated and written again. */
    private static void change(Path p, int kind, long cut, long size, long dataStart) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            if (kind != 1) {
                raf.setLength(cut);
            }
            if (kind != 0) {
                byte[] b = new byte[(int) (size - cut)];
                for (int i = 0; i < b.length; i++) {
                    b[i] = rewritten((int) (cut - dataStart) + i);
                }
                raf.seek(cut);
                raf.write(b);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void readersSeeTheOriginalBytesOrAnIoError(ReadStrategy strategy) throws Exception {
        Path p = dir.resolve("changing.safetensors");
        byte[] image = image(dir);
        long size = image.length;
        long dataStart = size - BYTES;
        Random random = new Random(20261201);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger good = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicReference<SafeTensorsFile> current = new AtomicReference<>();
        AtomicBoolean changed = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        // Readers live across rounds: each round they read until one read begun after the change has ended.
        Phaser rounds = new Phaser(READERS + 1);
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < READERS; r++) {
            long seed = random.nextLong();
            readers.add(Thread.ofPlatform().start(() -> {
                Random rnd = new Random(seed);
                try (Arena arena = Arena.ofConfined()) {
                    while (true) {
                        rounds.arriveAndAwaitAdvance();       // round begins
                        if (done.get()) {
                            return;
                        }
                        SafeTensorsFile f = current.get();
                        boolean after = false;
                        while (!after) {
                            after = changed.get();
                            try {
                                readAndCheck(f, rnd, arena);
                                if (after) {
                                    throw new AssertionError("a read begun after the change returned data");
                                }
                                good.incrementAndGet();
                            } catch (Throwable e) {
                                if (!isChangedError(e)) {
                                    failures.add(e);
                                    break;
                                }
                                refused.incrementAndGet();
                            }
                        }
                        rounds.arriveAndAwaitAdvance();       // round ends
                    }
                }
            }));
        }
        try {
            for (int round = 0; round < ROUNDS && failures.isEmpty(); round++) {
                write(p, image);
                int kind = random.nextInt(3);
                long cut = dataStart + random.nextInt(BYTES);
                try (SafeTensorsFile f = SafeTensorsFile.open(p, OpenOptions.defaults().withStrategy(strategy))) {
                    f.tensor("a").slice("0").toByteArray();   // mapped now, with mmap
                    current.set(f);
                    changed.set(false);
                    await(rounds);
                    LockSupport.parkNanos(random.nextInt(500) * 1000L);
                    change(p, kind, cut, size, dataStart);
                    changed.set(true);
                    await(rounds);
                }
                assertThat(failures).as("round %d, change %d at %d of %d", round, kind, cut, size).isEmpty();
            }
        } finally {
            done.set(true);
            rounds.arrive();
            for (Thread t : readers) {
                t.join(30_000);
            }
        }
        assertThat(failures).isEmpty();
        assertThat(good.get()).isPositive();
        assertThat(refused.get()).isGreaterThanOrEqualTo(ROUNDS * READERS);
    }

    private static void await(Phaser rounds) throws Exception {
        rounds.awaitAdvanceInterruptibly(rounds.arrive(), 60, TimeUnit.SECONDS);
    }
}
