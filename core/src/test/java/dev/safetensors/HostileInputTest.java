package dev.safetensors;

import dev.safetensors.testing.ChildJvm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hostile inputs, each opened in its own JVM with a 256 MiB heap (384 MiB for 10^8-byte headers) and a
 * time limit: the verdict must be the expected one, with no crash, no OutOfMemoryError and no hang. A
 * 10^6-digit number in an ignored field is out of range for a double, as the reference decodes it.
 */
class HostileInputTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "length0, InvalidHeaderDeserialization",
            "length7, InvalidHeaderDeserialization",
            "length1e8-short, InvalidHeaderLength",
            "length1e8+1, HeaderTooLarge",
            "length2^63, HeaderTooLarge",
            "length2^64-1, HeaderTooLarge",
            "length-past-end, InvalidHeaderLength",
            "nested-1e8, InvalidHeaderDeserialization",
            "huge-string-1e8, InvalidHeaderDeserialization",
            "huge-metadata-1e8, InvalidHeaderDeserialization",
            "digits-1e6-shape, InvalidHeaderDeserialization",
            "digits-1e6-ignored, InvalidHeaderDeserialization",
            "tensors-1e6, OK",
            "invalid-utf8, InvalidHeader",
            "bom, InvalidHeaderDeserialization",
            "nul-bytes, InvalidHeaderDeserialization",
            "lone-surrogate, InvalidHeaderDeserialization",
            "shape-product-overflow, ValidationOverflow",
            "byte-size-overflow, ValidationOverflow",
            "f4-mid-byte, MisalignedSlice",
            "overlap, InvalidOffset",
            "tied, InvalidOffset",
            "out-of-range, InvalidOffset",
            "gap, InvalidOffset",
            "trailing-polyglot, MetadataIncompleteBuffer",
            "truncated, MetadataIncompleteBuffer",
            "duplicate-name, InvalidHeaderDeserialization",
            "repeated-metadata, InvalidHeaderDeserialization",
            "metadata-not-string, InvalidHeaderDeserialization",
            "index-outside, InvalidHeaderDeserialization",
            "index-missing-shard, IoError",
            "index-symlink-out, InvalidHeaderDeserialization",
            "index-disagrees, TensorNotFound",
            "index-huge-number, InvalidHeaderDeserialization",
            "slice-out-of-range, SliceOutOfRange",
            "slice-zero-step, SliceOutOfRange",
            "slice-absurd, InvalidTensorView",
            "slice-huge-expression, TooManySlices"})
    void hostileInputGivesItsKindWithinBounds(String name, String expected) throws Exception {
        Path caseDir = Files.createDirectories(dir.resolve(name.replace('^', '_')));
        long start = System.nanoTime();
        // A 10^8-byte header may need up to 3x its size (SECURITY.md): less is refused up front.
        String heap = name.endsWith("-1e8") ? "384m" : "256m";
        ChildJvm.Result r = ChildJvm.run(heap, HostileCase.class, 120, name, caseDir.toString());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output().strip()).isEqualTo(expected.equals("OK") ? "OK" : "KIND " + expected);
        assertThat(seconds).as("wall time").isLessThan(60);
    }

    /**
     * A valid header of 99.98 MB (1.4 million tensors) opens in a modest heap. Measured: it needs about
     * 288 MiB (SECURITY.md); the JVM's default is a quarter of RAM. Writing the file takes more, so 512m.
     */
    @Test
    void hundredMegabyteValidHeaderOpens() throws Exception {
        ChildJvm.Result r = ChildJvm.run("512m", HostileCase.class, 120, "valid-1e8", dir.toString());
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output().strip()).isEqualTo("OK");
    }
}
