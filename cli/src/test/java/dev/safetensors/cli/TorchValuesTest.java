package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * stats, diff and report on PyTorch checkpoints (the torch module's fixtures, written by real PyTorch through
 * torch/src/test/python/make_fixtures.py): read through a temporary safetensors copy that is gone afterwards.
 */
class TorchValuesTest {
    @TempDir
    Path dir;

    /** dtypes.pt holds {@code scalar = torch.tensor(7.25)} and {@code empty = torch.zeros(0, 4)}. */
    @Test
    void statsOfAPickleAreTheValuesPyTorchWrote() throws IOException {
        long before = leftovers();
        Cli r = Cli.run("stats", "--json", "--tensor", "^(scalar|empty)$", Cli.torchFixture("generated/dtypes.pt").toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"scalar\": {\"dtype\": \"F32\", \"shape\": [], \"count\": 1, \"min\": 7.25, "
                + "\"max\": 7.25, \"mean\": 7.25, \"std\": 0.0", "\"empty\": {\"dtype\": \"F32\", \"shape\": [0, 4], \"count\": 0");
        assertThat(leftovers()).isEqualTo(before);
    }

    /** A sharded PyTorch checkpoint against its own safetensors conversion: the same values, so exit 0. */
    @Test
    void diffOfAPickleAndItsConversionIsEqual() {
        Path sharded = Cli.torchFixture("generated/sharded");
        Path converted = dir.resolve("converted");
        assertThat(Cli.run("convert", sharded.toString(), converted.toString()).exitCode()).isZero();
        Cli r = Cli.run("diff", sharded.toString(), converted.toString());
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("5 tensors");

        Cli report = Cli.run("report", sharded.toString(), "-o", "-");
        assertThat(report.exitCode()).as(report.err()).isZero();
        assertThat(report.out()).contains("layer.0.weight", "layer.1.weight");
    }

    /** The temporary copies a conversion for reading leaves in java.io.tmpdir (none once the command is done). */
    private static long leftovers() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("safetensors-torch-")).count();
        }
    }
}
