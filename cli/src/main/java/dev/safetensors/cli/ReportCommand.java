package dev.safetensors.cli;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.Tensor;
import dev.safetensors.TensorInfo;
import dev.safetensors.cli.report.HtmlReport;
import dev.safetensors.cli.report.QuantizationInfo;
import dev.safetensors.cli.report.ReportData;
import dev.safetensors.cli.scan.BlockReader;
import dev.safetensors.cli.scan.Histogram;
import dev.safetensors.cli.scan.ProgressHook;
import dev.safetensors.cli.scan.StatsAccumulator;
import dev.safetensors.cli.scan.TensorStats;
import dev.safetensors.cli.scan.ValueScan;
import dev.safetensors.internal.io.AtomicFile;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code safetensors report}: one self-contained HTML page about a checkpoint. */
final class ReportCommand implements Callable<Integer> {
    final CommandSpec spec;
    private final Main main;
    String path;
    String output;
    int histograms = 24;
    int bins = 64;
    boolean noValues;
    int threads = Runtime.getRuntime().availableProcessors();

    /** --quiet, the option every command takes (Main). */
    private boolean quiet() {
        return main != null && main.quiet();
    }

    final DecodeOptions decode = new DecodeOptions();

    ReportCommand(Main main) {
        this.main = main;
        spec = CommandModel.command("report", this, new String[] {
                "Write one HTML file about a checkpoint that opens in any browser without network access.",
                "",
                "The page shows the structure as a collapsible tree of layers, parameters per dtype and per layer as "
                        + "charts, histograms of the values of the largest tensors, statistics of every tensor, "
                        + "quantization and metadata. PATH may be a file, an index, a directory of shards, an hf:// "
                        + "address or a PyTorch checkpoint (converted to a temporary file first, nothing in it run). "
                        + "Values are read once, on all cores.",
                "",
                "Exit status: 0 when written, 1 when PATH is not a valid checkpoint, 2 for a usage error, 3 when a "
                        + "file could not be read or written."},
                "  safetensors report model.safetensors -o report.html",
                "  safetensors report --no-values hf://openai-community/gpt2 -o gpt2.html");
        spec.addPositional(CommandModel.positional(0, "PATH", String.class, () -> path, v -> path = v)
                .description("a safetensors file, an index, a directory of shards, an hf:// or https:// address, or "
                        + "a PyTorch checkpoint").build());
        spec.addOption(CommandModel.option("-o --output", "FILE", String.class,
                () -> output, v -> output = v).required(true)
                .description("The HTML file to write (replaced atomically), or - for stdout.").build());
        spec.addOption(CommandModel.option("--histograms", "N", int.class, () -> histograms, v -> histograms = v)
                .description("Histograms of the N largest tensors (default 24; 0 for none, -1 for every "
                        + "tensor).").build());
        spec.addOption(CommandModel.option("--bins", "N", int.class, () -> bins, v -> bins = v)
                .description("Bins per histogram (default 64).").build());
        spec.addOption(CommandModel.flag("--no-values", () -> noValues, v -> noValues = v)
                .description("Read headers only: no statistics, no histograms.").build());
        spec.addOption(CommandModel.option("--threads", "N", int.class, () -> threads, v -> threads = v)
                .description("Threads reading values (default: one per core).").build());
        decode.addTo(spec);
    }

    @Override
    public Integer call() {
        if (threads < 1 || bins < 1 || bins > 10_000 || histograms < -1) {
            throw new ParameterException(spec.commandLine(), "--threads must be at least 1, --bins 1 to 10000, "
                    + "--histograms -1 or more");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Checkpoint c = Inputs.openAny(path, OpenOptions.defaults())) {
            String html = HtmlReport.render(gather(c, err));
            if (output.equals("-")) {
                out.print(html);
                out.flush();
            } else {
                Path target = Path.of(output);
                byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
                AtomicFile.write(target, ch -> {
                    ByteBuffer buf = ByteBuffer.wrap(bytes);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                });
                if (!quiet()) {
                    err.printf("%s: wrote the report of %,d tensors, %,d bytes%n", target, c.size(), bytes.length);
                }
            }
            return ExitCode.OK;
        } catch (SafeTensorsException | UncheckedIOException | OutOfMemoryError e) {
            out.flush();
            err.println("safetensors: " + ErrorLine.of(e, path));
            return ExitCode.of(e);
        }
    }

