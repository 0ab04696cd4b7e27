package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.SafeTensorsFile;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** convert, inspect and validate on PyTorch checkpoints (the torch module's fixtures). */
class TorchCommandsTest {
    private static final String MNIST = "real/tracel-ai__burn__examples__import-model-weights__weights__mnist.pt";

    @TempDir
    Path dir;

    @Test
    void convertsAPickleToSafetensors() {
        Path out = dir.resolve("mnist.safetensors");
        Cli r = Cli.run("convert", Cli.torchFixture(MNIST).toString(), out.toString(), "--metadata", "source=burn");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote 20 tensors (0 converted)", "PyTorch zip archive", "nothing in it was run");
        try (SafeTensorsFile f = SafeTensorsFile.open(out)) {
            assertThat(f.size()).isEqualTo(20);
            assertThat(f.metadata()).contains(Map.of("format", "pt", "source", "burn"));
        }
    }

    @Test
    void aShardedCheckpointBecomesSafetensorsShardsAndAnIndex() {
        Path sharded = Cli.torchFixture("generated/sharded");
        Path out = dir.resolve("out");
        Cli r = Cli.run("convert", sharded.toString(), out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(out.resolve("model-00001-of-00002.safetensors")).exists();
        assertThat(out.resolve("model-00002-of-00002.safetensors")).exists();
        assertThat(out.resolve("model.safetensors.index.json")).exists();
        try (Checkpoint ckpt = Checkpoint.open(out)) {
            assertThat(ckpt.size()).isEqualTo(5);
        }

        Path resharded = dir.resolve("resharded");
        r = Cli.run("convert", sharded.resolve("pytorch_model.bin.index.json").toString(), resharded.toString(),
                "--max-shard-size", "100B", "--dtype", "BF16", "--only", "^layer\\.1\\.");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote 5 tensors (2 converted)");
        try (Checkpoint ckpt = Checkpoint.open(resharded)) {
            assertThat(ckpt.tensor("layer.1.weight").dtype()).isEqualTo(DType.BF16);
            assertThat(ckpt.tensor("layer.0.weight").dtype()).isEqualTo(DType.F32);
        }
    }

    @Test
    void subDictChoosesTheTensorsAndSkippedValuesAreReported() {
        Path out = dir.resolve("opt.safetensors");
        Cli r = Cli.run("convert", Cli.torchFixture("generated/lightning.ckpt").toString(), out.toString(),
                "--sub-dict", "optimizer");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote 6 tensors");
        assertThat(r.err()).contains("skipped, not tensors:", "param_groups (list of 1)", "epoch (int)");
    }

    @Test
    void inspectListsAPicklesTensorsAndSaysItIsAPickle() {
        Cli r = Cli.run("inspect", Cli.torchFixture("generated/shared.pt").toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("PyTorch zip archive (a pickle, read as data: nothing in it was run)",
                "NAME", "lm_head.weight", "F32", "[4, 3]",
                "shares storage: lm_head.weight is the same view as embed.alias (written once)");
        Cli json = Cli.run("inspect", "--json", "--sha256", Cli.torchFixture(MNIST).toString());
        assertThat(json.out()).contains("\"format\": \"PyTorch zip archive\"", "\"conv1.weight\": {\"dtype\": \"F32\"",
                "\"sha256\": \"");
    }

    @Test
    void validateGivesAPickleItsVerdict() {
        Cli ok = Cli.run("validate", Cli.torchFixture("generated/legacy.pt").toString());
        assertThat(ok.exitCode()).isZero();
        assertThat(ok.out()).contains(": OK (PyTorch legacy pickle, a pickle, read as data: nothing in it was run; 5 tensors)");
        Cli shards = Cli.run("validate", Cli.torchFixture("generated/sharded").toString());
        assertThat(shards.exitCode()).isZero();
        assertThat(shards.out()).contains("sharded: OK (PyTorch zip archive", "5 tensors");
        Cli bad = Cli.run("validate", Cli.torchFixture("hostile/os_system.pt").toString());
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.out()).contains(": INVALID UnsafePickle:", "`posix.system`");
    }

    @Test
    void aHostilePickleIsRefusedAndNothingIsWritten() {
        Path out = dir.resolve("never.safetensors");
        Cli r = Cli.run("convert", Cli.torchFixture("hostile/eval.pt").toString(), out.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("safetensors: UnsafePickle: ").contains("`builtins.eval`", "Nothing was executed");
        assertThat(out).doesNotExist();
    }
}
