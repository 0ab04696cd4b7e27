package dev.safetensors;

import dev.safetensors.testing.PropertiesWithTempDir;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.internal.json.Utf8;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** write → read returns the same tensors, bytes and metadata, for any declarations the format allows. */
class RoundTripPropertiesTest extends PropertiesWithTempDir {

    record Spec(String name, DType dtype, long[] shape, byte[] data) {
    }

    @Provide
    static Arbitrary<String> names() {
        // Names mix ASCII, controls, Latin-1, private use and astral characters: the cases where escaping
        // and UTF-8 ordering matter.
        Arbitrary<String> plain = Arbitraries.strings().withCharRange('\u0000', '\u00ff')
                .withChars('\uE000', '\u2028', '中').ofMaxLength(8);
        Arbitrary<String> astral = Arbitraries.of("\uD83D\uDE00", "\uD834\uDD1E");
        return Combinators.combine(plain, astral, Arbitraries.integers().between(0, 3))
                .as((p, a, k) -> k == 0 ? p + a : p)
                .filter(s -> !s.equals("__metadata__"));
    }

    @Provide
    static Arbitrary<Spec> specs() {
        Arbitrary<long[]> shapes = Arbitraries.longs().between(0, 5).array(long[].class).ofMaxSize(3);
        return Combinators.combine(names(), Arbitraries.of(DType.class), shapes).flatAs((name, dtype, shape) -> {
            long elements = 1;
            for (long d : shape) {
                elements *= d;
            }
            long bits = elements * dtype.bits();
            if (bits % 8 != 0) {
                shape = append(shape, 4);
                bits *= 4;
            }
            long[] finalShape = shape;
            return Arbitraries.bytes().array(byte[].class).ofSize((int) (bits / 8))
                    .map(data -> new Spec(name, dtype, finalShape, data));
        });
    }

    private static long[] append(long[] shape, long d) {
        long[] s = java.util.Arrays.copyOf(shape, shape.length + 1);
        s[shape.length] = d;
        return s;
    }

    @Property(tries = 300)
    void writeThenReadGivesTheSameTensors(
            @ForAll("tensorLists") List<Spec> specs,
            @ForAll("metadataMaps") Map<String, String> metadata,
            @ForAll boolean withMetadata,
            @ForAll ReadStrategy strategy) throws IOException {
        Set<String> unique = new HashSet<>();
        for (Spec s : specs) {
            Assume.that(unique.add(s.name()));
        }
        SafeTensorsWriter w = SafeTensorsWriter.create();
        if (withMetadata) {
            w.metadata(metadata);
        }
        for (Spec s : specs) {
            w.add(s.name(), s.dtype(), Shape.of(s.shape()), TensorData.of(s.data()));
        }
        Path file = dir.resolve("t.safetensors");
        w.write(file);
        assertThat(Files.size(file)).isEqualTo(w.fileSize());

        try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy))) {
            assertThat(f.size()).isEqualTo(specs.size());
            for (Spec s : specs) {
                Tensor t = f.tensor(s.name());
                assertThat(t.dtype()).isEqualTo(s.dtype());
                assertThat(t.shape()).isEqualTo(Shape.of(s.shape()));
                assertThat(t.toByteArray()).isEqualTo(s.data());
            }
            assertThat(f.metadata()).isEqualTo(withMetadata ? java.util.Optional.of(metadata) : java.util.Optional.empty());
            // Writer order: dtype rank descending, then name by code point.
            List<String> expected = new ArrayList<>(specs.stream().map(Spec::name).toList());
            expected.sort(Comparator.<String>comparingInt(n -> -f.tensor(n).dtype().rank()).thenComparing(Utf8::compare));
            assertThat(f.names()).isEqualTo(expected);
            assertThat(f.header().headerSize() % 8).isZero();
        }
    }

    @Provide
    Arbitrary<List<Spec>> tensorLists() {
        return specs().list().ofMaxSize(6);
    }

    @Provide
    Arbitrary<Map<String, String>> metadataMaps() {
        return Arbitraries.maps(names(), names()).ofMaxSize(4);
    }
}
