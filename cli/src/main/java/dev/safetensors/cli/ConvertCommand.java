package dev.safetensors.cli;

import dev.safetensors.DType;
import dev.safetensors.OpenOptions;
import dev.safetensors.Checkpoint;
import dev.safetensors.ShardIndex;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.ShardedWriter;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.convert.Conversion;
import dev.safetensors.convert.ConversionCounts;
import dev.safetensors.convert.Overflow;
import dev.safetensors.convert.SubBytePacking;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code safetensors convert}: rewrite a file through the streaming writer. */
final class ConvertCommand implements Callable<Integer> {
    final CommandSpec spec;
    private final Main main;
    String in;
    Path out;
    List<String> metadata = List.of();
    DType dtype;
    Pattern only;
    String maxShardSize;
    String subDict;
    Overflow overflow;

    ConvertCommand(Main main) {
        this.main = main;
        spec = CommandModel.command("convert", this, new String[] {
                "Rewrite a checkpoint as a new safetensors file, re-encoding or re-sharding it on the way.",
                "",
                "The output is written as the reference writer writes it (canonical order, padding, sorted metadata),",
                "through a temp file that replaces OUT only when complete, so IN may equal OUT. The shards of a",
                "sharded IN are merged, or OUT is sharded with --max-shard-size. With --dtype, floating tensors are",
                "re-encoded and stderr says how many values left the target's range (F6 is kept as it is: its bit",
                "packing is not agreed on). OUT '-' writes the file to standard output. A progress bar shows on a",
                "terminal."},
                "  safetensors convert model.safetensors model-bf16.safetensors --dtype bf16",
                "  safetensors convert model.safetensors fp8.safetensors --dtype F8_E4M3 --only 'proj\\.weight$'",
                "  safetensors convert model.safetensors sharded/ --max-shard-size 2GB",
                "  safetensors convert sharded/ merged.safetensors --metadata format=pt");
        spec.addPositional(CommandModel.positional(0, "IN", String.class, () -> in, v -> in = v)
                .description("input: a safetensors file, a *.safetensors.index.json, or a directory of shards; an "
                        + "hf:// or https:// address of one; or a PyTorch checkpoint (.bin, .pt, .pth, a "
                        + "pytorch_model.bin.index.json or a directory of .bin shards), read without running any of "
                        + "it").build());
        spec.addPositional(CommandModel.positional(1, "OUT", Path.class, () -> out, v -> out = v)
                .description("output safetensors file, '-' for standard output, or a directory with "
                        + "--max-shard-size").build());
        spec.addOption(CommandModel.repeatable("--metadata", "KEY=VALUE", String.class,
                () -> metadata, v -> metadata = v)
                .description("Add or replace a metadata entry (repeatable).").build());
        spec.addOption(CommandModel.option("--dtype", "DTYPE", DType.class,
                () -> dtype, v -> dtype = v)
                .converters(new DTypeNames.ConvertTarget()).completionCandidates(new DTypeNames.ConvertTarget())
                .description("Re-encode floating tensors as ${COMPLETION-CANDIDATES} (any case; fp16, bfloat16 and "
                        + "PyTorch's names too), rounding to nearest even once, as NumPy does. Other tensors are "
                        + "kept.").build());
        spec.addOption(CommandModel.option("--only", "REGEX", Pattern.class, () -> only, v -> only = v)
                .description("With --dtype: convert only tensors whose name matches.").build());
        spec.addOption(CommandModel.option("--max-shard-size", "SIZE", String.class,
                () -> maxShardSize, v -> maxShardSize = v)
                .description("Write OUT as a directory of shards of at most SIZE tensor bytes each (5GB, 500MiB, "
                        + "...), with model.safetensors.index.json, as transformers' save_pretrained does.").build());
        spec.addOption(CommandModel.option("--sub-dict", "PATH", String.class, () -> subDict, v -> subDict = v)
                .description("PyTorch input: the entry that holds the tensors, a key of the top-level dict (dotted "
                        + "for deeper ones; \"\" for everything). By default state_dict, model_state_dict, model or "
                        + "module when the top level holds no tensor itself.").build());
        spec.addOption(CommandModel.option("--overflow", "MODE", Overflow.class, () -> overflow, v -> overflow = v)
                .description("With --dtype, finite values beyond the target's range: NON_SATURATING (Inf, as PyTorch "
                        + "and NumPy cast; the default for F16, BF16, F32, F8_E5M2; NaN in targets without Inf) or "
                        + "SATURATE (clamp to +-max; the default for F8_E4M3 and the FNUZ types). Inf stays Inf, or "
                        + "becomes NaN where the target has none; NaN stays NaN. Counts are reported on "
                        + "stderr.").build());
    }

