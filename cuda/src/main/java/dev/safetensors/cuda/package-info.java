/**
 * NVIDIA (CUDA) and AMD (ROCm/HIP) GPUs as {@link dev.safetensors.device.Device}s, through the runtime libraries
 * found on the machine at run time (no build-time dependency, no JNI). With this module on the path,
 * {@code Device.open("cuda:0")} and {@code Device.open("rocm:0")} work and
 * {@link dev.safetensors.Checkpoint#stream} loads straight into device memory; {@link dev.safetensors.cuda.Gpus}
 * lists the GPUs and chooses the staging memory.
 *
 * <pre>{@code
 * try (Checkpoint ckpt = Checkpoint.open(Path.of("model.safetensors"));
 *      Device gpu = Device.open("cuda:0");
 *      TensorStream s = ckpt.stream(gpu, LoadPlan.all(), LoadBudget.defaults())) {
 *     for (LoadedTensor t : s) weights.put(t.name(), t.tensor());   // t.tensor().address(): a device pointer
 * }
 * }</pre>
 *
 * <p>Native calls need {@code --enable-native-access=dev.safetensors.cuda} (module path) or
 * {@code ALL-UNNAMED} (class path).
 */
package dev.safetensors.cuda;
