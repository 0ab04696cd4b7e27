/** A user's application on the module path: it can reach only what safetensors-core exports. */
module com.example.consumer {
    requires dev.safetensors.core;
}
