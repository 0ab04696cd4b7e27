package dev.safetensors.cli;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.convert.ConversionCounts;
import dev.safetensors.convert.Overflow;
import dev.safetensors.internal.json.JsonWriter;
import dev.safetensors.torch.ConversionReport;
import dev.safetensors.torch.SkippedEntry;
import dev.safetensors.torch.TorchCheckpoint;
import dev.safetensors.torch.TorchConverter;
import dev.safetensors.torch.TorchOptions;
import dev.safetensors.torch.TorchTensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What the commands do with a PyTorch checkpoint ({@code .bin}, {@code .pt}, {@code .pth}, zip or legacy, or a
 * directory of shards with {@code pytorch_model.bin.index.json}): read by the torch module, which never runs
 * anything from the file. {@code inspect} lists its tensors, {@code validate} gives a verdict,
 * {@code convert} writes safetensors.
 */
final class TorchInput {
    private static final String READ_AS_DATA = "a pickle, read as data: nothing in it was run";

    private TorchInput() {
    }

    /** Whether a command's input is a PyTorch checkpoint rather than safetensors. */
    /** A local PyTorch checkpoint, not a remote address (hf://, https://) nor a safetensors input. */
    static boolean isLocal(String input) {
        return !Inputs.remote(input) && is(Path.of(input));
    }

    static boolean is(Path path) {
        return TorchCheckpoint.looksLikeCheckpoint(path);
    }

