package dev.safetensors.internal.load;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * One reader thread's {@code O_DIRECT} channels, one per file: reads bypass the page cache, into aligned
 * buffers, at aligned positions and lengths. A file system that refuses {@code O_DIRECT} (tmpfs, some
 * network file systems) is remembered, and its reads go through the page cache instead.
 *
 * <p>A channel per thread, not one shared: positional reads on one {@code FileChannel} serialise on its
 * monitor.
 */
public final class DirectReader implements AutoCloseable {
    /** O_DIRECT needs buffer address, position and length aligned to the logical block size; 4096 covers all. */
    public static final int ALIGNMENT = 4096;

    /**
     * {@code com.sun.nio.file.ExtendedOpenOption.DIRECT} (module jdk.unsupported), looked up by name so that
     * javac and javadoc do not warn about a proprietary API on every build; null where the JDK lacks it.
     */
    private static final OpenOption DIRECT = directOption();
    /** The most one read(2) takes: a ByteBuffer holds at most 2 GiB, and chunks may be larger. */
    static final long MAX_READ = 1L << 30;

    private final Map<Path, FileChannel> channels = new HashMap<>();
    private final Map<Path, Boolean> refused = new HashMap<>();
    private final long maxRead;

    public DirectReader() {
        this(MAX_READ);
    }

    /** With reads of at most {@code maxRead} bytes, a multiple of {@link #ALIGNMENT} (tests use small ones). */
    DirectReader(long maxRead) {
        if (maxRead < ALIGNMENT || maxRead % ALIGNMENT != 0) {
            throw new IllegalArgumentException("reads must be whole blocks of " + ALIGNMENT + ", got " + maxRead);
        }
        this.maxRead = maxRead;
    }

    /**
     * Reads {@code [position, position + length)} of {@code file} into {@code staging}, which must be aligned
     * and hold {@code length + 2 * ALIGNMENT} bytes.
     *
     * @return where in {@code staging} the first requested byte is, or -1 when the file system refuses
     *         direct reads (then nothing was read)
     */
    public long read(Path file, long position, long length, MemorySegment staging) throws IOException {
        FileChannel ch = channel(file);
        if (ch == null) {
            return -1;
        }
        long start = position & -ALIGNMENT;
        long end = (position + length + ALIGNMENT - 1) & -ALIGNMENT;
        long need = position + length - start;
        long done = 0;   // stays a multiple of ALIGNMENT until the last, partial block at the end of the file
        while (done < need) {
            ByteBuffer bb = staging.asSlice(done, Math.min(maxRead, end - start - done)).asByteBuffer();
            while (bb.hasRemaining() && done + bb.position() < need) {
                int r = ch.read(bb, start + done + bb.position());
                if (r < 0) {
                    throw new IOException("the file ended at " + (start + done + bb.position()) + " before byte "
                            + (position + length));
                }
            }
            done += bb.position();
        }
        return position - start;
    }

    private FileChannel channel(Path file) throws IOException {
        if (refused.containsKey(file)) {
            return null;
        }
        FileChannel ch = channels.get(file);
        if (ch == null) {
            try {
                if (DIRECT == null) {
                    throw new UnsupportedOperationException("this JDK has no O_DIRECT option");
                }
                ch = FileChannel.open(file, StandardOpenOption.READ, DIRECT);
            } catch (IOException | UnsupportedOperationException e) {
                refused.put(file, true);   // EINVAL from open(2): the file system has no O_DIRECT
                return null;
            }
            channels.put(file, ch);
        }
        return ch;
    }

    private static OpenOption directOption() {
        try {
            return (OpenOption) Class.forName("com.sun.nio.file.ExtendedOpenOption").getField("DIRECT").get(null);
        } catch (ReflectiveOperationException | ClassCastException e) {
            return null;
        }
    }

    /** Whether any read went through the page cache because direct reads were refused. */
    public boolean anyRefused() {
        return !refused.isEmpty();
    }

    @Override
    public void close() {
        for (FileChannel ch : channels.values()) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Read-only: nothing is lost.
            }
        }
        channels.clear();
    }
}
