package dev.safetensors;

import dev.safetensors.internal.json.JsonReader;
import java.nio.file.Files;
import java.nio.file.Path;

/** Child-JVM program for {@link HeaderMemoryTest}: reads a JSON document as values (as an index
 * when the second argument is {@code index}); prints OK or the kind. */
public final class JsonDocumentCase {
    public static void main(String[] args) throws Exception {
        try {
            byte[] json = Files.readAllBytes(Path.of(args[0]));
            if (args.length > 1 && args[1].equals("index")) {
                ShardIndex.parse(json, args[0]);
            } else {
                JsonReader.parse(json, args[0]);
            }
            System.out.println("OK");
        } catch (SafeTensorsException e) {
            System.out.println("KIND " + e.kind() + " " + e.detail());
        } catch (Throwable t) {
            System.out.println("ESCAPED " + t);
        }
    }
}