    static void inspect(Path path, String label, boolean json, boolean sha256, PrintWriter out)
            throws NoSuchAlgorithmException {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(path)) {
            if (json) {
                out.println(toJson(ckpt, label, sha256));
                return;
            }
            out.println(label);
            out.println("  " + ckpt.format().description() + " (" + READ_AS_DATA + ")" + records(ckpt));
            if (!ckpt.subDict().isEmpty()) {
                out.println("  tensors of sub-dict `" + ckpt.subDict() + "`");
            }
            List<TorchTensor> tensors = ckpt.tensors();
            TensorRows.print(tensors.stream().map(t -> new TensorRows.Row(t.name(), t.dtype(), t.shape(), t.byteSize()))
                    .toList(), tensors.stream().mapToLong(TorchTensor::byteSize).sum(), out);
            ckpt.duplicates().forEach((dropped, kept) -> out.println("  shares storage: " + dropped + " is the same view as "
                    + kept + " (written once)"));
            if (!ckpt.skipped().isEmpty()) {
                out.println("  not tensors (skipped by convert): " + ckpt.skipped().stream().map(SkippedEntry::toString)
                        .collect(Collectors.joining(", ")));
            }
        }
    }

    /** {@code OK (...)}, {@code INVALID <Kind>: ...} or {@code ERROR ...}, as for safetensors files; never throws. */
    static String verdict(Path path) {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(path)) {
            return "OK (" + ckpt.format().description() + ", " + READ_AS_DATA + "; " + ckpt.size() + " tensors"
                    + (ckpt.files().size() > 1 ? " in " + ckpt.files().size() + " files" : "")
                    + (ckpt.skipped().isEmpty() ? "" : ", " + ckpt.skipped().size() + " other entries") + ")";
        } catch (SafeTensorsException e) {
            boolean aboutTarget = e.source() == null || e.source().equals(path.toString());
            return "INVALID " + e.kind() + ": " + (aboutTarget ? e.detail() : e.getMessage());
        } catch (OutOfMemoryError | RuntimeException e) {
            return "ERROR " + ErrorLine.of(e, null);
        }
    }

    /**
     * {@code convert IN OUT} from a checkpoint: one line on {@code out}, what was dropped or skipped on {@code err}.
     *
     * @return for each tensor re-encoded, what left the target's range
     */
    static Map<String, ConversionCounts> convert(Path in, Path target, String subDict, Map<String, String> metadata, DType dtype, Pattern only,
            Overflow overflow, long maxShard, PrintWriter out, PrintWriter err) {
        TorchOptions options = subDict == null ? TorchOptions.defaults() : TorchOptions.defaults().withSubDict(subDict);
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(in, options)) {
            TorchConverter converter = TorchConverter.create().metadata(metadata);
            if (dtype != null) {
                converter.dtype(dtype, overflow, name -> only == null || only.matcher(name).find());
            }
            if (maxShard > 0) {
                converter.maxShardSize(maxShard);
            }
            ConversionReport r = converter.convert(ckpt, target);
            out.printf("%s: wrote %d tensors (%d converted), %,d bytes in %d file(s), from a %s (%s)%n", target,
                    r.tensors(), r.converted(), r.bytes(), r.files().size(), ckpt.format().description(), READ_AS_DATA);
            r.duplicates().forEach((dropped, kept) -> err.println("  not written: " + dropped + ", the same view as "
                    + kept + " (recorded in __metadata__)"));
            if (!r.skipped().isEmpty()) {
                err.println("  skipped, not tensors: " + r.skipped().stream().map(SkippedEntry::toString)
                        .collect(Collectors.joining(", ")));
            }
            return r.counts();
        }
    }

    /**
     * A PyTorch checkpoint as safetensors, for the commands that read every value (stats, diff, report): written
     * once into a fresh temporary directory, opened, and unlinked at once (the open file keeps its bytes until
     * closed), so nothing is left behind however the command ends. Needs free space for one copy in
     * {@code java.io.tmpdir}.
     */
    static Checkpoint asSafetensors(Path in, OpenOptions options) {
        Path dir;
        try {
            dir = Files.createTempDirectory("safetensors-torch-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path file = dir.resolve("model.safetensors");
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(in)) {
            TorchConverter.create().convert(ckpt, file);
            return Checkpoint.open(file, options);
        } finally {
            try {
                Files.deleteIfExists(file);
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                file.toFile().deleteOnExit();   // a system that cannot unlink an open file: at exit then
                dir.toFile().deleteOnExit();
            }
        }
    }

    private static String records(TorchCheckpoint ckpt) {
        if (ckpt.records().isEmpty()) {
            return "";
        }
        return "; " + ckpt.records().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String toJson(TorchCheckpoint ckpt, String label, boolean sha256) throws NoSuchAlgorithmException {
        StringBuilder sb = new StringBuilder("{\"path\": ");
        JsonWriter.appendQuoted(sb, label);
        sb.append(", \"format\": ");
        JsonWriter.appendQuoted(sb, ckpt.format().description());
        sb.append(", \"sub_dict\": ");
        JsonWriter.appendQuoted(sb, ckpt.subDict());
        sb.append(", \"tensors\": {");
        boolean first = true;
        for (TorchTensor t : ckpt.tensors()) {
            sb.append(first ? "" : ", ");
            JsonWriter.appendQuoted(sb, t.name());
            sb.append(": {\"dtype\": \"").append(t.dtype()).append("\", \"shape\": ");
            JsonWriter.appendValue(sb, Arrays.stream(t.shape().dims()).boxed().toList(), JsonWriter.Style.SERDE);
            sb.append(", \"strides\": ");
            JsonWriter.appendValue(sb, Arrays.stream(t.strides()).boxed().toList(), JsonWriter.Style.SERDE);
            sb.append(", \"storage\": ");
            JsonWriter.appendQuoted(sb, t.storageKey());
            sb.append(", \"contiguous\": ").append(t.isContiguous());
            if (sha256) {
                sb.append(", \"sha256\": \"").append(sha256(t)).append('"');
            }
            sb.append('}');
            first = false;
        }
        sb.append("}, \"duplicates\": ");
        JsonWriter.appendValue(sb, ckpt.duplicates(), JsonWriter.Style.SERDE);
        sb.append(", \"skipped\": ");
        JsonWriter.appendValue(sb, ckpt.skipped().stream().map(TorchInput::nameAndType).toList(), JsonWriter.Style.SERDE);
        return sb.append('}').toString();
    }

    private static Map<String, String> nameAndType(SkippedEntry e) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("name", e.name());
        m.put("type", e.type());
        return m;
    }

    /** The SHA-256 of the contiguous bytes, as safetensors will hold them. */
    private static String sha256(TorchTensor t) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try {
            t.data().writeTo(bytes -> md.update(bytes.asByteBuffer()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