    private ReportData gather(Checkpoint c, PrintWriter err) {
        List<Tensor> tensors = CheckpointContents.inFileOrder(c, null);
        List<Tensor> readable = new ArrayList<>();
        Map<String, String> notRead = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            String why = noValues ? "values not read (--no-values)" : BlockReader.whyNot(t, decode.packing());
            if (why == null) {
                readable.add(t);
            } else {
                notRead.put(t.name(), why);
            }
        }
        Map<String, TensorStats> stats = new LinkedHashMap<>();
        List<ReportData.TensorHistogram> drawn = new ArrayList<>();
        if (!readable.isEmpty()) {
            try (Progress progress = main == null ? Progress.NONE : main.progress("report", 0, Progress.Unit.BYTES)) {
                // Statistics first (they give each histogram its range), then the histograms: two passes over the
                // largest tensors, one over the rest; the progress line counts both.
                List<Tensor> largest = largest(readable);
                long statsBytes = readable.stream().mapToLong(Tensor::byteSize).sum();
                long total = statsBytes + largest.stream().mapToLong(Tensor::byteSize).sum();
                ProgressHook hook = progress.hook();
                List<StatsAccumulator> s = ValueScan.run(readable.stream().map(t -> StatsAccumulator.job(t,
                        decode.packing())).toList(), threads, (done, all, item) -> hook.update(done, total, item));
                for (int i = 0; i < readable.size(); i++) {
                    stats.put(readable.get(i).name(), s.get(i).result());
                }
                // In file order, so that reads stay sequential; drawn largest first.
                Set<Tensor> chosen = Collections.newSetFromMap(new IdentityHashMap<>());
                chosen.addAll(largest);
                List<Tensor> withRange = readable.stream()
                        .filter(t -> chosen.contains(t) && stats.get(t.name()).finite() > 0).toList();
                List<Histogram> h = ValueScan.run(withRange.stream().map(t -> {
                    TensorStats ts = stats.get(t.name());
                    return Histogram.job(t, decode.packing(), ts.min(), ts.max(), bins);
                }).toList(), threads, (done, all, item) -> hook.update(statsBytes + done, total, item));
                for (int i = 0; i < withRange.size(); i++) {
                    Tensor t = withRange.get(i);
                    drawn.add(new ReportData.TensorHistogram(t.info(), stats.get(t.name()), h.get(i)));
                }
                drawn.sort(Comparator.comparingLong((ReportData.TensorHistogram x) -> x.tensor().elementCount()).reversed()
                        .thenComparing(x -> x.tensor().name(), CheckpointContents.NATURAL));
            }
        }
        List<TensorInfo> infos = new ArrayList<>(tensors.stream().map(Tensor::info).toList());
        infos.sort(Comparator.comparing(TensorInfo::name, CheckpointContents.NATURAL));
        List<String> files = Inputs.files(c).stream().map(SafeTensorsFile::description).toList();
        long headerBytes = Inputs.files(c).stream().mapToLong(f -> 8 + f.header().headerSize()).sum();
        String index = c instanceof ShardedCheckpoint s && s.index().isPresent() ? c.description() : null;
        List<QuantizationInfo.Section> quant = new ArrayList<>();
        for (QuantizationInfo q : QuantizationInfo.providers()) {
            Optional<QuantizationInfo.Section> section = q.describe(Inputs.remote(path) ? null : Path.of(path), c);
            section.ifPresent(quant::add);
        }
        return new ReportData(title(path), path, files, index, infos,
                headerBytes, CheckpointContents.metadata(c), c instanceof ShardedCheckpoint ? c.metadata().orElse(Map.of())
                        : Map.of(), stats, drawn, notRead, quant, versionLine());
    }

    /** The page's title: the file or folder name, or for an address its last part ({@code hf://org/model}: model). */
    private static String title(String input) {
        if (Inputs.remote(input)) {
            String trimmed = input.replaceAll("/+$", "");
            return trimmed.substring(trimmed.lastIndexOf('/') + 1);
        }
        Path name = Path.of(input).toAbsolutePath().normalize().getFileName();
        return name == null ? input : name.toString();
    }

    /** The tensors to draw: the {@code histograms} with most values, largest first, ties by name. */
    private List<Tensor> largest(List<Tensor> readable) {
        List<Tensor> sorted = new ArrayList<>(readable);
        sorted.sort(Comparator.comparingLong(Tensor::elementCount).reversed()
                .thenComparing(Tensor::name, CheckpointContents.NATURAL));
        int n = histograms < 0 ? sorted.size() : Math.min(histograms, sorted.size());
        return sorted.subList(0, n);
    }

    private static String versionLine() {
        try {
            return new Main.Version().getVersion()[0];
        } catch (java.io.IOException e) {
            return "safetensors-java";
        }
    }
}
