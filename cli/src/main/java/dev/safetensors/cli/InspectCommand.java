package dev.safetensors.cli;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.json.JsonWriter;
import dev.safetensors.internal.text.Elide;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.Tensor;
import dev.safetensors.TensorInfo;
import dev.safetensors.cli.tree.NameTree;
import dev.safetensors.cli.tree.TreeText;
import dev.safetensors.hub.SafetensorsMetadata;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code safetensors inspect}: what a file holds. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show the tensors (dtype, shape, size), parameter counts per dtype, total bytes and metadata.",
                "PATH may be a file, an index or a directory of shards (each shard is shown). Every PATH is shown even",
                "when one fails: errors go to stderr, one line each, and the exit status is 1.",
                "For a quantized checkpoint, also each quantized layer's scheme, bits and group size, and the",
                "unquantized model's parameter count (from the index's names when its shards are absent).",
                "With no PATH, inspects a small real checkpoint bundled with the tool.",
                "On a terminal, tensors are shown as a tree of their dotted names, with repeated layers folded into",
                "one row (model.layers.{0..31}); piped, one row per tensor with its full name. --tree and --flat choose."})
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "PATH", arity = "0..*",
            description = "safetensors files, *.safetensors.index.json files or directories of shards, or hf:// and"
                    + " https:// addresses of them (only headers are fetched); or PyTorch checkpoints (read without"
                    + " running them)")
    List<String> paths = new ArrayList<>();

    @Option(names = "--json", description = "One JSON object per file: path, header_size, metadata, tensors.")
    boolean json;

    @Option(names = "--sha256", description = "With --json: add each tensor's SHA-256 (reads every byte).")
    boolean sha256;

    @Option(names = "--tree", description = "Tensors as a tree of their dotted names, repeated layers folded "
            + "(the default on a terminal).")
    boolean tree;

    @Option(names = "--flat", description = "One row per tensor with its full name (the default when piped).")
    boolean flat;

    /** Whether tables are trees: as asked, else on a terminal. */
    private boolean asTree;

    @Override
    public Integer call() throws Exception {
        if (tree && flat) {
            throw new ParameterException(spec.commandLine(), "--tree and --flat exclude each other: choose one");
        }
        asTree = tree || (!flat && main != null && main.terminal().stdout());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
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
        boolean allRead = true;
        for (String p : paths) {
            // One path failing does not hide the others: its error goes to stderr and the exit status says so.
            try {
                inspect(p, p, out);
            } catch (SafeTensorsException | OutOfMemoryError e) {
                if (!json && e instanceof SafeTensorsException && !Inputs.remote(p)) {
                    QuantReport.printFromNames(Path.of(p), out);
                }
                out.flush();
                err.println("safetensors: " + ErrorLine.of(e, p));
                allRead = false;
            }
        }
        out.flush();
        return allRead ? 0 : 1;
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
                out.printf("%s: sharded checkpoint, %,d tensors in %,d shards%s%n", label, c.size(), files.size(),
                        sharded.index().isPresent() ? ", index " + c.description() : ", no index");
                if (!asTree) {   // the tree ends with these counts (and the bytes)
                    // The figure the Hub shows for a model: parameters per dtype over all shards.
                    SafetensorsMetadata m = SafetensorsMetadata.of(c);
                    StringBuilder total = new StringBuilder("  parameters of all shards:");
                    m.parameterCount().forEach((dtype, n) -> total.append(String.format(" %s %,d", dtype, n)));
                    out.println(total.append(String.format("; total %,d", m.totalParameters())));
                }
            }
            if (asTree && !json) {
                printTree(c, files, label, out);
            } else {
                for (SafeTensorsFile f : files) {
                    String name = c instanceof ShardedCheckpoint ? f.description() : label;
                    if (json) {
                        out.println(toJson(f, name));
                    } else {
                        printTable(f, name, out);
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
        out.printf("%sheader %,d bytes, data %,d bytes, %,d tensors%n", lead, f.header().headerSize(),
                f.header().dataSize(), f.size());
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

    private static void printTable(SafeTensorsFile f, String label, PrintWriter out) {
        out.println(label);
        printSizes(f, "  ", out);
        printMetadata(f.metadata().orElse(Map.of()), "  metadata", out);
        TensorRows.print(f.tensors().stream()
                .map(t -> new TensorRows.Row(t.name(), t.dtype(), t.shape(), t.byteSize())).toList(),
                f.header().dataSize(), out);
    }

}
