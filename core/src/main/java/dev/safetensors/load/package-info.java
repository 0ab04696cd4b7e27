/**
 * Streaming loads: a checkpoint's tensors (or a rank's pieces of them) read in parallel into bounded staging
 * memory and copied onto a device as they arrive ({@link dev.safetensors.Checkpoint#stream}).
 * {@link dev.safetensors.load.LoadPlan} says what to load, {@link dev.safetensors.load.LoadBudget} how much
 * memory and how many threads it may use, {@link dev.safetensors.load.TensorStream} hands out each
 * {@link dev.safetensors.load.LoadedTensor} as it finishes, and {@link dev.safetensors.load.LoadStats} says
 * what the load did.
 *
 * <pre>{@code
 * try (Arena arena = Arena.ofShared();
 *      TensorStream s = checkpoint.stream(Device.cpu(arena), LoadPlan.matching("model\\.layers\\.0\\..*"),
 *              LoadBudget.ofBytes(64L << 20))) {
 *     for (LoadedTensor t : s) System.out.println(t.name() + " " + t.tensor().byteSize());
 *     System.out.println(s.stats());
 * }
 * }</pre>
 */
package dev.safetensors.load;
