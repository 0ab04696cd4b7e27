package dev.safetensors.cli;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.json.JsonWriter;
import dev.safetensors.internal.text.Elide;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.Tensor;
import dev.safetensors.hub.SafetensorsMetadata;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code safetensors inspect}: what a file holds. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show the tensors (dtype, shape, size), parameter counts per dtype, total bytes and metadata.",
                "",
                "PATH may be a file, an index or a directory of shards (each shard is shown). Every PATH is shown even",
                "when one fails: errors go to stderr, one line each, and the exit status says the worst (1 for an",
                "invalid file, 3 for one that could not be read). With no PATH, inspects a small real checkpoint",
                "bundled with the tool."},
        footerHeading = "%nExamples:%n",
        footer = {"  safetensors inspect model.safetensors",
                "  safetensors inspect --sha256 model.safetensors",
                "  safetensors inspect --json shards/ | jq '.tensors | keys | length'",
                "  safetensors inspect hf://openai-community/gpt2/model.safetensors"})
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

    @Option(names = "--sha256", description = "Add each tensor's SHA-256 (reads every byte): a column of the table, or a "
            + "field with --json.")
    boolean sha256;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
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
                out.printf(Locale.ROOT, "%s: sharded checkpoint, %s in %s%s%n", label, Plural.of(c.size(), "tensor"),
                        Plural.of(files.size(), "shard"),
                        sharded.index().isPresent() ? ", index " + c.description() : ", no index");
                // The figure the Hub shows for a model: parameters per dtype over all shards.
                SafetensorsMetadata m = SafetensorsMetadata.of(c);
                StringBuilder total = new StringBuilder("  parameters of all shards:");
                m.parameterCount().forEach((dtype, n) -> total.append(String.format(" %s %,d", dtype, n)));
                out.println(total.append(String.format("; total %,d", m.totalParameters())));
            }
            for (SafeTensorsFile f : files) {
                String name = c instanceof ShardedCheckpoint ? f.description() : label;
                if (json) {
                    out.println(toJson(f, name));
                } else {
                    printTable(f, name, sha256, out);
                }
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
                sb.append(", \"sha256\": \"").append(sha256(t.data())).append('"');
            }
            sb.append('}');
            first = false;
        }
        return sb.append("}}").toString();
    }

    static String sha256(MemorySegment bytes) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long chunk = 1 << 26;
        for (long off = 0; off < bytes.byteSize(); off += chunk) {
            md.update(bytes.asSlice(off, Math.min(chunk, bytes.byteSize() - off)).asByteBuffer());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void printTable(SafeTensorsFile f, String label, boolean sha256, PrintWriter out)
            throws NoSuchAlgorithmException {
        out.println(label);
        out.printf(Locale.ROOT, "  header %s, data %s, %s%n", Plural.of(f.header().headerSize(), "byte"),
                Plural.of(f.header().dataSize(), "byte"), Plural.of(f.size(), "tensor"));
        if (f.metadata().isEmpty()) {
            out.println("  metadata: none");
        } else {
            out.println("  metadata:");
            f.metadata().get().forEach((k, v) -> out.println("    " + JsonWriter.quote(Elide.text(k)) + ": "
                    + JsonWriter.quote(Elide.text(v, 120))));
        }
        List<TensorRows.Row> rows = new ArrayList<>();
        for (Tensor t : f.tensors()) {
            rows.add(new TensorRows.Row(t.name(), t.dtype(), t.shape(), t.byteSize(), sha256 ? sha256(t.data()) : null));
        }
        TensorRows.print(rows, f.header().dataSize(), out);
    }

}
