/**
 * safetensors-core: read, validate and write safetensors files, zero-copy through {@code java.lang.foreign}.
 *
 * <p>Exported: the API ({@code dev.safetensors}), dtype conversion ({@code dev.safetensors.convert}),
 * tensor- and pipeline-parallel plans ({@code dev.safetensors.parallel}) and the byte-source extension point
 * ({@code dev.safetensors.io}). Everything under {@code dev.safetensors.internal} is this module's own; a few
 * internal packages are shared with the project's other modules by qualified exports.
 */
module dev.safetensors.core {
    // com.sun.nio.file.ExtendedOpenOption.DIRECT (looked up reflectively): O_DIRECT reads for streaming loads.
    requires jdk.unsupported;

    exports dev.safetensors;
    exports dev.safetensors.convert;
    exports dev.safetensors.parallel;
    exports dev.safetensors.io;
    exports dev.safetensors.device;
    exports dev.safetensors.load;

    // Accelerators plug in here (safetensors-cuda provides cuda and rocm).
    uses dev.safetensors.device.DeviceProvider;

    // Checkpoint.open(URI) finds openers of other schemes (safetensors-hub: hf://, https://).
    uses dev.safetensors.io.CheckpointProvider;

    // The strict JSON reader and the serde/Python JSON writer, for configs, indexes and --json output.
    exports dev.safetensors.internal.json to dev.safetensors.cli, dev.safetensors.hub, dev.safetensors.quant;
    // Shortening of names and shapes a file can make absurdly long, for tables and messages.
    exports dev.safetensors.internal.text to dev.safetensors.cli;
    // Atomic replacement of files the command line, the converter and the quantizer write; little-endian layouts.
    exports dev.safetensors.internal.io to dev.safetensors.cli, dev.safetensors.torch, dev.safetensors.quant;
}
