package dev.safetensors.cli;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.ReadStrategy;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.ShardedCheckpoint;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/** {@code safetensors validate}: one verdict line per file, index and shard set. */
final class ValidateCommand implements Callable<Integer> {
    /** Validation reads headers only: positional reads, no mapping per file. */
    private static final OpenOptions OPTIONS = OpenOptions.defaults().withStrategy(ReadStrategy.PREAD);
    final CommandSpec spec;
    List<String> paths;

    ValidateCommand() {
        spec = CommandModel.command("validate", this, new String[] {
                "Check files against the format rules, as strictly as the reference implementation.",
                "",
                "PATH is a file, a *.safetensors.index.json (checked against its shards both ways), or a directory,",
                "searched recursively for *.safetensors files, indexes and sets of numbered shards. Prints",
                "'PATH: OK (...)', 'PATH: INVALID <Kind>: <message>' or, when PATH could not be read (missing, no",
                "permission, out of memory), 'PATH: ERROR <message>', one line each, and goes on with the next.",
                "",
                "Exit status: 0 when every file is valid; 1 when any is invalid, or a directory holds no",
                "safetensors files; 2 for a usage error; 3 when any could not be read."},
                "  safetensors validate model.safetensors",
                "  safetensors validate ~/models/           # every file, index and shard set below it",
                "  safetensors validate hf://openai-community/gpt2/model.safetensors");
        spec.addPositional(CommandModel.positionals("1..*", "PATH", String.class, () -> paths, v -> paths = v)
                .description("files, indexes or directories; or hf:// and https:// addresses (headers are "
                        + "fetched)").build());
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int status = ExitCode.OK;
        for (String p : paths) {
            // A PyTorch checkpoint (a file, an index, a directory of .bin shards) is one target.
            List<String> targets = TorchInput.isLocal(p) ? List.of(p) : Inputs.toValidate(p);
            if (targets.isEmpty()) {
                // An empty answer would read as "all valid" to a script: nothing checked is a "no".
                out.println(ErrorLine.oneLine(p + ": no safetensors files found"));
                status = ExitCode.worst(status, ExitCode.NO);
            }
            for (String target : targets) {
                String verdict = verdict(target);
                out.println(ErrorLine.oneLine(target + ": " + verdict));
                status = ExitCode.worst(status, verdict.startsWith("OK") ? ExitCode.OK
                        : verdict.startsWith("ERROR") ? ExitCode.IO : ExitCode.NO);
            }
        }
        out.flush();
        return status;
    }

    /**
     * {@code INVALID <Kind>: <what>} for a file that breaks the rules; {@code ERROR IoError: <what>} for one that
     * could not be read (missing, no permission, a network failure), which is no verdict on the file. The target
     * is named once: only a failure in another file (a shard) names that file.
     */
    static String failed(SafeTensorsException e, String target) {
        boolean aboutTarget = e.source() == null || e.source().equals(target);
        return (e.kind() == SafeTensorsException.Kind.IoError ? "ERROR " : "INVALID ") + e.kind() + ": "
                + (aboutTarget ? e.detail() : e.getMessage());
    }

    /** {@code OK (...)}, {@code INVALID <Kind>: ...} or {@code ERROR ...}; never throws, so the run goes on. */
    private static String verdict(String target) {
        if (TorchInput.isLocal(target)) {
            return TorchInput.verdict(Path.of(target));
        }
        try (Checkpoint c = Inputs.open(target, OPTIONS)) {
            return c instanceof ShardedCheckpoint s
                    ? "OK (" + Plural.of(c.size(), "tensor") + " in " + Plural.of(s.shards().size(), "shard") + ")"
                    : "OK (" + Plural.of(c.size(), "tensor") + ")";
        } catch (SafeTensorsException e) {
            return failed(e, target);
        } catch (OutOfMemoryError | RuntimeException e) {
            return "ERROR " + ErrorLine.of(e, null);
        }
    }
}
