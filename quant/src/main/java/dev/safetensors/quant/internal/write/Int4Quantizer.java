package dev.safetensors.quant.internal.write;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import dev.safetensors.internal.io.LittleEndian;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

/**
 * compressed-tensors {@code pack-quantized} 4-bit integers, symmetric, groups of 128 ({@code W4A16}):
 * {@code scale = amax / 7.5} per group (the range −8..7 over 2 × 7.5), {@code q = clamp(round(x / scale), −8, 7)}
 * rounded half to even as {@code torch.round}, stored as {@code q + 8} eight to a word, value 0 lowest.
 */
record Int4Quantizer() implements WeightQuantizer {
    static final int GROUP = 128;

    @Override
    public String format() {
        return "pack-quantized";
    }

    @Override
    public boolean fits(Tensor weight) {
        return SourceRows.isDenseMatrix(weight) && weight.shape().dim(1) % GROUP == 0;
    }

    @Override
    public List<QuantizedTensor> quantize(String layer, Tensor weight) {
        long out = weight.shape().dim(0);
        int in = (int) weight.shape().dim(1);
        int groups = in / GROUP;
        DType scaleType = WeightQuantizer.scaleType(weight);
        TensorData packed = sink -> {
            try (SourceRows rows = new SourceRows(weight); Arena arena = Arena.ofConfined()) {
                float[] row = new float[in];
                float[] scales = new float[groups];
                MemorySegment words = arena.allocate(in / 2);
                for (long r = 0; r < out; r++) {
                    rows.read(r, row);
                    scales(row, scaleType, scales);
                    for (int w = 0; w < in / 8; w++) {
                        int word = 0;
                        for (int j = 0; j < 8; j++) {
                            int c = 8 * w + j;
                            int q = (int) Math.max(-8, Math.min(7, Math.rint(row[c] / scales[c / GROUP])));
                            word |= (q + 8) << (4 * j);
                        }
                        words.set(LittleEndian.INT, 4L * w, word);
                    }
                    sink.write(words);
                }
            }
        };
        TensorData scaleData = sink -> {
            try (SourceRows rows = new SourceRows(weight); Arena arena = Arena.ofConfined()) {
                float[] row = new float[in];
                float[] scales = new float[groups];
                MemorySegment bytes = arena.allocate((long) groups * scaleType.bits() / 8);
                for (long r = 0; r < out; r++) {
                    rows.read(r, row);
                    scales(row, scaleType, scales);
                    FloatEncoder.encode(scales, 0, groups, scaleType, Overflow.SATURATE, bytes);
                    sink.write(bytes);
                }
            }
        };
        byte[] shape = new byte[16];
        MemorySegment.ofArray(shape).set(LittleEndian.LONG, 0, out);
        MemorySegment.ofArray(shape).set(LittleEndian.LONG, 8, in);
        return List.of(new QuantizedTensor(layer + ".weight_packed", DType.I32, Shape.of(out, in / 8), packed),
                new QuantizedTensor(layer + ".weight_scale", scaleType, Shape.of(out, groups), scaleData),
                new QuantizedTensor(layer + ".weight_shape", DType.I64, Shape.of(2), TensorData.of(shape)));
    }

    private static void scales(float[] row, DType scaleType, float[] scales) {
        for (int g = 0; g < scales.length; g++) {
            float amax = 0;
            for (int c = g * GROUP; c < (g + 1) * GROUP; c++) {
                amax = Math.max(amax, Math.abs(row[c]));
            }
            scales[g] = WeightQuantizer.nonZero(scaleType, WeightQuantizer.roundTo(scaleType, amax / 7.5f));
        }
    }

    @Override
    public Map<String, Object> weightArgs() {
        return WeightQuantizer.args(4, "int", "group", GROUP, null, false, null);
    }

    @Override
    public Map<String, Object> inputArgs() {
        return null;
    }
}
