package dev.safetensors.hub.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.SafeTensorsException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings resolve from the environment as {@code huggingface_hub/constants.py} and {@code _auth.py} resolve them. */
class HubEnvironmentTest {
    @TempDir
    Path home;

    HubEnvironment env(Map<String, String> vars) {
        return HubEnvironment.from(vars, home.toString());
    }

    @Test
    void defaultsAreThePublicHubAndTheCacheUnderHome() {
        HubEnvironment e = env(Map.of());
        assertThat(e.endpoint()).hasToString("https://huggingface.co");
        assertThat(e.home()).isEqualTo(home.resolve(".cache/huggingface"));
        assertThat(e.cache()).isEqualTo(home.resolve(".cache/huggingface/hub"));
        assertThat(e.token()).isEmpty();
        assertThat(e.offline()).isFalse();
        assertThat(e.downloadTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void theCacheFollowsHfHubCacheThenHfHomeThenXdg() {
        assertThat(env(Map.of("XDG_CACHE_HOME", "/x")).cache()).isEqualTo(Path.of("/x/huggingface/hub"));
        assertThat(env(Map.of("XDG_CACHE_HOME", "/x", "HF_HOME", "/h")).cache()).isEqualTo(Path.of("/h/hub"));
        assertThat(env(Map.of("HF_HOME", "/h", "HUGGINGFACE_HUB_CACHE", "/legacy")).cache()).isEqualTo(Path.of("/legacy"));
        assertThat(env(Map.of("HF_HOME", "/h", "HUGGINGFACE_HUB_CACHE", "/legacy", "HF_HUB_CACHE", "/c")).cache())
                .isEqualTo(Path.of("/c"));
        // expanduser, then expandvars
        assertThat(env(Map.of("HF_HOME", "~/hf")).cache()).isEqualTo(home.resolve("hf/hub"));
        assertThat(env(Map.of("BASE", "/data", "HF_HUB_CACHE", "$BASE/cache/${BASE}x/$UNSET")).cache())
                .isEqualTo(Path.of("/data/cache/datax/$UNSET"));
    }

    @Test
    void theTokenComesFromTheEnvironmentThenTheTokenFile() throws Exception {
        Path hf = home.resolve(".cache/huggingface");
        Files.createDirectories(hf);
        Files.writeString(hf.resolve("token"), "  hf_file\r\n");
        assertThat(env(Map.of()).token()).contains("hf_file");
        assertThat(env(Map.of("HUGGING_FACE_HUB_TOKEN", "hf_legacy")).token()).contains("hf_legacy");
        assertThat(env(Map.of("HUGGING_FACE_HUB_TOKEN", "hf_legacy", "HF_TOKEN", "hf_env\n")).token()).contains("hf_env");
        Path other = home.resolve("elsewhere");
        Files.writeString(other, "hf_other");
        assertThat(env(Map.of("HF_TOKEN_PATH", other.toString())).token()).contains("hf_other");
        assertThat(env(Map.of("HF_TOKEN", "   ")).token()).contains("hf_file");   // empty is none
        assertThat(env(Map.of("HF_TOKEN", "hf_env", "HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")).token()).isEmpty();
    }

    @Test
    void offlineAndEndpointAndTimeouts() {
        Map<String, String> vars = new HashMap<>();
        vars.put("HF_ENDPOINT", "http://mirror.local:8080/hf///");
        vars.put("HF_HUB_OFFLINE", "yes");
        vars.put("HF_HUB_DOWNLOAD_TIMEOUT", "2.5");
        HubEnvironment e = env(vars);
        assertThat(e.endpoint()).hasToString("http://mirror.local:8080/hf");
        assertThat(e.offline()).isTrue();
        assertThat(e.downloadTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(env(Map.of("TRANSFORMERS_OFFLINE", "1")).offline()).isTrue();
        assertThat(env(Map.of("HF_HUB_OFFLINE", "0", "TRANSFORMERS_OFFLINE", "1")).offline()).isFalse();
        assertThat(env(Map.of("HF_HUB_OFFLINE", "false")).offline()).isFalse();
    }

    @Test
    void anEndpointThatIsNotAnHttpAddressIsRefusedNamingTheVariable() {
        for (String bad : new String[] {"http://bad host", "huggingface.co", "ftp://mirror.example", "https://",
                "https://hub.example/?a=b"}) {
            assertThatThrownBy(() -> env(Map.of("HF_ENDPOINT", bad)))
                    .as(bad).isInstanceOf(SafeTensorsException.class)
                    .hasMessageContaining("HF_ENDPOINT").hasMessageContaining(bad);
        }
        assertThat(env(Map.of("HF_ENDPOINT", "http://127.0.0.1:8080/mirror//")).endpoint())
                .hasToString("http://127.0.0.1:8080/mirror");
    }
}
