package dev.safetensors;

import dev.safetensors.internal.json.JsonReader;
import java.nio.file.Files;
import java.nio.file.Path;

/** Child-JVM program for {@link HeaderMemoryTest}: reads a JSON document as values; prints OK or the kind. */
public final class JsonDocumentCase {
    public static void main(String[] args) throws Exception {
        try {
            JsonReader.parse(Files.readAllBytes(Path.of(args[0])), args[0]);
            System.out.println("OK");
        } catch (SafeTensorsException e) {
            System.out.println("KIND " + e.kind() + " " + e.detail());
        } catch (Throwable t) {
            System.out.println("ESCAPED " + t);
        }
    }
}
