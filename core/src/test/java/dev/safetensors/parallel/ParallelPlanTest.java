package dev.safetensors.parallel;

import dev.safetensors.testing.RankMain;

import dev.safetensors.testing.TinyModel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import dev.safetensors.SafeTensorsFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParallelPlanTest {
    @TempDir
    static Path dir;
    static Path file;

    @BeforeAll
    static void write() {
        file = dir.resolve("tiny.safetensors");
        TinyModel.write(file);
    }

    @Test
    void chunkFollowsTorchChunk() {
        // torch.arange(13).chunk(8): sizes 2,2,2,2,2,2,1 and an empty eighth piece.
        long[] r = new long[2];
        long[] sizes = new long[8];
        for (int i = 0; i < 8; i++) {
            ParallelPlan.chunk(13, 8, i, r);
            sizes[i] = r[1] - r[0];
        }
        assertThat(sizes).containsExactly(2, 2, 2, 2, 2, 2, 1, 0);
        ParallelPlan.chunk(7, 4, 3, r);
        assertThat(r).containsExactly(6, 7);
    }

    @Test
    void pipelineStagesTakeContiguousLayersWithEmbeddingFirstAndHeadLast() {
        ParallelPlan plan = TinyModel.plan(1, 2);
        assertThat(plan.stageOf("model.embed_tokens.weight", 3)).isZero();
        assertThat(plan.stageOf("model.layers.0.mlp.up_proj.weight", 3)).isZero();
        assertThat(plan.stageOf("model.layers.1.mlp.up_proj.weight", 3)).isZero();
        assertThat(plan.stageOf("model.layers.2.mlp.up_proj.weight", 3)).isEqualTo(1);
        assertThat(plan.stageOf("model.norm.weight", 3)).isEqualTo(1);
        assertThat(plan.stageOf("lm_head.weight", 3)).isEqualTo(1);
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            List<String> first = plan.pieces(f, 0, 0).stream().map(RankPiece::name).toList();
            List<String> last = plan.pieces(f, 0, 1).stream().map(RankPiece::name).toList();
            assertThat(first).contains("model.embed_tokens.weight", "model.layers.1.self_attn.q_proj.weight")
                    .doesNotContain("lm_head.weight");
            assertThat(last).contains("lm_head.weight", "model.layers.2.input_layernorm.weight").hasSize(6);
            assertThat(first.size() + last.size()).isEqualTo(TinyModel.SHAPES.size());
        }
    }

    /** W processes, nothing shared but the file: their pieces reassemble the tensors, each read only its share. */
    @ParameterizedTest
    @ValueSource(ints = {2, 4, 8})
    void ranksAsProcessesReadOnlyTheirBytesAndReassemble(int world) throws Exception {
        Path out = Files.createDirectories(dir.resolve("w" + world));
        List<Process> ranks = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            ranks.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx64m", "-cp", System.getProperty("java.class.path"), RankMain.class.getName(),
                    file.toString(), Integer.toString(world), Integer.toString(r), out.toString())
                    .redirectErrorStream(true).start());
        }
        for (Process p : ranks) {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();
        }
        for (int r = 0; r < world; r++) {
            // BitSets print as {0, 1, 2}: the pages read, then the pages holding the header and the pieces.
            String[] pages = Files.readString(out.resolve(r + "/pages-read")).split("(?<=}) ");
            assertThat(pages[0]).as("rank %d read exactly the pages of its header and pieces", r).isEqualTo(pages[1]);
        }
        int t = 0;
        for (Map.Entry<String, long[]> e : TinyModel.SHAPES.entrySet()) {
            float[] expected = TinyModel.values(t++, e.getValue());
            assertThat(reassemble(out, world, e.getKey(), e.getValue())).as(e.getKey()).containsExactly(expected);
        }
    }

    private static float[] reassemble(Path out, int world, String name, long[] shape) throws IOException {
        Placement p = TinyModel.plan(world, 1).placementOf(name);
        if (p == Placement.REPLICATE) {
            for (int r = 1; r < world; r++) {
                assertThat(Files.readAllBytes(out.resolve(r + "/" + name)))
                        .isEqualTo(Files.readAllBytes(out.resolve("0/" + name)));
            }
            return floats(Files.readAllBytes(out.resolve("0/" + name)));
        }
        if (p == Placement.SPLIT_DIM0) {
            ByteBuffer all = ByteBuffer.allocate((int) (shape[0] * shape[1] * 4));
            for (int r = 0; r < world; r++) {
                all.put(Files.readAllBytes(out.resolve(r + "/" + name)));
            }
            return floats(all.array());
        }
        // SPLIT_DIM1: each rank holds a column block of every row.
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        float[] whole = new float[rows * cols];
        int col = 0;
        for (int r = 0; r < world; r++) {
            float[] part = floats(Files.readAllBytes(out.resolve(r + "/" + name)));
            int width = part.length / rows;
            for (int row = 0; row < rows; row++) {
                System.arraycopy(part, row * width, whole, row * cols + col, width);
            }
            col += width;
        }
        assertThat(col).isEqualTo(cols);
        return whole;
    }

    private static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    @Test
    void dimensionOneSplitsReadStridedRuns() {
        try (Checkpoint c = Checkpoint.open(file)) {
            RankPiece o = TinyModel.plan(4, 1).pieces(c, 1, 0).stream()
                    .filter(p -> p.name().equals("model.layers.0.self_attn.o_proj.weight")).findFirst().orElseThrow();
            List<long[]> runs = new ArrayList<>();
            o.slice().forEachRun((off, len) -> runs.add(new long[] {off, len}));
            // 13 columns over 4 ranks: chunk 4, rank 1 takes columns 4..7 of each of 8 rows.
            assertThat(runs).hasSize(8);
            assertThat(runs.get(0)).containsExactly(16, 16);
            assertThat(runs.get(1)).containsExactly(13 * 4 + 16, 16);
            assertThat(o.start()).isEqualTo(4);
        }
    }

    /** Names and shapes come from a stranger's file: a plan over them fails only with SafeTensorsException. */
    @Test
    void hostileLayerNumbersAndHugeDimensionsGiveCleanErrorsOrExactChunks() {
        Path p = dir.resolve("hostile-plan.safetensors");
        long huge = Long.MAX_VALUE;
        SafeTensorsWriter.create()
                .add("model.layers.0.w", DType.F32, Shape.of(2), TensorData.of(new float[2]))
                .add("model.layers.99999999999.w", DType.F32, Shape.of(2), TensorData.of(new float[2]))
                .add("model.embed.w", DType.F32, Shape.of(huge, 0), TensorData.of(new float[0]))
                .write(p);
        try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
            // Without pipeline stages, layer numbers never matter.
            ParallelPlan tp = ParallelPlan.builder(4).place(".*embed.*", Placement.SPLIT_DIM0).build();
            long[][] expected = {{0, 1L << 61}, {1L << 61, 1L << 62}, {1L << 62, 3L << 61}, {3L << 61, huge}};
            for (int r = 0; r < 4; r++) {
                RankPiece embed = tp.pieces(f, r, 0).stream().filter(x -> x.name().equals("model.embed.w"))
                        .findFirst().orElseThrow();
                // torch.chunk of 2^63 - 1 rows over 4 ranks: pieces of 2^61, computed without overflow.
                assertThat(embed.start()).isEqualTo(expected[r][0]);
                assertThat(embed.slice().shape().dims()).containsExactly(expected[r][1] - expected[r][0], 0);
            }
            ParallelPlan pp = ParallelPlan.builder(1).pipelineStages(2).build();
            assertThatThrownBy(() -> pp.pieces(f, 0, 0)).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
                assertThat(e.source()).isEqualTo(p.toString());
                assertThat(e.getMessage()).contains("model.layers.99999999999.w", "layer number");
            });
            assertThatThrownBy(() -> ParallelPlan.layerOf("layers.2147483647.x")).isInstanceOf(SafeTensorsException.class);
            assertThat(ParallelPlan.layerOf("layers.2147483646.x")).hasValue(2147483646);
            assertThat(ParallelPlan.layerOf("layers.007.x")).hasValue(7);
        }
    }
}
