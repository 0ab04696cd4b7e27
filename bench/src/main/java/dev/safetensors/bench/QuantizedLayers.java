package dev.safetensors.bench;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes one quantized {@code [out, in]} layer per scheme, random codes and plausible scales, in the
 * producer's layout with its config.json: the inputs of {@link DequantizeBenchmark}.
 */
final class QuantizedLayers {
    static final String LAYER = "model.layers.0.mlp.up_proj";

    private QuantizedLayers() {
    }

    static Path write(String scheme, int out, int in, Path dir) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(scheme.hashCode());
        SafeTensorsWriter w = SafeTensorsWriter.create();
        String config = switch (scheme) {
            case "gptq4" -> {
                int groups = in / 128;
                w.add(LAYER + ".qweight", DType.I32, Shape.of(in / 8, out), TensorData.of(randomBytes(r, 4L * in / 8 * out)));
                w.add(LAYER + ".qzeros", DType.I32, Shape.of(groups, out / 8), TensorData.of(randomBytes(r, 4L * groups * out / 8)));
                w.add(LAYER + ".scales", DType.F16, Shape.of(groups, out), TensorData.of(halves(r, groups * out)));
                int[] gIdx = new int[in];
                for (int k = 0; k < in; k++) {
                    gIdx[k] = k / 128;
                }
                w.add(LAYER + ".g_idx", DType.I32, Shape.of(in), TensorData.of(gIdx));
                yield "{\"quantization_config\": {\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128}}";
            }
            case "awq" -> {
                int groups = in / 128;
                w.add(LAYER + ".qweight", DType.I32, Shape.of(in, out / 8), TensorData.of(randomBytes(r, 4L * in * out / 8)));
                w.add(LAYER + ".qzeros", DType.I32, Shape.of(groups, out / 8), TensorData.of(randomBytes(r, 4L * groups * out / 8)));
                w.add(LAYER + ".scales", DType.F16, Shape.of(groups, out), TensorData.of(halves(r, groups * out)));
                yield "{\"quantization_config\": {\"quant_method\": \"awq\", \"bits\": 4, \"group_size\": 128, "
                        + "\"version\": \"gemm\"}}";
            }
            case "mxfp4" -> {
                w.add(LAYER + ".weight_packed", DType.U8, Shape.of(out, in / 2), TensorData.of(randomBytes(r, (long) out * in / 2)));
                w.add(LAYER + ".weight_scale", DType.U8, Shape.of(out, in / 32), TensorData.of(codes(r, out * in / 32, 120, 8, false)));
                yield ct("mxfp4-pack-quantized", "\"num_bits\": 4, \"type\": \"float\", \"strategy\": \"group\", "
                        + "\"group_size\": 32");
            }
            case "nvfp4" -> {
                w.add(LAYER + ".weight_packed", DType.U8, Shape.of(out, in / 2), TensorData.of(randomBytes(r, (long) out * in / 2)));
                w.add(LAYER + ".weight_scale", DType.F8_E4M3, Shape.of(out, in / 16), TensorData.of(codes(r, out * in / 16, 0x30, 0x30, false)));
                w.add(LAYER + ".weight_global_scale", DType.F32, Shape.of(1), TensorData.of(new float[] {300f}));
                yield ct("nvfp4-pack-quantized", "\"num_bits\": 4, \"type\": \"float\", \"strategy\": \"tensor_group\", "
                        + "\"group_size\": 16");
            }
            case "fp8block" -> {
                w.add(LAYER + ".weight", DType.F8_E4M3, Shape.of(out, in), TensorData.of(codes(r, out * in, 0, 0x7E, true)));
                int gr = Math.ceilDiv(out, 128);
                int gc = Math.ceilDiv(in, 128);
                float[] s = new float[gr * gc];
                for (int i = 0; i < s.length; i++) {
                    s[i] = 1e-3f * (1 + r.nextFloat());
                }
                w.add(LAYER + ".weight_scale_inv", DType.F32, Shape.of(gr, gc), TensorData.of(s));
                yield "{\"quantization_config\": {\"quant_method\": \"fp8\", \"weight_block_size\": [128, 128]}}";
            }
            default -> throw new IllegalArgumentException("unknown scheme " + scheme);
        };
        w.write(dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("config.json"), config);
        return dir;
    }

    private static String ct(String format, String weights) {
        return "{\"quantization_config\": {\"quant_method\": \"compressed-tensors\", \"format\": \"" + format
                + "\", \"config_groups\": {\"g\": {\"targets\": [\"Linear\"], \"weights\": {" + weights + "}}}}}";
    }

    private static byte[] randomBytes(Random r, long n) {
        byte[] b = new byte[(int) n];
        r.nextBytes(b);
        return b;
    }

    /** Codes in {@code [base, base + span)}, half of them negated when {@code signed} (E4M3 NaN is never drawn). */
    private static byte[] codes(Random r, int n, int base, int span, boolean signed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            int c = base + r.nextInt(span);
            b[i] = (byte) (signed && r.nextBoolean() ? c | 0x80 : c);
        }
        return b;
    }

    private static byte[] halves(Random r, int n) {
        ByteBuffer b = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putShort(Float.floatToFloat16(1e-3f * (1 + r.nextFloat())));
        }
        return b.array();
    }
}
