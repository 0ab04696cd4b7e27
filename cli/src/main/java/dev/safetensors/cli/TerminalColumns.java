package dev.safetensors.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * How many columns the terminal on stderr has, for a progress bar that must fit on one line to redraw in place:
 * {@code $COLUMNS} when exported, else the terminal's own size ({@code ioctl(2, TIOCGWINSZ)} through
 * {@code java.lang.foreign}, on Linux and macOS), else 80.
 */
final class TerminalColumns {
    private static final int FALLBACK = 80;

    private TerminalColumns() {
    }

    static int ofStderr() {
        String env = System.getenv("COLUMNS");
        if (env != null && env.matches("\\d{1,4}") && Integer.parseInt(env) >= 20) {
            return Integer.parseInt(env);
        }
        try {
            int columns = ioctl();
            return columns >= 20 ? columns : FALLBACK;
        } catch (Throwable e) {   // no such call here, or native access refused: the common width will do
            return FALLBACK;
        }
    }

    private static int ioctl() throws Throwable {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        long request = os.contains("linux") ? 0x5413L : os.contains("mac") ? 0x40087468L : -1;
        if (request < 0) {
            return FALLBACK;
        }
        Linker linker = Linker.nativeLinker();
        MethodHandle ioctl = linker.downcallHandle(linker.defaultLookup().find("ioctl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                Linker.Option.firstVariadicArg(2));
        try (Arena arena = Arena.ofConfined()) {
            // struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; }
            MemorySegment size = arena.allocate(8, 2);
            int rc = (int) ioctl.invokeExact(2, request, size);
            return rc == 0 ? Short.toUnsignedInt(size.get(ValueLayout.JAVA_SHORT, 2)) : FALLBACK;
        }
    }
}
