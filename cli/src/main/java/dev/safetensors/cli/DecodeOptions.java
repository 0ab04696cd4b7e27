package dev.safetensors.cli;

import dev.safetensors.convert.SubBytePacking;
import picocli.CommandLine.Model.CommandSpec;

/** How the commands that read values decode sub-byte dtypes: F4 as PyTorch packs it, F6 only in a named order. */
final class DecodeOptions {
    SubBytePacking.F6Order f6;

    /** Adds {@code --f6} to a command that reads values. */
    void addTo(CommandSpec spec) {
        spec.addOption(CommandModel.option("--f6", "ORDER", SubBytePacking.F6Order.class, () -> f6, v -> f6 = v)
                .description("Bit order of F6 tensors, which the format leaves open: LSB_FIRST (the three bytes as a "
                        + "little-endian word, element 0 in the low six bits) or MSB_FIRST. Without it, F6 tensors "
                        + "are not read.").build());
    }

    SubBytePacking packing() {
        return SubBytePacking.DEFAULT.withF6(f6);
    }
}
