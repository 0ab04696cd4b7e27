package dev.safetensors.hub.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real nginx (Debian's package) run by the tests as a child process: one process, no daemon, everything
 * (configuration, logs, temp folders, pid) under a test folder. Without nginx the tests that need it are skipped
 * with the reason, except under CI ({@code CI} set), where {@code .ci/run} installs it and its absence fails.
 */
public final class Nginx implements AutoCloseable {
    private final Process process;
    private final Path dir;

    private Nginx(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    /** Whether nginx is here: test classes start their server only then ({@link #require()} skips each test). */
    public static boolean installed() {
        return find() != null;
    }

    /**
     * Skips the calling test (fails it under CI) when nginx is missing. Tests call it before each test rather than
     * once per class, so that a skipped class still reports its tests, each with the reason.
     */
    public static void require() {
        binary();
    }

    /** The nginx binary, or a skip (a failure under CI) saying how to get one. */
    public static String binary() {
        String found = find();
        if (found != null) {
            return found;
        }
        String why = "nginx is not installed (apt-get install nginx, or set SAFETENSORS_NGINX): the Hub tests need a real"
                + " HTTP server";
        if (System.getenv("CI") != null) {
            fail(why);
        }
        Assumptions.abort(why);
        return null;
    }

    private static String find() {
        List<String> candidates = new ArrayList<>();
        if (System.getenv("SAFETENSORS_NGINX") != null) {
            candidates.add(System.getenv("SAFETENSORS_NGINX"));
        }
        candidates.addAll(List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx",
                "/opt/homebrew/bin/nginx", "/usr/bin/nginx"));
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        return null;
    }

    /**
     * Starts nginx on {@code dir/conf/nginx.conf} (which must write its pid to {@code dir/nginx.pid}) and waits
     * until every port accepts connections.
     */
    public static Nginx start(Path dir, int... ports) throws IOException {
        Path log = dir.resolve("logs/nginx-stderr.log");
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(binary(), "-p", dir.toString(), "-c", dir.resolve("conf/nginx.conf").toString(),
                "-e", dir.resolve("logs/error.log").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Nginx n = new Nginx(p, dir);
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int port : ports) {
            while (!accepts(port)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    n.close();
                    throw new IOException("nginx did not start: " + Files.readString(log)
                            + (Files.exists(dir.resolve("logs/error.log")) ? Files.readString(dir.resolve("logs/error.log")) : ""));
                }
                sleep(20);
            }
        }
        return n;
    }

    /** A port nobody listens on now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Whether ::1 works here (nginx then listens there too, for clients that resolve localhost to it). */
    public static boolean ipv6Loopback() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("::1", 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
