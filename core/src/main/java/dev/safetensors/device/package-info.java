/**
 * Devices tensors are loaded onto: the CPU ({@link dev.safetensors.device.Device#cpu()}), and accelerators
 * that modules such as {@code safetensors-cuda} plug in as a {@link dev.safetensors.device.DeviceProvider}.
 * A device allocates {@link dev.safetensors.device.DeviceTensor}s, pinned staging memory
 * ({@link dev.safetensors.device.HostBuffer}) and asynchronous copies ({@link dev.safetensors.device.PendingCopy}).
 *
 * <pre>{@code
 * try (Device gpu = Device.open("cuda:0");
 *      TensorStream s = checkpoint.stream(gpu, LoadPlan.all(), LoadBudget.defaults())) {
 *     for (LoadedTensor t : s) weights.put(t.name(), t.tensor());
 * }
 * }</pre>
 */
package dev.safetensors.device;
