package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.SafeTensorsException.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ShardedCheckpointTest {
    @TempDir
    Path dir;

    /** The real indexes: tensor and shard counts and metadata as their manifest rows give them. */
    static Stream<Object[]> realIndexes() {
        return Stream.of(
                new Object[] {"reubzdubz__Molmo7B_D_NF4Quant__model.safetensors.index.json", 921, 2, 6661964712L, true},
                new Object[] {"fetchwiki__mistralai-Devstral-Small-2507__model.safetensors.index.json", 363, 10, 47144806400L, true},
                new Object[] {"root-hypercube__qwen3-mlx__Qwen3-14B-MLX-4bit__model.safetensors.index.json", 1007, 2, 8307783680L, false},
                new Object[] {"tbressers__WizardLM-2-8x22B__model.safetensors.index.json", 1739, 59, 281241268224L, false});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("realIndexes")
    void realIndexesParse(String file, int tensors, int shards, long totalSize, boolean hasParameters) throws IOException {
        ShardIndex index = ShardIndex.read(TestFiles.fixture(file), Header.DEFAULT_MAX_SIZE);
        assertThat(index.weightMap()).hasSize(tensors);
        assertThat(index.shards()).hasSize(shards);
        assertThat(index.totalSize()).hasValue(totalSize);
        assertThat(index.metadata().containsKey("total_parameters")).isEqualTo(hasParameters);

        // The shards themselves are not in the fixtures: opening says which one is missing.
        Path copy = Files.copy(TestFiles.fixture(file), dir.resolve("model.safetensors.index.json"));
        assertThatThrownBy(() -> Checkpoint.open(dir)).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.IoError);
            assertThat(e.getMessage()).contains("shard `" + index.shards().get(0) + "` is missing");
        });
        assertThat(copy).exists();
    }

    @Test
    void nf4IndexNamesQuantStateTensors() {
        ShardIndex index = ShardIndex.read(TestFiles.fixture("reubzdubz__Molmo7B_D_NF4Quant__model.safetensors.index.json"),
                Header.DEFAULT_MAX_SIZE);
        assertThat(index.weightMap().keySet()).anyMatch(n -> n.endsWith(".weight.quant_state.bitsandbytes__nf4"))
                .anyMatch(n -> n.endsWith(".weight.absmax"));
    }

    private ShardedWriter sample(long max) {
        ShardedWriter w = ShardedWriter.create(max).shardMetadata(Map.of("format", "pt"));
        // bytes: 40, 40, 40, 120 (over the limit), 8, 60, 4
        w.add("embed", DType.F32, Shape.of(10), TensorData.of(new float[10]));
        w.add("layers.0.w", DType.F32, Shape.of(10), TensorData.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
        w.add("layers.0.b", DType.I32, Shape.of(10), TensorData.of(new int[10]));
        w.add("layers.1.w", DType.F64, Shape.of(15), TensorData.of(new double[15]));
        w.add("layers.1.b", DType.I64, Shape.of(1), TensorData.of(new long[] {7}));
        w.add("norm", DType.BF16, Shape.of(30), TensorData.of(new short[30]));
        w.add("head", DType.U8, Shape.of(4), TensorData.of(new byte[] {1, 2, 3, 4}));
        return w;
    }

    /** As its Javadoc says and save_pretrained does, the writer creates the directory (and its parents). */
    @Test
    void writesIntoADirectoryThatDoesNotExistYet() throws IOException {
        Path out = dir.resolve("runs/7/checkpoint");
        assertThat(sample(100).write(out, "model")).isPresent();
        try (Checkpoint ckpt = Checkpoint.open(out)) {
            assertThat(ckpt.tensor("layers.0.w").toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        }
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertThatThrownBy(() -> sample(100).write(file, "model")).isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("a-file").hasMessageContaining("cannot create the directory");
    }

    /** transformers' assignment: in order, new shard when full, oversized tensors alone (before the open shard). */
    @Test
    void writesShardsLikeSavePretrained() throws IOException {
        ShardIndex index = sample(100).write(dir, "model").orElseThrow();
        String s1 = "model-00001-of-00004.safetensors";
        String s2 = "model-00002-of-00004.safetensors";
        String s3 = "model-00003-of-00004.safetensors";
        String s4 = "model-00004-of-00004.safetensors";
        assertThat(index.weightMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "embed", s1, "layers.0.w", s1, "layers.1.w", s2, "layers.0.b", s3, "layers.1.b", s3,
                "norm", s4, "head", s4));
        assertThat(Files.readString(dir.resolve("model.safetensors.index.json"))).isEqualTo("""
                {
                  "metadata": {
                    "total_size": 312
                  },
                  "weight_map": {
                    "embed": "model-00001-of-00004.safetensors",
                    "head": "model-00004-of-00004.safetensors",
                    "layers.0.b": "model-00003-of-00004.safetensors",
                    "layers.0.w": "model-00001-of-00004.safetensors",
                    "layers.1.b": "model-00003-of-00004.safetensors",
                    "layers.1.w": "model-00002-of-00004.safetensors",
                    "norm": "model-00004-of-00004.safetensors"
                  }
                }
                """);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertThat(ckpt.size()).isEqualTo(7);
            assertThat(ckpt.tensor("layers.0.w").toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
            assertThat(ckpt.tensor("layers.1.b").toLongArray()).containsExactly(7);
            assertThat(ckpt.metadata()).hasValue(Map.of("total_size", "312"));
            assertThat(ckpt.sortedNames()).startsWith("embed", "head");
        }
        try (SafeTensorsFile shard = SafeTensorsFile.open(dir.resolve(s3))) {
            assertThat(shard.metadata()).hasValue(Map.of("format", "pt"));
        }
        // Merging back into one file keeps every tensor.
        Path merged = dir.resolve("merged.safetensors");
        try (Checkpoint ckpt = Checkpoint.open(dir.resolve("model.safetensors.index.json"))) {
            SafeTensorsWriter w = SafeTensorsWriter.create();
            for (String n : ckpt.names()) {
                Tensor t = ckpt.tensor(n);
                w.add(n, t.dtype(), t.shape(), TensorData.of(t.data()));
            }
            w.write(merged);
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(merged)) {
            assertThat(f.size()).isEqualTo(7);
            assertThat(f.tensor("head").toByteArray()).containsExactly(1, 2, 3, 4);
        }
    }

    @Test
    void aCheckpointThatFitsIsOneFileWithoutIndex() {
        assertThat(sample(1000).write(dir, "model")).isEmpty();
        assertThat(dir.resolve("model.safetensors")).exists();
        assertThat(dir.resolve("model.safetensors.index.json")).doesNotExist();
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertThat(ckpt.size()).isEqualTo(7);
        }
    }

    @Test
    void sizesParseLikeTransformers() {
        assertThat(ShardedWriter.parseSize("5GB")).isEqualTo(5_000_000_000L);
        assertThat(ShardedWriter.parseSize("5GiB")).isEqualTo(5L << 30);
        assertThat(ShardedWriter.parseSize("500MB")).isEqualTo(500_000_000L);
        assertThat(ShardedWriter.parseSize("1.5kib")).isEqualTo(1536);
        assertThat(ShardedWriter.parseSize("4096")).isEqualTo(4096);
        assertThatThrownBy(() -> ShardedWriter.parseSize("five")).isInstanceOf(IllegalArgumentException.class);
    }

    private Path writeIndex(String json) throws IOException {
        return Files.writeString(dir.resolve("model.safetensors.index.json"), json, StandardCharsets.UTF_8);
    }

    private void expectRejected(Kind kind, String fragment) {
        assertThatThrownBy(() -> Checkpoint.open(dir).close()).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
            assertThat(e.kind()).isEqualTo(kind);
            assertThat(e.getMessage()).contains(fragment);
        });
    }

    @Test
    void hostileIndexesAreRejected() throws IOException {
        sample(100).write(dir, "model");
        String s1 = "model-00001-of-00004.safetensors";
        String good = Files.readString(dir.resolve("model.safetensors.index.json"));
        writeIndex("{\"weight_map\": {\"embed\": \"../model-00001-of-00004.safetensors\"}}");
        expectRejected(Kind.InvalidHeaderDeserialization, "bare file name");
        writeIndex("{\"weight_map\": {\"embed\": \"/etc/passwd\"}}");
        expectRejected(Kind.InvalidHeaderDeserialization, "bare file name");
        writeIndex("{\"weight_map\": {\"embed\": \"" + s1 + "\", \"embed\": \"" + s1 + "\"}}");
        expectRejected(Kind.InvalidHeaderDeserialization, "duplicate key `embed`");
        writeIndex(good.replace("\"head\": \"model-00004", "\"head\": \"model-00001"));
        expectRejected(Kind.TensorNotFound, "tensor `head` to shard `" + s1 + "`");
        writeIndex(good.replace("\"layers.0.w\": \"model-00001-of-00004.safetensors\",", ""));
        expectRejected(Kind.InvalidHeaderDeserialization, "holds tensor `layers.0.w`, which the index does not list");
        writeIndex(good.replace("\"norm\": \"model-00004-of-00004.safetensors\"", "\"norm\": \"model-00004-of-00004.safetensors\", \"x\": \"model-00002-of-00004.safetensors\""));
        expectRejected(Kind.TensorNotFound, "tensor `x`");
        writeIndex("{\"weight_map\": {\"embed\": \"" + s1 + "\", \"layers.0.w\": \"model-00002-of-00004.safetensors\"}}");
        expectRejected(Kind.InvalidHeaderDeserialization, "no tensor is mapped to 2 of the 4 shards of `model` (model-00003-of-00004.safetensors");
        writeIndex("{\"weight_map\": {}}");
        expectRejected(Kind.InvalidHeaderDeserialization, "`weight_map` is empty");
        writeIndex(good);
        Checkpoint.open(dir).close();
        writeIndex("[]");
        expectRejected(Kind.InvalidHeaderDeserialization, "must be a JSON object");
        writeIndex("{\"weight_map\": {\"embed\": 1}}");
        expectRejected(Kind.InvalidHeaderDeserialization, "must name a shard file");
    }

    @Test
    void symlinkedShardLeadingOutIsRejected() throws IOException {
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Path inside = Files.createDirectory(dir.resolve("ckpt"));
        SafeTensorsWriter.create().add("x", DType.U8, Shape.of(1), TensorData.of(new byte[1])).write(outside.resolve("secret.safetensors"));
        Files.createSymbolicLink(inside.resolve("model.safetensors"), outside.resolve("secret.safetensors"));
        Files.writeString(inside.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"x\": \"model.safetensors\"}}");
        assertThatThrownBy(() -> Checkpoint.open(inside)).isInstanceOfSatisfying(SafeTensorsException.class, e ->
                assertThat(e.getMessage()).contains("is a link to").contains("outside"));
    }

    @Test
    void directoryWithoutIndexMergesFilesAndRejectsDuplicates() throws IOException {
        SafeTensorsWriter.create().add("a", DType.U8, Shape.of(1), TensorData.of(new byte[] {1})).write(dir.resolve("one.safetensors"));
        SafeTensorsWriter.create().add("b", DType.U8, Shape.of(1), TensorData.of(new byte[] {2})).write(dir.resolve("two.safetensors"));
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertThat(ckpt.names()).containsExactly("a", "b");
            assertThat(ckpt.tensor("b").toByteArray()).containsExactly(2);
            assertThatThrownBy(() -> ckpt.tensor("c")).isInstanceOfSatisfying(SafeTensorsException.class,
                    e -> assertThat(e.kind()).isEqualTo(Kind.TensorNotFound));
        }
        SafeTensorsWriter.create().add("a", DType.U8, Shape.of(1), TensorData.of(new byte[] {3})).write(dir.resolve("three.safetensors"));
        expectRejected(Kind.InvalidHeaderDeserialization, "tensor `a` is in both");
        assertThat(List.of(dir.toFile().list())).hasSize(3);
    }
}
