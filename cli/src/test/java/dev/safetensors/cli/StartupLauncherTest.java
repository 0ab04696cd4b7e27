package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.cli.TerminalLauncherTest.Run;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What keeps a small command's start-up short (docs/benchmarks.md, "Start-up of a small command"), checked on the
 * packaged jar and through the real launcher, without timing anything: every class file in the jar is one the
 * ahead-of-time cache can hold (build/UpgradeClassFiles.java rewrote picocli's Java 5 ones, and the JVM verifies
 * them all), and a trained command loads every class from the cache and reads no annotation (an annotation read at
 * run time is a dynamic proxy class; a class from the jar is one the cache missed).
 */
class StartupLauncherTest {
    private static Path root;

    @BeforeAll
    static void findCheckout() {
        root = TerminalLauncherTest.checkout();
    }

    @Test
    void everyClassFileInTheJarIsJava6OrNewer() throws IOException {
        List<String> old = new ArrayList<>();
        int classes = 0;
        try (JarFile jar = new JarFile(root.resolve("cli/target/safetensors.jar").toFile())) {
            for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                if (entry.getName().endsWith(".class") && !entry.getName().startsWith("META-INF/")) {
                    classes++;
                    try (InputStream in = jar.getInputStream(entry)) {
                        DataInputStream data = new DataInputStream(in);
                        assertThat(data.readInt()).as(entry.getName()).isEqualTo(0xCAFEBABE);
                        data.readUnsignedShort();   // minor version
                        if (data.readUnsignedShort() < 50) {
                            old.add(entry.getName());
                        }
                    }
                }
            }
        }
        assertThat(classes).isGreaterThan(500);
        assertThat(old).as("class files the start-up cache cannot hold").isEmpty();
    }

    /** Loading and initialising each of picocli's rewritten classes runs the JVM's verifier on its stack maps. */
    @Test
    void picocliClassesVerify() throws Exception {
        Path jarPath = root.resolve("cli/target/safetensors.jar");
        List<String> names = new ArrayList<>();
        try (JarFile jar = new JarFile(jarPath.toFile())) {
            jar.stream().map(JarEntry::getName).filter(n -> n.startsWith("picocli/") && n.endsWith(".class"))
                    .forEach(n -> names.add(n.substring(0, n.length() - ".class".length()).replace('/', '.')));
        }
        assertThat(names).hasSizeGreaterThan(200);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jarPath.toUri().toURL()}, null)) {
            for (String name : names) {
                assertThat(Class.forName(name, true, loader).getClassLoader()).as(name).isSameAs(loader);
            }
            // and the rewritten code still runs: a command line parsed by the jar's own picocli
            Class<?> cli = Class.forName("picocli.CommandLine", true, loader);
            Class<?> spec = Class.forName("picocli.CommandLine$Model$CommandSpec", true, loader);
            Object command = spec.getMethod("create").invoke(null);
            Object line = cli.getConstructor(Object.class).newInstance(command);
            cli.getMethod("setUnmatchedArgumentsAllowed", boolean.class).invoke(line, true);
            Object parsed = cli.getMethod("parseArgs", String[].class).invoke(line, (Object) new String[] {"x", "y"});
            assertThat(parsed.getClass().getMethod("unmatched").invoke(parsed)).isEqualTo(List.of("x", "y"));
        }
    }

    /** The small commands the training runs (StartupTraining), each as a user types it. */
    static List<List<String>> smallCommands() {
        String file = TerminalLauncherTest.checkout().resolve("testdata/fixtures/reference-samples/overall.safetensors")
                .toString();
        return List.of(List.of("inspect"), List.of("inspect", file), List.of("inspect", "--json", file),
                List.of("validate", file), List.of("--help"), List.of("convert", "--help"));
    }

    @ParameterizedTest
    @MethodSource("smallCommands")
    void aSmallCommandLoadsEveryClassFromTheCacheAndNoAnnotation(List<String> args) throws Exception {
        Path log = Files.createTempFile("safetensors-classes-", ".log");
        try {
            List<String> command = new ArrayList<>(List.of(root.resolve("safetensors").toString()));
            command.addAll(args);
            Run r = TerminalLauncherTest.exec(log.getParent(), Map.of("JAVA_OPTS", "-Xlog:class+load:file=" + log),
                    command);
            assertThat(r.exitCode()).as(r.err()).isZero();
            List<String> loaded = Files.readAllLines(log);
            assertThat(loaded).as("classes loaded").hasSizeGreaterThan(500)
                    .anyMatch(l -> l.contains("dev.safetensors.cli.Main source: shared objects file"));
            assertThat(loaded).as("classes from the jar: the cache missed them")
                    .noneMatch(l -> l.contains("source: file:"));
            assertThat(loaded).as("dynamic proxies: annotations read at run time")
                    .noneMatch(l -> l.contains("__dynamic_proxy__"));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /**
     * The commands that only read headers run with C1 alone and map the start-up cache at its own address (the
     * launcher's choices, docs/benchmarks.md); the others, and inspect's hashing, keep the whole JIT and the JDK's
     * default mapping. The JVM's own report of the flags it ran with.
     */
    @Test
    void onlyTheHeaderCommandsRunWithoutTheOptimizingCompiler() throws Exception {
        Path dir = Files.createTempDirectory("safetensors-jit-");
        Path file = root.resolve("testdata/fixtures/reference-samples/overall.safetensors");
        Map<List<String>, String> expected = new java.util.LinkedHashMap<>();
        expected.put(List.of("inspect", file.toString()), "1");
        expected.put(List.of("-q", "validate", file.toString()), "1");
        expected.put(List.of("--version"), "1");
        expected.put(List.of("inspect", "--sha256", file.toString()), "4");
        expected.put(List.of("inspect", "--sha256=true", file.toString()), "4");
        expected.put(List.of("convert", file.toString(), dir.resolve("out.safetensors").toString()), "4");
        for (Map.Entry<List<String>, String> e : expected.entrySet()) {
            List<String> command = new ArrayList<>(List.of(root.resolve("safetensors").toString()));
            command.addAll(e.getKey());
            Run r = TerminalLauncherTest.exec(dir, Map.of("JAVA_OPTS", "-XX:+PrintFlagsFinal"), command);
            assertThat(r.exitCode()).as(r.err()).isZero();
            String level = r.out().lines().filter(l -> l.matches("\\s*intx TieredStopAtLevel\\s.*")).findFirst()
                    .map(l -> l.trim().split("\\s+")[3]).orElse("none");
            assertThat(level).as("TieredStopAtLevel of %s", e.getKey()).isEqualTo(e.getValue());
            // Diagnostic flags are listed only when unlocked, as the launcher does for the header commands.
            String relocation = r.out().lines().filter(l -> l.matches("\\s*int\\s+ArchiveRelocationMode\\s.*"))
                    .findFirst().map(l -> l.trim().split("\\s+")[3]).orElse("default");
            // Only on JDK 25, the one it was measured on (the launcher runs the JDK these tests run on).
            boolean atItsAddress = e.getValue().equals("1") && Runtime.version().feature() == 25;
            assertThat(relocation).as("ArchiveRelocationMode of %s", e.getKey())
                    .isEqualTo(atItsAddress ? "0" : "default");
        }
    }
}
