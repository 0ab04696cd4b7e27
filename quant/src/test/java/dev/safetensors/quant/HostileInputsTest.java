package dev.safetensors.quant;

import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;
import static dev.safetensors.SafeTensorsException.Kind.InvalidQuantization;
import static dev.safetensors.SafeTensorsException.Kind.TensorNotFound;
import static dev.safetensors.SafeTensorsException.Kind.UnsupportedQuantization;
import static dev.safetensors.quant.TestCheckpoint.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checkpoints that contradict themselves or their config: each gives a SafeTensorsException of the right
 * kind whose message names the file, the tensor and the rule, never another exception.
 */
class HostileInputsTest {
    static final String P = "model.layers.0.self_attn.q_proj";

    @TempDir
    Path dir;

    static String gptqConfig(String bits, String groupSize) {
        return "{\"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": " + bits + ", \"group_size\": "
                + groupSize + ", \"desc_act\": false, \"sym\": true}}";
    }

    /** A valid 4-bit GPTQ layer of 64 outputs × 256 inputs, group 128, as a base to break. */
    static TestCheckpoint gptq(UnaryOperator<TestCheckpoint> extra, long[] qweight, long[] qzeros, long[] scales,
            int[] gIdx) {
        TestCheckpoint c = new TestCheckpoint()
                .ints(P + ".qweight", DType.I32, qweight, new int[(int) (qweight[0] * qweight[1])])
                .ints(P + ".qzeros", DType.I32, qzeros, new int[(int) (qzeros[0] * qzeros[1])])
                .halves(P + ".scales", scales, new float[(int) (scales[0] * scales[1])]);
        if (gIdx != null) {
            c.ints(P + ".g_idx", DType.I32, shape(gIdx.length), gIdx);
        }
        return extra.apply(c);
    }

