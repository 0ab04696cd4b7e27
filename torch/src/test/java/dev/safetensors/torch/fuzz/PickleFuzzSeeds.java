package dev.safetensors.torch.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes the seed corpus of {@link PickleFuzzTest} from the fixtures (generated, hostile, real, the plain
 * pickles) of at most 64 KiB. Run from the torch module:
 * {@code java -cp target/test-classes dev.safetensors.torch.fuzz.PickleFuzzSeeds}; the output is committed.
 */
public final class PickleFuzzSeeds {
    private PickleFuzzSeeds() {
    }

    public static void main(String[] args) throws Exception {
        Path resources = Path.of("src/test/resources/dev/safetensors/torch");
        Path out = resources.resolve("fuzz/PickleFuzzTestInputs/fuzz");
        Files.createDirectories(out);
        for (String dir : List.of("generated", "generated/sharded", "hostile", "real", "pickle")) {
            try (Stream<Path> s = Files.list(resources.resolve(dir))) {
                for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                    String name = p.getFileName().toString();
                    if (Files.size(p) <= 64 * 1024 && !name.endsWith(".tsv") && !name.endsWith(".txt")
                            && !name.endsWith(".json")) {
                        seed(out, Files.readAllBytes(p));
                    }
                }
            }
        }
    }

    private static void seed(Path dir, byte[] content) throws IOException, java.security.NoSuchAlgorithmException {
        String name = "seed-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(content));
        Files.write(dir.resolve(name), content);
    }
}
