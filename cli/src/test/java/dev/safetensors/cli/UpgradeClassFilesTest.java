package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.Label;
import java.lang.classfile.instruction.DiscontinuedInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cli/build/UpgradeClassFiles.java, run as the build runs it, on a jar of old class files: those it can rewrite
 * become version 52, one it cannot is kept as it was, and the build goes on.
 */
class UpgradeClassFilesTest {
    @TempDir
    Path dir;

    @Test
    void aClassThatCannotBeRewrittenIsKeptAndTheRestAreUpgraded() throws Exception {
        byte[] subroutine = finallyAsSubroutine();
        byte[] plain = plainJava5();
        Path jar = dir.resolve("old.jar");
        try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (var e : java.util.Map.of("old/Finally.class", subroutine, "old/Plain.class", plain).entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }

        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                tool().toString(), jar.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("old/Finally.class kept as it was").contains("1 class files of old.jar rewritten")
                .doesNotContain("Exception");

        try (ZipFile z = new ZipFile(jar.toFile())) {
            assertThat(z.getInputStream(z.getEntry("old/Finally.class")).readAllBytes()).isEqualTo(subroutine);
            byte[] upgraded = z.getInputStream(z.getEntry("old/Plain.class")).readAllBytes();
            assertThat(ClassFile.of().parse(upgraded).majorVersion()).isEqualTo(52);
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            assertThat(loader.loadClass("old.Finally").getMethod("run").invoke(null)).isEqualTo(1);
            assertThat(loader.loadClass("old.Plain").getMethod("run").invoke(null)).isEqualTo(2);
        }
    }

    /** A Java 1.4 class whose method calls a subroutine (jsr/ret), as javac compiled finally blocks then. */
    private static byte[] finallyAsSubroutine() {
        return ClassFile.of(ClassFile.StackMapsOption.DROP_STACK_MAPS).build(ClassDesc.of("old.Finally"), cb -> {
            cb.withVersion(48, 0);
            cb.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_SUPER);
            cb.withMethodBody("run", MethodTypeDesc.of(ConstantDescs.CD_int), ClassFile.ACC_PUBLIC
                    | ClassFile.ACC_STATIC, code -> {
                        Label sub = code.newLabel();
                        code.with(DiscontinuedInstruction.JsrInstruction.of(sub));
                        code.iconst_1();
                        code.ireturn();
                        code.labelBinding(sub);
                        code.astore(0);
                        code.with(DiscontinuedInstruction.RetInstruction.of(0));
                    });
        });
    }

    /** A Java 5 class like picocli's: no stack maps, nothing the upgrade cannot handle. */
    private static byte[] plainJava5() {
        return ClassFile.of(ClassFile.StackMapsOption.DROP_STACK_MAPS).build(ClassDesc.of("old.Plain"), cb -> {
            cb.withVersion(49, 0);
            cb.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_SUPER);
            cb.withMethodBody("run", MethodTypeDesc.of(ConstantDescs.CD_int), ClassFile.ACC_PUBLIC
                    | ClassFile.ACC_STATIC, code -> code.iconst_2().ireturn());
        });
    }

    private static Path tool() throws IOException {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path t = p.resolve("cli/build/UpgradeClassFiles.java");
            if (Files.isRegularFile(t)) {
                return t;
            }
        }
        throw new IOException("cli/build/UpgradeClassFiles.java not found");
    }
}
