package dev.safetensors.cli;

import dev.safetensors.internal.io.InFlight;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The real checkpoint shipped inside the CLI: burn's MNIST CNN, written by safetensors.torch (20 tensors,
 * F32 and I64, rank-0 scalars). Source and checksum: testdata/fixtures/MANIFEST.tsv.
 */
final class BundledSample {
    static final String NAME = "mnist.safetensors";
    private static final String RESOURCE =
            "sample/tracel-ai__burn__examples__import-model-weights__weights__mnist.safetensors";

    private BundledSample() {
    }

    /** Copies the sample to a temp file, which the caller deletes. */
    static Path extract() {
        try (InputStream in = BundledSample.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the bundled sample is missing from the jar: " + RESOURCE);
            }
            Path tmp = Files.createTempFile("safetensors-sample-", ".safetensors");
            InFlight.add(tmp);      // removed even when the command is stopped (Ctrl-C) while it runs
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
