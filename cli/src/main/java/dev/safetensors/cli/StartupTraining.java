package dev.safetensors.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The training run behind the CLI's ahead-of-time cache (cli/aot-cache): the small commands people run most,
 * each once, in one JVM, so that the cache holds the classes they load and link and the profiles of the
 * methods they run. Not a command; its output goes nowhere, and its files go to a temp directory it removes.
 */
final class StartupTraining {
    private StartupTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("safetensors-training-");
        try {
            Path sample = BundledSample.extract();
            Path copy = dir.resolve("sample.safetensors");
            Files.move(sample, copy);
            String file = copy.toString();
            List<String[]> runs = new ArrayList<>(List.of(
                    new String[] {"--help"}, new String[] {"--version"}, new String[] {},
                    new String[] {"inspect"}, new String[] {"inspect", file}, new String[] {"inspect", "--json", file},
                    new String[] {"inspect", file, dir.resolve("missing.safetensors").toString()},
                    new String[] {"validate", file}, new String[] {"validate", dir.toString()},
                    new String[] {"convert", file, dir.resolve("bf16.safetensors").toString(), "--dtype", "bf16",
                            "--metadata", "format=pt"},
                    new String[] {"inspect", dir.resolve("bf16.safetensors").toString()},
                    new String[] {"convert", file, dir.resolve("shards").toString(), "--max-shard-size", "100kB"},
                    new String[] {"extract", file, "conv1.weight", "-o", dir.resolve("w.npy").toString()},
                    new String[] {"validate"}, new String[] {"inspect", "--no-such-option"}, new String[] {"nosuch"}));
            for (String name : Main.commandNames()) {
                runs.add(new String[] {name, "--help"});
            }
            PrintWriter none = new PrintWriter(Writer.nullWriter());
            Terminal.detect();
            for (String[] run : runs) {
                Main.run(run, none, none);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        // The way every command ends (Main.main): Runtime.exit sets up the JDK's logging, trained here too.
        System.exit(0);
    }
}
