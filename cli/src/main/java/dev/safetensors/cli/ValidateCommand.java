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
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code safetensors validate}: one verdict line per file, index and shard set. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check files against the format rules, as strictly as the reference implementation.",
                "PATH is a file, a *.safetensors.index.json (checked against its shards both ways), or a directory,",
                "searched recursively for *.safetensors files, indexes and sets of numbered shards.",
                "Prints `PATH: OK (...)`, `PATH: INVALID <Kind>: <message>` or, when PATH could not be checked",
                "(out of memory, say), `PATH: ERROR <message>`, one line each, and goes on with the next.",
                "Exit status: 0 all valid, 1 any invalid or not checked, 2 usage error."})
final class ValidateCommand implements Callable<Integer> {
    /** Validation reads headers only: positional reads, no mapping per file. */
    private static final OpenOptions OPTIONS = OpenOptions.defaults().withStrategy(ReadStrategy.PREAD);

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PATH", arity = "1..*",
            description = "files, indexes or directories; or hf:// and https:// addresses (headers are fetched)")
    List<String> paths;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        boolean allValid = true;
        for (String p : paths) {
            // A PyTorch checkpoint (a file, an index, a directory of .bin shards) is one target.
            for (String target : TorchInput.isLocal(p) ? List.of(p) : Inputs.toValidate(p)) {
                String verdict = verdict(target);
                out.println(ErrorLine.oneLine(target + ": " + verdict));
                allValid &= verdict.startsWith("OK");
            }
        }
        out.flush();
        return allValid ? 0 : 1;
    }

    /** {@code OK (...)}, {@code INVALID <Kind>: ...} or {@code ERROR ...}; never throws, so the run goes on. */
    private static String verdict(String target) {
        if (TorchInput.isLocal(target)) {
            return TorchInput.verdict(Path.of(target));
        }
        try (Checkpoint c = Inputs.open(target, OPTIONS)) {
            return c instanceof ShardedCheckpoint s
                    ? "OK (" + c.size() + " tensors in " + s.shards().size() + " shards)"
                    : "OK (" + c.size() + " tensors)";
        } catch (SafeTensorsException e) {
            boolean aboutTarget = e.source() == null || e.source().equals(target);
            return "INVALID " + e.kind() + ": " + (aboutTarget ? e.detail() : e.getMessage());
        } catch (OutOfMemoryError | RuntimeException e) {
            return "ERROR " + ErrorLine.of(e, null);
        }
    }
}
