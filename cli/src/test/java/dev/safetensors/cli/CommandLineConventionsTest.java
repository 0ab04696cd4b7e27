package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every command shares (issue #14): exit statuses, one-line usage errors, help with a purpose and an example,
 * completion, and the small things a new user tripped over. In-process; {@code TerminalLauncherTest} runs the
 * same through the real launcher, on a terminal and piped.
 */
class CommandLineConventionsTest {
    @TempDir
    Path dir;

    /** What a run printed, with the bytes written to standard output. */
    record Captured(int exitCode, String out, String err, byte[] stdout) {
    }

    static Captured run(Terminal terminal, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true), terminal, stdout);
        return new Captured(code, out.toString(), err.toString(), stdout.toByteArray());
    }

    static List<String> commands() {
        return Main.commandNames().stream().filter(c -> !c.equals("help")).toList();
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyHelpHasAPurposeSentenceAndARealExampleInAscii(String command) {
        Cli r = Cli.run(command, "--help");
        assertThat(r.exitCode()).isZero();
        List<String> lines = r.out().lines().toList();
        int purpose = 0;
        while (!lines.get(purpose).isEmpty() && lines.get(purpose).startsWith(" ") || lines.get(purpose).startsWith("Usage:")) {
            purpose++;
        }
        // The purpose is the first paragraph after the synopsis: one sentence, ended.
        StringBuilder first = new StringBuilder();
        for (int i = purpose; i < lines.size() && !lines.get(i).isEmpty() && !lines.get(i).startsWith(" "); i++) {
            first.append(lines.get(i)).append(' ');
        }
        assertThat(first.toString().strip()).as(command).endsWith(".");
        assertThat(r.out()).as(command).contains("Examples:").containsPattern("\n  (# .*\n  )?.*safetensors " + command + " ");
        assertThat(r.out().chars()).as("help prints the same without a UTF-8 locale").allMatch(c -> c < 0x80);
    }

    @Test
    void topLevelHelpListsEveryCommandWithAWholeSentenceAndTheExitStatuses() {
        Cli r = Cli.run("--help");
        assertThat(r.exitCode()).isZero();
        String commands = r.out().substring(r.out().indexOf("Commands:"), r.out().indexOf("Exit status:"));
        // Each description is a sentence: the text before the next command name ends with a full stop.
        for (String block : commands.split("\n  (?=[a-z])")) {
            if (!block.startsWith("Commands:")) {
                assertThat(block.strip()).as(block).endsWith(".");
            }
        }
        assertThat(r.out()).contains("  0  done", "  1  the answer is no", "  2  the command line is wrong",
                "  3  the work could not be done");
        assertThat(r.out().chars()).allMatch(c -> c < 0x80);
    }

    @Test
    void usageErrorsAreOneLineAndAPointerToHelp() {
        Cli missing = Cli.run("convert");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err().lines()).containsExactly("safetensors convert: Missing required parameters: 'IN', 'OUT'",
                "Try 'safetensors convert --help' for more information.");
        assertThat(missing.out()).isEmpty();

        Cli typo = Cli.run("inspct");
        assertThat(typo.exitCode()).isEqualTo(2);
        assertThat(typo.err().lines()).hasSize(2).first().asString()
                .isEqualTo("safetensors: 'inspct' is not a command (did you mean 'inspect' or 'extract'?)");

        Cli none = Cli.run();
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).contains("a command is needed").contains("--help").doesNotContain("Usage:");

        Cli option = Cli.run("validate", "--no-such-option", "x");
        assertThat(option.exitCode()).isEqualTo(2);
        assertThat(option.err().lines()).hasSize(2).last().asString().contains("safetensors validate --help");
    }

    @Test
    void onlyWithoutDtypeAndAShardSizeBelowOneByteAreUsageErrors() throws Exception {
        Path in = file("w", 4);
        Cli only = Cli.run("convert", in.toString(), dir.resolve("o.safetensors").toString(), "--only", "w");
        assertThat(only.exitCode()).isEqualTo(2);
        assertThat(only.err()).contains("--only chooses the tensors --dtype converts; add --dtype");
        for (String zero : List.of("0", "0B", "0.5")) {
            Cli r = Cli.run("convert", in.toString(), dir.resolve("shards").toString(), "--max-shard-size", zero);
            assertThat(r.exitCode()).as(zero).isEqualTo(2);
        }
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(in);   // no file named `zero`, `0`, `o.safetensors`, no directory
        }
    }

    @Test
    void dtypeNamesInAnyCaseAndOnlyTheValidTargetsListed() throws Exception {
        Path in = file("w", 4);
        for (String name : List.of("fp16", "F16", "float16", "half")) {
            Cli r = Cli.run("convert", in.toString(), dir.resolve(name + ".safetensors").toString(), "--dtype", name);
            assertThat(r.exitCode()).as(name + ": " + r.err()).isZero();
            assertThat(Cli.run("inspect", "--json", dir.resolve(name + ".safetensors").toString()).out())
                    .contains("\"dtype\": \"F16\"");
        }
        Cli bad = Cli.run("convert", in.toString(), dir.resolve("x.safetensors").toString(), "--dtype", "I8");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("`I8` is not a dtype convert writes: use ").contains("BF16", "F16", "F32", "F8_E4M3")
                .doesNotContain("I8,", "U8", "BOOL", "I64");
    }

    @Test
    void countsAgreeWithTheirNoun() throws Exception {
        Path one = file("w", 4);
        assertThat(Cli.run("validate", one.toString()).out()).isEqualTo(one + ": OK (1 tensor)\n");
        assertThat(Cli.run("inspect", one.toString()).out()).contains(", 1 tensor\n").doesNotContain("1 tensors");
        Cli c = Cli.run("convert", one.toString(), dir.resolve("c.safetensors").toString());
        assertThat(c.out()).contains("wrote 1 tensor (0 converted)");
    }

    @Test
    void validateOfADirectoryWithoutFilesSaysSoAndAnswersNo() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Cli r = Cli.run("validate", empty.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).isEqualTo(empty + ": no safetensors files found\n");
    }

    /** The digest is the SHA-256 of the tensor's little-endian bytes, computed here from the values written. */
    @Test
    void sha256WithoutJsonIsAColumnOfTheTable() throws Exception {
        Path f = dir.resolve("h.safetensors");
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(3), TensorData.of(new float[] {1, 2, 3})).write(f);
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).putFloat(3);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
        Cli r = Cli.run("inspect", "--sha256", f.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).containsPattern("NAME +DTYPE +SHAPE +BYTES  SHA256\n")
                .containsPattern("\n  w +F32 +\\[3\\] +12  " + expected + "\n");
    }

    @Test
    void aLongNameTakesItsOwnLineAndTheColumnsStayInLine() throws Exception {
        String longName = "model.".repeat(15) + "weight";
        Path f = dir.resolve("long.safetensors");
        SafeTensorsWriter.create().add("a", DType.F32, Shape.of(1), TensorData.of(new float[] {1}))
                .add(longName, DType.F32, Shape.of(2), TensorData.of(new float[2]))
                .add("z", DType.F32, Shape.of(1), TensorData.of(new float[] {1})).write(f);
        List<String> lines = Cli.run("inspect", f.toString()).out().lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("  NAME")).findFirst().orElseThrow());
        assertThat(lines.subList(header + 1, header + 5)).extracting(l -> l.strip().split(" +")[0])
                .containsExactly("a", longName, "F32", "z");   // the long name's row follows it, under DTYPE
        int dtypeColumn = lines.get(header).indexOf("DTYPE");
        for (int row : List.of(header + 1, header + 3, header + 4)) {
            assertThat(lines.get(row).indexOf("F32")).as(lines.get(row)).isEqualTo(dtypeColumn);
            assertThat(lines.get(row).length()).isEqualTo(lines.get(header).length());
        }
    }

    /** {@code -o -} writes to standard output (the bytes, and the report on stderr), never a file named {@code -}. */
    @Test
    void dashIsStandardOutput() throws Exception {
        Path f = dir.resolve("s.safetensors");
        SafeTensorsWriter.create().add("w", DType.F32, Shape.of(2), TensorData.of(new float[] {1.5f, -2})).write(f);
        Captured c = run(Terminal.NONE, "convert", f.toString(), "-");
        assertThat(c.exitCode()).as(c.err()).isZero();
        assertThat(c.stdout()).isEqualTo(Files.readAllBytes(f));
        assertThat(c.out()).isEmpty();
        assertThat(c.err()).startsWith("-: wrote 1 tensor");

        Captured raw = run(Terminal.NONE, "extract", f.toString(), "w", "--raw", "-o", "-");
        assertThat(raw.exitCode()).as(raw.err()).isZero();
        assertThat(raw.stdout()).isEqualTo(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f)
                .putFloat(-2).array());
        assertThat(Path.of("-")).doesNotExist();
    }

    /** BF16 bits decoded by hand: 0x3F80 is 1.0, 0xC040 is -3.0, 0x3FC0 is 1.5, 0x7F80 is +Inf. */
    @Test
    void extractDecodesBf16IntoFloat32Npy() throws Exception {
        Path f = dir.resolve("bf.safetensors");
        ByteBuffer bits = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 0x3F80).putShort((short) 0xC040).putShort((short) 0x3FC0).putShort((short) 0x7F80);
        SafeTensorsWriter.create().add("w", DType.BF16, Shape.of(2, 2), TensorData.of(bits.array())).write(f);
        Path npy = dir.resolve("w.npy");
        Cli r = Cli.run("extract", f.toString(), "w", "--dtype", "f32", "-o", npy.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("F32 [2, 2] (decoded from BF16)");
        byte[] bytes = Files.readAllBytes(npy);
        int headerLength = (bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8;
        String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
        assertThat(header).contains("'descr': '<f4'", "'shape': (2, 2)");
        ByteBuffer values = ByteBuffer.wrap(bytes, 10 + headerLength, 16).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new float[] {values.getFloat(), values.getFloat(), values.getFloat(), values.getFloat()})
                .containsExactly(1f, -3f, 1.5f, Float.POSITIVE_INFINITY);

        Cli noDtype = Cli.run("extract", f.toString(), "w", "-o", dir.resolve("x.npy").toString());
        assertThat(noDtype.exitCode()).isEqualTo(1);
        assertThat(noDtype.err()).contains("use --dtype F32 to decode it into float32, or --raw");
        Cli notFloat = Cli.run("extract", f.toString(), "w", "--dtype", "I8", "-o", dir.resolve("y.npy").toString());
        assertThat(notFloat.exitCode()).isEqualTo(2);
        assertThat(notFloat.err()).contains("is not a dtype extract decodes to: use F32 or F16");
    }

    @Test
    void exitStatusesByKind() throws Exception {
        Path good = file("w", 4);
        Path bad = Files.write(dir.resolve("bad.safetensors"), new byte[] {1, 2, 3});
        assertThat(Cli.run("validate", good.toString()).exitCode()).isEqualTo(0);
        assertThat(Cli.run("validate", bad.toString()).exitCode()).isEqualTo(1);
        assertThat(Cli.run("validate", "--bogus").exitCode()).isEqualTo(2);
        Cli missing = Cli.run("inspect", dir.resolve("missing.safetensors").toString());
        assertThat(missing.exitCode()).isEqualTo(3);
        assertThat(missing.err()).isEqualTo("safetensors: IoError: " + dir.resolve("missing.safetensors")
                + ": cannot open the file: no such file (check the path)\n");
        // A file where OUT's directory should be: the write fails, in one line naming the path, status 3.
        Path blocker = Files.writeString(dir.resolve("blocker"), "");
        Cli write = Cli.run("convert", good.toString(), blocker.resolve("out.safetensors").toString());
        assertThat(write.exitCode()).isEqualTo(3);
        assertThat(write.err().lines()).hasSize(1).first().asString().startsWith("safetensors: IoError: ")
                .contains(blocker.toString());
    }

    @Test
    void completionScriptsForBashAndZsh() {
        Cli bash = Cli.run("completion", "bash");
        assertThat(bash.exitCode()).isZero();
        assertThat(bash.out()).contains("complete -F _complete_safetensors", "inspect", "validate", "convert",
                "--max-shard-size", "BF16");
        Cli zsh = Cli.run("completion", "zsh");
        assertThat(zsh.out()).startsWith("autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n")
                .contains("complete -F _complete_safetensors");
        assertThat(Cli.run("completion", "fish").exitCode()).isEqualTo(2);
    }

    /** On a terminal a bar is drawn in place on stderr; not with --quiet, and never when stderr is not a terminal. */
    @Test
    void progressOnlyOnATerminalAndNotWithQuiet() throws Exception {
        System.setProperty("safetensors.progress.delay.ms", "0");
        try {
            Path in = file("w", 1 << 20);
            Terminal tty = new Terminal(false, true, false);
            Captured shown = run(tty, "convert", in.toString(), dir.resolve("a.safetensors").toString(), "--dtype", "bf16");
            assertThat(shown.exitCode()).as(shown.err()).isZero();
            assertThat(shown.err()).contains("\rconvert ", "100%", "2097/2097 kB", "kB/s").endsWith("\n");
            assertThat(shown.out()).doesNotContain("\r");   // the report is plain text on stdout
            Captured quiet = run(tty, "--quiet", "convert", in.toString(), dir.resolve("b.safetensors").toString());
            assertThat(quiet.err()).doesNotContain("\r", "%");
            Captured piped = run(Terminal.NONE, "convert", in.toString(), dir.resolve("c.safetensors").toString());
            assertThat(piped.err()).doesNotContain("\r", "%");
        } finally {
            System.clearProperty("safetensors.progress.delay.ms");
        }
    }

    /** A file of one F32 tensor {@code name} of {@code n} values. */
    private Path file(String name, int n) throws Exception {
        Path f = dir.resolve(name + "-" + n + ".safetensors");
        SafeTensorsWriter.create().add(name, DType.F32, Shape.of(n), TensorData.of(new float[n])).write(f);
        return f;
    }
}
