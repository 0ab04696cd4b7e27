package dev.safetensors.torch.internal.pickle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.torch.PickleLimits;
import dev.safetensors.torch.internal.checkpoint.TorchAllowlist;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pickle machine against CPython's own unpickler: the same values from pickles Python wrote at every
 * protocol, and from hand-written opcodes Python 3 never emits; the limits; and the scan that resolves
 * every global before anything is built.
 */
class PickleMachineTest {
    private static final PersistentLoader NO_PIDS = pid -> {
        throw new AssertionError("no persistent ids here");
    };

    static Object load(byte[] pickle, PickleLimits limits) {
        return PickleMachine.load(MemorySegment.ofArray(pickle), 0, "test.pkl", "the pickle", TorchAllowlist.INSTANCE,
                NO_PIDS, new Budget(limits)).value();
    }

    static Object load(byte[] pickle) {
        return load(pickle, PickleLimits.defaults());
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(PickleMachineTest.class.getResource("/dev/safetensors/torch/pickle/" + name).toURI());
    }

    @ParameterizedTest(name = "protocol {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void buildsWhatPythonBuildsAtEveryProtocol(int protocol) throws Exception {
        List<String> expected = Files.readAllLines(resource("values.txt"));
        Object value = load(Files.readAllBytes(resource("values-p" + protocol + ".pkl")));
        assertThat(value).isInstanceOf(List.class);
        List<?> values = (List<?>) value;
        assertThat(values).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(PythonRender.render(values.get(i))).as("value %d", i).isEqualTo(expected.get(i));
        }
    }

    static Stream<String[]> opcodes() throws Exception {
        return Files.readAllLines(resource("opcodes.tsv")).stream().map(l -> l.split("\t", 2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("opcodes")
    void handWrittenOpcodesAsPythonReadsThem(String name, String rendered) throws Exception {
        assertThat(PythonRender.render(load(Files.readAllBytes(resource("op-" + name + ".pkl"))))).isEqualTo(rendered);
    }

    @Test
    void everyGlobalIsResolvedBeforeAnyConstructorRunsOrAnyPersistentIdIsRead() {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger pids = new AtomicInteger();
        Constructor counting = Constructor.of("test.Counting", args -> calls.incrementAndGet());
        Globals globals = new Globals() {
            @Override
            public Optional<Object> resolve(PyGlobal g) {
                return g.qualifiedName().equals("test.Counting") ? Optional.of(counting) : Optional.empty();
            }

            @Override
            public String refusal(PyGlobal g) {
                return "refused in this test";
            }
        };
        // test.Counting(); a persistent id; then os.system("x"), then eval("y"), at the end of the stream.
        byte[] p = ascii("\u0080\u0002ctest\nCounting\n)R0X\u0001\u0000\u0000\u0000kQ0cos\nsystem\nX\u0001\u0000\u0000\u0000x"
                + "\u0085Rcbuiltins\neval\nX\u0001\u0000\u0000\u0000y\u0085R\u0086.");
        SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class, () -> PickleMachine.load(
                MemorySegment.ofArray(p), 0, "test.pkl", "the pickle", globals, pid -> pids.incrementAndGet(),
                new Budget(PickleLimits.defaults())));
        assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.UnsafePickle);
        assertThat(e.getMessage()).contains("2 globals", "`os.system` (byte", "`builtins.eval` (byte");
        assertThat(calls.get()).as("constructors run").isZero();
        assertThat(pids.get()).as("persistent ids read").isZero();
    }

    static Stream<Object[]> limits() {
        PickleLimits d = PickleLimits.defaults();
        return Stream.of(
                new Object[] {"stack", d.withMaxStackDepth(1000), repeat("K\u0001", 1001) + ".", "maxStackDepth"},
                new Object[] {"marks", d.withMaxStackDepth(1000), repeat("(", 1001) + ".", "maxStackDepth"},
                new Object[] {"memo", d.withMaxMemoEntries(1000), "K\u0001" + repeat("\u0094", 1001) + ".", "maxMemoEntries"},
                new Object[] {"list", d.withMaxContainerSize(1000), "]" + repeat("K\u0001a", 1001) + ".", "maxContainerSize"},
                new Object[] {"tuple", d.withMaxContainerSize(1000), "(" + repeat("K\u0001", 1001) + "t.", "maxContainerSize"},
                new Object[] {"dict", d.withMaxContainerSize(1000), "}(" + IntStream.range(0, 1001)
                        .mapToObj(i -> "J" + le32(i) + "N").reduce("", String::concat) + "u.", "maxContainerSize"},
                new Object[] {"string", d.withMaxStringBytes(1000), "X" + le32(2000) + "x".repeat(2000) + ".", "maxStringBytes"},
                new Object[] {"text line", d.withMaxStringBytes(1000), "S'" + "x".repeat(2000) + "'\n.", "1000 bytes"},
                new Object[] {"allocation", d.withMaxAllocatedBytes(1 << 16), repeat("]", 5000) + ".", "maxAllocatedBytes"},
                new Object[] {"digits", d, "L" + "9".repeat(5000) + "\n.", "4300"},
                new Object[] {"pickle size", d.withMaxPickleBytes(100), repeat("N0", 100) + ".", "maxPickleBytes"});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("limits")
    void limitsAreEnforcedWithClearErrors(String what, PickleLimits limits, String pickle, String phrase) {
        SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class, () -> load(ascii(pickle), limits));
        assertThat(e).as(what).isNotNull();
        assertThat(e.getMessage()).contains(phrase);
        assertThat(e.kind()).isIn(SafeTensorsException.Kind.InvalidHeaderDeserialization, SafeTensorsException.Kind.HeaderTooLarge);
    }

    @Test
    void deepNestingNeitherRecursesNorOverflows() {
        // A million nested 1-tuples, ((((...)))): built iteratively, never walked recursively.
        Object v = load(ascii("]" + repeat("\u0085", 1_000_000) + "."));
        assertThat(v).isInstanceOf(PyTuple.class);
    }

    @Test
    void linearInTheNumberOfDictEntries() {
        long small = time(20_000);
        long large = time(200_000);
        assertThat(large).as("10x the entries: %d vs %d ns", large, small).isLessThan(small * 60);
    }

    private static long time(int entries) {
        StringBuilder p = new StringBuilder("}(");
        for (int i = 0; i < entries; i++) {
            p.append('J').append(le32(i)).append("N");
        }
        byte[] bytes = ascii(p.append("u.").toString());
        load(bytes);   // warm
        long best = Long.MAX_VALUE;
        for (int run = 0; run < 5; run++) {   // the fastest of five: a shared machine's pauses are not the code's
            long t0 = System.nanoTime();
            load(bytes);
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best;
    }

    private static String repeat(String s, int n) {
        return s.repeat(n);
    }

    private static String le32(int v) {
        return new String(new char[] {(char) (v & 0xFF), (char) ((v >> 8) & 0xFF), (char) ((v >> 16) & 0xFF),
                (char) ((v >>> 24) & 0xFF)});
    }

    /** One byte per char (chars 0-255), the way these pickles are spelled. */
    static byte[] ascii(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            out.write(s.charAt(i));
        }
        return out.toByteArray();
    }

    @SuppressWarnings("unused")
    private static byte[] utf8(String s) throws IOException {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
