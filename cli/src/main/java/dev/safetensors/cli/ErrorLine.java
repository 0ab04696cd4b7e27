package dev.safetensors.cli;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.io.IoErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;

/**
 * A failure as one line that names the file: {@code <Kind>: <file>: <what>}. Every command reports errors
 * through it, so scripts can rely on one line per failure whatever failed (a malformed file, the file
 * system, the heap), and control characters from names or paths cannot break the line.
 */
final class ErrorLine {
    private ErrorLine() {
    }

    /**
     * {@code e} described for {@code path} (the input being processed, or null): the exception's own
     * source is kept when it has one (a shard of a sharded input, say), otherwise {@code path} is named.
     */
    static String of(Throwable e, Object path) {
        String where = path == null ? "" : path + ": ";
        String line = switch (e) {
            case SafeTensorsException s -> s.kind() + ": " + (s.source() == null ? where : "") + s.getMessage();
            case UncheckedIOException u -> io(u.getCause(), where);
            case IOException io -> io(io, where);
            case OutOfMemoryError oom -> "OutOfMemoryError: " + where + "not enough memory with a heap of at most "
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB; raise it with -Xmx (e.g. JDK_JAVA_OPTIONS=-Xmx8g)";
            default -> "internal error: " + where + e + " (please report it)";
        };
        return oneLine(line);
    }

    private static String io(IOException e, String where) {
        String file = e instanceof FileSystemException f && f.getFile() != null ? f.getFile() + ": " : where;
        return SafeTensorsException.Kind.IoError + ": " + file + IoErrors.describe(e);
    }

    /** Line breaks and other control characters written as escapes. */
    static String oneLine(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7F || c == '\u2028' || c == '\u2029' || c == '\u0085') {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                switch (c) {
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> sb.append(String.format("\\u%04x", (int) c));
                }
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }
}
