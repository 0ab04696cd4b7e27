package dev.safetensors;

import java.nio.file.Path;

/**
 * Child-JVM program for {@link HeaderMemoryTest}: opens a file, touches every tensor's description and
 * the metadata, and prints {@code OK}, {@code KIND <kind> <message>} or, for anything else, its name.
 */
public final class HeaderMemoryCase {
    public static void main(String[] args) {
        try (SafeTensorsFile f = SafeTensorsFile.open(Path.of(args[0]))) {
            long ranks = 0;
            for (Tensor t : f.tensors()) {
                ranks += t.shape().rank();
            }
            f.metadata().ifPresent(m -> m.forEach((k, v) -> { }));
            System.out.println("OK " + f.size() + " tensors, rank sum " + ranks);
        } catch (SafeTensorsException e) {
            System.out.println("KIND " + e.kind() + " " + e.detail());
        } catch (Throwable t) {
            System.out.println("ESCAPED " + t);
        }
    }
}
