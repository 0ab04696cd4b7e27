package dev.safetensors.quant;

import dev.safetensors.DType;
import dev.safetensors.quant.internal.write.DenseExport;
import java.nio.file.Path;

/**
 * Writes a quantized checkpoint back as a dense one: every quantized layer as F32, BF16 or F16 under the name
 * and shape the unquantized model has ({@code <layer>.weight} {@code [out, in]}; GPT-OSS experts as
 * transformers names them after its own dequantization, {@code <experts>.gate_up_proj} {@code [E, in, out]}),
 * every other tensor as it is, without the quantization's scales and zero points. A single file gives a single
 * file; a sharded checkpoint gives the same shards, each holding the dense form of what the input shard held,
 * and an index. A {@code config.json} beside the input is written beside a directory output without its
 * quantization config and with {@code torch_dtype} set. Each tensor is produced a tile at a time, so memory
 * stays bounded whatever the layer size; each file is replaced atomically.
 *
 * <pre>{@code
 * Dequantizer.dequantize(Path.of("Llama-GPTQ"), Path.of("Llama-bf16"), DType.BF16,
 *         (done, total, tensor) -> System.err.printf("%d/%d %s%n", done, total, tensor));
 * }</pre>
 */
public final class Dequantizer {
    private Dequantizer() {
    }

    /**
     * Dequantizes {@code in} (a file, an index or a directory, with its configs) into {@code out}: a
     * {@code .safetensors} file for a single-file input, else a directory (created if needed).
     *
     * @throws IllegalArgumentException for a dtype other than F32, BF16 and F16, or a file output for a
     *         sharded input
     * @throws dev.safetensors.SafeTensorsException as {@link QuantizedModel#open} throws, and {@code IoError}
     *         when writing fails
     */
    public static WriteReport dequantize(Path in, Path out, DType dtype, Progress progress) {
        return DenseExport.run(in, out, dtype, progress);
    }
}
