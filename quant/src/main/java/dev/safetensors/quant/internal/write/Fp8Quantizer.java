package dev.safetensors.quant.internal.write;

import dev.safetensors.DType;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

/**
 * compressed-tensors {@code float-quantized} FP8: E4M3 codes and a scale {@code amax / 448} per row
 * ({@code FP8_DYNAMIC} preset) or per 128 × 128 block ({@code FP8_BLOCK}, DeepSeek-V3 style, partial edge
 * blocks), codes {@code E4M3(x / scale)} saturating at ±448 as compressed-tensors clamps before casting.
 *
 * @param block whether scales are per 128 × 128 block rather than per row
 */
record Fp8Quantizer(boolean block) implements WeightQuantizer {
    static final int BLOCK = 128;

    @Override
    public String format() {
        return "float-quantized";
    }

    @Override
    public boolean fits(Tensor weight) {
        return SourceRows.isDenseMatrix(weight);
    }

    @Override
    public List<QuantizedTensor> quantize(String layer, Tensor weight) {
        long out = weight.shape().dim(0);
        int in = (int) weight.shape().dim(1);
        DType scaleType = WeightQuantizer.scaleType(weight);
        long gridRows = block ? Math.ceilDiv(out, BLOCK) : out;
        int gridColumns = block ? Math.ceilDiv(in, BLOCK) : 1;
        TensorData codes = sink -> {
            try (SourceRows rows = new SourceRows(weight); Arena arena = Arena.ofConfined()) {
                float[] row = new float[in];
                float[] scales = new float[gridColumns];
                MemorySegment bytes = arena.allocate(in);
                for (long g = 0; g < gridRows; g++) {
                    scales(rows, weight, g, scaleType, scales, row);
                    for (long r = g * rowsPerScale(); r < Math.min(out, (g + 1) * rowsPerScale()); r++) {
                        rows.read(r, row);
                        for (int c = 0; c < in; c++) {
                            row[c] /= scales[c / columnsPerScale(in)];
                        }
                        FloatEncoder.encode(row, 0, in, DType.F8_E4M3, Overflow.SATURATE, bytes);
                        sink.write(bytes);
                    }
                }
            }
        };
        TensorData scaleData = sink -> {
            try (SourceRows rows = new SourceRows(weight); Arena arena = Arena.ofConfined()) {
                float[] row = new float[in];
                float[] scales = new float[gridColumns];
                MemorySegment bytes = arena.allocate((long) gridColumns * scaleType.bits() / 8);
                for (long g = 0; g < gridRows; g++) {
                    scales(rows, weight, g, scaleType, scales, row);
                    FloatEncoder.encode(scales, 0, gridColumns, scaleType, Overflow.SATURATE, bytes);
                    sink.write(bytes);
                }
            }
        };
        return List.of(new QuantizedTensor(layer + ".weight", DType.F8_E4M3, weight.shape(), codes),
                new QuantizedTensor(layer + ".weight_scale", scaleType, Shape.of(gridRows, gridColumns), scaleData));
    }

    private long rowsPerScale() {
        return block ? BLOCK : 1;
    }

    private int columnsPerScale(int in) {
        return block ? BLOCK : in;
    }

    /** The scales of grid row {@code g}: each block's amax / 448, rounded to the stored dtype, never zero. */
    private void scales(SourceRows rows, Tensor weight, long g, DType scaleType, float[] scales, float[] row) {
        long out = weight.shape().dim(0);
        int in = row.length;
        java.util.Arrays.fill(scales, 0f);
        for (long r = g * rowsPerScale(); r < Math.min(out, (g + 1) * rowsPerScale()); r++) {
            rows.read(r, row);
            for (int c = 0; c < in; c++) {
                int b = c / columnsPerScale(in);
                scales[b] = Math.max(scales[b], Math.abs(row[c]));
            }
        }
        for (int b = 0; b < scales.length; b++) {
            scales[b] = WeightQuantizer.nonZero(scaleType, WeightQuantizer.roundTo(scaleType, scales[b] / 448f));
        }
    }

    @Override
    public Map<String, Object> weightArgs() {
        return block ? WeightQuantizer.args(8, "float", "block", null, List.of(BLOCK, BLOCK), false, null)
                : WeightQuantizer.args(8, "float", "channel", null, null, false, null);
    }

    /** FP8_DYNAMIC quantizes activations per token, FP8_BLOCK per group of 128, both on the fly. */
    @Override
    public Map<String, Object> inputArgs() {
        return block ? WeightQuantizer.args(8, "float", "group", BLOCK, null, true, null)
                : WeightQuantizer.args(8, "float", "token", null, null, true, null);
    }
}
