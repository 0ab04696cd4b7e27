package dev.safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/** A fresh temp directory per property (jqwik has no {@code @TempDir}). */
abstract class PropertiesWithTempDir {
    protected Path dir;

    @BeforeProperty
    void makeDir() throws IOException {
        dir = Files.createTempDirectory(getClass().getSimpleName());
    }

    @AfterProperty
    void removeDir() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
