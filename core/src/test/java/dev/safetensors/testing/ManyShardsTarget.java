package dev.safetensors.testing;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.ReadStrategy;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;

import java.nio.file.Path;

/**
 * Child-JVM program for {@link DescriptorLimitTest}: opens a checkpoint of thousands of shards with the given
 * strategy, checks every tensor, and merges them into one file, as {@code safetensors convert} does. Prints
 * {@code merged N} on success.
 */
public final class ManyShardsTarget {
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        ReadStrategy strategy = ReadStrategy.valueOf(args[1]);
        Path merged = Path.of(args[2]);
        try (Checkpoint ckpt = Checkpoint.open(dir, OpenOptions.defaults().withStrategy(strategy))) {
            SafeTensorsWriter w = SafeTensorsWriter.create();
            for (String name : ckpt.names()) {
                Tensor t = ckpt.tensor(name);
                int expected = Integer.parseInt(name.substring(1));
                if (t.toIntArray()[0] != expected) {
                    throw new AssertionError(name + " reads " + t.toIntArray()[0]);
                }
                w.add(name, t.dtype(), t.shape(), TensorData.of(t.data()));
            }
            w.write(merged);
            System.out.println("merged " + ckpt.size());
        }
    }
}
