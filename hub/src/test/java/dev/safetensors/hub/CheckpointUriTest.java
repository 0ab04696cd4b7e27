package dev.safetensors.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.hub.testing.HubServer;
import dev.safetensors.hub.testing.NeedsNginx;
import dev.safetensors.hub.testing.Nginx;
import dev.safetensors.hub.testing.TestCheckpoints;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Core's {@code Checkpoint.open(URI)} finds this module through {@link java.util.ServiceLoader}: plain http(s)
 * files and indexes with their shards beside them, served here by nginx as static files.
 */
@ExtendWith(NeedsNginx.class)
class CheckpointUriTest {
    @TempDir
    static Path dir;
    static Nginx nginx;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        if (!Nginx.installed()) {
            return;   // each test says why it is skipped
        }
        Path www = dir.resolve("www/static");
        Files.createDirectories(www.resolve("model"));
        Files.write(www.resolve("one.safetensors"), TestCheckpoints.file("w", 4, 4));
        Files.write(www.resolve("model/a b-00001-of-00002.safetensors"), TestCheckpoints.file("x", 2, 2));
        Files.write(www.resolve("model/a b-00002-of-00002.safetensors"), TestCheckpoints.file("y", 3, 3));
        Files.writeString(www.resolve("model/model.safetensors.index.json"), "{\"metadata\": {}, \"weight_map\": "
                + "{\"x\": \"a b-00001-of-00002.safetensors\", \"y\": \"a b-00002-of-00002.safetensors\"}}");
        port = Nginx.freePort();
        Path conf = dir.resolve("conf/nginx.conf");
        Files.createDirectories(conf.getParent());
        Files.writeString(conf, """
                daemon off; master_process off; pid %1$s/nginx.pid; error_log %1$s/error.log warn;
                events { }
                http { access_log off; client_body_temp_path %1$s/tmp; proxy_temp_path %1$s/tmp;
                  fastcgi_temp_path %1$s/tmp; uwsgi_temp_path %1$s/tmp; scgi_temp_path %1$s/tmp;
                  server { listen 127.0.0.1:%2$d; root %3$s; } }
                """.formatted(dir.toAbsolutePath(), port, www.toAbsolutePath()));
        nginx = Nginx.start(dir, port);
    }

    @AfterAll
    static void stop() {
        if (nginx != null) {
            nginx.close();
        }
    }

    @Test
    void aFileByItsAddress() {
        try (Checkpoint c = Checkpoint.open(URI.create("http://127.0.0.1:" + port + "/one.safetensors"))) {
            assertThat(c.names()).containsExactly("w");
            assertThat(c.tensor("w").toFloatArray()[15]).isEqualTo(15f);
        }
    }

    @Test
    void anIndexWithItsShardsBesideIt() {
        try (Checkpoint c = Checkpoint.open(URI.create("http://127.0.0.1:" + port + "/model/model.safetensors.index.json"),
                OpenOptions.defaults())) {
            assertThat(c).isInstanceOf(ShardedCheckpoint.class);
            assertThat(c.names()).containsExactly("x", "y");
            assertThat(c.tensor("y").toFloatArray()).hasSize(9);
            assertThat(((ShardedCheckpoint) c).shards().stream().map(f -> f.description()).toList()).isEqualTo(List.of(
                    "http://127.0.0.1:" + port + "/model/a%20b-00001-of-00002.safetensors",
                    "http://127.0.0.1:" + port + "/model/a%20b-00002-of-00002.safetensors"));
        }
    }

    @Test
    void aMissingFileIsAnIoErrorWithTheStatus() {
        assertThatThrownBy(() -> Checkpoint.open(URI.create("http://127.0.0.1:" + port + "/nope.safetensors")))
                .isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("404")
                .satisfies(e -> assertThat(((SafeTensorsException) e).kind()).isEqualTo(SafeTensorsException.Kind.IoError));
    }

    @Test
    void aBadHubUriIsAnIoErrorSayingWhy() {
        assertThatThrownBy(() -> Checkpoint.open(URI.create("hf://org/a--b")))
                .isInstanceOf(SafeTensorsException.class)
                .hasMessageContaining("`--`");
    }
}
