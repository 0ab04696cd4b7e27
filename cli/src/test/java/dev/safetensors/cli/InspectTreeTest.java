package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.ShardedWriter;
import dev.safetensors.TensorData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code inspect} shows a tree on a terminal and one row per tensor when piped; --tree and --flat choose. */
class InspectTreeTest {
    private static final Path PEFT = Cli.fixture("anirudh-ak__peft-gpt2__model__lora_model__adapter_model.safetensors");

    @TempDir
    Path dir;

    private static Cli run(Terminal terminal, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true), terminal);
        return new Cli(code, out.toString(), err.toString());
    }

    /** PEFT's GPT-2 LoRA adapter: a score head and 12 alike attention blocks of two LoRA matrices each. */
    @Test
    void aTerminalGetsTheTreeWithRepeatedBlocksFolded() {
        Cli r = run(new Terminal(true, false, true), "inspect", PEFT.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines()).containsExactly(
                PEFT.toString(),
                "  header 3,120 bytes, data 1,198,080 bytes, 25 tensors",
                "  metadata:",
                "    \"format\": \"pt\"",
                "  NAME                                  DTYPE  SHAPE       PARAMS  SIZE",
                "  base_model.model                             25 tensors    300K  1.14 MiB",
                "  ├─ score.weight                       F32    [6, 768]     4.61K  18.0 KiB",
                "  └─ transformer.h.{0..11}.attn.c_attn  ×12    24 tensors    295K  1.13 MiB",
                "     ├─ lora_A.weight                   F32    [8, 768]     6.14K  24.0 KiB",
                "     └─ lora_B.weight                   F32    [2304, 8]    18.4K  72.0 KiB",
                "  parameters: F32 299,520; total 299,520 parameters, 1,198,080 bytes");
        Cli ascii = run(new Terminal(true, false, false), "inspect", PEFT.toString());
        assertThat(ascii.out()).contains("  `- transformer.h.{0..11}.attn.c_attn  x12").doesNotContain("└");
    }

    @Test
    void pipedOutputIsFlatUnlessTheTreeIsAskedFor() {
        Cli piped = run(Terminal.NONE, "inspect", PEFT.toString());
        assertThat(piped.out()).contains("  base_model.model.transformer.h.11.attn.c_attn.lora_B.weight  F32")
                .doesNotContain("{0..11}");
        assertThat(run(Terminal.NONE, "inspect", "--tree", PEFT.toString()).out()).contains("transformer.h.{0..11}");
        assertThat(run(new Terminal(true, true, true), "inspect", "--flat", PEFT.toString()).out())
                .isEqualTo(piped.out());
        Cli both = run(Terminal.NONE, "inspect", "--tree", "--flat", PEFT.toString());
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("--tree and --flat exclude each other");
        assertThat(run(new Terminal(true, true, true), "inspect", "--json", PEFT.toString()).out())
                .isEqualTo(run(Terminal.NONE, "inspect", "--json", PEFT.toString()).out());
    }

    @Test
    void aShardedCheckpointIsOneTree() throws Exception {
        Path shards = Files.createDirectories(dir.resolve("shards"));
        ShardedWriter w = ShardedWriter.create(64);
        for (int l = 0; l < 4; l++) {
            w.add("layers." + l + ".w", DType.F32, Shape.of(4, 4), TensorData.of(new float[16]));
        }
        w.write(shards, "model");
        Cli r = run(new Terminal(true, false, true), "inspect", shards.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines()).containsExactly(
                shards + ": sharded checkpoint, 4 tensors in 4 shards, index " + shards.resolve("model.safetensors.index.json"),
                "  " + shards.resolve("model-00001-of-00004.safetensors") + ": header 72 bytes, data 64 bytes, 1 tensors",
                "  " + shards.resolve("model-00002-of-00004.safetensors") + ": header 72 bytes, data 64 bytes, 1 tensors",
                "  " + shards.resolve("model-00003-of-00004.safetensors") + ": header 72 bytes, data 64 bytes, 1 tensors",
                "  " + shards.resolve("model-00004-of-00004.safetensors") + ": header 72 bytes, data 64 bytes, 1 tensors",
                "  metadata of the shards: none",
                "  NAME             DTYPE  SHAPE   PARAMS  SIZE",
                "  layers.{0..3}.w  F32    [4, 4]      64  256 B",
                "  parameters: F32 64; total 64 parameters, 256 bytes");
    }
}
