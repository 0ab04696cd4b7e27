package dev.safetensors.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safetensors.SafeTensorsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A multi-file checkpoint: pytorch_model-0000N-of-0000M.bin with pytorch_model.bin.index.json, made with torch. */
class ShardedInputTest {
    @TempDir
    Path dir;

    private static final String FIRST = "pytorch_model-00001-of-00002.bin";
    private static final String SECOND = "pytorch_model-00002-of-00002.bin";

    private Path copy(String... names) throws IOException {
        for (String n : names) {
            Files.copy(Fixtures.generated("sharded/" + n), dir.resolve(n));
        }
        return dir;
    }

    @Test
    void theDirectoryTheIndexAndTheShardsTogether() {
        Path sharded = Fixtures.generated("sharded/pytorch_model.bin.index.json").getParent();
        for (Path p : new Path[] {sharded, sharded.resolve("pytorch_model.bin.index.json")}) {
            try (TorchCheckpoint ckpt = TorchCheckpoint.open(p)) {
                assertThat(ckpt.files()).extracting(f -> f.getFileName().toString()).containsExactly(FIRST, SECOND);
                assertThat(ckpt.names()).containsExactly("layer.0.weight", "layer.0.bias", "layer.1.weight",
                        "layer.1.bias", "head.weight");
                assertThat(ckpt.index()).isPresent();
                assertThat(ckpt.tensor("head.weight").file().getFileName().toString()).isEqualTo(SECOND);
            }
        }
    }

    @Test
    void aNumberedSetWithoutIndexMustBeComplete() throws IOException {
        copy(FIRST, SECOND);
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(dir)) {
            assertThat(ckpt.size()).isEqualTo(5);
            assertThat(ckpt.index()).isEmpty();
        }
        Files.delete(dir.resolve(FIRST));
        Files.copy(Fixtures.generated("views.pt"), dir.resolve("other.pt"));
        SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class, () -> TorchCheckpoint.open(dir));
        assertThat(e.getMessage()).contains("not one numbered set");
        Files.delete(dir.resolve("other.pt"));
        Files.copy(Fixtures.generated("sharded/" + SECOND), dir.resolve("pytorch_model-00003-of-00003.bin"));
        Files.delete(dir.resolve(SECOND));
        e = catchThrowableOfType(SafeTensorsException.class, () -> TorchCheckpoint.open(dir));
        assertThat(e.getMessage()).contains("shards [00001, 00002] of 3 are missing");
    }

    @Test
    void theIndexAndTheShardsMustAgreeBothWays() throws IOException {
        copy(FIRST, SECOND);
        String index = Files.readString(Fixtures.generated("sharded/pytorch_model.bin.index.json"));
        Files.writeString(dir.resolve("pytorch_model.bin.index.json"), index.replace("\"head.weight\"", "\"head.w\""));
        SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class, () -> TorchCheckpoint.open(dir));
        assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidHeaderDeserialization);
        assertThat(e.getMessage()).contains("tensor `head.weight` is in " + SECOND + ", but the index does not list it");

        Files.writeString(dir.resolve("pytorch_model.bin.index.json"),
                index.replace("\"layer.0.bias\": \"" + FIRST + "\"", "\"layer.0.bias\": \"" + SECOND + "\""));
        e = catchThrowableOfType(SafeTensorsException.class, () -> TorchCheckpoint.open(dir));
        assertThat(e.getMessage()).contains("tensor `layer.0.bias` is in " + FIRST + ", but the index maps it to " + SECOND);
    }

    @Test
    void indexShardNamesCannotLeaveTheDirectory() throws IOException {
        copy(FIRST);
        Files.writeString(dir.resolve("pytorch_model.bin.index.json"),
                "{\"weight_map\": {\"a\": \"../" + FIRST + "\"}}");
        SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class, () -> TorchCheckpoint.open(dir));
        assertThat(e.getMessage()).contains("must be a bare file name");
    }
}
