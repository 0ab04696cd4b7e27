package dev.safetensors.cuda.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.device.DeviceTensor;
import dev.safetensors.device.DirectFileReads;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPUDirect Storage through NVIDIA's cuFile library, found at run time: files opened with {@code O_DIRECT},
 * registered with cuFile, and read straight into device memory. A file whose file system cannot do this
 * (the open or the registration is refused) is remembered and declined, so the loader stages it instead.
 *
 * <p>Layouts follow {@code cufile.h}: {@code CUfileError_t} is two ints (cuFile's error, CUDA's result);
 * {@code CUfileDescr_t} is a handle type, a union holding the descriptor, and a file-system ops pointer.
 */
public final class CuFile {
    private static final StructLayout ERROR = MemoryLayout.structLayout(JAVA_INT.withName("err"), JAVA_INT.withName("cu_err"));
    /** CU_FILE_HANDLE_TYPE_OPAQUE_FD. */
    private static final int OPAQUE_FD = 1;
    /** Linux x86-64 and aarch64 open(2) flags. */
    private static final int O_RDONLY = 0;
    private static final int O_DIRECT = 0x4000;
    private static final List<String> LIBRARIES = List.of("libcufile.so", "libcufile.so.0",
            "/usr/local/cuda/lib64/libcufile.so");

    private final MethodHandle driverOpen;
    private final MethodHandle handleRegister;
    private final MethodHandle handleDeregister;
    private final MethodHandle read;
    private final MethodHandle open;
    private final MethodHandle close;

    private CuFile(SymbolLookup lookup) {
        Linker linker = Linker.nativeLinker();
        driverOpen = linker.downcallHandle(find(lookup, "cuFileDriverOpen"), FunctionDescriptor.of(ERROR));
        handleRegister = linker.downcallHandle(find(lookup, "cuFileHandleRegister"),
                FunctionDescriptor.of(ERROR, ADDRESS, ADDRESS));
        handleDeregister = linker.downcallHandle(find(lookup, "cuFileHandleDeregister"), FunctionDescriptor.ofVoid(ADDRESS));
        read = linker.downcallHandle(find(lookup, "cuFileRead"),
                FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        SymbolLookup libc = linker.defaultLookup();
        open = linker.downcallHandle(find(libc, "open"), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
                Linker.Option.firstVariadicArg(2));
        close = linker.downcallHandle(find(libc, "close"), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static MemorySegment find(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException("no symbol " + name));
    }

    /** The cuFile library with its driver opened, or empty with no library or no GDS driver. */
    public static Optional<CuFile> load() {
        String override = System.getProperty("safetensors.cufile.library", System.getenv("SAFETENSORS_CUFILE_LIBRARY"));
        for (String candidate : override != null && !override.isBlank() ? List.of(override) : LIBRARIES) {
            try {
                SymbolLookup lookup = candidate.contains("/")
                        ? SymbolLookup.libraryLookup(Path.of(candidate), Arena.global())
                        : SymbolLookup.libraryLookup(candidate, Arena.global());
                CuFile c = new CuFile(lookup);
                return c.openDriver() ? Optional.of(c) : Optional.empty();
            } catch (IllegalArgumentException | IllegalStateException | IllegalCallerException e) {
                // Not here, or not usable: try the next name.
            }
        }
        return Optional.empty();
    }

    private boolean openDriver() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment err = (MemorySegment) driverOpen.invokeExact((java.lang.foreign.SegmentAllocator) a);
            return err.get(JAVA_INT, 0) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /** Direct reads into {@code device}'s memory; files are registered on first use. */
    DirectFileReads readsFor(GpuDevice device) {
        return new Reads(device);
    }

    /** A registered file: its descriptor and cuFile handle, or a refusal. */
    private record Registered(int fd, long handle) {
        static final Registered REFUSED = new Registered(-1, 0);
    }

    private final class Reads implements DirectFileReads {
        private final GpuDevice device;
        private final Map<Path, Registered> files = new ConcurrentHashMap<>();

        Reads(GpuDevice device) {
            this.device = device;
        }

        @Override
        public boolean read(Path file, long position, long length, DeviceTensor dst, long dstOffset) {
            Registered r = files.computeIfAbsent(file, this::register);
            if (r == Registered.REFUSED) {
                return false;
            }
            java.util.Objects.checkFromIndexSize(dstOffset, length, dst.byteSize());
            device.current();
            long done = 0;
            while (done < length) {
                long n;
                try {
                    n = (long) read.invokeExact(MemorySegment.ofAddress(r.handle()), MemorySegment.ofAddress(dst.address()),
                            length - done, position + done, dstOffset + done);
                } catch (Throwable t) {
                    throw new SafeTensorsException(SafeTensorsException.Kind.IoError, file.toString(), "cuFileRead failed: " + t, t);
                }
                if (n <= 0) {
                    throw new SafeTensorsException(SafeTensorsException.Kind.IoError, file.toString(), "cuFileRead of "
                            + (length - done) + " bytes at offset " + (position + done) + " returned " + n
                            + (n == 0 ? " (end of file)" : " (an error: negative errno or cuFile error code)"));
                }
                done += n;
            }
            return true;
        }

        private Registered register(Path file) {
            try (Arena a = Arena.ofConfined()) {
                int fd = (int) open.invokeExact(a.allocateFrom(file.toAbsolutePath().toString()), O_RDONLY | O_DIRECT);
                if (fd < 0) {
                    return Registered.REFUSED;
                }
                MemorySegment descr = a.allocate(24, 8);
                descr.set(JAVA_INT, 0, OPAQUE_FD);
                descr.set(JAVA_INT, 8, fd);
                MemorySegment handle = a.allocate(ADDRESS);
                MemorySegment err = (MemorySegment) handleRegister.invokeExact((java.lang.foreign.SegmentAllocator) a, handle, descr);
                if (err.get(JAVA_INT, 0) != 0) {
                    int ignored = (int) close.invokeExact(fd);
                    return Registered.REFUSED;
                }
                return new Registered(fd, handle.get(ADDRESS, 0).address());
            } catch (Throwable t) {
                return Registered.REFUSED;
            }
        }

        @Override
        public void close() {
            for (Registered r : files.values()) {
                if (r != Registered.REFUSED) {
                    try {
                        handleDeregister.invokeExact(MemorySegment.ofAddress(r.handle()));
                        int ignored = (int) close.invokeExact(r.fd());
                    } catch (Throwable ignored) {
                        // Best effort: the process keeps nothing else of the file.
                    }
                }
            }
            files.clear();
        }
    }
}
