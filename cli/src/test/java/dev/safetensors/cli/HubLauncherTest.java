package dev.safetensors.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.cli.TerminalLauncherTest.Run;
import dev.safetensors.hub.testing.HubServer;
import dev.safetensors.hub.testing.NeedsNginx;
import dev.safetensors.hub.testing.Nginx;
import dev.safetensors.hub.testing.TestCheckpoints;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code download} and an {@code hf://} inspect through the real launcher, piped and on a pseudo-terminal, against
 * a Hub-shaped nginx, configured only by the environment the Python tools read. Runs after {@code package}.
 */
@Tag("slow")
@ExtendWith(NeedsNginx.class)
class HubLauncherTest {
    @TempDir
    static Path dir;
    static HubServer server;
    static Path launcher;

    @BeforeAll
    static void start() throws Exception {
        launcher = TerminalLauncherTest.checkout().resolve("safetensors");
        if (!Nginx.installed()) {
            return;   // each test says why it is skipped
        }
        server = HubServer.builder(dir.resolve("www"))
                .repo("org/tiny", r -> r.lfs("model.safetensors", TestCheckpoints.file("lm_head.weight", 64, 16))
                        .file("config.json", "{\"model_type\": \"tiny\"}"))
                .start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Map<String, String> hub(Path cache) {
        return Map.of("HF_ENDPOINT", server.endpoint().toString(), "HF_HUB_CACHE", cache.toString(),
                "HF_HOME", dir.resolve("hf-home").toString(), "JAVA_OPTS", "-Dsafetensors.progress.delay.ms=0");
    }

    private static Path snapshot(Path cache) {
        return cache.resolve("models--org--tiny/snapshots/" + server.commit("org/tiny"));
    }

    @Test
    void downloadPipedAndOnATerminal() throws Exception {
        Path piped = dir.resolve("cache-piped");
        Run pipe = TerminalLauncherTest.exec(dir, hub(piped), List.of(launcher.toString(), "download", "org/tiny"));
        assertThat(pipe.exitCode()).as(pipe.err()).isZero();
        assertThat(pipe.out().strip()).isEqualTo(snapshot(piped).toString());
        assertThat(pipe.err()).doesNotContain("\r");
        assertThat(snapshot(piped).resolve("model.safetensors")).isSymbolicLink();

        Path tty = dir.resolve("cache-tty");
        Run onTerminal = TerminalLauncherTest.exec(dir, hub(tty),
                List.of("/usr/bin/script", "-qec", launcher + " download org/tiny", "/dev/null"));
        assertThat(onTerminal.exitCode()).as(onTerminal.out()).isZero();
        assertThat(onTerminal.out()).contains(snapshot(tty).toString());
        assertThat(snapshot(tty).resolve("config.json")).hasContent("{\"model_type\": \"tiny\"}");
    }

    @Test
    void inspectOfAnHfAddressPipedAndOnATerminal() throws Exception {
        Path cache = dir.resolve("cache-inspect");
        Run pipe = TerminalLauncherTest.exec(dir, hub(cache), List.of(launcher.toString(), "inspect", "hf://org/tiny"));
        assertThat(pipe.exitCode()).as(pipe.err()).isZero();
        assertThat(pipe.out()).contains("lm_head.weight");
        Run onTerminal = TerminalLauncherTest.exec(dir, hub(cache),
                List.of("/usr/bin/script", "-qec", launcher + " inspect --flat hf://org/tiny", "/dev/null"));
        assertThat(onTerminal.exitCode()).as(onTerminal.out()).isZero();
        assertThat(onTerminal.out()).contains("lm_head.weight");
    }
}
