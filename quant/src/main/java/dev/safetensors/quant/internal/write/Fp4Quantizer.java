package dev.safetensors.quant.internal.write;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;

/**
 * compressed-tensors {@code mxfp4-pack-quantized} and {@code nvfp4-pack-quantized} (weight-only presets
 * {@code MXFP4A16}, {@code NVFP4A16}): E2M1 codes packed low nibble first, rounded to nearest even and
 * saturating at ±6.
 * <ul>
 * <li>MXFP4: per 32 values an E8M0 scale {@code 2^(⌊log2 amax⌋ − 2)} (OCP MX v1.0; compressed-tensors
 *     {@code generate_mx_scales}), stored as its biased exponent in U8; a block of zeros gets 2^0.</li>
 * <li>NVFP4: a per-tensor {@code weight_global_scale = 448 × 6 / amax} (1 when amax is 0), per 16 values an
 *     E4M3 scale {@code E4M3(amax_block / 6 × global)} (a zero one replaced by E4M3's epsilon 0.125, as
 *     compressed-tensors does), codes of {@code x / (scale / global)}.</li>
 * </ul>
 *
 * @param nv NVFP4 rather than MXFP4
 */
record Fp4Quantizer(boolean nv) implements WeightQuantizer {

    int block() {
        return nv ? 16 : 32;
    }

    @Override
    public String format() {
        return nv ? "nvfp4-pack-quantized" : "mxfp4-pack-quantized";
    }

    @Override
    public boolean fits(Tensor weight) {
        return SourceRows.isDenseMatrix(weight) && weight.shape().dim(1) % block() == 0;
    }

    @Override
    public List<QuantizedTensor> quantize(String layer, Tensor weight) {
        long out = weight.shape().dim(0);
        int in = (int) weight.shape().dim(1);
        int groups = in / block();
        float global = nv ? globalScale(SourceRows.amax(weight)) : 1f;
        TensorData codes = rows(weight, (row, scales, bytes, bytesOut) -> {
            for (int c = 0; c < in; c++) {
                row[c] /= scales[c / block()];
            }
            FloatEncoder.encode(row, 0, in, DType.F4, Overflow.SATURATE, bytes);
        }, in / 2, global);
        TensorData scaleData = rows(weight, (row, scales, bytes, codesOut) -> {
            for (int g = 0; g < groups; g++) {
                bytes.set(ValueLayout.JAVA_BYTE, g, (byte) codesOut[g]);
            }
        }, groups, global);
        QuantizedTensor packed = new QuantizedTensor(layer + ".weight_packed", DType.U8, Shape.of(out, in / 2), codes);
        QuantizedTensor scale = new QuantizedTensor(layer + ".weight_scale", nv ? DType.F8_E4M3 : DType.U8,
                Shape.of(out, groups), scaleData);
        if (!nv) {
            return List.of(packed, scale);
        }
        byte[] g = new byte[4];
        MemorySegment.ofArray(g).set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0,
                global);
        return List.of(packed, scale, new QuantizedTensor(layer + ".weight_global_scale", DType.F32, Shape.of(1),
                TensorData.of(g)));
    }

    static float globalScale(float amax) {
        float g = 448f * 6f / amax;
        return Float.isFinite(g) && g > 0 ? g : 1f;
    }

    /** What to write for one row, given its values, the effective scales and the scale codes. */
    private interface RowWriter {
        void write(float[] row, float[] scales, MemorySegment bytes, int[] scaleCodes);
    }

    /** Streams {@code bytesPerRow} bytes per row: each row read, its block scales computed, then written. */
    private TensorData rows(Tensor weight, RowWriter writer, int bytesPerRow, float global) {
        return sink -> {
            int in = (int) weight.shape().dim(1);
            int groups = in / block();
            try (SourceRows rows = new SourceRows(weight); Arena arena = Arena.ofConfined()) {
                float[] row = new float[in];
                float[] scales = new float[groups];
                int[] scaleCodes = new int[groups];
                MemorySegment bytes = arena.allocate(bytesPerRow);
                for (long r = 0; r < weight.shape().dim(0); r++) {
                    rows.read(r, row);
                    for (int g = 0; g < groups; g++) {
                        float amax = 0;
                        for (int j = g * block(); j < (g + 1) * block(); j++) {
                            amax = Math.max(amax, Math.abs(row[j]));
                        }
                        scaleCodes[g] = nv ? e4m3Scale(amax, global) : e8m0Scale(amax);
                        scales[g] = nv ? e4m3(scaleCodes[g]) / global : Math.scalb(1f, scaleCodes[g] - 127);
                    }
                    writer.write(row, scales, bytes, scaleCodes);
                    sink.write(bytes);
                }
            }
        };
    }

    /** The biased E8M0 exponent of {@code 2^(⌊log2 amax⌋ − 2)}: the largest value lands in [4, 8) before FP4. */
    static int e8m0Scale(float amax) {
        if (!(amax > 0) || !Float.isFinite(amax)) {
            return 127;
        }
        return Math.max(0, Math.min(254, 127 + Math.getExponent(amax) - 2));
    }

    private static int e4m3Scale(float amax, float global) {
        int code = FloatEncoder.toF8(amax / 6f * global, DType.F8_E4M3, Overflow.SATURATE);
        return (code & 0x7F) == 0 ? FloatEncoder.toF8(0.125f, DType.F8_E4M3, Overflow.SATURATE) : code;
    }

    private static final float[] E4M3 = dev.safetensors.quant.internal.kernel.Codebook.bytes(DType.F8_E4M3);

    private static float e4m3(int code) {
        return E4M3[code & 0xFF];
    }

    @Override
    public Map<String, Object> weightArgs() {
        return nv ? WeightQuantizer.args(4, "float", "tensor_group", 16, null, false, "torch.float8_e4m3fn")
                : WeightQuantizer.args(4, "float", "group", 32, null, false, "torch.uint8");
    }

    @Override
    public Map<String, Object> inputArgs() {
        return null;
    }
}
