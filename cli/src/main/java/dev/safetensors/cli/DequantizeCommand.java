package dev.safetensors.cli;

import dev.safetensors.DType;
import dev.safetensors.quant.Dequantizer;
import dev.safetensors.quant.WriteReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code safetensors dequantize}: a quantized checkpoint back as a dense one. */
@Command(name = "dequantize", mixinStandardHelpOptions = true,
        description = {"Write a quantized checkpoint (GPTQ, AWQ, FP8, MXFP4, NVFP4, compressed-tensors, bitsandbytes, "
                + "MLX) as a dense one:",
                "each quantized layer under the unquantized model's name and shape, every other tensor as it is.",
                "Sharded IN gives the same shards and an index; config.json loses its quantization config.",
                "Memory stays bounded whatever the layer size."})
final class DequantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "a safetensors file, an index or a directory, with its "
            + "config.json (or quantize_config.json, hf_quant_config.json) beside it")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "an output directory, or a .safetensors file for a "
            + "single-file IN")
    Path out;

    @Option(names = "--dtype", paramLabel = "DTYPE", defaultValue = "BF16",
            description = "BF16 (default), F16 or F32.")
    DType dtype;

    @Override
    public Integer call() {
        if (dtype != DType.BF16 && dtype != DType.F16 && dtype != DType.F32) {
            throw new ParameterException(spec.commandLine(), "--dtype must be BF16, F16 or F32, not " + dtype);
        }
        PrintWriter out = spec.commandLine().getOut();
        try {
            WriteReport report = Dequantizer.dequantize(in, this.out, dtype, ProgressLine.on(spec.commandLine().getErr()));
            out.printf("%s: %,d tensors, %,d bytes as %s%n", this.out, report.tensors(), report.bytes(), dtype);
            report.files().forEach(f -> out.println("  " + f));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return 0;
    }
}
