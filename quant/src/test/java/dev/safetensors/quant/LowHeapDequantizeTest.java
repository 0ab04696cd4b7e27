package dev.safetensors.quant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.SafeTensorsFile;
import dev.safetensors.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dequantizing a layer far larger than the heap, in a child JVM (slow: left out of ./run-tests --quick). */
@Tag("slow")
class LowHeapDequantizeTest {
    @TempDir
    Path dir;

    /** A layer whose dense form (128 MiB of F32) is far larger than the child JVM's 48 MiB heap. */
    @Test
    void boundedMemoryWhateverTheLayerSize() throws Exception {
        Path in = dir.resolve("big");
        Path out = dir.resolve("big-dense");
        ChildJvm.Result r = ChildJvm.run("48m", LowHeapDequantize.class, 300, in.toString(), out.toString());
        assertThat(r.exitCode()).as(r.output()).isZero();
        try (QuantizedModel model = QuantizedModel.open(in); SafeTensorsFile dense = SafeTensorsFile.open(
                out.resolve("model.safetensors"))) {
            QuantizedLinear layer = model.layers().get(0);
            Tensor t = dense.tensor(layer.denseName());
            assertThat(t.byteSize()).isEqualTo(4L * LowHeapDequantize.OUT * LowHeapDequantize.IN);
            for (long row : new long[] {0, 1234, LowHeapDequantize.OUT - 1}) {
                float[] expected = layer.dequantize(row, row + 1);
                float[] got = t.slice(row + ":" + (row + 1)).toFloatArray();
                assertThat(got).containsExactly(expected);
            }
        }
    }
}
