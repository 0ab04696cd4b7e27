package dev.safetensors.quant;

import static dev.safetensors.quant.IntegerSchemesTest.check;
import static dev.safetensors.quant.TestCheckpoint.shape;
import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.DType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * bitsandbytes 4-bit end to end: blockwise absmax over the flattened weight (blocks running across rows when
 * a row is not a whole number of blocks), codes packed high nibble first, the codebook and the JSON
 * quant_state stored beside them, optionally nested (double) quantization of the absmax.
 */
class BitsAndBytes4BitTest {
    /** NF4 (quant/README.md#layouts-read). */
    static final float[] NF4 = {-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f,
        0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f,
        0.5626170039176941f, 0.7229568362236023f, 1.0f};
    /** A codebook of bitsandbytes' FP4 shape; the format reads whatever quant_map holds. */
    static final float[] FP4 = {0f, 0.0052f, 0.6667f, 1.0f, 0.3333f, 0.5f, 0.1667f, 0.25f, -0f, -0.0052f, -0.6667f,
        -1.0f, -0.3333f, -0.5f, -0.1667f, -0.25f};

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}, {1} × {2}, nested {3}")
    @CsvSource({"nf4, 64, 128, false", "nf4, 48, 100, false", "fp4, 32, 64, false", "nf4, 96, 80, true"})
    void dequantizesAsBitsandbytes(String type, int out, int in, boolean nested) {
        float[] codebook = type.equals("nf4") ? NF4 : FP4;
        int blockSize = 64;
        int n = out * in;
        int blocks = (n + blockSize - 1) / blockSize;
        float[] w = Reference.randomMatrix(out + in, out, in, 0.1f);
        float[] absmax = new float[blocks];
        for (int b = 0; b < blocks; b++) {
            absmax[b] = Reference.maxAbs(w, b * blockSize, Math.min(n, (b + 1) * blockSize));
        }
        // Nested: absmax − offset as 8-bit codes of a 256-entry map, one F32 scale per 256 absmax.
        float offset = 0;
        float[] nestedMap = new float[256];
        int nestedBlock = 256;
        float[] nestedAbsmax = new float[(blocks + nestedBlock - 1) / nestedBlock];
        byte[] absmaxCodes = new byte[blocks];
        float[] effective = absmax.clone();
        if (nested) {
            for (float a : absmax) {
                offset += a / blocks;
            }
            for (int c = 0; c < 256; c++) {
                nestedMap[c] = (c - 127.5f) / 127.5f;
            }
            for (int nb = 0; nb < nestedAbsmax.length; nb++) {
                for (int b = nb * nestedBlock; b < Math.min(blocks, (nb + 1) * nestedBlock); b++) {
                    nestedAbsmax[nb] = Math.max(nestedAbsmax[nb], Math.abs(absmax[b] - offset));
                }
            }
            for (int b = 0; b < blocks; b++) {
                float scale = nestedAbsmax[b / nestedBlock];
                int code = nearest(nestedMap, (absmax[b] - offset) / scale);
                absmaxCodes[b] = (byte) code;
                effective[b] = nestedMap[code] * scale + offset;
            }
        }
        byte[] packed = new byte[(n + 1) / 2];
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            int code = nearest(codebook, w[i] / absmax[i / blockSize]);
            packed[i / 2] |= (byte) (code << ((i & 1) == 0 ? 4 : 0));      // element 2j in the high nibble
            expected[i] = codebook[code] * effective[i / blockSize];
        }
        String p = "model.transformer.blocks.0.att_proj";
        String state = "{\"quant_type\": \"" + type + "\", \"blocksize\": 64, \"dtype\": \"bfloat16\", \"shape\": [" + out
                + ", " + in + "]" + (nested ? ", \"nested_blocksize\": 256, \"nested_dtype\": \"float32\", "
                + "\"nested_offset\": " + offset : "") + "}";
        TestCheckpoint ckpt = new TestCheckpoint().add(p + ".weight", DType.U8, shape(packed.length, 1), packed)
                .floats(p + ".weight.quant_map", shape(16), codebook)
                .add(p + ".weight.quant_state.bitsandbytes__" + type, DType.U8,
                        shape(state.getBytes(StandardCharsets.UTF_8).length), state.getBytes(StandardCharsets.UTF_8))
                .halves(p + ".bias", shape(out), new float[out]);
        if (nested) {
            ckpt.add(p + ".weight.absmax", DType.U8, shape(blocks), absmaxCodes)
                    .floats(p + ".weight.nested_absmax", shape(nestedAbsmax.length), nestedAbsmax)
                    .floats(p + ".weight.nested_quant_map", shape(256), nestedMap);
        } else {
            ckpt.floats(p + ".weight.absmax", shape(blocks), absmax);
        }
        ckpt.write(dir, "{\"quantization_config\": {\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": true, "
                + "\"bnb_4bit_quant_type\": \"" + type + "\", \"bnb_4bit_use_double_quant\": " + nested
                + ", \"llm_int8_skip_modules\": [\"model.vision_backbone\", \"model.transformer.ff_out\"]}}");
        try (QuantizedModel model = QuantizedModel.open(dir)) {
            QuantizedLinear layer = model.layer(p).orElseThrow();
            assertThat(layer.scheme()).isEqualTo(type.equals("nf4") ? QuantScheme.BNB_NF4 : QuantScheme.BNB_FP4);
            assertThat(layer.shape().dims()).containsExactly(out, in);
            assertThat(layer.groupSize()).isEqualTo(64);
            assertThat(model.denseTensorNames()).containsExactly(p + ".bias");
            check(layer, expected, in);
        }
    }

    private static int nearest(float[] book, float x) {
        int best = 0;
        for (int c = 1; c < book.length; c++) {
            if (Math.abs(book[c] - x) < Math.abs(book[best] - x)) {
                best = c;
            }
        }
        return best;
    }
}
