package dev.safetensors;

import dev.safetensors.testing.WriteOver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes that the operating system refuses part-way (file size limit, the stand-in for a full disk) or at
 * once (no permission) give a clear {@code IoError} and leave the old file as it was, with no temp file.
 */
class WriteFailureTest {
    @TempDir
    Path tmp;
    Path dir;
    Path target;
    byte[] old;

    @BeforeEach
    void oldFile() throws Exception {
        dir = Files.createDirectory(tmp.resolve("out"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        target = dir.resolve("model.safetensors");
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(2), TensorData.of(new float[] {1, 2})).write(target);
        old = Files.readAllBytes(target);
    }

    private String runChild(List<String> prefix, String shellSetup) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = readableClasspath();
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of("bash", "-c", shellSetup + " exec \"$0\" -Xmx64m -cp \"$1\" " + WriteOver.class.getName()
                + " \"$2\" 8388608", java, cp, target.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    /** RLIMIT_FSIZE makes write(2) fail with EFBIG mid-file, as ENOSPC would on a full disk. */
    @Test
    void writeFailingPartWayLeavesTheOldFile() throws Exception {
        String out = runChild(List.of(), "ulimit -f 1024;");
        assertThat(out).startsWith("IoError: " + target + ": cannot write the file").contains("File too large");
        assertUnchanged();
    }

    @Test
    void permissionDeniedLeavesTheOldFile() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        Assumptions.assumeTrue(root && new File("/usr/bin/setpriv").canExecute(),
                "needs root and setpriv to run the writer as an unprivileged user");
        String out = runChild(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), "");
        assertThat(out).startsWith("IoError: " + target + ": cannot write the file").contains("permission denied");
        assertUnchanged();
    }

    /**
     * The child may run as another user, who cannot read a checkout under a private home directory: it
     * gets copies of the library's classes and of {@link WriteOver} in the (world-readable) temp folder.
     */
    private String readableClasspath() throws Exception {
        Path cp = tmp.resolve("cp");
        Path classes = Path.of("target/classes");
        try (var files = Files.walk(classes)) {
            for (Path p : files.toList()) {
                Path to = cp.resolve(classes.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        String writeOver = WriteOver.class.getName().replace('.', '/') + ".class";
        Files.createDirectories(cp.resolve(writeOver).getParent());
        Files.copy(Path.of("target/test-classes").resolve(writeOver), cp.resolve(writeOver));
        try (var files = Files.walk(cp)) {
            for (Path p : files.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return cp.toString();
    }

    private void assertUnchanged() throws Exception {
        assertThat(Files.readAllBytes(target)).isEqualTo(old);
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("model.safetensors");
        }
    }
}
