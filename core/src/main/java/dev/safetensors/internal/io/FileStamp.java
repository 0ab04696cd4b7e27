package dev.safetensors.internal.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * Which file a path named when it was opened, and what that file looked like: its identity (device and inode
 * where the platform has them, else null), size and modification time. The one answer to "is this still the
 * file we opened", asked in two situations:
 * <ul>
 * <li>a handle that keeps its descriptor or mapping checks after each copy-out ({@link #checkUnchanged}): a
 *     file rewritten in place or truncated is reported; a file replaced by rename or removed is not a change,
 *     as the handle still reads the file it opened;</li>
 * <li>whatever opens the path again (a descriptor reopened after an interrupt closed it, a shard the pool
 *     closed, a file mapped later) must find the same file unchanged ({@link #checkSame}), else it would read
 *     another file's bytes under the old header.</li>
 * </ul>
 * A change within the file system's timestamp resolution that keeps the size is not seen.
 */
public record FileStamp(Object fileKey, long size, FileTime modified) {

    public FileStamp {
        Objects.requireNonNull(modified, "modified");
    }

    // equals and hashCode written out: a record's generated ones are bound through invokedynamic on first use,
    // method-handle set-up that every open would pay at start-up (docs/benchmarks.md, "Start-up of a small command").
    @Override
    public boolean equals(Object o) {
        return o instanceof FileStamp f && Objects.equals(fileKey, f.fileKey) && size == f.size
                && modified.equals(f.modified);
    }

    @Override
    public int hashCode() {
        return Objects.hash(fileKey, size, modified);
    }

    /**
     * The file at {@code path} now.
     *
     * @throws dev.safetensors.SafeTensorsException of kind {@code IoError} when it cannot be read
     */
    public static FileStamp of(Path path, String description) {
        try {
            return of(Files.readAttributes(path, BasicFileAttributes.class));
        } catch (IOException e) {
            throw IoErrors.io(description, "cannot read the file's attributes", e);
        }
    }

    static FileStamp of(BasicFileAttributes a) {
        return new FileStamp(a.fileKey(), a.size(), a.lastModifiedTime());
    }

    /** Whether {@code other} is the same file (when the platform cannot tell, it is taken to be). */
    public boolean sameFile(FileStamp other) {
        return Objects.equals(fileKey, other.fileKey);
    }

    /**
     * For a handle that still holds the file it opened: throws {@code IoError} when the file at {@code path} is
     * that file but its size or modification time differ from this stamp.
     */
    public void checkUnchanged(Path path, String description) {
        FileStamp now;
        try {
            now = of(Files.readAttributes(path, BasicFileAttributes.class));
        } catch (NoSuchFileException e) {
            return;    // removed: the descriptor and the mapping still hold the file as opened
        } catch (IOException e) {
            throw IoErrors.io(description, "cannot check whether the file changed", e);
        }
        if (!sameFile(now)) {
            return;    // replaced by another file: the handle still reads the one it opened
        }
        if (now.size != size) {
            throw IoErrors.changed(description, "it has " + now.size + " bytes, it had " + size + " when opened", null);
        }
        if (!now.modified.equals(modified)) {
            throw IoErrors.changed(description, "it was modified at " + now.modified + ", after it was opened (last "
                    + "modified at " + modified + ")", null);
        }
    }

    /**
     * For a path opened again: throws {@code IoError} unless {@code now} is this file, unchanged.
     *
     * @param context why the path was opened again, e.g. "an interrupted read closed the descriptor"
     */
    public void checkSame(FileStamp now, String description, String context) {
        if (!sameFile(now)) {
            throw IoErrors.changed(description, "the path names another file now (replaced since it was opened), "
                    + "and " + context, null);
        }
        if (now.size != size || !now.modified.equals(modified)) {
            throw IoErrors.changed(description, "it was rewritten since it was opened: now " + now.size + " bytes, "
                    + "modified " + now.modified + "; then " + size + " bytes, modified " + modified + "; and "
                    + context, null);
        }
    }
}
