package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands' models declared in code (CommandModel) parse as the annotated ones did (dba9eec): each case here
 * was a command line whose outcome changed when the annotations went.
 */
class CommandModelTest {
    /** Annotated boolean options took an attached value ("--json=false"); a flag declared in code must too. */
    @Test
    void aFlagTakesAnAttachedTrueOrFalse() {
        Path file = Cli.fixture("reference-samples/overall.safetensors");
        Cli json = Cli.run("inspect", "--json=true", file.toString());
        assertThat(json.exitCode()).as(json.err()).isZero();
        assertThat(json.out()).startsWith("{\"path\"");

        Cli table = Cli.run("inspect", "--flat", "--json=false", file.toString());
        assertThat(table.exitCode()).as(table.err()).isZero();
        assertThat(table.out()).doesNotStartWith("{").contains("NAME");

        Cli verbose = Cli.run("--verbose=true", "inspect", "missing.safetensors");
        assertThat(verbose.exitCode()).as(verbose.err()).isEqualTo(3);   // an I/O error, not a usage error
        assertThat(verbose.err()).contains("\tat ");                      // the stack trace --verbose asks for

        Cli quiet = Cli.run("inspect", "--quiet=false", "--flat", file.toString());
        assertThat(quiet.exitCode()).as(quiet.err()).isZero();

        Cli wrong = Cli.run("inspect", "--flat=yes", file.toString());
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.err()).contains("'yes' is not a boolean");
    }

    /**
     * {@code help} of a command that does not exist is a typo of a command: the nearest ones suggested, and a pointer
     * to the list of commands (dba9eec pointed to 'safetensors --help' too), not to the help command's own help.
     */
    @Test
    void helpOfAnUnknownCommandSuggestsTheNearestAndPointsToTheList() {
        Cli typo = Cli.run("help", "inspct");
        assertThat(typo.exitCode()).isEqualTo(2);
        assertThat(typo.out()).isEmpty();
        assertThat(typo.err().lines()).containsExactly(
                "safetensors: 'inspct' is not a command (did you mean 'inspect' or 'extract'?)",
                "Try 'safetensors --help' for more information.");
    }

    /**
     * The completion scripts list a command's options in the order the annotated commands gave (dba9eec): its own,
     * then --help and --version, then the inherited --verbose and --quiet; so the scripts stay as they were.
     */
    @Test
    void completionListsOptionsInTheAnnotatedOrder() {
        for (String shell : new String[] {"bash", "zsh"}) {
            Cli r = Cli.run("completion", shell);
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out())
                    .contains("local flag_opts=\"'--verbose' '-q' '--quiet' '-h' '--help' '-V' '--version'\"")
                    .contains("local flag_opts=\"'--json' '--sha256' '--tree' '--flat' '-h' '--help' '-V' '--version'"
                            + " '--verbose' '-q' '--quiet'\"")
                    .contains("local flag_opts=\"'--raw' '-h' '--help' '-V' '--version' '--verbose' '-q' '--quiet'\"");
        }
    }

    /** TAB after {@code safetensors help} completes the commands, as it did with picocli's own help command. */
    @Test
    void helpCompletesCommandNames(@TempDir Path dir) throws Exception {
        Cli generated = Cli.run("completion", "bash");
        assertThat(generated.exitCode()).as(generated.err()).isZero();
        Path script = Files.writeString(dir.resolve("completion.bash"), generated.out());
        assertThat(complete(script, "safetensors help con")).isEqualTo("[convert]");
        assertThat(complete(script, "safetensors help de")).isEqualTo("[dequantize]");
        assertThat(complete(script, "safetensors help he")).isEqualTo("[]");
    }

    /** What the bash script offers for the last word of {@code line}, as bash's programmable completion calls it. */
    private static String complete(Path script, String line) throws Exception {
        String words = line.endsWith(" ") ? line + "''" : line;
        Process p = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", "source \"$0\"; COMP_WORDS=(" + words
                + "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE};"
                + " _complete_safetensors; echo \"[${COMPREPLY[*]}]\"", script.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
