package dev.safetensors.cli;

import dev.safetensors.OpenOptions;
import dev.safetensors.ReadStrategy;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code safetensors validate}: one verdict line per file. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check files against the format rules, as strictly as the reference implementation.",
                "Prints `PATH: OK (N tensors)` or `PATH: INVALID <Kind>: <message>` per file.",
                "Directories are searched recursively for *.safetensors.",
                "Exit status: 0 all valid, 1 any invalid, 2 usage error."})
final class ValidateCommand implements Callable<Integer> {
    /** Validation reads headers only: positional reads, no mapping per file. */
    private static final OpenOptions OPTIONS = OpenOptions.defaults().withStrategy(ReadStrategy.PREAD);

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "files or directories")
    List<Path> paths;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        boolean allValid = true;
        for (Path p : paths) {
            for (Path file : expand(p)) {
                allValid &= validate(file, out);
            }
        }
        out.flush();
        return allValid ? 0 : 1;
    }

    private static List<Path> expand(Path p) {
        if (!Files.isDirectory(p) || TorchInput.is(p)) {   // a directory of PyTorch shards is one checkpoint
            return List.of(p);
        }
        try (Stream<Path> walk = Files.walk(p)) {
            return walk.filter(f -> f.getFileName().toString().endsWith(".safetensors") && !Files.isDirectory(f))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return new ArrayList<>(List.of(p));
        }
    }

    private static boolean validate(Path file, PrintWriter out) {
        if (TorchInput.is(file)) {
            return TorchInput.validate(file, out);
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(file, OPTIONS)) {
            out.println(file + ": OK (" + f.size() + " tensors)");
            return true;
        } catch (SafeTensorsException e) {
            out.println(file + ": INVALID " + e.kind() + ": " + e.detail());
            return false;
        }
    }
}
