package dev.safetensors.cli;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.Tensor;
import dev.safetensors.TensorInfo;
import dev.safetensors.cli.text.Units;
import dev.safetensors.cli.tree.NameTree;
import dev.safetensors.cli.tree.TreeText;
import dev.safetensors.hub.SafetensorsMetadata;
import dev.safetensors.internal.json.JsonWriter;
import dev.safetensors.internal.text.Elide;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code safetensors inspect}: what a file holds. */
final class InspectCommand implements Callable<Integer> {
    final CommandSpec spec;
    private final Main main;
    List<String> paths = new ArrayList<>();
    boolean json;
    boolean sha256;
    boolean tree;
    boolean flat;

    InspectCommand(Main main) {
        this.main = main;
        spec = CommandModel.command("inspect", this, new String[] {
                "Show the tensors (dtype, shape, size), parameter counts per dtype, total bytes and metadata.",
                "",
                "PATH may be a file, an index or a directory of shards (each shard is shown). Every PATH is shown even",
                "when one fails: errors go to stderr, one line each, and the exit status says the worst (1 for an",
                "invalid file, 3 for one that could not be read). With no PATH, inspects a small real checkpoint",
                "bundled with the tool. For a quantized checkpoint, also each quantized layer's scheme, bits and",
                "group size, and the unquantized model's parameter count (from the index's names when its shards",
                "are absent). On a terminal, tensors are shown as a tree of their dotted names, with",
                "repeated layers folded into one row (model.layers.{0..31}); piped, one row per tensor with its full",
                "name. --tree and --flat choose."},
                "  safetensors inspect model.safetensors",
                "  safetensors inspect --flat --sha256 model.safetensors",
                "  safetensors inspect --json shards/ | jq '.tensors | keys | length'",
                "  safetensors inspect hf://openai-community/gpt2/model.safetensors");
        spec.addPositional(CommandModel.positionals("0..*", "PATH", String.class, () -> paths, v -> paths = v)
                .description("safetensors files, *.safetensors.index.json files or directories of shards, or hf://"
                        + " and https:// addresses of them (only headers are fetched); or PyTorch checkpoints (read"
                        + " without running them)").build());
        spec.addOption(CommandModel.flag("--json", () -> json, v -> json = v)
                .description("One JSON object per file: path, header_size, metadata, tensors.").build());
        spec.addOption(CommandModel.flag("--sha256", () -> sha256, v -> sha256 = v)
                .description("Add each tensor's SHA-256 (reads every byte): a column of the flat table, or a field"
                        + " with --json.").build());
        spec.addOption(CommandModel.flag("--tree", () -> tree, v -> tree = v)
                .description("Tensors as a tree of their dotted names, repeated layers folded (the default on a"
                        + " terminal).").build());
        spec.addOption(CommandModel.flag("--flat", () -> flat, v -> flat = v)
                .description("One row per tensor with its full name (the default when piped).").build());
    }

    /** Whether tables are trees: as asked, else on a terminal. */
    private boolean asTree;

    @Override
    public Integer call() throws Exception {
        if (tree && flat) {
            throw new ParameterException(spec.commandLine(), "--tree and --flat exclude each other: choose one");
        }
        asTree = tree || (!flat && main != null && main.terminal().stdout());
        PrintWriter out = spec.commandLine().getOut();
        if (sha256 && tree) {
            throw new ParameterException(spec.commandLine(), "--sha256 shows a digest per tensor, which the tree folds "
                    + "away; use --flat or --json");
        }
        if (sha256 && !json) {
            asTree = false;   // digests are per tensor: the flat table, even on a terminal
        }
        if (paths.isEmpty()) {
            Path sample = BundledSample.extract();
            try {
                inspect(sample.toString(), BundledSample.NAME + " (bundled sample)", out);
            } finally {
                Files.deleteIfExists(sample);
            }
            out.flush();
            return 0;
        }
        int status = ExitCode.OK;
        for (String p : paths) {
            // One path failing does not hide the others: its error goes to stderr and the exit status says so.
            try {
                inspect(p, p, out);
            } catch (SafeTensorsException | OutOfMemoryError e) {
                if (!json && e instanceof SafeTensorsException && !Inputs.remote(p)) {
                    QuantReport.printFromNames(Path.of(p), out);
                }
                out.flush();
                status = ExitCode.worst(status, main.failed(e, p));
            }
        }
        out.flush();
        return status;
    }

    /** A file as {@code label}; an index or a directory of shards as a summary line, then each shard. */
    private void inspect(String input, String label, PrintWriter out) throws NoSuchAlgorithmException {
        if (TorchInput.isLocal(input)) {
            TorchInput.inspect(Path.of(input), label, json, sha256, out);
            return;
        }
        try (Checkpoint c = Inputs.open(input, OpenOptions.defaults())) {
            List<SafeTensorsFile> files = Inputs.files(c);
            if (c instanceof ShardedCheckpoint sharded && !json) {
                out.println(label + ": sharded checkpoint, " + Plural.of(c.size(), "tensor") + " in "
                        + Plural.of(files.size(), "shard")
                        + (sharded.index().isPresent() ? ", index " + c.description() : ", no index"));
                if (!asTree) {   // the tree ends with these counts (and the bytes)
                    // The figure the Hub shows for a model: parameters per dtype over all shards.
                    SafetensorsMetadata m = SafetensorsMetadata.of(c);
                    StringBuilder total = new StringBuilder("  parameters of all shards:");
                    m.parameterCount().forEach((dtype, n) -> total.append(' ').append(dtype).append(' ')
                            .append(Units.grouped(n)));
                    out.println(total.append("; total ").append(Units.grouped(m.totalParameters())));
                }
            }
            if (asTree && !json) {
                printTree(c, files, label, out);
            } else {
                for (SafeTensorsFile f : files) {
                    String name = c instanceof ShardedCheckpoint ? f.description() : label;
                    if (json) {
                        out.println(AsciiJson.of(toJson(f, name)));
                    } else {
                        printTable(f, name, sha256, out);
                    }
                }
            }
            if (!json && !Inputs.remote(input)) {   // a remote checkpoint's configs are not fetched
                QuantReport.print(c, Path.of(input), out);
            }
        }
    }

