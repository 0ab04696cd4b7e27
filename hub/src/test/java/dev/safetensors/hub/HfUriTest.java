package dev.safetensors.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.hub.internal.HubUrls;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code hf://} URIs as the Python client's {@code parse_hf_uri} reads them: the examples of its
 * {@code hf_uris.md} (valid and rejected), and resolve addresses as {@code hf_hub_url} builds them.
 */
class HfUriTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "hf://my-org/my-model                              | MODEL   | my-org/my-model   | -                | ''",
        "hf://models/my-org/my-model                       | MODEL   | my-org/my-model   | -                | ''",
        "hf://models/my-org/my-model/config.json           | MODEL   | my-org/my-model   | -                | config.json",
        "hf://models/my-org/my-model@v1.0/config.json      | MODEL   | my-org/my-model   | v1.0             | config.json",
        "hf://datasets/my-org/my-dataset                   | DATASET | my-org/my-dataset | -                | ''",
        "hf://datasets/my-org/my-dataset@dev/train.csv     | DATASET | my-org/my-dataset | dev              | train.csv",
        "hf://spaces/my-user/my-space                      | SPACE   | my-user/my-space  | -                | ''",
        "hf://datasets/my-org/my-dataset@refs/pr/10/data.csv | DATASET | my-org/my-dataset | refs/pr/10     | data.csv",
        "hf://datasets/my-org/my-dataset@refs/convert/parquet/data.parquet | DATASET | my-org/my-dataset | refs/convert/parquet | data.parquet",
        "hf://org/m@feature%2Ffoo/a/b.safetensors          | MODEL   | org/m             | feature/foo      | a/b.safetensors",
        "hf://org/m/file@1.txt                             | MODEL   | org/m             | -                | file@1.txt",
        "hf://org/m@v1+2                                   | MODEL   | org/m             | v1+2             | ''",
    })
    void parsesTheDocumentedForms(String text, RepoType type, String id, String revision, String path) {
        HfUri uri = HfUri.parse(text);
        assertThat(uri.type()).isEqualTo(type);
        assertThat(uri.repoId()).isEqualTo(id);
        assertThat(uri.revision()).isEqualTo(revision);
        assertThat(uri.path()).isEqualTo(path);
        assertThat(HfUri.parse(uri.toString())).isEqualTo(uri);   // round trip
    }

    @ParameterizedTest
    @ValueSource(strings = {"my-org/my-model", "hf://dataset/org/m", "hf://model/org/m", "hf://datasets", "hf://gpt2",
            "hf://datasets/squad", "hf://org/m@", "hf://datasets/foo/bar@/x", "hf://buckets/org/b",
            "hf://org/m/../../etc/passwd", "hf://org/a--b", "hf://org/a..b", "hf://-org/m", "hf://org/m.git",
            "hf://org/m/a//b", "hf://org/m@v1/a\\b", "hf://org/m@..",
            "hf://org/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})
    void rejectsWhatIsNotAHubUri(String text) {
        assertThatThrownBy(() -> HfUri.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text.length() > 40 ? "invalid Hub URI" : text);
    }

    @Test
    void aJavaUriIsDecoded() {
        HfUri uri = HfUri.of(URI.create("hf://org/model@refs%2Fpr%2F3/my%20file.safetensors"));
        assertThat(uri.revision()).isEqualTo("refs/pr/3");
        assertThat(uri.path()).isEqualTo("my file.safetensors");
        assertThat(HfUri.of(URI.create("hf://org/model@v2")).revision()).isEqualTo("v2");
    }

    @Test
    void knowsAPinnedCommit() {
        assertThat(HfUri.parse("hf://org/m@0123456789abcdef0123456789abcdef01234567").pinned()).isTrue();
        assertThat(HfUri.parse("hf://org/m@main").pinned()).isFalse();
        assertThat(HfUri.parse("hf://org/m").revisionOrDefault()).isEqualTo("main");
    }

    @Test
    void resolveAddressesQuoteAsTheHubExpects() {
        URI endpoint = URI.create("https://huggingface.co");
        // hf_hub_url("julien-c/EsperBERTo-small", "pytorch_model.bin") from the Python client's docstring.
        assertThat(HubUrls.resolve(endpoint, HfUri.parse("hf://julien-c/EsperBERTo-small/pytorch_model.bin"), "main"))
                .hasToString("https://huggingface.co/julien-c/EsperBERTo-small/resolve/main/pytorch_model.bin");
        assertThat(HubUrls.resolve(URI.create("http://mirror:8080/hf/"),
                HfUri.parse("hf://datasets/org/d/sub dir/a+b.json"), "refs/pr/1"))
                .hasToString("http://mirror:8080/hf/datasets/org/d/resolve/refs%2Fpr%2F1/sub%20dir/a%2Bb.json");
        assertThat(HubUrls.repoInfo(endpoint, RepoType.DATASET, "org/d", "v1"))
                .hasToString("https://huggingface.co/api/datasets/org/d/revision/v1");
    }
}
