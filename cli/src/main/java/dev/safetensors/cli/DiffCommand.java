package dev.safetensors.cli;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.Tensor;
import dev.safetensors.cli.scan.BlockReader;
import dev.safetensors.cli.scan.ValueDiff;
import dev.safetensors.cli.scan.ValueScan;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code safetensors diff}: how two checkpoints differ, name by name and value by value. */
final class DiffCommand implements Callable<Integer> {
    final CommandSpec spec;
    private final Main main;
    String a;
    String b;
    double atol;
    double rtol;
    Pattern tensor;
    boolean json;
    int threads = Runtime.getRuntime().availableProcessors();

    /** --quiet, the option every command takes (Main). */
    private boolean quiet() {
        return main != null && main.quiet();
    }

    final DecodeOptions decode = new DecodeOptions();

    DiffCommand(Main main) {
        this.main = main;
        spec = CommandModel.command("diff", this, new String[] {
                "Compare two checkpoints, tensor by tensor and value by value.",
                "",
                "Shows the names only in A or only in B, shape changes, metadata changes, and for every tensor in "
                        + "both the largest absolute and relative difference of its values and whether its bytes are "
                        + "identical. Values are compared decoded, in float64, so A and B may have different dtypes; "
                        + "either may be a file, an index, a directory of shards, an hf:// address or a PyTorch "
                        + "checkpoint (converted to a temporary file first, nothing in it run). A value is within "
                        + "tolerance when |a - b| <= atol + rtol * |b| (NumPy's isclose, B the reference; NaN equals "
                        + "NaN, Inf only itself).",
                "",
                "Exit status: 0 when A and B are equal within the tolerance, 1 when they differ (or one is not a "
                        + "valid checkpoint), 2 for a usage error, 3 when a file could not be read."},
                "  safetensors diff model.safetensors model-bf16.safetensors --rtol 0.01",
                "  safetensors diff --json shards/ merged.safetensors | jq .tensors");
        spec.addPositional(CommandModel.positional(0, "A", String.class, () -> a, v -> a = v)
                .description("a safetensors file, an index, a directory of shards, an hf:// or https:// address, or "
                        + "a PyTorch checkpoint").build());
        spec.addPositional(CommandModel.positional(1, "B", String.class, () -> b, v -> b = v)
                .description("the same, compared with A (the reference for --rtol)").build());
        spec.addOption(CommandModel.option("--atol", "X", double.class, () -> atol, v -> atol = v)
                .description("Absolute tolerance (default 0: values must be equal).").build());
        spec.addOption(CommandModel.option("--rtol", "X", double.class, () -> rtol, v -> rtol = v)
                .description("Tolerance relative to |b| (default 0).").build());
        spec.addOption(CommandModel.option("--tensor", "REGEX", Pattern.class, () -> tensor, v -> tensor = v)
                .description("Only the tensors whose name the regular expression finds.").build());
        spec.addOption(CommandModel.flag("--json", () -> json, v -> json = v)
                .description("One JSON object: equal, only_in_a, only_in_b, shape_changed, metadata and per tensor "
                        + "in both dtype, shape, bytes_identical, max_abs, max_rel, outside_tolerance, "
                        + "first_outside.").build());
        spec.addOption(CommandModel.option("--threads", "N", int.class, () -> threads, v -> threads = v)
                .description("Threads reading and comparing (default: one per core).").build());
        decode.addTo(spec);
    }

