package dev.safetensors.cli;

import dev.safetensors.quant.Quantizer;
import dev.safetensors.quant.WriteReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code safetensors quantize}: a dense checkpoint as compressed-tensors. */
final class QuantizeCommand implements Callable<Integer> {
    final CommandSpec spec;
    private final Main main;
    String in;
    Path out;
    String scheme;
    List<String> ignore;

    QuantizeCommand(Main main) {
        this.main = main;
        spec = CommandModel.command("quantize", this, new String[] {
                "Quantize a dense checkpoint into the compressed-tensors layout.",
                "",
                "The output has a config.json that loads where compressed-tensors checkpoints load. Schemes:",
                "  fp8        FP8 E4M3, a scale per row (FP8_DYNAMIC)",
                "  fp8-block  FP8 E4M3, a scale per 128 x 128 block (FP8_BLOCK)",
                "  mxfp4      E2M1, an E8M0 scale per 32 (MXFP4A16)",
                "  nvfp4      E2M1, an E4M3 scale per 16 and a global scale (NVFP4A16)",
                "  int4       4-bit integers, symmetric, a scale per 128 (W4A16, pack-quantized)",
                "Round to nearest, no calibration. lm_head, embeddings and MoE routers stay dense unless --ignore "
                        + "says otherwise. A progress bar shows on a terminal."},
                "  safetensors quantize model/ model-fp8/ --scheme fp8",
                "  safetensors quantize model/ model-nvfp4/ --scheme nvfp4 --ignore lm_head --ignore 're:.*router'",
                "  safetensors quantize hf://org/model model-int4/ --scheme int4");
        spec.addPositional(CommandModel.positional(0, "IN", String.class, () -> in, v -> in = v)
                .description("a dense safetensors file, an index or a directory, or an hf:// address of one (downloaded "
                        + "into the Hub cache first)").build());
        spec.addPositional(CommandModel.positional(1, "OUT", Path.class, () -> out, v -> out = v)
                .description("the output directory").build());
        spec.addOption(CommandModel.option("--scheme", "SCHEME", String.class,
                () -> scheme, v -> scheme = v).required(true)
                .description("fp8, fp8-block, mxfp4, nvfp4 or int4.").build());
        spec.addOption(CommandModel.repeatable("--ignore", "MODULE", String.class, () -> ignore, v -> ignore = v)
                .description("Keep this layer dense: a module name, or re: and a regex matched from the start "
                        + "(repeatable; replaces the default list).").build());
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            Quantizer.Scheme s = Quantizer.Scheme.fromCliName(scheme);
            Path input = Inputs.local(in, this.out, main);
            WriteReport report;
            try (Progress bar = main.progress("quantize", 0, Progress.Unit.BYTES)) {
                report = Quantizer.quantize(input, this.out, s, ignore == null ? Quantizer.DEFAULT_IGNORE : ignore,
                        ProgressLine.on(bar));
            }
            out.printf("%s: %s, %,d tensors, %,d bytes%n", this.out, s.cliName(), report.tensors(), report.bytes());
            report.notes().forEach(n -> out.println("  note: " + n));
            report.files().forEach(f -> out.println("  " + f));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return 0;
    }
}
