package dev.safetensors.cli;

import dev.safetensors.DType;
import dev.safetensors.quant.Dequantizer;
import dev.safetensors.quant.WriteReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code safetensors dequantize}: a quantized checkpoint back as a dense one. */
final class DequantizeCommand implements Callable<Integer> {
    final CommandSpec spec;
    private final Main main;
    String in;
    Path out;
    DType dtype;

    DequantizeCommand(Main main) {
        this.main = main;
        spec = CommandModel.command("dequantize", this, new String[] {
                "Write a quantized checkpoint as a dense one.",
                "",
                "Reads GPTQ, AWQ, FP8, MXFP4, NVFP4, compressed-tensors, bitsandbytes and MLX checkpoints;"
                        + " writes",
                "each quantized layer under the unquantized model's name and shape, every other tensor as it is.",
                "Sharded IN gives the same shards and an index; config.json loses its quantization config.",
                "Memory stays bounded whatever the layer size. A progress bar shows on a terminal."},
                "  safetensors dequantize model-gptq/ model-bf16/",
                "  safetensors dequantize model-fp8.safetensors dense.safetensors --dtype F32",
                "  safetensors dequantize hf://org/model-AWQ model-bf16/");
        spec.addPositional(CommandModel.positional(0, "IN", String.class, () -> in, v -> in = v)
                .description("a safetensors file, an index or a directory, with its config.json (or "
                        + "quantize_config.json, hf_quant_config.json) beside it; or an hf:// address of one (downloaded "
                        + "into the Hub cache first, with its configs)").build());
        spec.addPositional(CommandModel.positional(1, "OUT", Path.class, () -> out, v -> out = v)
                .description("an output directory, or a .safetensors file for a single-file IN").build());
        spec.addOption(CommandModel.option("--dtype", "DTYPE", DType.class,
                () -> dtype, v -> dtype = v).defaultValue("BF16")
                .description("BF16 (default), F16 or F32.").build());
    }

    @Override
    public Integer call() {
        if (dtype != DType.BF16 && dtype != DType.F16 && dtype != DType.F32) {
            throw new ParameterException(spec.commandLine(), "--dtype must be BF16, F16 or F32, not " + dtype);
        }
        PrintWriter out = spec.commandLine().getOut();
        try {
            Path input = Inputs.local(in, this.out, main);
            WriteReport report;
            try (Progress bar = main.progress("dequantize", 0, Progress.Unit.BYTES)) {
                report = Dequantizer.dequantize(input, this.out, dtype, ProgressLine.on(bar));
            }
            out.printf("%s: %,d tensors, %,d bytes as %s%n", this.out, report.tensors(), report.bytes(), dtype);
            report.files().forEach(f -> out.println("  " + f));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return 0;
    }
}
