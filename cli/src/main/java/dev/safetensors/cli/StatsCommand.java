package dev.safetensors.cli;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Tensor;
import dev.safetensors.cli.scan.BlockReader;
import dev.safetensors.cli.scan.StatsAccumulator;
import dev.safetensors.cli.scan.TensorStats;
import dev.safetensors.cli.scan.ValueScan;
import dev.safetensors.cli.text.Table;
import dev.safetensors.cli.text.Units;
import dev.safetensors.cli.tree.TreeText;
import dev.safetensors.internal.json.JsonWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code safetensors stats}: summary statistics of every tensor's values. */
final class StatsCommand implements Callable<Integer> {
    final CommandSpec spec;
    private final Main main;
    List<String> paths = new ArrayList<>();
    Pattern tensor;
    boolean json;
    int threads = Runtime.getRuntime().availableProcessors();

    /** --quiet, the option every command takes (Main). */
    private boolean quiet() {
        return main != null && main.quiet();
    }

    final DecodeOptions decode = new DecodeOptions();

    StatsCommand(Main main) {
        this.main = main;
        spec = CommandModel.command("stats", this, new String[] {
                "Show each tensor's min, max, mean, standard deviation, share of zeros, and NaN and Inf counts.",
                "",
                "Every value is read once, on all cores, in bounded memory. Statistics are computed in float64 over "
                        + "the finite values, as NumPy's min, max, mean and std (ddof=0) of the values as float64; C64 "
                        + "tensors count their real and imaginary parts as values. PATH may be a file, an index, a "
                        + "directory of shards, an hf:// address or a PyTorch checkpoint. Every PATH is shown even "
                        + "when one fails (errors on stderr, one line each).",
                "",
                "Exit status: 0 when every PATH was read, 1 when a PATH is not a valid checkpoint or no tensor "
                        + "matches, 2 for a usage error, 3 when a file could not be read."},
                "  safetensors stats model.safetensors --tensor 'layers\\.0\\.'",
                "  safetensors stats --json shards/ > stats.json");
        spec.addPositional(CommandModel.positionals("1..*", "PATH", String.class, () -> paths, v -> paths = v)
                .description("safetensors files, *.safetensors.index.json files or directories of shards, hf:// or "
                        + "https:// addresses of them, or PyTorch checkpoints (converted to a temporary file, "
                        + "nothing in them run)").build());
        spec.addOption(CommandModel.option("--tensor", "REGEX", Pattern.class, () -> tensor, v -> tensor = v)
                .description("Only the tensors whose name the regular expression finds (e.g. 'layers\\.0\\.' or "
                        + "'proj\\.weight$').").build());
        spec.addOption(CommandModel.flag("--json", () -> json, v -> json = v)
                .description("One JSON object per PATH: path, and per tensor dtype, shape, count, min, max, mean, "
                        + "std, zeros, zero_fraction, nan, pos_inf, neg_inf (values none are finite for are "
                        + "null).").build());
        spec.addOption(CommandModel.option("--threads", "N", int.class, () -> threads, v -> threads = v)
                .description("Threads reading and summing (default: one per core).").build());
        decode.addTo(spec);
    }

