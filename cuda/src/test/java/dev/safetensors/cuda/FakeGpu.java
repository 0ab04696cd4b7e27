package dev.safetensors.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.safetensors.cuda.internal.GpuRuntime;
import dev.safetensors.cuda.internal.Vendor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * The fake runtimes of src/test/c/fakegpu.c, compiled once per test run with the machine's C compiler
 * (the tests that need them are skipped, saying so, where there is none), and bound as the real ones are.
 */
final class FakeGpu {
    private static final Map<Vendor, Path> BUILT = new ConcurrentHashMap<>();

    private FakeGpu() {
    }

    /** The fake runtime for {@code vendor}, configured: devices, memory per device, delay per copy, failing copy. */
    static GpuRuntime runtime(Vendor vendor, int devices, long memory, long delayMicros, long failCopy) {
        Path lib = BUILT.computeIfAbsent(vendor, FakeGpu::compile);
        try {
            MethodHandle configure = Linker.nativeLinker().downcallHandle(
                    SymbolLookup.libraryLookup(lib, Arena.global()).find("fakegpu_configure").orElseThrow(),
                    FunctionDescriptor.ofVoid(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
            configure.invokeExact(devices, memory, delayMicros, failCopy);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        GpuRuntime.Loaded loaded = GpuRuntime.load(vendor, List.of(lib.toString()));
        return loaded.runtime().orElseThrow(() -> new AssertionError(loaded.reason()));
    }

    /** Page-locked host bytes the fake has handed out and not yet had back. */
    static long liveHostBytes(Vendor vendor) {
        try {
            MethodHandle live = Linker.nativeLinker().downcallHandle(
                    SymbolLookup.libraryLookup(BUILT.get(vendor), Arena.global()).find("fakegpu_live_host_bytes")
                            .orElseThrow(), FunctionDescriptor.of(JAVA_LONG));
            return (long) live.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** One of the fake's counters: {@code fakegpu_live_events}, {@code _live_streams}, {@code _stale_copies}. */
    static long counter(Vendor vendor, String name) {
        try {
            MethodHandle h = Linker.nativeLinker().downcallHandle(
                    SymbolLookup.libraryLookup(BUILT.get(vendor), Arena.global()).find("fakegpu_" + name).orElseThrow(),
                    FunctionDescriptor.of(JAVA_LONG));
            return (long) h.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Calls the fake can fail, besides copies. */
    enum Call { EVENT_CREATE, EVENT_RECORD, STREAM_SYNCHRONIZE }

    /** Makes the {@code n}-th {@code call} from now fail (0: none); configuring again clears it. */
    static void failAt(Vendor vendor, Call call, long n) {
        try {
            MethodHandle h = Linker.nativeLinker().downcallHandle(
                    SymbolLookup.libraryLookup(BUILT.get(vendor), Arena.global()).find("fakegpu_fail").orElseThrow(),
                    FunctionDescriptor.ofVoid(JAVA_INT, JAVA_LONG));
            h.invokeExact(call.ordinal(), n);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static Path cuFile;

    /** The fake cuFile library (reads into the fake runtime's device memory), compiled on first use. */
    static synchronized Path cuFileLibrary() {
        if (cuFile == null) {
            cuFile = compile(Path.of("target", "fakegpu", "libfakecufile.so"), List.of("-DCUFILE"));
        }
        return cuFile;
    }

    /** How many cuFileRead calls the fake has served. */
    static long cuFileReads() {
        try {
            MethodHandle count = Linker.nativeLinker().downcallHandle(
                    SymbolLookup.libraryLookup(cuFileLibrary(), Arena.global()).find("fakegpu_cufile_read_count")
                            .orElseThrow(), FunctionDescriptor.of(JAVA_LONG));
            return (long) count.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static Path compile(Vendor vendor) {
        return compile(Path.of("target", "fakegpu", vendor == Vendor.HIP ? "libfakehip.so" : "libfakecudart.so"),
                vendor == Vendor.HIP ? List.of("-DHIP") : List.of());
    }

    private static Path compile(Path target, List<String> defines) {
        Path out = target.toAbsolutePath();
        Path source = Path.of("src", "test", "c", "fakegpu.c").toAbsolutePath();
        try {
            Files.createDirectories(out.getParent());
            List<String> cmd = new java.util.ArrayList<>(List.of("cc", "-shared", "-fPIC", "-O1"));
            cmd.addAll(defines);
            cmd.addAll(List.of("-o", out.toString(), source.toString(), "-lpthread"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            Assumptions.assumeTrue(p.waitFor() == 0, "no C compiler to build the fake GPU runtime: " + log);
            return out;
        } catch (IOException e) {
            Assumptions.abort("no C compiler to build the fake GPU runtime: " + e.getMessage());
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
