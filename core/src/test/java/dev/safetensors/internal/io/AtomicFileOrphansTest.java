package dev.safetensors.internal.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prepared temp file is not an orphan: another writer in the same directory (another thread, or another
 * process) that cleans up orphans before its own write must leave it alone until its commit. The lock that
 * marks it as in flight used to be released when the temp file was flushed, before the rename, so that
 * clean-up deleted it and the commit failed with "cannot write the file".
 */
class AtomicFileOrphansTest {
    @TempDir
    Path dir;

    @Test
    void aPreparedFileSurvivesAnotherWritersCleanUpUntilItsCommit() throws Exception {
        Path target = dir.resolve("model.safetensors");
        AtomicFile.Pending pending = AtomicFile.prepare(target, ch -> ch.write(ByteBuffer.wrap(
                "new".getBytes(StandardCharsets.US_ASCII))));
        AtomicFile.removeOrphans(dir);      // what another writer's AtomicFile.write does first
        pending.commit(List.of());
        assertThat(Files.readString(target)).isEqualTo("new");
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()).toList()).containsExactly("model.safetensors");
    }

    @Test
    void aDiscardedFileIsRemovedAndAnUnlockedOneIsAnOrphan() throws Exception {
        Path target = dir.resolve("a.safetensors");
        AtomicFile.prepare(target, ch -> ch.write(ByteBuffer.wrap(new byte[] {1}))).discard();
        Files.writeString(dir.resolve(".b.safetensors.0123456789abcdef" + ".safetensors-tmp"), "left by a killed writer");
        AtomicFile.removeOrphans(dir);
        assertThat(Files.list(dir).toList()).isEmpty();
    }
}
