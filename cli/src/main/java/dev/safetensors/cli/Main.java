package dev.safetensors.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code safetensors} command: the subcommands, the options every one of them takes ({@code --verbose},
 * {@code --quiet}), and the one way failures end a run: one line on stderr and a documented exit status
 * ({@link ExitCode}). Commands declare their options in code ({@link CommandModel}), not by annotations.
 */
public final class Main implements Callable<Integer> {
    /**
     * The subcommands by name, in the order help lists them. Only the one a command line names is built (a typo,
     * help and completion build them all).
     */
    private static final Map<String, Function<Main, CommandSpec>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("inspect", m -> new InspectCommand(m).spec);
        COMMANDS.put("validate", m -> new ValidateCommand().spec);
        COMMANDS.put("convert", m -> new ConvertCommand(m).spec);
        COMMANDS.put("extract", m -> new ExtractCommand(m).spec);
        COMMANDS.put("download", m -> new DownloadCommand(m).spec);
        COMMANDS.put("diff", m -> new DiffCommand(m).spec);
        COMMANDS.put("stats", m -> new StatsCommand(m).spec);
        COMMANDS.put("report", m -> new ReportCommand(m).spec);
        COMMANDS.put("quantize", m -> new QuantizeCommand(m).spec);
        COMMANDS.put("dequantize", m -> new DequantizeCommand(m).spec);
        COMMANDS.put("bench", m -> new BenchCommand(m).spec);
        COMMANDS.put("completion", m -> new CompletionCommand().spec);
        COMMANDS.put("help", m -> new HelpCommand().spec);
    }

    boolean verbose;
    boolean quiet;

    private final Terminal terminal;
    private PrintWriter err;
    private OutputStream stdout;
    /** The bars shown so far: a failure ends them before its line, so that the line starts a line. */
    private final List<Progress> shown = new java.util.concurrent.CopyOnWriteArrayList<>();

    private Main(Terminal terminal) {
        this.terminal = terminal;
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true), Terminal.detect(),
                System.out));
    }

    /** Runs the command line with the given streams (no terminal); returns the exit status ({@link ExitCode}). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, Terminal.NONE, OutputStream.nullOutputStream());
    }

    /** The same, for streams that go where {@code terminal} says. */
    static int run(String[] args, PrintWriter out, PrintWriter err, Terminal terminal) {
        return run(args, out, err, terminal, OutputStream.nullOutputStream());
    }

    /**
     * The same, for streams that go where {@code terminal} says; {@code stdout} takes the bytes of
     * {@code -o -} (a file written to standard output), {@code out} the text.
     */
    static int run(String[] args, PrintWriter out, PrintWriter err, Terminal terminal, OutputStream stdout) {
        Main main = new Main(terminal);
        main.err = err;
        main.stdout = stdout;
        CommandLine cmd;
        try {
            cmd = commandLine(main, args);
        } catch (OutOfMemoryError e) {
            err.println("safetensors: " + ErrorLine.of(e, null));
            return ExitCode.IO;
        }
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler(Main::usageError);
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> main.failure(e));
        try {
            return cmd.execute(args);
        } catch (Error e) {
            // Errors pass picocli by (out of memory, a stack overflow, a class missing from a broken install):
            // they end the run as one line too, never as the JVM's stack trace.
            return main.failure(e);
        }
    }

    /**
     * Options of types picocli converts by reflection but no command takes: each picocli model would otherwise
     * look up and initialise java.time's and java.sql's classes, about 6 ms of every start (docs/benchmarks.md).
     */
    private static final String UNUSED_CONVERTERS = "java\\.(time|sql)\\..*";

    /** The root command with the subcommand {@code args} names, or with all of them (help, a typo, none). */
    static CommandLine commandLine(Main main, String[] args) {
        System.setProperty("picocli.converters.excludes", UNUSED_CONVERTERS);
        CommandLine cmd = new CommandLine(CommandModel.withStandardHelp(main.spec()));
        String named = null;
        for (String a : args) {
            if (!a.startsWith("-")) {   // the root's options take no values: the first word is the command
                named = a;
                break;
            }
        }
        // Help and completion list every command, and a typo is matched against them all; --version needs none.
        boolean all = named == null
                ? !List.of("--version", "-V", "--verbose", "-q", "--quiet").containsAll(List.of(args))
                : !COMMANDS.containsKey(named) || named.equals("help") || named.equals("completion");
        for (Map.Entry<String, Function<Main, CommandSpec>> e : COMMANDS.entrySet()) {
            if (all || e.getKey().equals(named)) {
                CommandSpec sub = CommandModel.withStandardHelp(e.getValue().apply(main));
                cmd.addSubcommand(e.getKey(), new CommandLine(sub));
            }
        }
        return cmd;
    }

    /** The root command: its usage text and the options every subcommand inherits. */
    private CommandSpec spec() {
        CommandSpec spec = CommandModel.command("safetensors", this,
                new String[] {"Inspect, check, compare, convert, quantize and measure safetensors model files."});
        spec.usageMessage().synopsisSubcommandLabel("COMMAND").footerHeading("%nExit status:%n").footer(
                "  0  done, and the answer is yes (valid, equal).",
                "  1  the answer is no: a file is invalid, or two checkpoints differ.",
                "  2  the command line is wrong (the reason is printed, and --help says more).",
                "  3  the work could not be done: a file could not be read or written, or",
                "     the heap ran out (JAVA_OPTS=-Xmx8g raises it).",
                "",
                "Run 'safetensors COMMAND --help' for a command's options and examples.");
        spec.addOption(CommandModel.flag("--verbose", () -> verbose, v -> verbose = v).scopeType(ScopeType.INHERIT)
                .description("On failure, print the stack trace after the error line.").build());
        spec.addOption(CommandModel.flag("-q --quiet", () -> quiet, v -> quiet = v).scopeType(ScopeType.INHERIT)
                .description("No progress bars (they are only shown when stderr is a terminal).").build());
        return spec;
    }

    /** No command given: which there are, in one line, and where to read more. */
    @Override
    public Integer call() {
        err.println("safetensors: a command is needed: " + String.join(", ", COMMANDS.keySet()));
        err.println("Try 'safetensors --help' for more information.");
        err.flush();
        return ExitCode.USAGE;
    }

    /** The names of every subcommand, in help's order. */
    static List<String> commandNames() {
        return List.copyOf(COMMANDS.keySet());
    }

    /**
     * A progress bar for {@code task} over {@code total} units on stderr, when stderr is a terminal and
     * {@code --quiet} was not given; otherwise one that shows nothing.
     */
    Progress progress(String task, long total, Progress.Unit unit) {
        if (quiet || !terminal.stderr()) {
            return Progress.NONE;
        }
        Progress p = Progress.on(err, task, total, unit, terminal.unicode());
        shown.add(p);
        return p;
    }

    /** What stdout and stderr are, for the commands that print differently to a terminal. */
    Terminal terminal() {
        return terminal;
    }

    boolean quiet() {
        return quiet;
    }

    /**
     * Standard output as bytes, for {@code -o -}: text printed to {@code out} so far is flushed first, and the
     * caller prints its own report to stderr, so that the bytes stay what they are.
     */
    OutputStream stdout(PrintWriter out) {
        out.flush();
        return stdout;
    }

    /**
     * One input of several failed: its line (and with --verbose its stack trace), and the run goes on.
     *
     * @return the exit status it calls for
     */
    int failed(Throwable e, Object path) {
        err.println("safetensors: " + ErrorLine.of(e, path));
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return ExitCode.of(e);
    }

    /** A failure as one line naming the file (and with --verbose its stack trace); the status says what kind. */
    int failure(Throwable e) {
        shown.forEach(Progress::close);
        err.println("safetensors: " + ErrorLine.of(e, null));
        if (verbose) {
            e.printStackTrace(err);
        } else if (ErrorLine.isBug(e)) {
            err.println("safetensors: run it again with --verbose for the stack trace, and please report it");
        }
        err.flush();
        return ExitCode.of(e);
    }

    /**
     * A wrong command line: the reason in one line, then where to read more, never the whole help (which would
     * bury the reason).
     */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine c = e.getCommandLine();
        PrintWriter err = c.getErr();
        String name = c.getCommandSpec().qualifiedName();
        String reason = e.getMessage();
        if (e instanceof UnmatchedArgumentException u && c.getCommandSpec().root() == c.getCommandSpec()
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().getFirst().startsWith("-")) {
            reason = "'" + u.getUnmatched().getFirst() + "' is not a command";
        }
        StringBuilder line = new StringBuilder(name).append(": ").append(reason);
        if (e instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            line.append(" (did you mean ").append(String.join(" or ", u.getSuggestions().stream().limit(3)
                    .map(s -> "'" + s + "'").toList())).append("?)");
        }
        err.println(ErrorLine.oneLine(line.toString()));
        err.println("Try '" + name + " --help' for more information.");
        err.flush();
        return ExitCode.USAGE;
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
