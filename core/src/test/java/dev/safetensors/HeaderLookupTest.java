package dev.safetensors;

import dev.safetensors.testing.MemorySource;
import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A name looked up in a {@link Header} that lacks it: TensorNotFound naming the file, however the header was made. */
class HeaderLookupTest {
    private static final String ONE = "{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}";

    @Test
    void readHeaderNamesTheSourceInTensorNotFound() {
        Header h = Header.read(new MemorySource(TestFiles.file(ONE, 1), "some/model.safetensors"), Header.DEFAULT_MAX_SIZE);
        assertThatThrownBy(() -> h.info("missing")).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
            assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.TensorNotFound);
            assertThat(e.source()).isEqualTo("some/model.safetensors");
            assertThat(e.getMessage()).startsWith("some/model.safetensors: ").contains("`missing`");
        });
    }

    @Test
    void parsedHeaderNamesTheSourceInTensorNotFound() {
        Header h = Header.parse(ONE.getBytes(StandardCharsets.UTF_8), 1, "given.safetensors");
        assertThatThrownBy(() -> h.info("x")).isInstanceOfSatisfying(SafeTensorsException.class,
                e -> assertThat(e.source()).isEqualTo("given.safetensors"));
    }
}
