/**
 * safetensors-core: read, validate and write safetensors files.
 */
module dev.safetensors.core {
    exports dev.safetensors;
    exports dev.safetensors.convert;
    exports dev.safetensors.parallel;
    exports dev.safetensors.io;
}