    private String toJson(SafeTensorsFile f, String label) throws NoSuchAlgorithmException {
        StringBuilder sb = new StringBuilder("{\"path\": ");
        JsonWriter.appendQuoted(sb, label);
        sb.append(", \"header_size\": ").append(f.header().headerSize()).append(", \"metadata\": ");
        if (f.metadata().isEmpty()) {
            sb.append("null");
        } else {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, String> e : f.metadata().get().entrySet()) {
                sb.append(first ? "" : ", ");
                JsonWriter.appendQuoted(sb, e.getKey());
                sb.append(": ");
                JsonWriter.appendQuoted(sb, e.getValue());
                first = false;
            }
            sb.append('}');
        }
        sb.append(", \"tensors\": {");
        boolean first = true;
        for (Tensor t : f.tensors()) {
            sb.append(first ? "" : ", ");
            JsonWriter.appendQuoted(sb, t.name());
            sb.append(": {\"dtype\": \"").append(t.dtype()).append("\", \"shape\": [");
            for (int d = 0; d < t.shape().rank(); d++) {
                sb.append(d == 0 ? "" : ", ").append(Long.toUnsignedString(t.shape().dim(d)));
            }
            sb.append("], \"data_offsets\": [").append(t.info().begin()).append(", ").append(t.info().end()).append(']');
            if (sha256) {
                sb.append(", \"sha256\": \"").append(sha256(t)).append('"');
            }
            sb.append('}');
            first = false;
        }
        return sb.append("}}").toString();
    }

    /** Through a copy-out, not a view: a file changed underneath is an IoError, not a fault. */
    static String sha256(Tensor t) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try {
            t.slice().writeTo(new java.nio.channels.WritableByteChannel() {
                @Override
                public int write(java.nio.ByteBuffer src) {
                    int n = src.remaining();
                    md.update(src);
                    return n;
                }

                @Override
                public boolean isOpen() {
                    return true;
                }

                @Override
                public void close() {
                }
            });
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);    // the digest channel never fails
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * The whole checkpoint as one tree: a file's header line and metadata, or for a sharded checkpoint a line per
     * shard, then the tree of every tensor, then the parameters per dtype.
     */
    private void printTree(Checkpoint c, List<SafeTensorsFile> files, String label, PrintWriter out) {
        List<TensorInfo> infos = new ArrayList<>();
        if (c instanceof ShardedCheckpoint) {
            for (SafeTensorsFile f : files) {
                printSizes(f, "  " + f.description() + ": ", out);
            }
        } else {
            out.println(label);
            printSizes(files.get(0), "  ", out);
        }
        printMetadata(CheckpointContents.metadata(c), files.size() > 1 ? "  metadata of the shards" : "  metadata", out);
        Map<DType, Long> params = new EnumMap<>(DType.class);
        long bytes = 0;
        for (SafeTensorsFile f : files) {
            for (Tensor t : f.tensors()) {
                infos.add(t.info());
                params.merge(t.dtype(), t.elementCount(), Long::sum);
            }
            bytes += f.header().dataSize();
        }
        TreeText.print(NameTree.of(infos), main == null || main.terminal().unicode(), "  ", out);
        TensorRows.printParameters(params, bytes, out);
    }

    private static void printSizes(SafeTensorsFile f, String lead, PrintWriter out) {
        out.println(lead + "header " + Plural.of(f.header().headerSize(), "byte") + ", data "
                + Plural.of(f.header().dataSize(), "byte") + ", " + Plural.of(f.size(), "tensor"));
    }

    private static void printMetadata(Map<String, String> metadata, String title, PrintWriter out) {
        if (metadata.isEmpty()) {
            out.println(title + ": none");
        } else {
            out.println(title + ":");
            metadata.forEach((k, v) -> out.println("    " + JsonWriter.quote(Elide.text(k)) + ": "
                    + JsonWriter.quote(Elide.text(v, 120))));
        }
    }

    private static void printTable(SafeTensorsFile f, String label, boolean sha256, PrintWriter out)
            throws NoSuchAlgorithmException {
        out.println(label);
        printSizes(f, "  ", out);
        printMetadata(f.metadata().orElse(Map.of()), "  metadata", out);
        List<TensorRows.Row> rows = new ArrayList<>();
        for (Tensor t : f.tensors()) {
            rows.add(new TensorRows.Row(t.name(), t.dtype(), t.shape(), t.byteSize(), sha256 ? sha256(t) : null));
        }
        TensorRows.print(rows,
                f.header().dataSize(), out);
    }

}
