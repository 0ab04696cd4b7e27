package dev.safetensors;

import dev.safetensors.testing.MemorySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.convert.SubBytePacking;
import dev.safetensors.io.ByteSource;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tensors and slices share one copy-out path: a slice decodes every dtype the tensor decodes, to the values at
 * the selected indices, and fails the same way where the tensor fails; requests that cannot succeed fail before
 * anything is allocated; asking whether a file is mapped does not map it.
 */
class CopyOutTest {
    private static final int N = 24;   // elements, as [6, 4]: rows of whole F4 pairs and F6 quadruples
    private static final int PICKED = 12;
    private static final SubBytePacking F6_LSB = SubBytePacking.DEFAULT.withF6(SubBytePacking.F6Order.LSB_FIRST);

    @TempDir
    Path dir;

    /** One tensor per dtype, `N` elements of random bytes (BOOL masked to 0/1). */
    private Path everyDtype() {
        Random rnd = new Random(11);
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (DType t : DType.values()) {
            byte[] b = new byte[N * t.bits() / 8];
            rnd.nextBytes(b);
            if (t == DType.BOOL) {
                for (int i = 0; i < b.length; i++) {
                    b[i] &= 1;
                }
            }
            w.add(t.name(), t, Shape.of(N / 4, 4), TensorData.of(b));
        }
        Path p = dir.resolve("every.safetensors");
        w.write(p);
        return p;
    }

    /** The slice every test takes: rows 0, 2 and 4, byte-aligned for every dtype, F4 and F6 included. */
    private static final String EVERY_OTHER_ROW = "::2";

    /** The tensor element that element {@code i} of that slice is. */
    private static int picked(int i) {
        return i / 4 * 8 + i % 4;
    }

