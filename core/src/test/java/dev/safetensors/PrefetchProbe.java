package dev.safetensors;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Child-JVM program for {@link PrefetchTest}: {@code quiet FILE} prefetches every tensor of FILE with both
 * strategies and prints only whether hints are on; {@code resident FILE STRATEGY} evicts FILE from the page
 * cache ({@code posix_fadvise(DONTNEED)}), prefetches its tensor, and prints how many of its pages
 * {@code mincore} reports resident before and, polled for up to 10 s, after. Its own FFM calls, not the library's.
 */
public final class PrefetchProbe {
    public static void main(String[] args) throws Throwable {
        Path file = Path.of(args[1]);
        if (args[0].equals("quiet")) {
            for (ReadStrategy s : ReadStrategy.values()) {
                try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(s))) {
                    f.prefetch(f.names());
                    f.tensors().forEach(t -> t.slice("::2").prefetch());
                }
            }
            System.out.println("hints " + dev.safetensors.internal.io.ReadAhead.enabled());
            return;
        }
        if (args[0].equals("fifo")) {          // the file replaced by a FIFO after open: the hint must not block
            try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults().withStrategy(ReadStrategy.PREAD))) {
                java.nio.file.Files.delete(file);
                Process mkfifo = new ProcessBuilder("mkfifo", file.toString()).inheritIO().start();
                if (mkfifo.waitFor() != 0) {
                    throw new AssertionError("mkfifo failed");
                }
                f.prefetch(List.of("t"));
                System.out.println("hints " + dev.safetensors.internal.io.ReadAhead.enabled() + ", returned");
            }
            return;
        }
        Linker linker = Linker.nativeLinker();
        MethodHandle fadvise = linker.downcallHandle(linker.defaultLookup().find("posix_fadvise").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        MethodHandle open = linker.downcallHandle(linker.defaultLookup().find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(2));
        MethodHandle mincore = linker.downcallHandle(linker.defaultLookup().find("mincore").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) open.invokeExact(arena.allocateFrom(file.toString()), 0);
            int r = (int) fadvise.invokeExact(fd, 0L, 0L, 4);      // POSIX_FADV_DONTNEED: drop the clean pages
            MemorySegment map;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                map = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            }
            long pages = (map.byteSize() + 4095) / 4096;
            MemorySegment vec = arena.allocate(pages);
            int before = resident(mincore, map, vec, pages);
            try (SafeTensorsFile f = SafeTensorsFile.open(file, OpenOptions.defaults()
                    .withStrategy(ReadStrategy.valueOf(args[2])))) {
                f.prefetch(List.of("t"));
                int after = before;
                for (int i = 0; i < 200 && after < pages * 9 / 10; i++) {
                    Thread.sleep(50);
                    after = resident(mincore, map, vec, pages);
                }
                System.out.println("pages " + pages + " before " + before + " after " + after);
            }
        }
    }

    private static int resident(MethodHandle mincore, MemorySegment map, MemorySegment vec, long pages) throws Throwable {
        int r = (int) mincore.invokeExact(map, map.byteSize(), vec);
        int n = 0;
        for (long i = 0; i < pages; i++) {
            n += vec.get(ValueLayout.JAVA_BYTE, i) & 1;
        }
        return n;
    }
}
