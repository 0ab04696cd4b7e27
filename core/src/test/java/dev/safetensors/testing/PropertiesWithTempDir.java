package dev.safetensors.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/** A fresh temp directory per property (jqwik has no {@code @TempDir}). */
public abstract class PropertiesWithTempDir {
    protected Path dir;

    @BeforeProperty
    public void makeDir() throws IOException {
        dir = Files.createTempDirectory(getClass().getSimpleName());
    }

    @AfterProperty
    public void removeDir() throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