    @Override
    public Integer call() {
        if (!(atol >= 0) || !(rtol >= 0) || Double.isInfinite(atol) || Double.isInfinite(rtol)) {
            throw new ParameterException(spec.commandLine(), "--atol and --rtol must be finite and at least 0");
        }
        if (threads < 1) {
            throw new ParameterException(spec.commandLine(), "--threads must be at least 1, got " + threads);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Checkpoint ca = null;
        Checkpoint cb = null;
        int status = ExitCode.OK;
        try {
            try {
                ca = Inputs.openAny(a, OpenOptions.defaults());
            } catch (SafeTensorsException | UncheckedIOException | OutOfMemoryError e) {
                err.println("safetensors: " + ErrorLine.of(e, a));
                status = ExitCode.of(e);
            }
            try {
                cb = Inputs.openAny(b, OpenOptions.defaults());
            } catch (SafeTensorsException | UncheckedIOException | OutOfMemoryError e) {
                err.println("safetensors: " + ErrorLine.of(e, b));
                status = Math.max(status, ExitCode.of(e));
            }
            if (ca == null || cb == null) {
                return status;
            }
            CheckpointDiff d = compare(ca, cb);
            if (json) {
                out.println(AsciiJson.of(DiffReport.json(d, a, b)));
            } else {
                DiffReport.print(d, describe(a, ca), describe(b, cb), out);
            }
            out.flush();
            return d.equal() ? ExitCode.OK : ExitCode.NO;
        } catch (SafeTensorsException | UncheckedIOException | OutOfMemoryError e) {
            out.flush();
            err.println("safetensors: " + ErrorLine.of(e, null));
            return ExitCode.of(e);
        } finally {
            if (ca != null) {
                ca.close();
            }
            if (cb != null) {
                cb.close();
            }
        }
    }

    private static String describe(String p, Checkpoint c) {
        return c instanceof ShardedCheckpoint s
                ? p + " (" + c.size() + " tensors in " + s.shards().size() + " shards)"
                : p + " (" + c.size() + (c.size() == 1 ? " tensor)" : " tensors)");
    }

    private CheckpointDiff compare(Checkpoint ca, Checkpoint cb) {
        List<Tensor> inA = CheckpointContents.inFileOrder(ca, tensor);
        Map<String, Tensor> inB = new LinkedHashMap<>();
        CheckpointContents.inFileOrder(cb, tensor).forEach(t -> inB.put(t.name(), t));
        TreeSet<String> namesA = new TreeSet<>(CheckpointContents.NATURAL);
        inA.forEach(t -> namesA.add(t.name()));

        List<Tensor> onlyA = new ArrayList<>();
        List<CheckpointDiff.Pair> pairs = new ArrayList<>();
        List<ValueScan.Job<ValueDiff>> jobs = new ArrayList<>();
        List<Integer> jobOf = new ArrayList<>();
        for (Tensor ta : inA) {
            Tensor tb = inB.get(ta.name());
            if (tb == null) {
                onlyA.add(ta);
                continue;
            }
            String why = null;
            if (!ta.shape().equals(tb.shape())) {
                why = "the shapes differ";
            } else if ((ta.dtype() == DType.C64) != (tb.dtype() == DType.C64)) {
                why = "complex values cannot be compared with real ones";
            } else if (BlockReader.whyNot(ta, decode.packing()) != null || BlockReader.whyNot(tb, decode.packing()) != null) {
                why = Objects.requireNonNullElse(BlockReader.whyNot(ta, decode.packing()),
                        BlockReader.whyNot(tb, decode.packing()));
            }
            if (why == null) {
                jobOf.add(pairs.size());
                jobs.add(ValueDiff.job(ta, tb, decode.packing(), atol, rtol));
            }
            pairs.add(new CheckpointDiff.Pair(ta, tb, why, null));
        }
        List<Tensor> onlyB = new ArrayList<>();
        inB.values().forEach(t -> {
            if (!namesA.contains(t.name())) {
                onlyB.add(t);
            }
        });

        List<ValueDiff> results;
        try (Progress progress = main == null ? Progress.NONE : main.progress("diff", 0, Progress.Unit.BYTES)) {
            results = ValueScan.run(jobs, threads, progress.hook());
        }
        for (int i = 0; i < results.size(); i++) {
            CheckpointDiff.Pair p = pairs.get(jobOf.get(i));
            pairs.set(jobOf.get(i), new CheckpointDiff.Pair(p.a(), p.b(), null, results.get(i)));
        }
        return CheckpointDiff.of(onlyA, onlyB, pairs, CheckpointContents.metadata(ca), CheckpointContents.metadata(cb),
                atol, rtol);
    }
}
