package dev.safetensors.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code safetensors} command. */
@Command(name = "safetensors",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Inspect, validate, convert and extract safetensors model files; quantize and dequantize them.",
        subcommands = {InspectCommand.class, ValidateCommand.class, ConvertCommand.class, ExtractCommand.class,
                BenchCommand.class, DownloadCommand.class, DiffCommand.class, StatsCommand.class, ReportCommand.class,
                QuantizeCommand.class, DequantizeCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {
    private final Terminal terminal;

    private Main(Terminal terminal) {
        this.terminal = terminal;
    }

    /** What stdout and stderr are, for the commands that print differently to a terminal. */
    Terminal terminal() {
        return terminal;
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the command line, e.g. {@code inspect model.safetensors}
     */
    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true), Terminal.detect()));
    }

    /**
     * Runs the command line with the given streams.
     *
     * @param args the command line, e.g. {@code inspect model.safetensors}
     * @param out  where results go
     * @param err  where errors and progress go
     * @return the exit code: 0 ok, 1 failure, 2 usage
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, Terminal.NONE);
    }

    /** The same, for streams that go to the terminal {@code terminal} describes. */
    static int run(String[] args, PrintWriter out, PrintWriter err, Terminal terminal) {
        CommandLine cmd = new CommandLine(new Main(terminal));
        cmd.setOut(out);
        cmd.setErr(err);
        // Every failure is one line on stderr naming the file: bad input, the file system, the heap, or a bug.
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("safetensors: " + ErrorLine.of(e, null));
            return 1;
        });
        try {
            return cmd.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("safetensors: " + ErrorLine.of(e, null));
            return 1;
        }
    }

    /** "safetensors-java 0.1.0", from the version the build wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"safetensors-java " + p.getProperty("version", "unknown"),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
