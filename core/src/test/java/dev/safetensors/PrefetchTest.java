package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.safetensors.internal.io.ReadAhead;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Read-ahead hints: without native access they are skipped without a word; with it, pages evicted from the page
 * cache are resident soon after {@code prefetch}, by {@code mincore}'s account, for both strategies.
 */
class PrefetchTest {
    @TempDir
    static Path dir;

    private static Path file() {
        Path f = dir.resolve("eight-mib.safetensors");
        if (!Files.exists(f)) {
            float[] v = new float[2 << 20];
            for (int i = 0; i < v.length; i++) {
                v[i] = i;
            }
            SafeTensorsWriter.create().add("t", DType.F32, Shape.of(2 << 10, 1 << 10), TensorData.of(v))
                    .add("u", DType.U8, Shape.of(3), TensorData.of(new byte[] {1, 2, 3})).write(f);
        }
        return f;
    }

    private static String child(boolean nativeAccess, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path")));
        if (nativeAccess) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.add(PrefetchProbe.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("PrefetchProbe did not finish");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void withoutNativeAccessAHintChangesNothingButChecksNamesAndTheHandle(ReadStrategy strategy) {
        assertThat(ReadAhead.enabled()).as("the test JVM runs without --enable-native-access").isFalse();
        SafeTensorsFile f = SafeTensorsFile.open(file(), OpenOptions.defaults().withStrategy(strategy));
        f.prefetch(List.of("t", "u"));
        f.tensor("t").prefetch();
        f.tensor("t").slice(":, ::-3").prefetch();
        assertThat(f.tensor("t").toFloatArray()[12345]).isEqualTo(12345f);
        assertThatThrownBy(() -> f.prefetch(List.of("u", "nope"))).isInstanceOfSatisfying(SafeTensorsException.class,
                e -> assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.TensorNotFound));
        Tensor t = f.tensor("t");
        f.close();
        assertThatThrownBy(t::prefetch).isInstanceOfSatisfying(SafeTensorsException.class,
                e -> assertThat(e.getMessage()).endsWith("the file is closed"));
    }

    @Test
    void withoutNativeAccessNothingIsPrinted() throws Exception {
        assertThat(child(false, "quiet", file().toString())).isEqualTo("hints false\n");
    }

    @Test
    void withNativeAccessHintsAreGivenWithoutAWarning() throws Exception {
        assertThat(child(true, "quiet", file().toString())).isEqualTo("hints true\n");
    }

    @ParameterizedTest
    @EnumSource(ReadStrategy.class)
    void prefetchBringsEvictedPagesIntoThePageCache(ReadStrategy strategy) throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"));
        String[] out = child(true, "resident", file().toString(), strategy.name()).strip().split(" ");
        long pages = Long.parseLong(out[1]);
        long before = Long.parseLong(out[3]);
        long after = Long.parseLong(out[5]);
        assumeTrue(before < pages / 2, "the file system keeps the file in memory (tmpfs?): nothing to evict");
        assertThat(after).as("pages resident after the hint, of " + pages + " (" + before + " before)")
                .isGreaterThanOrEqualTo(pages * 9 / 10);
    }

    @Test
    void aHintForAFileReplacedByAFifoReturnsAtOnce() throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"));
        Path copy = dir.resolve("replaced-by-fifo.safetensors");
        Files.copy(file(), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(child(true, "fifo", copy.toString())).isEqualTo("hints true, returned\n");
    }
}
