package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/jdk.sh finds the java on PATH however the caller's bash is set up: a JDK 25 only on PATH (not in
 * any install folder the script knows) must be the one it picks, also where {@code hash} cannot answer.
 */
class JdkScriptTest {
    @TempDir
    static Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"", "set +h", "unset BASH_CMDS", "java() { :; }", "set -u"})
    void findsTheJavaOnPath(String setup) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("scripts/jdk.sh"))) {
            root = root.getParent();
        }
        Assumptions.assumeTrue(root != null, "scripts/jdk.sh is not above " + Path.of("").toAbsolutePath());
        Path work = Files.createTempDirectory(dir, "jdk");
        Files.createDirectories(work.resolve("scripts"));
        Files.copy(root.resolve("scripts/jdk.sh"), work.resolve("scripts/jdk.sh"));   // its cache: work/target
        Path jdk = Files.createDirectories(work.resolve("onpath-jdk/bin"));
        for (String tool : new String[] {"java", "javac"}) {
            Files.writeString(jdk.resolve(tool), "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(jdk.resolve(tool), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.writeString(jdk.getParent().resolve("release"), "JAVA_VERSION=\"25.0.1\"\n");
        String script = "unset JAVA_HOME; PATH=" + jdk + ":/usr/bin:/bin; " + setup + "\n"
                + "source " + work.resolve("scripts/jdk.sh") + "; echo \"JAVA_HOME=$JAVA_HOME\"";
        Process p = new ProcessBuilder("bash", "-c", script).directory(work.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as(setup).contains("JAVA_HOME=" + jdk.getParent() + "\n");
    }
}