    @Override
    public Integer call() throws Exception {
        Map<String, String> extra = new LinkedHashMap<>();
        for (String kv : metadata) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new ParameterException(spec.commandLine(), "--metadata needs KEY=VALUE, got `" + kv + "`");
            }
            extra.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        if (overflow != null && dtype == null) {
            throw new ParameterException(spec.commandLine(), "--overflow applies to --dtype conversion; add --dtype");
        }
        if (only != null && dtype == null) {
            throw new ParameterException(spec.commandLine(), "--only chooses the tensors --dtype converts; add --dtype");
        }
        boolean toStdout = out.toString().equals("-");
        if (toStdout && maxShardSize != null) {
            throw new ParameterException(spec.commandLine(), "--max-shard-size writes a directory of shards; "
                    + "OUT cannot be '-' (standard output)");
        }
        long maxShard = 0;
        if (maxShardSize != null) {
            try {
                maxShard = ShardedWriter.parseSize(maxShardSize);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            // Below one byte there is no shard to write: say so, rather than write OUT as one file.
            if (maxShard < 1) {
                throw new ParameterException(spec.commandLine(), "--max-shard-size `" + maxShardSize
                        + "` is less than one byte; give a size such as 5GB or 500MiB");
            }
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new ParameterException(spec.commandLine(), "with --max-shard-size, OUT is a directory of shards, "
                        + "but `" + out + "` is a file");
            }
        }
        if (TorchInput.isLocal(in)) {
            if (toStdout) {
                throw new ParameterException(spec.commandLine(), "a PyTorch checkpoint converts into a file or a "
                        + "directory; OUT cannot be '-' (standard output)");
            }
            Overflow mode = dtype == null ? null : overflow != null ? overflow : Overflow.defaultFor(dtype);
            Map<String, ConversionCounts> counts = TorchInput.convert(Path.of(in), out, subDict, extra, dtype, only, mode,
                    maxShard, main.progress("convert", 0, Progress.Unit.BYTES), spec.commandLine().getOut(),
                    spec.commandLine().getErr());
            if (dtype != null) {
                reportOutOfRange(counts, mode);
            }
            return 0;
        }
        try (Checkpoint ckpt = Inputs.open(in, OpenOptions.defaults())) {
            Optional<Map<String, String>> inputMetadata = ckpt instanceof ShardedCheckpoint sharded
                    ? sharded.shards().get(0).metadata()
                    : ckpt.metadata();
            Map<String, String> merged = null;
            if (inputMetadata.isPresent() || !extra.isEmpty()) {
                merged = new LinkedHashMap<>(inputMetadata.orElse(Map.of()));
                merged.putAll(extra);
            }
            SafeTensorsWriter single = SafeTensorsWriter.create().metadata(merged);
            ShardedWriter sharded = maxShard > 0 ? ShardedWriter.create(maxShard).shardMetadata(merged) : null;
            int converted = 0;
            long bytes = 0;
            Overflow mode = dtype == null ? null : overflow != null ? overflow : Overflow.defaultFor(dtype);
            Map<String, ConversionCounts> counts = new LinkedHashMap<>();
            Progress bar = main.progress("convert", 0, Progress.Unit.BYTES);
            for (String name : ckpt.names()) {
                Tensor t = ckpt.tensor(name);
                boolean convert = converts(t);
                DType target = convert ? dtype : t.dtype();
                TensorData data = convert
                        ? Conversion.of(t, dtype, mode, SubBytePacking.DEFAULT,
                                counts.computeIfAbsent(name, n -> new ConversionCounts()))
                        : TensorData.of(t.data());
                data = bar.counting(data);
                bytes += byteSize(target, t.shape());
                if (sharded != null) {
                    sharded.add(name, target, t.shape(), data);
                } else {
                    single.add(name, target, t.shape(), data);
                }
                converted += convert ? 1 : 0;
            }
            bar.addToTotal(bytes);
            // Written to standard output, the file is the output: the report goes to stderr.
            PrintWriter o = toStdout ? spec.commandLine().getErr() : spec.commandLine().getOut();
            String wrote = "wrote " + Plural.of(ckpt.size(), "tensor") + " (" + converted + " converted)";
            try (bar) {
                if (sharded != null) {
                    Files.createDirectories(out);
                    Optional<ShardIndex> index = sharded.write(out, "model");
                    bar.close();
                    o.printf("%s: %s in %s%n", out, wrote, Plural.of(index.map(i -> i.shards().size()).orElse(1), "shard"));
                } else if (toStdout) {
                    OutputStream stdout = main.stdout(spec.commandLine().getOut());
                    single.write(Channels.newChannel(stdout));
                    stdout.flush();
                    bar.close();
                    o.printf(Locale.ROOT, "-: %s, %,d bytes%n", wrote, single.fileSize());
                } else {
                    single.write(out);
                    bar.close();
                    o.printf(Locale.ROOT, "%s: %s, %,d bytes%n", out, wrote, Files.size(out));
                }
            }
            if (dtype != null) {
                reportOutOfRange(counts, mode);
            }
        }
        return 0;
    }

    /**
     * On stderr, how many values left the target's range (overflowed to Inf, saturated, became NaN), and in
     * which tensors: a cast that changes values beyond rounding is never silent.
     */
    private void reportOutOfRange(Map<String, ConversionCounts> counts, Overflow mode) {
        long values = 0;
        long overflowed = 0;
        long saturated = 0;
        long nan = 0;
        List<String> worst = new ArrayList<>();
        for (Map.Entry<String, ConversionCounts> e : counts.entrySet()) {
            ConversionCounts c = e.getValue();
            values += c.values();
            overflowed += c.overflowed();
            saturated += c.saturated();
            nan += c.becameNaN();
            if (c.outOfRange() > 0) {
                worst.add(e.getKey());
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "safetensors: converted %,d values to %s (%s): %,d out of range: %,d overflowed to infinity, "
                        + "%,d saturated, %,d became NaN", values, dtype, mode, overflowed + saturated + nan, overflowed,
                saturated, nan));
        if (!worst.isEmpty()) {
            worst.sort(Comparator.comparingLong((String n) -> counts.get(n).outOfRange()).reversed());
            line.append("; in ");
            for (int i = 0; i < Math.min(3, worst.size()); i++) {
                line.append(i == 0 ? "" : ", ").append('`').append(worst.get(i)).append("` (")
                        .append(String.format(Locale.ROOT, "%,d", counts.get(worst.get(i)).outOfRange())).append(')');
            }
            if (worst.size() > 3) {
                line.append(String.format(Locale.ROOT, " and %,d more tensors", worst.size() - 3));
            }
        }
        err.println(ErrorLine.oneLine(line.toString()));
    }

    /** The bytes a tensor of {@code dtype} and {@code shape} takes (sub-byte dtypes packed). */
    static long byteSize(DType dtype, Shape shape) {
        return Math.ceilDiv(Math.multiplyExact(shape.elementCount(), (long) dtype.bits()), 8);
    }

    /** F6 has no agreed packing (docs/format.md#sub-byte), so it is kept as is rather than guessed. */
    private boolean converts(Tensor t) {
        return dtype != null && Conversion.isFloating(t.dtype()) && t.dtype() != dtype
                && t.dtype() != DType.F6_E2M3 && t.dtype() != DType.F6_E3M2
                && (only == null || only.matcher(t.name()).find());
    }
}
