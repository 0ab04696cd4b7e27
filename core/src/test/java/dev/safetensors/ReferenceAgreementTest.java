package dev.safetensors;

import dev.safetensors.testing.MemorySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated cases of {@link AgreementCases} give the verdict the format rules give. Run with the
 * environment variable {@code STCHECK} naming the reference's {@code stcheck} binary (shared/oracle), each
 * case is also checked against the reference itself: same verdict, except where the project differs on
 * purpose, and there the reference accepts the file. Without it the suite needs nothing outside the repo.
 */
class ReferenceAgreementTest {
    private static final String STCHECK = System.getenv("STCHECK");

    @TempDir
    static Path dir;

    static List<AgreementCases.Case> cases() {
        return AgreementCases.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void generatedCaseGivesTheVerdictOfTheRules(AgreementCases.Case c) throws Exception {
        SafeTensorsException e = ours(c);
        assertThat(e == null ? "OK" : e.kind().name()).as("%s: %s", c.id(), e == null ? "opened" : e.getMessage())
                .isEqualTo(c.expected());
        if (e != null && c.id().startsWith("array-form")) {
            assertThat(e.getMessage()).contains("array form");
        }
        if (STCHECK != null) {
            assertThat(reference(c)).as("the reference's verdict on %s", c.id()).isEqualTo(c.differs() ? "OK" : c.expected());
        }
    }

    /** Opens the case and reads every tensor; the failure, or null. */
    private static SafeTensorsException ours(AgreementCases.Case c) {
        return catchThrowableOfType(SafeTensorsException.class, () -> {
            try (SafeTensorsFile f = SafeTensorsFile.open(new MemorySource(c.file(), c.id()), Header.DEFAULT_MAX_SIZE)) {
                for (String name : f.names()) {
                    assertThat(f.contains(name)).as(name).isTrue();
                    assertThat(f.tensor(name).toByteArray()).hasSize((int) f.tensor(name).byteSize());
                }
            }
        });
    }

    private static String reference(AgreementCases.Case c) throws IOException, InterruptedException {
        Path file = Files.write(dir.resolve(c.id() + ".safetensors"), c.file());
        Process p = new ProcessBuilder(STCHECK, "validate", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        if (out.startsWith("OK")) {
            return "OK";
        }
        assertThat(out).startsWith("ERR ");
        return out.substring(4, out.indexOf(':'));
    }
}