    @Override
    public Integer call() {
        if (threads < 1) {
            throw new ParameterException(spec.commandLine(), "--threads must be at least 1, got " + threads);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int status = ExitCode.OK;
        for (String p : paths) {
            try {
                status = Math.max(status, stats(p, out, err));
            } catch (SafeTensorsException | UncheckedIOException | OutOfMemoryError e) {
                out.flush();
                err.println("safetensors: " + ErrorLine.of(e, p));
                status = Math.max(status, ExitCode.of(e));
            }
        }
        out.flush();
        return status;
    }

    private record Row(Tensor tensor, TensorStats stats, String skipped) {
    }

    private int stats(String path, PrintWriter out, PrintWriter err) {
        Terminal terminal = main == null ? Terminal.NONE : main.terminal();
        try (Checkpoint c = Inputs.openAny(path, OpenOptions.defaults())) {
            List<Tensor> tensors = CheckpointContents.inFileOrder(c, tensor);
            if (tensors.isEmpty() && tensor != null) {
                err.println("safetensors: " + path + ": no tensor name matches `" + tensor + "`");
                return ExitCode.NO;
            }
            List<Tensor> readable = tensors.stream().filter(t -> BlockReader.whyNot(t, decode.packing()) == null).toList();
            long start = System.nanoTime();
            List<StatsAccumulator> results;
            try (Progress progress = main == null ? Progress.NONE : main.progress("stats", 0, Progress.Unit.BYTES)) {
                results = ValueScan.run(readable.stream().map(t -> StatsAccumulator.job(t, decode.packing())).toList(),
                        threads, progress.hook());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Row> rows = new ArrayList<>();
            for (int i = 0, r = 0; i < tensors.size(); i++) {
                Tensor t = tensors.get(i);
                String why = BlockReader.whyNot(t, decode.packing());
                rows.add(why == null ? new Row(t, results.get(r++).result(), null) : new Row(t, null, why));
            }
            rows.sort(Comparator.comparing(row -> row.tensor.name(), CheckpointContents.NATURAL));
            if (json) {
                out.println(AsciiJson.of(toJson(path, rows)));
            } else {
                printTable(path, rows, out);
            }
            if (terminal.stderr() && !quiet()) {
                long bytes = readable.stream().mapToLong(Tensor::byteSize).sum();
                err.printf(Locale.ROOT, "read %s in %.2f s (%s/s) on %d thread%s%n", Units.bytes(bytes), seconds,
                        Units.bytes((long) (bytes / Math.max(seconds, 1e-9))), threads, threads == 1 ? "" : "s");
            }
            return ExitCode.OK;
        }
    }

    private static void printTable(String label, List<Row> rows, PrintWriter out) {
        out.println(label + ": " + rows.size() + (rows.size() == 1 ? " tensor" : " tensors"));
        Table table = new Table("NAME", "DTYPE", "SHAPE", "MIN", "MAX", "MEAN", "STD", "ZEROS", "NAN", "+INF", "-INF")
                .rightAligned(3, 4, 5, 6, 7, 8, 9, 10);
        List<String> skipped = new ArrayList<>();
        for (Row r : rows) {
            String name = TreeText.display(r.tensor.name());
            String dtype = r.tensor.dtype().toString();
            String shape = r.tensor.shape().toString();
            TensorStats s = r.stats;
            if (s == null) {
                table.add(name, dtype, shape, "-", "-", "-", "-", "-", "-", "-", "-");
                skipped.add(name + ": " + r.skipped);
                continue;
            }
            boolean any = s.finite() > 0;
            table.add(name, dtype, shape, any ? Units.value(s.min()) : "-", any ? Units.value(s.max()) : "-",
                    any ? Units.value(s.mean()) : "-", any ? Units.value(s.std()) : "-", Units.percent(s.zeroFraction()),
                    Long.toString(s.nan()), Long.toString(s.posInf()), Long.toString(s.negInf()));
        }
        table.print(out, "  ");
        skipped.forEach(s -> out.println("  not read: " + s));
    }

    private static String toJson(String label, List<Row> rows) {
        StringBuilder sb = new StringBuilder("{\"path\": ");
        JsonWriter.appendQuoted(sb, label);
        sb.append(", \"tensors\": {");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            sb.append(i == 0 ? "" : ", ");
            JsonWriter.appendQuoted(sb, r.tensor.name());
            sb.append(": {\"dtype\": \"").append(r.tensor.dtype()).append("\", \"shape\": ");
            appendShape(sb, r.tensor);
            TensorStats s = r.stats;
            if (s == null) {
                sb.append(", \"skipped\": ");
                JsonWriter.appendQuoted(sb, r.skipped);
            } else {
                boolean any = s.finite() > 0;
                sb.append(", \"count\": ").append(s.count())
                        .append(", \"min\": ").append(any ? Units.json(s.min()) : "null")
                        .append(", \"max\": ").append(any ? Units.json(s.max()) : "null")
                        .append(", \"mean\": ").append(any ? Units.json(s.mean()) : "null")
                        .append(", \"std\": ").append(any ? Units.json(s.std()) : "null")
                        .append(", \"zeros\": ").append(s.zeros())
                        .append(", \"zero_fraction\": ").append(s.count() == 0 ? "null" : Units.json(s.zeroFraction()))
                        .append(", \"nan\": ").append(s.nan())
                        .append(", \"pos_inf\": ").append(s.posInf())
                        .append(", \"neg_inf\": ").append(s.negInf());
            }
            sb.append('}');
        }
        return sb.append("}}").toString();
    }

    /** {@code [2, 3]}, dimensions unsigned as the header has them. */
    static void appendShape(StringBuilder sb, Tensor t) {
        sb.append('[');
        for (int d = 0; d < t.shape().rank(); d++) {
            sb.append(d == 0 ? "" : ", ").append(Long.toUnsignedString(t.shape().dim(d)));
        }
        sb.append(']');
    }
}