    private SafeTensorsException open(TestCheckpoint c, String config) {
        Path d = c.write(dir.resolve("c" + System.nanoTime()), config);
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> QuantizedModel.open(d).close());
        assertThat(t).isInstanceOf(SafeTensorsException.class);
        return (SafeTensorsException) t;
    }

    private void fails(TestCheckpoint c, String config, SafeTensorsException.Kind kind, String... parts) {
        SafeTensorsException e = open(c, config);
        assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind);
        assertThat(e.getMessage()).contains(parts);
    }

    @Test
    void validBaseOpens() throws Exception {
        Path d = gptq(c -> c, shape(32, 64), shape(2, 8), shape(2, 64), null).write(dir.resolve("ok"),
                gptqConfig("4", "128"));
        try (QuantizedModel m = QuantizedModel.open(d)) {
            assertThat(m.layers()).hasSize(1);
        }
    }

    @Test
    void scalesOfTheWrongShape() {
        fails(gptq(c -> c, shape(32, 64), shape(2, 8), shape(3, 64), null), gptqConfig("4", "128"), InvalidQuantization,
                "model.safetensors", P + ".scales", "3 groups", "group_size 128 over 256 inputs needs 2");
        fails(gptq(c -> c, shape(32, 64), shape(2, 8), shape(2, 512), null), gptqConfig("4", "128"), InvalidQuantization,
                P + ".scales", "AWQ");
        fails(gptq(c -> c, shape(32, 64), shape(2, 7), shape(2, 64), null), gptqConfig("4", "128"), InvalidQuantization,
                P + ".qzeros", "[2, 8]");
    }

    @Test
    void bitsThatDoNotDivide() {
        fails(gptq(c -> c, shape(32, 64), shape(2, 8), shape(2, 64), null), gptqConfig("5", "128"), InvalidQuantization,
                "config.json", "quantization_config.bits", "5", "2, 3, 4 or 8");
        fails(gptq(c -> c, shape(32, 64), shape(2, 24), shape(2, 64), null), gptqConfig("3", "128"), InvalidQuantization,
                P + ".qweight", "32 rows", "multiple of 3");
        fails(gptq(c -> c, shape(32, 64), shape(2, 8), shape(2, 64), null), gptqConfig("\"four\"", "128"),
                InvalidQuantization, "quantization_config.bits", "must be an integer", "four");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-2", "-128"})
    void groupSizesZeroOrNegativeOtherThanMinusOne(String groupSize) {
        fails(gptq(c -> c, shape(32, 64), shape(2, 8), shape(2, 64), null), gptqConfig("4", groupSize),
                InvalidQuantization, "quantization_config.group_size", "is " + groupSize, "-1");
    }

    @Test
    void groupSizeMinusOneIsOneGroup() throws Exception {
        Path d = gptq(c -> c, shape(32, 64), shape(1, 8), shape(1, 64), null).write(dir.resolve("g1"),
                gptqConfig("4", "-1"));
        try (QuantizedModel m = QuantizedModel.open(d)) {
            assertThat(m.layers().get(0).groupSize()).isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, -1, 1 << 30})
    void gIdxOutOfRange(int bad) {
        int[] gIdx = new int[256];
        gIdx[77] = bad;
        fails(gptq(c -> c, shape(32, 64), shape(2, 8), shape(2, 64), gIdx), gptqConfig("4", "128"), InvalidQuantization,
                P + ".g_idx`[77] = " + bad, "outside the 2 groups");
        fails(gptq(c -> c, shape(32, 64), shape(2, 8), shape(2, 64), new int[255]), gptqConfig("4", "128"),
                InvalidQuantization, P + ".g_idx", "255 inputs", "256");
    }

    @Test
    void incompleteLayers() {
        TestCheckpoint c = new TestCheckpoint().ints(P + ".qweight", DType.I32, shape(32, 64), new int[32 * 64])
                .halves(P + ".scales", shape(2, 64), new float[128]);
        fails(c, gptqConfig("4", "128"), TensorNotFound, "layer `" + P + "`", "gptq v1", P + ".qzeros");
        TestCheckpoint nv = new TestCheckpoint().add(P + ".weight_packed", DType.U8, shape(4, 8), new byte[32])
                .add(P + ".weight_scale", DType.F8_E4M3, shape(4, 1), new byte[4]);
        fails(nv, ctConfig("nvfp4-pack-quantized", "\"num_bits\": 4, \"type\": \"float\", \"strategy\": \"tensor_group\", "
                + "\"group_size\": 16"), TensorNotFound, P + ".weight_global_scale");
    }

    static String ctConfig(String format, String weights) {
        return "{\"quantization_config\": {\"quant_method\": \"compressed-tensors\", \"format\": \"" + format
                + "\", \"config_groups\": {\"g\": {\"targets\": [\"Linear\"], \"weights\": {" + weights + "}}}}}";
    }

    @Test
    void unknownSchemesNameWhatWasFound() {
        TestCheckpoint any = new TestCheckpoint().floats("w", shape(1), 1f);
        fails(any, "{\"quantization_config\": {\"quant_method\": \"hqq\"}}", UnsupportedQuantization, "\"hqq\"",
                "gptq, awq");
        fails(any, ctConfig("sparse-24-bitmask", "\"num_bits\": 4"), UnsupportedQuantization, "sparse-24-bitmask");
        fails(any, "{\"quantization_config\": {\"quant_method\": \"awq\", \"bits\": 4, \"version\": \"gemv\"}}",
                UnsupportedQuantization, "gemv", "gemm");
        fails(any, "{\"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": 4, \"checkpoint_format\": "
                + "\"marlin\"}}", UnsupportedQuantization, "marlin");
        fails(any, "{\"quantization_config\": {\"quant_method\": \"modelopt\", \"quant_algo\": \"W4A8_AWQ\"}}",
                UnsupportedQuantization, "W4A8_AWQ");
        fails(any, "{\"quantization_config\": {\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": true, "
                + "\"bnb_4bit_quant_type\": \"int4\"}}", InvalidQuantization, "bnb_4bit_quant_type", "nf4 or fp4");
        fails(new TestCheckpoint().add(P + ".weight", DType.I8, shape(2, 2), new byte[4]).floats(P + ".SCB", shape(2), 1, 1)
                .add(P + ".weight_format", DType.U8, shape(), new byte[] {1}),
                "{\"quantization_config\": {\"quant_method\": \"bitsandbytes\", \"load_in_8bit\": true}}",
                UnsupportedQuantization, P + ".weight_format", "col32");
    }

    @Test
    void malformedConfigs() {
        TestCheckpoint any = new TestCheckpoint().floats("w", shape(1), 1f);
        fails(any, "{\"quantization_config\": {\"quant_method\": \"gptq\",}}", InvalidHeaderDeserialization,
                "config.json");
        fails(any, "{\"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": 4, \"bits\": 8}}",
                InvalidHeaderDeserialization, "config.json", "bits");
        fails(any, ctConfig("float-quantized", "\"num_bits\": 8, \"type\": \"float\", \"strategy\": \"block\", "
                + "\"block_structure\": [0, 128]"), InvalidQuantization, "block_structure", "positive");
        fails(any, ctConfig("pack-quantized", "\"num_bits\": 9, \"type\": \"int\""), InvalidQuantization, "num_bits",
                "1 to 8");
        fails(any, ctConfig("pack-quantized", "\"num_bits\": 4, \"type\": \"int\", \"strategy\": \"group\""),
                InvalidQuantization, "group_size", "positive");
        fails(any, "{\"quantization_config\": {\"quant_method\": \"fp8\", \"weight_block_size\": [128]}}",
                InvalidQuantization, "weight_block_size", "[rows, columns]");
    }

    @Test
    void packedWidthsThatFitNoPacking() {
        TestCheckpoint c = new TestCheckpoint().ints(P + ".weight_packed", DType.I32, shape(4, 25), new int[100])
                .floats(P + ".weight_scale", shape(4, 4), new float[16])
                .add(P + ".weight_shape", DType.I64, shape(2), Bytes.longs(4, 256));
        fails(c, ctConfig("pack-quantized", "\"num_bits\": 3, \"type\": \"int\", \"strategy\": \"group\", "
                + "\"group_size\": 64"), InvalidQuantization, P + ".weight_packed", "25 words", "24 (dense", "26 (10 per");
        TestCheckpoint huge = new TestCheckpoint().ints(P + ".weight_packed", DType.I32, shape(4, 1), new int[4])
                .floats(P + ".weight_scale", shape(4, 1), new float[4])
                .add(P + ".weight_shape", DType.I64, shape(2), Bytes.longs(4, 1L << 40));
        fails(huge, ctConfig("pack-quantized", "\"num_bits\": 4, \"type\": \"int\", \"strategy\": \"channel\""),
                InvalidQuantization, P + ".weight_shape", "[4, 1099511627776]");
    }

    @Test
    void floatLayoutsOfTheWrongShape() {
        String m = "model.layers.0.mlp.experts.down_proj";
        fails(new TestCheckpoint().add(m + "_blocks", DType.U8, shape(2, 4, 3, 15), new byte[2 * 4 * 3 * 15])
                .add(m + "_scales", DType.U8, shape(2, 4, 3), new byte[24]),
                "{\"quantization_config\": {\"quant_method\": \"mxfp4\"}}", InvalidQuantization, m + "_blocks", "[..., G, 16]");
        fails(new TestCheckpoint().add(P + ".weight", DType.U8, shape(4, 16), new byte[64])
                .add(P + ".weight_scale", DType.F8_E4M3, shape(4, 4), new byte[16])
                .floats(P + ".weight_scale_2", shape(), 1f),
                "{\"quantization_config\": {\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\"}}",
                InvalidQuantization, P + ".weight_scale", "[4, 2]");
        fails(new TestCheckpoint().add(P + ".weight", DType.F8_E4M3, shape(300, 256), new byte[300 * 256])
                .floats(P + ".weight_scale_inv", shape(2, 2), new float[4]),
                "{\"quantization_config\": {\"quant_method\": \"fp8\", \"weight_block_size\": [128, 128]}}",
                InvalidQuantization, P + ".weight_scale_inv", "128 × 128 blocks");
        fails(new TestCheckpoint().ints(P + ".weight", DType.U32, shape(8, 7), new int[56])
                .halves(P + ".scales", shape(8, 1), new float[8]).halves(P + ".biases", shape(8, 1), new float[8]),
                "{\"quantization\": {\"group_size\": 64, \"bits\": 4}}", InvalidQuantization, P + ".weight", "7 words",
                "need 8");
    }

    @Test
    void bitsandbytesStatesThatLie() {
        String good = "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float16\", \"shape\": [4, 32]}";
        fails(bnb("not json", 64), bnbConfig(), InvalidQuantization, P + ".weight.quant_state.bitsandbytes__nf4",
                "not bitsandbytes' JSON");
        fails(bnb(good.replace("[4, 32]", "[4, 64]"), 64), bnbConfig(), InvalidQuantization, P + ".weight", "64 bytes",
                "need 128");
        fails(bnb(good.replace("[4, 32]", "[4294967296, 4294967296, 4294967296]"), 64), bnbConfig(),
                InvalidQuantization, "shape");
        fails(bnb(good.replace("\"blocksize\": 64", "\"blocksize\": 0"), 64), bnbConfig(), InvalidQuantization,
                "blocksize", "positive");
        fails(bnb(good.replace("nf4", "fp4"), 64), bnbConfig(), InvalidQuantization, "quant_type", "fp4");
    }

    private static String bnbConfig() {
        return "{\"quantization_config\": {\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": true, "
                + "\"bnb_4bit_quant_type\": \"nf4\"}}";
    }

    private static TestCheckpoint bnb(String state, int weightBytes) {
        byte[] s = state.getBytes(StandardCharsets.UTF_8);
        return new TestCheckpoint().add(P + ".weight", DType.U8, shape(weightBytes, 1), new byte[weightBytes])
                .floats(P + ".weight.absmax", shape(2), 1f, 1f).floats(P + ".weight.quant_map", shape(16), new float[16])
                .add(P + ".weight.quant_state.bitsandbytes__nf4", DType.U8, shape(s.length), s);
    }

    @Test
    void badArgumentsAreCallerErrorsNotCrashes() throws Exception {
        Path d = gptq(c -> c, shape(32, 64), shape(2, 8), shape(2, 64), null).write(dir.resolve("args"),
                gptqConfig("4", "128"));
        try (QuantizedModel m = QuantizedModel.open(d)) {
            QuantizedLinear l = m.layers().get(0);
            assertThatThrownBy(() -> l.dequantize(-1, 3)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> l.dequantize(3, 65)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> l.dequantize(0, 1, DType.I8, java.lang.foreign.MemorySegment.ofArray(new byte[512])))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> l.dequantize(0, 2, DType.F32, java.lang.foreign.MemorySegment.ofArray(new byte[8])))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("need 2048");
        }
    }
}
