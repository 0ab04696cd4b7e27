/**
 * Reading and writing safetensors files: the API a user's code touches.
 *
 * <p>{@link dev.safetensors.SafeTensorsFile} opens one file and validates its header as the reference does;
 * {@link dev.safetensors.Checkpoint} opens a file, an index or a directory of shards behind one interface;
 * {@link dev.safetensors.Tensor} and {@link dev.safetensors.TensorSlice} read a tensor, or a NumPy-style part of
 * one, lazily and zero-copy where the file is mapped; {@link dev.safetensors.SafeTensorsWriter} and
 * {@link dev.safetensors.ShardedWriter} write byte-identical to the reference writer, atomically. Every failure
 * caused by a file is a {@link dev.safetensors.SafeTensorsException} whose kind is the reference's error name.
 *
 * <pre>{@code
 * try (Checkpoint ckpt = Checkpoint.open(Path.of("model.safetensors"))) {
 *     Tensor w = ckpt.tensor("fc1.weight");
 *     float[] values = w.toFloatArray();                  // any float dtype, decoded exactly
 *     float[] rows = w.slice("0:2, :").toFloatArray();    // reads only the first two rows
 * }
 * SafeTensorsWriter.create()
 *         .add("fc1.weight", DType.F32, Shape.of(2, 2), TensorData.of(new float[] {1, 2, 3, 4}))
 *         .write(Path.of("out.safetensors"));
 * }</pre>
 *
 * <p>The format as this library implements it, with its deliberate differences from the reference, is in
 * {@code docs/format.md}.
 */
package dev.safetensors;
