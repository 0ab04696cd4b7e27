/** The {@code safetensors} command line. */
module dev.safetensors.cli {
    requires dev.safetensors.core;
    requires dev.safetensors.quant;
    requires dev.safetensors.cuda;
    requires dev.safetensors.hub;
    requires dev.safetensors.torch;
    requires info.picocli;

    // picocli fills the @Option and @Parameters fields of the commands reflectively.
    opens dev.safetensors.cli to info.picocli;
}
