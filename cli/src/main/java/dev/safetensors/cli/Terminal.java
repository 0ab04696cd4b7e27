package dev.safetensors.cli;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the command's output goes to: whether stdout and stderr are terminals (a tree for people, progress on
 * stderr) or pipes and files (plain rows for scripts, no progress), and whether stdout takes box-drawing
 * characters.
 *
 * @param stdout  stdout is a terminal
 * @param stderr  stderr is a terminal
 * @param unicode stdout's encoding is UTF-8
 */
record Terminal(boolean stdout, boolean stderr, boolean unicode) {
    /** Output captured by a program: no terminal, UTF-8. */
    static final Terminal NONE = new Terminal(false, false, true);

    /** This process's standard streams. */
    static Terminal detect() {
        String encoding = System.getProperty("stdout.encoding", Charset.defaultCharset().name());
        boolean utf8 = Charset.isSupported(encoding) && Charset.forName(encoding).name().equals("UTF-8");
        return new Terminal(isTerminal(1), isTerminal(2), utf8);
    }

    /**
     * Linux names the device behind each descriptor in /proc; elsewhere the JDK's console stands in, which
     * answers for stdin and stdout together.
     */
    private static boolean isTerminal(int fd) {
        Path link = Path.of("/proc/self/fd/" + fd);
        try {
            String target = Files.readSymbolicLink(link).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null && System.console().isTerminal();
        }
    }
}
