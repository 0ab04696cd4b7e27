package dev.safetensors.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safetensors.SafeTensorsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile checkpoints of src/test/python/make_hostile.py (code execution through os.system, eval,
 * exec, subprocess.Popen, __reduce__ chains and STACK_GLOBAL, BUILD and NEWOBJ on objects off the
 * allowlist, memo and stack abuse, huge declared sizes, storage keys and entry names leaving the archive,
 * zip bombs, truncated files, TorchScript and whole-module pickles): each is refused with the kind and
 * reason expected.tsv names, and nothing ran: no marker file appeared, no process was started.
 */
class HostileCheckpointTest {
    private static final String MARKER_PREFIX = "safetensors-java-pwned-";

    static Stream<String[]> cases() {
        return Fixtures.rows("hostile/expected.tsv").stream();
    }

    @BeforeAll
    static void noMarkersBefore() throws IOException {
        for (Path p : markers()) {
            Files.delete(p);   // left by someone running the payloads by hand; the test starts clean
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedWithTheRightErrorAndNothingRan(String file, String kind, String phrase) throws IOException {
        long childrenBefore = ProcessHandle.current().descendants().count();
        SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class,
                () -> TorchCheckpoint.open(Fixtures.hostile(file)).close());
        assertThat(e).as(file + " must be refused").isNotNull();
        assertThat(e.kind().name()).as(e.getMessage()).isEqualTo(kind);
        assertThat(e.getMessage()).contains(phrase).contains(file);
        assertThat(markers()).as("a payload ran").isEmpty();
        assertThat(ProcessHandle.current().descendants().count()).as("a process was started").isEqualTo(childrenBefore);
    }

    @Test
    void everyHostileFileHasAnExpectation() throws IOException {
        try (Stream<Path> s = Files.list(Fixtures.hostile("expected.tsv").getParent())) {
            List<String> files = s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("expected.tsv")).sorted().toList();
            assertThat(files).containsExactlyInAnyOrderElementsOf(cases().map(c -> c[0]).toList());
        }
    }

    @Test
    void theUnsafeGlobalsAreAllNamedWithTheirReason() {
        SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class,
                () -> TorchCheckpoint.open(Fixtures.hostile("reduce_chain.pt")));
        assertThat(e.getMessage()).contains("2 globals off the allowlist", "`builtins.getattr` (byte",
                "`builtins.__import__` (byte", "it reaches arbitrary objects or files", "Nothing was executed");
    }

    @AfterAll
    static void noMarkersAfter() throws IOException {
        assertThat(markers()).isEmpty();
    }

    private static List<Path> markers() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/tmp"))) {
            return s.filter(p -> p.getFileName().toString().startsWith(MARKER_PREFIX)).toList();
        }
    }
}
