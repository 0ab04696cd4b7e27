package dev.safetensors.hub.internal.download;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Include and exclude patterns as Python's {@code fnmatch.fnmatchcase} and the Python client's
 * {@code filter_repo_objects} apply them; expectations from the Python documentation of {@code fnmatch} and the
 * client's docstring example.
 */
class GlobsTest {

    @ParameterizedTest
    @CsvSource({
        "*.safetensors, model.safetensors, true",
        "*.safetensors, sub/dir/model.safetensors, true",   // * crosses slashes in fnmatch
        "*.safetensors, model.safetensors.index.json, false",
        "model-?????-of-*.safetensors, model-00001-of-00002.safetensors, true",
        "model-?????-of-*.safetensors, model-0001-of-00002.safetensors, false",
        "[!.]*, README.md, true",
        "[!.]*, .gitattributes, false",
        "[a-c]x, bx, true",
        "[a-c]x, dx, false",
        "[]]x, ]x, true",
        "a[, a[, true",
        "*.JSON, config.json, false",                      // case-sensitive
        "original/, original/params.json, true",           // a folder: everything below it
        "original/, originalx/params.json, false",
        "sub\\*.bin, sub/a.bin, true",                     // backslashes are slashes
        "a.b, aXb, false",
        "(x)+, (x)+, true",
    })
    void matchesAsFnmatch(String pattern, String path, boolean expected) {
        assertThat(new Globs(List.of(pattern), List.of()).keeps(path)).isEqualTo(expected);
    }

    @Test
    void theClientsDocstringExample() {
        Globs g = new Globs(List.of("*.pdf"), List.of(".*"));
        assertThat(List.of("aaa.pdf", "bbb.jpg", ".ccc.pdf", ".ddd.png").stream().filter(g::keeps))
                .containsExactly("aaa.pdf");
    }

    @Test
    void noIncludeKeepsAllButTheExcluded() {
        Globs g = new Globs(List.of(), List.of("*.bin", "original/"));
        assertThat(g.keeps("model.safetensors")).isTrue();
        assertThat(g.keeps("pytorch_model.bin")).isFalse();
        assertThat(g.keeps("original/consolidated.pth")).isFalse();
    }
}
