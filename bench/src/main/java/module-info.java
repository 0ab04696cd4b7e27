/** JMH benchmarks of safetensors-java; run from the shaded jar on the class path, never a dependency. */
module dev.safetensors.bench {
    requires dev.safetensors.core;
    requires dev.safetensors.quant;
    requires java.management;
    requires dev.safetensors.torch;
    requires jmh.core;
    requires ai.djl.api;

    // JMH's generated harness instantiates the benchmark state classes reflectively.
    opens dev.safetensors.bench;
    opens dev.safetensors.bench.jmh_generated;
}
