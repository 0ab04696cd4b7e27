package dev.safetensors.cli.tree;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.TensorInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NameTreeTest {

    private static TensorInfo t(String name, DType dtype, long... shape) {
        long bytes = Shape.of(shape).elementCount() * dtype.bits() / 8;
        return new TensorInfo(name, dtype, Shape.of(shape), 0, bytes);
    }

    /** A llama-shaped model: embeddings, N alike layers, a norm and a head. */
    private static List<TensorInfo> llama(int layers) {
        List<TensorInfo> ts = new ArrayList<>();
        ts.add(t("model.embed_tokens.weight", DType.BF16, 32000, 4096));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            ts.add(t(p + "self_attn.q_proj.weight", DType.BF16, 4096, 4096));
            ts.add(t(p + "self_attn.k_proj.weight", DType.BF16, 1024, 4096));
            ts.add(t(p + "mlp.down_proj.weight", DType.BF16, 4096, 14336));
            ts.add(t(p + "input_layernorm.weight", DType.BF16, 4096));
        }
        ts.add(t("model.norm.weight", DType.BF16, 4096));
        ts.add(t("lm_head.weight", DType.BF16, 32000, 4096));
        return ts;
    }

    private static List<String> labels(NameTree.Node n) {
        return n.children().stream().map(NameTree.Node::label).toList();
    }

    @Test
    void alikeLayersFoldIntoOneRange() {
        NameTree.Node root = NameTree.of(llama(32));
        assertThat(labels(root)).containsExactly("lm_head.weight", "model");
        NameTree.Node model = root.children().get(1);
        assertThat(labels(model)).containsExactly("embed_tokens.weight", "layers.{0..31}", "norm.weight");
        NameTree.Node layers = model.children().get(1);
        assertThat(layers.repeat()).isEqualTo(32);
        assertThat(layers.path()).isEqualTo("model.layers.{0..31}");
        assertThat(layers.indices()).hasSize(32).startsWith(0L, 1L).endsWith(31L);
        assertThat(labels(layers)).containsExactly("input_layernorm.weight", "mlp.down_proj.weight", "self_attn");
        // Counts of a folded node are for every repeat; 4 tensors a layer.
        long perLayer = 4096L * 4096 + 1024L * 4096 + 4096L * 14336 + 4096;
        assertThat(layers.tensors()).isEqualTo(128);
        assertThat(layers.params()).isEqualTo(32 * perLayer);
        assertThat(layers.bytes()).isEqualTo(64 * perLayer);
        assertThat(model.tensors()).isEqualTo(130);
        assertThat(root.tensors()).isEqualTo(131);
        assertThat(root.params()).isEqualTo(32 * perLayer + 2 * 32000L * 4096 + 4096);
    }

    @Test
    void aLayerThatDiffersBreaksTheRange() {
        List<TensorInfo> ts = new ArrayList<>(llama(8));
        // Layers 3 and 5 have a wider down projection: {0..2,4,6,7} stay together, 3 and 5 form their own group.
        ts.replaceAll(x -> x.name().matches("model\\.layers\\.[35]\\.mlp\\.down_proj\\.weight")
                ? t(x.name(), DType.BF16, 4096, 20000) : x);
        NameTree.Node model = NameTree.of(ts).children().get(1);
        assertThat(labels(model)).containsExactly("embed_tokens.weight", "layers", "norm.weight");
        NameTree.Node layers = model.children().get(1);
        assertThat(labels(layers)).containsExactly("{0..2,4,6,7}", "{3,5}");
        assertThat(layers.children().get(0).repeat()).isEqualTo(6);
        assertThat(layers.children().get(1).repeat()).isEqualTo(2);
        assertThat(layers.tensors()).isEqualTo(32);
    }

    @Test
    void indicesPrintAsRangesStridesAndLists() {
        assertThat(NameTree.formatIndices(List.of(0L, 1L, 2L, 3L))).isEqualTo("{0..3}");
        assertThat(NameTree.formatIndices(List.of(0L, 1L))).isEqualTo("{0,1}");
        assertThat(NameTree.formatIndices(List.of(0L, 2L, 4L, 6L, 8L))).isEqualTo("{0,2,...,8}");
        assertThat(NameTree.formatIndices(List.of(1L, 3L, 5L))).isEqualTo("{1,3,5}");
        assertThat(NameTree.formatIndices(List.of(0L, 1L, 2L, 7L, 9L, 10L))).isEqualTo("{0..2,7,9,10}");
    }

    @Test
    void nestedRepeatsFoldAtEveryLevel() {
        List<TensorInfo> ts = new ArrayList<>();
        for (int l = 0; l < 4; l++) {
            for (int e = 0; e < 8; e++) {
                ts.add(t("layers." + l + ".experts." + e + ".w1", DType.F8_E4M3, 64, 32));
                ts.add(t("layers." + l + ".experts." + e + ".w2", DType.F8_E4M3, 32, 64));
            }
            ts.add(t("layers." + l + ".gate.weight", DType.BF16, 8, 32));
        }
        NameTree.Node layers = NameTree.of(ts).children().get(0);
        assertThat(layers.label()).isEqualTo("layers.{0..3}");
        assertThat(labels(layers)).containsExactly("experts.{0..7}", "gate.weight");
        NameTree.Node experts = layers.children().get(0);
        assertThat(experts.repeat()).isEqualTo(8);
        assertThat(experts.tensors()).isEqualTo(16);
        assertThat(layers.tensors()).isEqualTo(4 * 17);
        assertThat(layers.bytes()).isEqualTo(4 * (16 * 2048 + 8 * 32 * 2));
    }

    @Test
    void oddNamesKeepTheirPlace() {
        List<TensorInfo> ts = List.of(t("a", DType.F32, 2), t("a.b", DType.F32, 3), t("x..y", DType.U8, 1),
                t("", DType.U8, 1), t("007.w", DType.U8, 1), t("7.w", DType.U8, 1), t("8.w", DType.U8, 1));
        NameTree.Node root = NameTree.of(ts);
        // 7 and 8 are alike indices; 007 is a name, not an index. "a" is a tensor and a prefix.
        assertThat(labels(root)).containsExactly("{7,8}.w", "", "007.w", "a", "x..y");
        NameTree.Node a = root.children().get(3);
        assertThat(a.tensor().name()).isEqualTo("a");
        assertThat(labels(a)).containsExactly("b");
        assertThat(root.tensors()).isEqualTo(7);
    }

    @Test
    void textShowsTheTreeWithAlignedColumns() {
        StringWriter s = new StringWriter();
        TreeText.print(NameTree.of(llama(2)), true, "  ", new PrintWriter(s, true));
        // Per layer: 4096*4096 + 1024*4096 + 4096*14336 + 4096 = 79,695,872 parameters (152 MiB in BF16), twice.
        assertThat(s.toString().lines()).containsExactly(
                "  NAME                          DTYPE  SHAPE          PARAMS  SIZE",
                "  lm_head.weight                BF16   [32000, 4096]    131M  250 MiB",
                "  model                                10 tensors       290M  554 MiB",
                "  ├─ embed_tokens.weight        BF16   [32000, 4096]    131M  250 MiB",
                "  ├─ layers.{0,1}               ×2     8 tensors        159M  304 MiB",
                "  │  ├─ input_layernorm.weight  BF16   [4096]          4.10K  8.00 KiB",
                "  │  ├─ mlp.down_proj.weight    BF16   [4096, 14336]   58.7M  112 MiB",
                "  │  └─ self_attn                      2 tensors       21.0M  40.0 MiB",
                "  │     ├─ k_proj.weight        BF16   [1024, 4096]    4.19M  8.00 MiB",
                "  │     └─ q_proj.weight        BF16   [4096, 4096]    16.8M  32.0 MiB",
                "  └─ norm.weight                BF16   [4096]          4.10K  8.00 KiB");
        StringWriter ascii = new StringWriter();
        TreeText.print(NameTree.of(llama(2)), false, "", new PrintWriter(ascii, true));
        assertThat(ascii.toString()).contains("|- layers.{0,1}").contains("|  `- self_attn").contains("`- norm.weight")
                .contains("x2 ").doesNotContain("├");
        assertThat(ascii.toString().chars()).allMatch(c -> c < 0x80);
    }
}
