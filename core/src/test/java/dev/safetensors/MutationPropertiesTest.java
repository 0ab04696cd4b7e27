package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import dev.safetensors.testing.PropertiesWithTempDir;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Any mutation of a valid file opens as a valid file or fails with a {@link SafeTensorsException}; nothing
 * else escapes, and a file that opens can be read completely.
 */
class MutationPropertiesTest extends PropertiesWithTempDir {
    private static final List<String> SEEDS = List.of(
            "run-ai__runai-model-streamer__py__runai_model_streamer__runai_model_streamer__safetensors_streamer__tests__test_files__test.safetensors",
            "reference-samples/overall.safetensors",
            "deepjavalibrary__djl__api__src__test__resources__list.safetensors",
            "CoffeeVampir3__Model-Saving-Test-Repo__model.safetensors",
            "tracel-ai__burn__crates__burn-import__safetensors-tests__tests__boolean__boolean.safetensors",
            "foundation-model-stack__fastsafetensors__examples__a.safetensors");

    @Provide
    Arbitrary<String> seeds() {
        return Arbitraries.of(SEEDS);
    }

    @Provide
    Arbitrary<byte[]> interestingBytes() {
        // Bytes that steer the JSON parser: structure, digits, quotes, escapes, high bytes, NUL.
        return Arbitraries.oneOf(Arbitraries.bytes(),
                Arbitraries.of(structural()),
                Arbitraries.of((byte) 0, (byte) 0x80, (byte) 0xC0, (byte) 0xED, (byte) 0xF4, (byte) 0xFF))
                .array(byte[].class).ofMinSize(1).ofMaxSize(4);
    }

    private static List<Byte> structural() {
        List<Byte> list = new java.util.ArrayList<>();
        for (byte c : "{}[]:,\"\\-0123456789eE.untfl \t\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)) {
            list.add(c);
        }
        return list;
    }

    @Property(tries = 2000)
    void mutatedFilesOpenOrFailCleanly(@ForAll("seeds") String seed,
            @ForAll @IntRange(min = 0, max = 4095) int where,
            @ForAll("interestingBytes") byte[] replacement,
            @ForAll @IntRange(min = 0, max = 3) int operation,
            @ForAll ReadStrategy strategy) throws IOException {
        byte[] original = Files.readAllBytes(TestFiles.fixture(seed));
        byte[] mutated = mutate(original, where, replacement, operation);
        Path file = dir.resolve("m.safetensors");
        Files.write(file, mutated);
        try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(strategy))) {
            for (Tensor t : f.tensors()) {
                assertThat(t.toByteArray()).hasSize((int) t.byteSize());
            }
        } catch (SafeTensorsException expected) {
            assertThat(expected.kind()).isNotNull();
            assertThat(expected.getMessage()).startsWith(file.toString());
        }
    }

    /** 0: overwrite, 1: insert, 2: delete, 3: truncate. Positions favour the header, where parsing happens. */
    static byte[] mutate(byte[] b, int where, byte[] with, int operation) {
        int headerEnd = (int) Math.min(b.length, 8 + (b[0] & 0xFF) + ((b[1] & 0xFF) << 8));
        int pos = where < 3072 ? where % Math.max(1, headerEnd) : where % b.length;
        return switch (operation) {
            case 0 -> {
                byte[] m = b.clone();
                for (int i = 0; i < with.length && pos + i < m.length; i++) {
                    m[pos + i] = with[i];
                }
                yield m;
            }
            case 1 -> {
                byte[] m = new byte[b.length + with.length];
                System.arraycopy(b, 0, m, 0, pos);
                System.arraycopy(with, 0, m, pos, with.length);
                System.arraycopy(b, pos, m, pos + with.length, b.length - pos);
                yield m;
            }
            case 2 -> {
                int n = Math.min(with.length, b.length - pos);
                byte[] m = new byte[b.length - n];
                System.arraycopy(b, 0, m, 0, pos);
                System.arraycopy(b, pos + n, m, pos, b.length - pos - n);
                yield m;
            }
            default -> java.util.Arrays.copyOf(b, pos);
        };
    }
}