    /** Values per element: 2 for C64 (real, imaginary) in float and double arrays. */
    private static int per(DType t) {
        return t == DType.C64 ? 2 : 1;
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void slicesDecodeEveryDtypeToTheValuesAtTheirIndices(ReadStrategy strategy) {
        try (SafeTensorsFile f = SafeTensorsFile.open(everyDtype(), OpenOptions.defaults().withStrategy(strategy))) {
            for (DType t : DType.values()) {
                Tensor tensor = f.tensor(t.name());
                float[] all = tensor.toFloatArray(F6_LSB);
                float[] some = tensor.slice(EVERY_OTHER_ROW).toFloatArray(F6_LSB);
                int k = per(t);
                assertThat(some).as(t.name()).hasSize(PICKED * k);
                for (int i = 0; i < PICKED; i++) {
                    for (int j = 0; j < k; j++) {
                        assertThat(Float.floatToRawIntBits(some[i * k + j])).as("%s element %d", t, picked(i))
                                .isEqualTo(Float.floatToRawIntBits(all[picked(i) * k + j]));
                    }
                }
                // The whole slice gives what the tensor gives.
                assertThat(tensor.slice(":").toFloatArray(F6_LSB)).as(t.name()).isEqualTo(all);
                assertThat(tensor.slice(":").toByteArray()).as(t.name()).isEqualTo(tensor.toByteArray());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void slicesFailWhereTheTensorFailsAndWithTheSameKind(ReadStrategy strategy) {
        try (SafeTensorsFile f = SafeTensorsFile.open(everyDtype(), OpenOptions.defaults().withStrategy(strategy))) {
            for (String f6 : new String[] {"F6_E2M3", "F6_E3M2"}) {
                for (Runnable call : new Runnable[] {() -> f.tensor(f6).toFloatArray(),
                        () -> f.tensor(f6).slice("1").toFloatArray()}) {
                    assertThatThrownBy(call::run).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                        assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidTensorView);
                        assertThat(e.getMessage()).startsWith(f.description()).contains("`" + f6 + "`", "packing");
                    });
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void everyArrayTypeOfASliceMatchesTheTensor(ReadStrategy strategy) {
        try (SafeTensorsFile f = SafeTensorsFile.open(everyDtype(), OpenOptions.defaults().withStrategy(strategy))) {
            for (DType t : DType.values()) {
                Tensor tensor = f.tensor(t.name());
                TensorSlice s = tensor.slice(EVERY_OTHER_ROW);
                int k = per(t);
                check(t, "short[]", tensor::toShortArray, s::toShortArray, 1);
                check(t, "int[]", tensor::toIntArray, s::toIntArray, 1);
                check(t, "long[]", tensor::toLongArray, s::toLongArray, 1);
                check(t, "double[]", tensor::toDoubleArray, s::toDoubleArray, k);
            }
        }
    }

    private static void check(DType t, String type, java.util.function.Supplier<Object> whole,
            java.util.function.Supplier<Object> every4th, int per) {
        Object all;
        try {
            all = whole.get();
        } catch (SafeTensorsException e) {
            assertThatThrownBy(every4th::get).as("%s as %s", t, type).isInstanceOfSatisfying(SafeTensorsException.class,
                    s -> assertThat(s.kind()).isEqualTo(e.kind()));
            return;
        }
        Object some = every4th.get();
        int n = java.lang.reflect.Array.getLength(some);
        assertThat(n).as("%s as %s", t, type).isEqualTo(PICKED * per);
        for (int i = 0; i < PICKED; i++) {
            for (int j = 0; j < per; j++) {
                Object a = java.lang.reflect.Array.get(some, i * per + j);
                Object b = java.lang.reflect.Array.get(all, picked(i) * per + j);
                if (a instanceof Double d) {
                    assertThat(Double.doubleToRawLongBits(d)).as("%s as %s at %d", t, type, i)
                            .isEqualTo(Double.doubleToRawLongBits((Double) b));
                } else {
                    assertThat(a).as("%s as %s at %d", t, type, i).isEqualTo(b);
                }
            }
        }
    }

    /**
     * A file whose header declares a tensor of {@code elements} F32 values over data that is all zeros and
     * never stored: a huge tensor without a huge file.
     */
    private static final class HugeZeros implements ByteSource {
        private final byte[] head;
        private final long size;

        HugeZeros(DType dtype, long elements) {
            long bytes = elements * dtype.bits() / 8;
            byte[] json = ("{\"t\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + elements + "],\"data_offsets\":[0," + bytes
                    + "]}}").getBytes(StandardCharsets.US_ASCII);
            head = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json)
                    .array();
            size = head.length + bytes;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void read(long position, MemorySegment dst) {
            dst.fill((byte) 0);
            if (position < head.length) {
                long n = Math.min(dst.byteSize(), head.length - position);
                MemorySegment.copy(MemorySegment.ofArray(head), position, dst, 0, n);
            }
        }

        @Override
        public String description() {
            return "huge";
        }

        @Override
        public void close() {
        }
    }

    /**
     * Asking for an array the dtype cannot fill fails at once: before the check came first, a 2^30-element
     * F32 tensor asked for as int[] or short[] allocated 4 GB or 2 GB first (OutOfMemoryError on a 1 GB heap).
     */
    @Test
    void aWrongArrayTypeFailsBeforeAllocating() {
        long elements = (1L << 30) + 4;
        try (SafeTensorsFile f = SafeTensorsFile.open(new HugeZeros(DType.F32, elements), Header.DEFAULT_MAX_SIZE)) {
            Tensor t = f.tensor("t");
            for (Runnable call : new Runnable[] {t::toIntArray, t::toShortArray, () -> t.slice(":").toIntArray(),
                    () -> t.slice("1:").toShortArray()}) {
                assertThatThrownBy(call::run).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                    assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidTensorView);
                    assertThat(e.getMessage()).contains("can't be read as");
                });
            }
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(new HugeZeros(DType.F6_E2M3, elements), Header.DEFAULT_MAX_SIZE)) {
            assertThatThrownBy(() -> f.tensor("t").toDoubleArray()).isInstanceOfSatisfying(SafeTensorsException.class,
                    e -> assertThat(e.getMessage()).contains("packing"));
        }
    }

    /** isMapped() answers from the strategy: a file whose tensors are never read is never mapped. */
    @Test
    void askingWhetherMappedDoesNotMap() throws IOException {
        Path p = dir.resolve("lazy.safetensors");
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(4), TensorData.of(new float[4])).write(p);
        Path maps = Path.of("/proc/self/maps");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(maps), "needs /proc/self/maps");
        String name = p.toRealPath().toString();
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            assertThat(f.isMapped()).isTrue();
            assertThat(Files.readString(maps)).as("mappings after isMapped()").doesNotContain(name);
            f.tensor("w").toFloatArray();
            assertThat(Files.readString(maps)).as("mappings after a read").contains(name);
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(p, OpenOptions.defaults().withStrategy(ReadStrategy.PREAD))) {
            assertThat(f.isMapped()).isFalse();
        }
    }

    /**
     * A zero-size tensor may declare a dimension of 2^63 or more beside its zero one (FORMAT.md): reading it
     * whole gives nothing, and taking that dimension whole in a slice is fine; only indexing it is refused.
     */
    @Test
    void aZeroSizeTensorWithAHugeDimensionReadsAsEmpty() {
        byte[] json = "{\"t\":{\"dtype\":\"I32\",\"shape\":[0,9223372036854775808],\"data_offsets\":[0,0]}}"
                .getBytes(StandardCharsets.US_ASCII);
        byte[] file = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json)
                .array();
        try (SafeTensorsFile f = SafeTensorsFile.open(new MemorySource(file, "zero"), Header.DEFAULT_MAX_SIZE)) {
            Tensor t = f.tensor("t");
            assertThat(t.toByteArray()).isEmpty();
            assertThat(t.toIntArray()).isEmpty();
            assertThat(t.toFloatArray()).isEmpty();
            assertThat(t.slice(":").shape().toString()).isEqualTo("[0, 9223372036854775808]");
            assertThat(t.slice("..., :").toLongArray()).isEmpty();
            assertThatThrownBy(() -> t.slice(":, 1")).isInstanceOfSatisfying(SafeTensorsException.class,
                    e -> assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.SliceOutOfRange));
        }
    }
}
