package dev.safetensors;

import dev.safetensors.testing.MemorySource;

import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safetensors.SafeTensorsException.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A file in another format says what it looks like and what to do, and keeps the kind the reference gives
 * it (checked with {@code stcheck validate}: {@code HeaderTooLarge}, and {@code InvalidHeaderLength} for
 * gzip): the files are
 * real ones (PyTorch checkpoints from the fixtures, NumPy and pickle files written by those libraries,
 * see foreign/README.md) or built here from the format's published magic number.
 */
class ForeignFormatTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "huggingface__candle__candle-core__tests__fortran_tensor_3d.pth | PyTorch checkpoint (zip, torch.save)",
            "tracel-ai__burn__crates__burn-store__src__pytorch__tests__reader__test_data__bfloat16.pt | PyTorch checkpoint (zip, torch.save)",
            "fetchwiki__mistralai-Devstral-Small-2507__config.json | JSON text",
            "fetchwiki__mistralai-Devstral-Small-2507__model.safetensors.index.json | index of a sharded checkpoint"})
    void fixtureInAnotherFormatIsNamed(String fixture, String said) {
        assertHint(TestFiles.fixture(fixture), said);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "array.npy | NumPy .npy array",
            "arrays.npz | NumPy .npz archive",
            "dict-protocol2.pkl | Python pickle (protocol 2)",
            "dict-protocol4.pkl | Python pickle (protocol 4)",
            "torch-legacy-magic.pkl | a PyTorch checkpoint in the format before PyTorch 1.6"})
    void fileWrittenByAnotherLibraryIsNamed(String resource, String said) throws URISyntaxException {
        assertHint(Path.of(getClass().getResource("foreign/" + resource).toURI()), said);
    }

    @Test
    void filesMadeFromTheirMagicNumbersAreNamed() throws IOException {
        // GGUF: magic, version 3, no tensors, no metadata (ggml/docs/gguf.md).
        assertHint(write("model.gguf", bytes("GGUF", 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), "GGUF file");
        assertHint(write("model.safetensors", ("version https://git-lfs.github.com/spec/v1\noid sha256:"
                + "0".repeat(64) + "\nsize 548105171\n").getBytes(StandardCharsets.US_ASCII)), "Git LFS pointer");
        assertHint(write("page.safetensors", "<!DOCTYPE html><html><body>Sign in</body></html>".getBytes(StandardCharsets.US_ASCII)),
                "HTML page");
        assertHint(write("model.h5", bytes("\u0089HDF\r\n\u001a\n", 0, 0, 0, 0, 0, 0, 0, 0)), "HDF5 file");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(TestFiles.file("{}", 0));
        }
        // Gzip's bytes 4-7 are a zero timestamp: the "header length" is 559,903, past the end of the file.
        assertHint(write("model.safetensors.gz", gz.toByteArray()), Kind.InvalidHeaderLength, "gzip-compressed");
    }

    @Test
    void aRealSafetensorsFileThatIsBrokenGetsNoHint() {
        byte[] file = TestFiles.file("{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}", 1);   // no closing brace
        SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class,
                () -> SafeTensorsFile.open(new MemorySource(file, "broken"), Header.DEFAULT_MAX_SIZE));
        assertThat(e.kind()).isEqualTo(Kind.InvalidHeaderDeserialization);
        assertThat(e.getMessage()).doesNotContain("this is");
    }

    private static void assertHint(Path file, String said) {
        assertHint(file, Kind.HeaderTooLarge, said);
    }

    private static void assertHint(Path file, Kind kind, String said) {
        SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class, () -> SafeTensorsFile.open(file).close());
        assertThat(e).as(file.toString()).isNotNull();
        assertThat(e.kind()).isEqualTo(kind);
        assertThat(e.getMessage()).startsWith(file + ": ").contains("; this is").contains(said);
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    /** An ASCII magic followed by raw byte values. */
    private static byte[] bytes(String magic, int... rest) {
        byte[] b = new byte[magic.length() + rest.length];
        for (int i = 0; i < magic.length(); i++) {
            b[i] = (byte) magic.charAt(i);
        }
        for (int i = 0; i < rest.length; i++) {
            b[magic.length() + i] = (byte) rest[i];
        }
        return b;
    }
}
