package dev.safetensors.cli;

import dev.safetensors.quant.Quantizer;
import dev.safetensors.quant.WriteReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code safetensors quantize}: a dense checkpoint as compressed-tensors. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Quantize a dense checkpoint into the compressed-tensors layout, with a config.json that loads "
                + "where compressed-tensors checkpoints load:",
                "  fp8        FP8 E4M3, a scale per row (FP8_DYNAMIC)",
                "  fp8-block  FP8 E4M3, a scale per 128 x 128 block (FP8_BLOCK)",
                "  mxfp4      E2M1, an E8M0 scale per 32 (MXFP4A16)",
                "  nvfp4      E2M1, an E4M3 scale per 16 and a global scale (NVFP4A16)",
                "  int4       4-bit integers, symmetric, a scale per 128 (W4A16, pack-quantized)",
                "Round to nearest, no calibration. lm_head, embeddings and MoE routers stay dense unless --ignore "
                        + "says otherwise."})
final class QuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "a dense safetensors file, an index or a directory")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "the output directory")
    Path out;

    @Option(names = "--scheme", required = true, paramLabel = "SCHEME",
            description = "fp8, fp8-block, mxfp4, nvfp4 or int4.")
    String scheme;

    @Option(names = "--ignore", paramLabel = "MODULE",
            description = "Keep this layer dense: a module name, or re: and a regex matched from the start "
                    + "(repeatable; replaces the default list).")
    List<String> ignore;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            Quantizer.Scheme s = Quantizer.Scheme.fromCliName(scheme);
            WriteReport report = Quantizer.quantize(in, this.out, s, ignore == null ? Quantizer.DEFAULT_IGNORE : ignore,
                    ProgressLine.on(spec.commandLine().getErr()));
            out.printf("%s: %s, %,d tensors, %,d bytes%n", this.out, s.cliName(), report.tensors(), report.bytes());
            report.notes().forEach(n -> out.println("  note: " + n));
            report.files().forEach(f -> out.println("  " + f));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        return 0;
    }
}
