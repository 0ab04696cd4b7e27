package dev.safetensors.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.hub.internal.cache.CacheLock;
import dev.safetensors.hub.testing.LockMain;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blob lock excludes every Java process, whichever kind of lock it can take. */
class CacheLockTest {
    @TempDir
    Path dir;

    @Test
    void aProcessWithoutNativeAccessWaitsForOneWithIt() throws Exception {
        Path file = dir.resolve(".locks/models--org--m/abc.lock");
        // This JVM has native access (surefire's argLine): flock, as the Python client. The child has none, so it
        // can take only a channel (fcntl) lock, which flock alone does not exclude.
        assertThat(CacheLock.interoperable()).isTrue();
        Process child;
        try (CacheLock held = CacheLock.acquire(file)) {
            child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                    System.getProperty("java.class.path"), LockMain.class.getName(), file.toString()))
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("trying interoperable=false");
            Thread.sleep(1500);   // time to take the lock, were it free to it
            assertThat(child.getInputStream().available()).as("the child took the lock while this process held it")
                    .isZero();
            held.close();
            assertThat(out.readLine()).isEqualTo("locked");
        }
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isZero();
    }
}
