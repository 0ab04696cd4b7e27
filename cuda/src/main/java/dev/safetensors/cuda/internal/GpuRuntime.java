package dev.safetensors.cuda.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.safetensors.SafeTensorsException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The CUDA (or HIP) runtime, bound through {@code java.lang.foreign} when the library is found at run time:
 * no JNI and nothing native at build time. Every call returns the runtime's error code; a failure becomes a
 * {@link SafeTensorsException} of kind {@code IoError} carrying the runtime's own error name and text.
 *
 * <p>The runtime keeps a current device per host thread, so every device-bound call is preceded by
 * {@link #setDevice} on the calling thread (the devices here do that).
 */
public final class GpuRuntime {
    /** cudaSuccess / hipSuccess. */
    static final int SUCCESS = 0;
    /** cudaErrorNotReady / hipErrorNotReady: an event or stream has work pending. */
    static final int NOT_READY = 600;
    /** cudaMemcpyHostToDevice / hipMemcpyHostToDevice. */
    public static final int HOST_TO_DEVICE = 1;
    /** cudaMemcpyDeviceToHost / hipMemcpyDeviceToHost. */
    public static final int DEVICE_TO_HOST = 2;
    /** cudaStreamNonBlocking: no implicit synchronisation with the legacy default stream. */
    static final int STREAM_NON_BLOCKING = 1;
    /** cudaEventDisableTiming: the cheapest kind of event, for completion only. */
    static final int EVENT_DISABLE_TIMING = 2;
    /** Large enough for every version of cudaDeviceProp / hipDeviceProp_t; the name is the first field. */
    private static final long PROPERTIES_BYTES = 16 << 10;

    private final Vendor vendor;
    private final String library;
    private final Map<String, MethodHandle> calls = new HashMap<>();

    private GpuRuntime(Vendor vendor, String library, SymbolLookup lookup) {
        this.vendor = vendor;
        this.library = library;
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor intOfPtr = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        FunctionDescriptor intOfInt = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
        bind(linker, lookup, "GetDeviceCount", intOfPtr);
        bind(linker, lookup, "SetDevice", intOfInt);
        bind(linker, lookup, "DeviceSynchronize", FunctionDescriptor.of(JAVA_INT));
        bind(linker, lookup, "Malloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        bind(linker, lookup, "Free", intOfPtr);
        bindNamed(linker, lookup, "HostAlloc", vendor.hostAlloc, FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        bindNamed(linker, lookup, "FreeHost", vendor.hostFree, intOfPtr);
        bind(linker, lookup, "HostRegister", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        bind(linker, lookup, "HostUnregister", intOfPtr);
        bind(linker, lookup, "StreamCreateWithFlags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        bind(linker, lookup, "StreamDestroy", intOfPtr);
        bind(linker, lookup, "StreamSynchronize", intOfPtr);
        bind(linker, lookup, "EventCreateWithFlags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        bind(linker, lookup, "EventRecord", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        bind(linker, lookup, "EventQuery", intOfPtr);
        bind(linker, lookup, "EventSynchronize", intOfPtr);
        bind(linker, lookup, "EventDestroy", intOfPtr);
        bind(linker, lookup, "MemcpyAsync", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS));
        bind(linker, lookup, "Memcpy", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
        bind(linker, lookup, "MemGetInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        bind(linker, lookup, "RuntimeGetVersion", intOfPtr);
        bind(linker, lookup, "DriverGetVersion", intOfPtr);
        bind(linker, lookup, "GetErrorName", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        bind(linker, lookup, "GetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        FunctionDescriptor props = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
        for (String name : vendor.deviceProperties) {
            Optional<MemorySegment> symbol = lookup.find(name);
            if (symbol.isPresent()) {
                calls.put("GetDeviceProperties", linker.downcallHandle(symbol.get(), props));
                break;
            }
        }
        if (!calls.containsKey("GetDeviceProperties")) {
            throw new IllegalStateException("no " + String.join(" or ", vendor.deviceProperties) + " in " + library);
        }
    }

    /** The outcome of looking for a runtime: the runtime, or why there is none. */
    public record Loaded(Optional<GpuRuntime> runtime, String reason) {
    }

    /**
     * Finds and binds the runtime library: the path in the override property or variable, else the usual
     * names (the dynamic linker's search, then the standard install folders).
     */
    public static Loaded load(Vendor vendor) {
        String override = System.getProperty(vendor.overrideProperty(), System.getenv(vendor.overrideVariable()));
        return load(vendor, override != null && !override.isBlank() ? java.util.List.of(override) : vendor.libraries);
    }

    /** Binds the first of {@code candidates} (names for the dynamic linker, or paths) that loads. */
    public static Loaded load(Vendor vendor, java.util.List<String> candidates) {
        StringBuilder tried = new StringBuilder();
        for (String candidate : candidates) {
            try {
                SymbolLookup lookup = candidate.contains("/")
                        ? SymbolLookup.libraryLookup(java.nio.file.Path.of(candidate), Arena.global())
                        : SymbolLookup.libraryLookup(candidate, Arena.global());
                return new Loaded(Optional.of(new GpuRuntime(vendor, candidate, lookup)), "");
            } catch (IllegalArgumentException | IllegalStateException e) {
                tried.append(tried.isEmpty() ? "" : ", ").append(candidate);
            } catch (IllegalCallerException e) {
                return new Loaded(Optional.empty(), "native access is not enabled for dev.safetensors.cuda "
                        + "(run java with --enable-native-access=dev.safetensors.cuda, or ALL-UNNAMED on the class path)");
            }
        }
        return new Loaded(Optional.empty(), "the " + vendor.prefix.toUpperCase(java.util.Locale.ROOT)
                + " runtime library was not found (tried " + tried + "; set " + vendor.overrideVariable()
                + " to its path)");
    }

    private void bind(Linker linker, SymbolLookup lookup, String suffix, FunctionDescriptor fd) {
        bindNamed(linker, lookup, suffix, vendor.prefix + suffix, fd);
    }

    private void bindNamed(Linker linker, SymbolLookup lookup, String key, String symbol, FunctionDescriptor fd) {
        MemorySegment address = lookup.find(symbol)
                .orElseThrow(() -> new IllegalStateException("no symbol " + symbol + " in " + library));
        calls.put(key, linker.downcallHandle(address, fd));
    }

    public Vendor vendor() {
        return vendor;
    }

    /** The library this runtime was loaded from. */
    public String library() {
        return library;
    }

    // ---- calls ----

    /** The number of devices, or a negative error code (no driver, no device) without throwing. */
    public int deviceCountOrError() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            int rc = (int) invoke("GetDeviceCount", n);
            return rc == SUCCESS ? n.get(JAVA_INT, 0) : -rc;
        }
    }

    public void setDevice(int device) {
        check((int) invoke("SetDevice", device), "SetDevice(" + device + ")");
    }

    public void deviceSynchronize() {
        check((int) invoke("DeviceSynchronize"), "DeviceSynchronize");
    }

    /** The device's name from its properties (the first field of every version of the struct). */
    public String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment props = a.allocate(PROPERTIES_BYTES, 8);
            check((int) invoke("GetDeviceProperties", props, device), "GetDeviceProperties(" + device + ")");
            return props.getString(0);
        }
    }

    /** {free, total} bytes of the current device. */
    public long[] memoryInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment free = a.allocate(JAVA_LONG);
            MemorySegment total = a.allocate(JAVA_LONG);
            check((int) invoke("MemGetInfo", free, total), "MemGetInfo");
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        }
    }

    public long malloc(long bytes) {
        return pointerOut("Malloc", bytes, null);
    }

    public void free(long pointer) {
        check((int) invoke("Free", MemorySegment.ofAddress(pointer)), "Free");
    }

    /** Page-locked host memory. */
    public long hostAlloc(long bytes) {
        return pointerOut("HostAlloc", bytes, 0);
    }

    public void hostFree(long pointer) {
        check((int) invoke("FreeHost", MemorySegment.ofAddress(pointer)), vendor.hostFree);
    }

    /** Page-locks existing host memory. */
    public void hostRegister(long pointer, long bytes) {
        check((int) invoke("HostRegister", MemorySegment.ofAddress(pointer), bytes, 0), "HostRegister");
    }

    public void hostUnregister(long pointer) {
        check((int) invoke("HostUnregister", MemorySegment.ofAddress(pointer)), "HostUnregister");
    }

    public long streamCreate() {
        return handleOut("StreamCreateWithFlags", STREAM_NON_BLOCKING);
    }

    public void streamDestroy(long stream) {
        check((int) invoke("StreamDestroy", MemorySegment.ofAddress(stream)), "StreamDestroy");
    }

    public void streamSynchronize(long stream) {
        check((int) invoke("StreamSynchronize", MemorySegment.ofAddress(stream)), "StreamSynchronize");
    }

    public long eventCreate() {
        return handleOut("EventCreateWithFlags", EVENT_DISABLE_TIMING);
    }

    public void eventRecord(long event, long stream) {
        check((int) invoke("EventRecord", MemorySegment.ofAddress(event), MemorySegment.ofAddress(stream)), "EventRecord");
    }

    /** True when the event's work is done, false while it is pending. */
    public boolean eventQuery(long event) {
        int rc = (int) invoke("EventQuery", MemorySegment.ofAddress(event));
        if (rc == NOT_READY) {
            return false;
        }
        check(rc, "EventQuery");
        return true;
    }

    public void eventSynchronize(long event) {
        check((int) invoke("EventSynchronize", MemorySegment.ofAddress(event)), "EventSynchronize");
    }

    public void eventDestroy(long event) {
        check((int) invoke("EventDestroy", MemorySegment.ofAddress(event)), "EventDestroy");
    }

    public void memcpyAsync(long dst, long src, long bytes, int kind, long stream) {
        check((int) invoke("MemcpyAsync", MemorySegment.ofAddress(dst), MemorySegment.ofAddress(src), bytes, kind,
                MemorySegment.ofAddress(stream)), "MemcpyAsync");
    }

    public void memcpy(long dst, long src, long bytes, int kind) {
        check((int) invoke("Memcpy", MemorySegment.ofAddress(dst), MemorySegment.ofAddress(src), bytes, kind), "Memcpy");
    }

    /** The runtime's version as it encodes it (CUDA: 1000 × major + 10 × minor). */
    public int runtimeVersion() {
        return intOut("RuntimeGetVersion");
    }

    /** The driver's version, 0 when no driver is installed. */
    public int driverVersion() {
        return intOut("DriverGetVersion");
    }

    /** "cudaErrorInvalidValue: invalid argument": the runtime's name and text for an error code. */
    public String errorText(int code) {
        String name = cString((MemorySegment) invoke("GetErrorName", code));
        String text = cString((MemorySegment) invoke("GetErrorString", code));
        return name + ": " + text;
    }

    // ---- plumbing ----

    private long pointerOut(String fn, long bytes, Integer flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int rc = flags == null ? (int) invoke(fn, out, bytes) : (int) invoke(fn, out, bytes, flags);
            check(rc, fn + "(" + bytes + " bytes)");
            return out.get(ADDRESS, 0).address();
        }
    }

    private long handleOut(String fn, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) invoke(fn, out, flags), fn);
            return out.get(ADDRESS, 0).address();
        }
    }

    private int intOut(String fn) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check((int) invoke(fn, out), fn);
            return out.get(JAVA_INT, 0);
        }
    }

    private static String cString(MemorySegment p) {
        return p.equals(MemorySegment.NULL) ? "?" : p.reinterpret(4096).getString(0);
    }

    private Object invoke(String fn, Object... args) {
        try {
            return calls.get(fn).invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Throws the runtime's error as an IoError naming the call. */
    void check(int rc, String what) {
        if (rc != SUCCESS) {
            throw new SafeTensorsException(SafeTensorsException.Kind.IoError, vendor.kind,
                    vendor.prefix + what + " failed: " + errorText(rc) + " (error " + rc + ")");
        }
    }
}
