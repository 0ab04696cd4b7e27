package dev.safetensors.internal.io;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Read-ahead hints to the operating system through FFM: {@code madvise(MADV_WILLNEED)} on a mapped range, in
 * steps of at most 128 KiB (the kernel's default read-ahead window, so no call queues more reads than read-ahead
 * itself would), and {@code posix_fadvise(POSIX_FADV_WILLNEED)} on a file range for positional reads. Both queue
 * the reads and return; the kernel fills the page cache in the background.
 *
 * <p>Hints are optional. They run only on Linux and only when native access is enabled for this module (the
 * application's {@code --enable-native-access=dev.safetensors.core}, or {@code ALL-UNNAMED} on the class path).
 * Otherwise, and when a call fails, nothing happens: no warning (a restricted method used without native access
 * would print one), no exception, the same bytes read later, only without the head start.
 */
public final class ReadAhead {
    /** At most this many bytes per {@code madvise} call. */
    static final long STEP = 128 << 10;
    private static final long PAGE = 4096;
    private static final int MADV_WILLNEED = 3;
    private static final int POSIX_FADV_WILLNEED = 3;
    /**
     * {@code O_RDONLY | O_CLOEXEC | O_NONBLOCK} (x86-64 and AArch64 values). The path is opened again by name, and
     * what stands there now may be a FIFO put in place of the file: without {@code O_NONBLOCK} its open blocks until
     * a writer comes, so a hint would hang. A regular file ignores the flag.
     */
    private static final int O_RDONLY_CLOEXEC_NONBLOCK = 0x80000 | 0x800;

    private static final MethodHandle MADVISE;
    private static final MethodHandle FADVISE;
    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;

    static {
        MethodHandle madvise = null;
        MethodHandle fadvise = null;
        MethodHandle open = null;
        MethodHandle close = null;
        if (ReadAhead.class.getModule().isNativeAccessEnabled()
                && System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                ValueLayout sizeT = ValueLayout.JAVA_LONG;
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, sizeT, ValueLayout.JAVA_INT));
                fadvise = linker.downcallHandle(libc.find("posix_fadvise").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT));
                open = linker.downcallHandle(libc.find("open").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                        Linker.Option.firstVariadicArg(2));
                close = linker.downcallHandle(libc.find("close").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            } catch (RuntimeException | LinkageError e) {
                madvise = fadvise = open = close = null;     // no such symbols here: no hints
            }
        }
        MADVISE = madvise;
        FADVISE = fadvise;
        OPEN = open;
        CLOSE = close;
    }

    private ReadAhead() {
    }

    /** Whether hints are given here (Linux, native access enabled); otherwise every method does nothing. */
    public static boolean enabled() {
        return MADVISE != null;
    }

    /** Hints that the pages of {@code range}, part of a file mapping, will be read soon. */
    public static void mapped(MemorySegment range) {
        if (MADVISE == null || !range.isNative() || range.byteSize() == 0) {
            return;
        }
        long start = range.address() & -PAGE;
        long end = range.address() + range.byteSize();
        try {
            for (long at = start; at < end; at += STEP) {
                int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(at), Math.min(STEP, end - at),
                        MADV_WILLNEED);
            }
        } catch (Throwable e) {
            // A hint: failing to give it changes nothing but speed.
        }
    }

    /** Hints that bytes {@code [position, position + length)} of the file at {@code path} will be read soon. */
    public static void file(Path path, long position, long length) {
        if (FADVISE == null || length <= 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(arena.allocateFrom(path.toString()), O_RDONLY_CLOEXEC_NONBLOCK);
            if (fd < 0) {
                return;
            }
            try {
                int ignored = (int) FADVISE.invokeExact(fd, position, length, POSIX_FADV_WILLNEED);
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (Throwable e) {
            // A hint: failing to give it changes nothing but speed.
        }
    }
}
