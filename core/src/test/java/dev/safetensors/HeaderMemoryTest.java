package dev.safetensors;

import dev.safetensors.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.internal.header.HeaderParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Opening costs at most {@link HeaderParser#WORST_CASE_HEAP_PER_BYTE} times the header, whatever the header
 * holds: each of the costliest kinds of header opens (and every tensor's shape and the metadata are read)
 * in a child JVM whose heap is that multiple of the header plus the JVM's own 48 MiB; a header that cannot
 * fit is refused at once with the figures.
 */
class HeaderMemoryTest {
    private static final long N = 24_000_000;
    private static final long JVM_BASELINE = 48L << 20;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @EnumSource(HostileHeaders.class)
    void opensWithinTheDocumentedMultipleOfTheHeader(HostileHeaders kind) throws Exception {
        Path file = dir.resolve(kind + ".safetensors");
        long n = kind.write(file, N);
        long heap = HeaderParser.heapNeeded(n) + JVM_BASELINE;
        ChildJvm.Result r = ChildJvm.run((heap >> 20) + "m", HeaderMemoryCase.class, 120, file.toString());
        assertThat(r.output().strip()).as("a %d-byte header in %d MiB", n, heap >> 20).startsWith("OK ");
    }

    /** A valid 10^8-byte header in a 128 MiB heap: refused in moments, not minutes of collection and then OOM. */
    @Test
    void aHeaderThatCannotFitIsRefusedAtOnce() throws Exception {
        Path file = dir.resolve("big.safetensors");
        long n = HostileHeaders.TINY_TENSORS.write(file, 99_000_000);
        long start = System.nanoTime();
        ChildJvm.Result r = ChildJvm.run("128m", HeaderMemoryCase.class, 120, file.toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(r.output().strip()).startsWith("KIND HeaderTooLarge")
                .contains("a header of " + n + " bytes needs about " + ((HeaderParser.heapNeeded(n) + (1 << 20) - 1) >> 20) + " MB")
                .contains("raise -Xmx or the header limit");
        assertThat(seconds).as("seconds to refuse").isLessThan(30);
    }

    /**
     * The same for JSON read as values (index files, configs): {@code [{},{},…]} of 20 MB would take
     * 440 MB; in a 128 MiB heap it is refused before parsing, where it used to run out of memory.
     */
    @Test
    void aJsonDocumentThatCannotFitIsRefusedAtOnce() throws Exception {
        Path file = dir.resolve("objects.json");
        Files.writeString(file, "[" + "{},".repeat(7_000_000) + "{}]");
        ChildJvm.Result r = ChildJvm.run("128m", JsonDocumentCase.class, 120, file.toString());
        assertThat(r.output().strip()).startsWith("KIND HeaderTooLarge").contains("raise -Xmx");
    }

    /**
     * An index goes through its own reader (numbers kept exactly, a plain copy besides): {@code [{},{},…]} in
     * its metadata takes 53 times the document. 21 MB of it, well under the size limit, ran a 128 MiB heap out
     * of memory (an {@code OutOfMemoryError} out of {@code ShardIndex.parse}); it is refused before parsing.
     */
    @Test
    void anIndexThatCannotFitIsRefusedAtOnce() throws Exception {
        Path file = dir.resolve("model.safetensors.index.json");
        Files.writeString(file, "{\"metadata\":{\"x\":[" + "{},".repeat(7_000_000)
                + "{}]},\"weight_map\":{\"a\":\"model.safetensors\"}}");
        ChildJvm.Result r = ChildJvm.run("128m", JsonDocumentCase.class, 120, file.toString(), "index");
        assertThat(r.output().strip()).startsWith("KIND HeaderTooLarge").contains("JSON values").contains("raise -Xmx");
    }

    /** The bound counts values, so a large real index (100,000 tensors in 40 shards, 7 MB) still opens in 128 MiB. */
    @Test
    void aLargeRealIndexFitsItsBound() throws Exception {
        Path file = dir.resolve("model.safetensors.index.json");
        StringBuilder sb = new StringBuilder("{\"metadata\":{\"total_size\":123456789012},\"weight_map\":{");
        for (int i = 0; i < 100_000; i++) {
            sb.append(i == 0 ? "" : ",").append("\"model.layers.").append(i / 10).append(".mlp.experts.").append(i % 10)
                    .append(".down_proj.weight\":\"model-").append(String.format("%05d", i % 40 + 1)).append("-of-00040.safetensors\"");
        }
        Files.writeString(file, sb.append("}}").toString());
        ChildJvm.Result r = ChildJvm.run("128m", JsonDocumentCase.class, 120, file.toString(), "index");
        assertThat(r.output().strip()).isEqualTo("OK");
    }
}
