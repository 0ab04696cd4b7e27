package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files in memory: {@code SafeTensorsFile.open(byte[])} and {@code open(MemorySegment)} read exactly what opening
 * the same bytes on disk reads, and fail with the same kinds and messages (naming {@code <memory>}); the writer's
 * {@code toByteArray} and {@code writeTo} give the bytes {@code write(Path)} puts on disk, streamed.
 */
class InMemoryTest {
    @TempDir
    Path dir;

    static Stream<Path> fixtures() throws IOException {
        return Files.list(TestFiles.testdata().resolve("fixtures")).filter(p -> p.toString().endsWith(".safetensors"))
                .sorted();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void everyFixtureReadsTheSameFromMemory(Path fixture) throws IOException {
        byte[] bytes = Files.readAllBytes(fixture);
        String onDisk = outcome(() -> SafeTensorsFile.open(fixture)).replace(fixture.toString(), "<memory>");
        assertThat(outcome(() -> SafeTensorsFile.open(bytes))).isEqualTo(onDisk);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offHeap = arena.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, offHeap, ValueLayout.JAVA_BYTE, 0, bytes.length);
            assertThat(outcome(() -> SafeTensorsFile.open(offHeap))).isEqualTo(onDisk);
        }
    }

    @Test
    void aFileInMemoryIsCalledMemoryAndItsTensorsAreViews() throws IOException {
        Path fixture = TestFiles.fixture("CoffeeVampir3__Model-Saving-Test-Repo__model.safetensors");
        try (SafeTensorsFile disk = SafeTensorsFile.open(fixture);
             SafeTensorsFile memory = SafeTensorsFile.open(Files.readAllBytes(fixture))) {
            assertThat(memory.description()).isEqualTo("<memory>");
            assertThat(memory.isMapped()).isTrue();
            assertThat(memory.metadata()).isEqualTo(disk.metadata());
            for (String name : disk.names()) {
                assertThat(memory.tensor(name).info()).isEqualTo(disk.tensor(name).info());
                assertThat(memory.tensor(name).data().isReadOnly()).isTrue();
                assertThat(memory.tensor(name).data().isNative()).isFalse();     // a view of the array
            }
            assertThatThrownBy(() -> memory.tensor("nope")).hasMessageStartingWith("<memory>: tensor `nope` not found");
        }
    }

    /** Truncations and corrupted header bytes: from memory, the kind and message the file gives, naming {@code <memory>}. */
    @Test
    void damagedBytesFailAsTheSameFileDoes() throws IOException {
        Path fixture = TestFiles.fixture("CoffeeVampir3__Model-Saving-Test-Repo__model.safetensors");
        byte[] good = Files.readAllBytes(fixture);
        List<byte[]> damaged = new ArrayList<>();
        for (int cut : new int[] {0, 7, 8, 100, 327, 328, 329, good.length - 1}) {
            damaged.add(Arrays.copyOf(good, cut));
        }
        damaged.add(Arrays.copyOf(good, good.length + 4));                 // trailing bytes
        for (int at = 0; at < 8 + 320; at += 7) {
            for (byte b : new byte[] {'"', '{', '9', (byte) 0xFF, 0}) {
                byte[] d = good.clone();
                d[at] = b;
                damaged.add(d);
            }
        }
        int failures = 0;
        for (byte[] d : damaged) {
            Path f = Files.write(dir.resolve("damaged.safetensors"), d);
            String onDisk = outcome(() -> SafeTensorsFile.open(f)).replace(f.toString(), "<memory>");
            assertThat(outcome(() -> SafeTensorsFile.open(d))).isEqualTo(onDisk);
            assertThat(outcome(() -> SafeTensorsFile.open(MemorySegment.ofArray(d)))).isEqualTo(onDisk);
            failures += onDisk.startsWith("OK") ? 0 : 1;
        }
        assertThat(failures).isGreaterThan(damaged.size() / 2);
    }

    /** "OK" and every tensor's bytes, or the kind and message of the failure. */
    private static String outcome(java.util.function.Supplier<SafeTensorsFile> open) {
        try (SafeTensorsFile f = open.get()) {
            StringBuilder s = new StringBuilder("OK");
            for (Tensor t : f.tensors()) {
                s.append(' ').append(Arrays.hashCode(t.toByteArray()));
            }
            return s.toString();
        } catch (SafeTensorsException e) {
            return e.kind() + " " + e.getMessage();
        }
    }

    @Test
    void theHeaderLimitOfTheOptionsApplies() {
        byte[] bytes = SafeTensorsWriter.create().add("w", DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2}))
                .toByteArray();
        assertThatThrownBy(() -> SafeTensorsFile.open(MemorySegment.ofArray(bytes),
                OpenOptions.defaults().withMaxHeaderSize(16))).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                    assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.HeaderTooLarge);
                    assertThat(e.getMessage()).startsWith("<memory>: ");
                });
    }

    @Test
    void tensorsAreViewsOfTheCallersMemoryUntilItsArenaCloses() {
        byte[] bytes = SafeTensorsWriter.create()
                .add("w", DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2})).toByteArray();
        Arena arena = Arena.ofShared();
        MemorySegment segment = arena.allocate(bytes.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, segment, 0, bytes.length);
        try (SafeTensorsFile file = SafeTensorsFile.open(segment)) {
            Tensor w = file.tensor("w");
            MemorySegment view = w.data();
            assertThat(view.isReadOnly()).isTrue();
            long at = segment.byteSize() - 4;
            segment.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, 7f);     // not copied: the view sees the change
            assertThat(w.toFloatArray()).containsExactly(1f, 7f);
            assertThat(view.address()).isEqualTo(segment.address() + at - 4);
            arena.close();
            assertThatThrownBy(w::toFloatArray).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.IoError);
                assertThat(e.getMessage()).isEqualTo("<memory>: the memory holding the file was freed or unmapped "
                        + "(its arena is closed)");
            });
        }
    }

    private static SafeTensorsWriter writer() {
        float[] big = new float[3 << 20];        // 12 MiB: more than the writer's buffer
        for (int i = 0; i < big.length; i++) {
            big[i] = i;
        }
        return SafeTensorsWriter.create().putMetadata("format", "pt")
                .add("big", DType.F32, Shape.of(3, 1 << 20), TensorData.of(big))
                .add("step", DType.I64, Shape.of(), TensorData.of(new long[] {1000}))
                .add("mask", DType.BOOL, Shape.of(3), TensorData.of(new byte[] {1, 0, 1}));
    }

    @Test
    void toByteArrayAndWriteToGiveTheBytesOfWrite() throws IOException {
        Path f = dir.resolve("w.safetensors");
        writer().write(f);
        byte[] onDisk = Files.readAllBytes(f);
        assertThat(writer().toByteArray()).isEqualTo(onDisk);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        writer().writeTo(stream);
        assertThat(stream.toByteArray()).isEqualTo(onDisk);
        ByteArrayOutputStream channel = new ByteArrayOutputStream();
        writer().writeTo(Channels.newChannel(channel));
        assertThat(channel.toByteArray()).isEqualTo(onDisk);
        ByteArrayOutputStream legacy = new ByteArrayOutputStream();
        writer().write(Channels.newChannel(legacy));
        assertThat(legacy.toByteArray()).isEqualTo(onDisk);
        try (SafeTensorsFile back = SafeTensorsFile.open(writer().toByteArray())) {
            assertThat(back.tensor("big").toFloatArray()[(3 << 20) - 1]).isEqualTo((3 << 20) - 1);
            assertThat(back.tensor("step").toLongArray()).containsExactly(1000);
            assertThat(back.metadata().orElseThrow()).containsEntry("format", "pt");
        }
    }

    /** writeTo streams: no write larger than the 1 MiB buffer (or a tensor's own off-heap segment), never the file. */
    @Test
    void writeToStreamsWithoutHoldingTheFile() throws IOException {
        long[] largest = {0};
        long[] total = {0};
        OutputStream counting = new OutputStream() {
            @Override
            public void write(int b) {
                total[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                largest[0] = Math.max(largest[0], len);
                total[0] += len;
            }
        };
        writer().writeTo(counting);
        assertThat(total[0]).isEqualTo(writer().fileSize());
        assertThat(largest[0]).isLessThanOrEqualTo(1 << 20);
    }

    @Test
    void aFailingDataSourceIsAnIoErrorAndAShortOneInvalidTensorView() {
        SafeTensorsWriter failing = SafeTensorsWriter.create().add("w", DType.U8, Shape.of(4), sink -> {
            throw new IOException("network down");
        });
        assertThatThrownBy(failing::toByteArray).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
            assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.IoError);
            assertThat(e.getMessage()).contains("network down");
        });
        SafeTensorsWriter shortOne = SafeTensorsWriter.create().add("w", DType.U8, Shape.of(4), sink -> sink.write(new byte[3]));
        assertThatThrownBy(shortOne::toByteArray).isInstanceOfSatisfying(SafeTensorsException.class,
                e -> assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidTensorView));
    }

    @Test
    void writeToAStreamNeverClosesItEvenOnAnInterruptedThread() throws IOException {
        boolean[] closed = {false};
        ByteArrayOutputStream got = new ByteArrayOutputStream() {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        Thread.currentThread().interrupt();        // a cancelled task still owns its stream
        try {
            writer().writeTo(got);
        } finally {
            assertThat(Thread.interrupted()).isTrue();   // the interrupt is left to the caller
        }
        assertThat(closed[0]).isFalse();
        assertThat(got.toByteArray()).isEqualTo(writer().toByteArray());
    }

    @Test
    void toByteArrayOfAFileTheHeapCannotHoldIsRefusedPlainly() {
        long size = Runtime.getRuntime().maxMemory() + (64 << 20);
        org.junit.jupiter.api.Assumptions.assumeTrue(size < Integer.MAX_VALUE - 1024, "needs a heap under 2 GiB");
        SafeTensorsWriter huge = SafeTensorsWriter.create().add("w", DType.U8, Shape.of(size), sink -> {
            throw new AssertionError("nothing is read when the array cannot be had");
        });
        assertThatThrownBy(huge::toByteArray).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
            assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidTensorView);
            assertThat(e.getMessage()).contains("more than the heap can hold").contains("write it to a channel");
        });
    }

    @Test
    void aViewAskedForAfterTheCallersArenaClosedIsAnIoError() {
        byte[] bytes = SafeTensorsWriter.create()
                .add("w", DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2})).toByteArray();
        Arena arena = Arena.ofShared();
        MemorySegment segment = arena.allocate(bytes.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, segment, 0, bytes.length);
        try (SafeTensorsFile file = SafeTensorsFile.open(segment)) {
            Tensor w = file.tensor("w");
            arena.close();
            assertThatThrownBy(w::data).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.IoError);
                assertThat(e.getMessage()).contains("arena is closed");
            });
        }
    }

    @Test
    void aNonBlockingChannelIsRefusedBeforeAnyByteRatherThanSpunOn() throws IOException {
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();    // nobody reads: a full socket's position
        try (var sink = pipe.sink(); var source = pipe.source()) {
            sink.configureBlocking(false);
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
                assertThatThrownBy(() -> writer().writeTo(sink))
                        .isInstanceOf(java.nio.channels.IllegalBlockingModeException.class);
                try (SafeTensorsFile file = SafeTensorsFile.open(writer().toByteArray())) {
                    assertThatThrownBy(() -> file.tensor("big").slice(":").writeTo(sink))
                            .isInstanceOf(java.nio.channels.IllegalBlockingModeException.class);
                }
            });
            source.configureBlocking(false);
            assertThat(source.read(java.nio.ByteBuffer.allocate(16))).isEqualTo(0);     // nothing was written
        }
    }
}
