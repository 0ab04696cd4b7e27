/** The {@code safetensors} command line. */
module dev.safetensors.cli {
    requires dev.safetensors.core;
    requires dev.safetensors.quant;
    requires dev.safetensors.cuda;
    requires dev.safetensors.hub;
    requires dev.safetensors.torch;
    requires info.picocli;
    requires me.tongfei.progressbar;
    // No `opens` for picocli: the commands declare their options in code (CommandModel), nothing is reflected on.
}
