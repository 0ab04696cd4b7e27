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
}
