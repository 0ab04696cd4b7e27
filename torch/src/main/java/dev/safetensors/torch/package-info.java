/**
 * PyTorch checkpoints ({@code .bin}, {@code .pt}, {@code .pth}, zip or legacy, single or sharded) read without
 * executing any of their pickle code, and converted to safetensors.
 * {@link dev.safetensors.torch.TorchCheckpoint} opens a checkpoint and lists its tensors (and what it skipped:
 * optimizer state, numbers, strings); {@link dev.safetensors.torch.TorchConverter} writes it as safetensors,
 * shared storages written once, as the reference converter does. A pickle that asks for anything but plain
 * data fails with {@code SafeTensorsException} of kind {@code UnsafePickle} before anything is built.
 *
 * <pre>{@code
 * try (TorchCheckpoint ckpt = TorchCheckpoint.open(Path.of("pytorch_model.bin"))) {
 *     byte[] raw = ckpt.tensor("lm_head.weight").toByteArray();   // little-endian, contiguous
 *     ConversionReport r = TorchConverter.create().convert(ckpt, Path.of("model.safetensors"));
 * }
 * }</pre>
 */
package dev.safetensors.torch;
