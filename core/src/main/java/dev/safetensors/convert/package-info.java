/**
 * Converting tensor values between dtypes: every float dtype decoded to {@code float} exactly
 * ({@link dev.safetensors.convert.FloatDecoder}), encoded back with round-to-nearest-even and an explicit
 * overflow rule ({@link dev.safetensors.convert.FloatEncoder}, {@link dev.safetensors.convert.Overflow}), and
 * whole tensors re-encoded as a writer streams them ({@link dev.safetensors.convert.Conversion}), counting
 * the values that left the target's range ({@link dev.safetensors.convert.ConversionCounts}).
 *
 * <pre>{@code
 * try (SafeTensorsFile in = SafeTensorsFile.open(Path.of("model.safetensors"))) {
 *     SafeTensorsWriter out = SafeTensorsWriter.create();
 *     for (Tensor t : in.tensors()) {
 *         out.add(t.name(), DType.BF16, t.shape(), Conversion.of(t, DType.BF16));
 *     }
 *     out.write(Path.of("model-bf16.safetensors"));
 * }
 * }</pre>
 *
 * <p>Where sub-byte elements sit in their bytes is the caller's choice ({@link dev.safetensors.convert.SubBytePacking}):
 * the format does not say.
 */
package dev.safetensors.convert;
