package dev.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.SafeTensorsException.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Hugging Face cache built as the Python client lays it out (huggingface_hub's cache layout, as documented
 * in the Hub's "local cache" reference): {@code models--org--name/{blobs, refs/main, snapshots/<commit>/}},
 * blobs named by their hash (SHA-256 for LFS files, the git blob SHA-1 for small files), and every snapshot
 * file a relative link {@code ../../blobs/<hash>}.
 */
class HubCacheLayoutTest {
    @TempDir
    Path hub;

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final String S1 = "model-00001-of-00002.safetensors";
    private static final String S2 = "model-00002-of-00002.safetensors";

    private Path repo;
    private Path snapshot;

    @BeforeEach
    void buildCache() throws IOException {
        try {
            Files.createSymbolicLink(hub.resolve("probe"), Path.of("nowhere"));
            Files.delete(hub.resolve("probe"));
        } catch (UnsupportedOperationException | IOException e) {
            Assumptions.abort("this platform or account cannot make symbolic links, which the cache layout is made of: " + e);
        }
        repo = Files.createDirectories(hub.resolve("models--org--tiny"));
        Files.createDirectories(repo.resolve("blobs"));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), COMMIT);          // the client writes the hash alone
        snapshot = Files.createDirectories(repo.resolve("snapshots").resolve(COMMIT));
        lfs(snapshot, S1, file("a", 1));
        lfs(snapshot, S2, file("b", 2));
        String index = ShardIndex.of(Map.of("total_size", 8L), Map.of("a", S1, "b", S2)).toJson();
        git(snapshot, "model.safetensors.index.json", index.getBytes(StandardCharsets.UTF_8));
        git(snapshot, "config.json", "{}".getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] file(String tensor, int value) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafeTensorsWriter.create().add(tensor, DType.F32, Shape.of(1), TensorData.of(new float[] {value}))
                .write(Channels.newChannel(out));
        return out.toByteArray();
    }

    /** An LFS file: blob named by the SHA-256 of its content. */
    private Path lfs(Path dir, String name, byte[] content) throws IOException {
        return blob(dir, name, content, hex("SHA-256", content));
    }

    /** A git file: blob named by the git object id, SHA-1 of "blob <size>\0" and the content. */
    private Path git(Path dir, String name, byte[] content) throws IOException {
        byte[] prefix = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] object = new byte[prefix.length + content.length];
        System.arraycopy(prefix, 0, object, 0, prefix.length);
        System.arraycopy(content, 0, object, prefix.length, content.length);
        return blob(dir, name, content, hex("SHA-1", object));
    }

    private Path blob(Path dir, String name, byte[] content, String hash) throws IOException {
        Files.write(repo.resolve("blobs").resolve(hash), content);
        Path link = dir.resolve(name);
        Files.createSymbolicLink(link, dir.relativize(repo.resolve("blobs").resolve(hash)));
        return link;
    }

    private static String hex(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aSnapshotOpensAsItsDirectoryAndThroughItsIndex() throws IOException {
        assertThat(Files.readSymbolicLink(snapshot.resolve(S1)).toString()).startsWith("../../blobs/");
        for (Path p : new Path[] {snapshot, snapshot.resolve("model.safetensors.index.json")}) {
            try (Checkpoint ckpt = Checkpoint.open(p)) {
                assertThat(ckpt.sortedNames()).containsExactly("a", "b");
                assertThat(ckpt.tensor("b").toFloatArray()).containsExactly(2f);
                // Messages and descriptions name the snapshot file, not the blob.
                assertThat(((ShardedCheckpoint) ckpt).shardOf("a").description()).endsWith(COMMIT + "/" + S1);
            }
        }
        try (Checkpoint ckpt = Checkpoint.open(snapshot, OpenOptions.defaults().withStrategy(ReadStrategy.PREAD))) {
            assertThat(ckpt.tensor("a").toFloatArray()).containsExactly(1f);
        }
    }

    @Test
    void aSubfolderOfASnapshotOpensToo() throws IOException {
        Path unet = Files.createDirectories(snapshot.resolve("unet"));
        lfs(unet, "diffusion_pytorch_model.safetensors", file("w", 3));
        assertThat(Files.readSymbolicLink(unet.resolve("diffusion_pytorch_model.safetensors")).toString())
                .startsWith("../../../blobs/");
        try (Checkpoint ckpt = Checkpoint.open(unet)) {
            assertThat(ckpt.tensor("w").toFloatArray()).containsExactly(3f);
        }
    }

    @Test
    void aLinkOutOfTheRepositoryIsRefusedUnlessAllowed() throws IOException {
        Path outside = Files.write(hub.resolve("outside.safetensors"), file("b", 9));
        Files.delete(snapshot.resolve(S2));
        Files.createSymbolicLink(snapshot.resolve(S2), snapshot.relativize(outside));
        assertThatThrownBy(() -> Checkpoint.open(snapshot)).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.InvalidHeaderDeserialization);
            assertThat(e.getMessage()).contains("shard `" + S2 + "` is a link to").contains("outside the cache repository")
                    .contains("withLinksOutsideAllowed");
        });
        try (Checkpoint ckpt = Checkpoint.open(snapshot, OpenOptions.defaults().withLinksOutsideAllowed(true))) {
            assertThat(ckpt.tensor("b").toFloatArray()).containsExactly(9f);
        }
    }

    /** The repository boundary holds only for the client's layout: a 40-hex commit under snapshots/ of a models-- folder. */
    @Test
    void aLookAlikeThatIsNotACacheKeepsTheDirectoryRule() throws IOException {
        Path fake = Files.createDirectories(hub.resolve("models--org--tiny/snapshots/main"));
        Files.createSymbolicLink(fake.resolve("model.safetensors"), Path.of("../../blobs").resolve(
                Files.list(repo.resolve("blobs")).filter(p -> p.getFileName().toString().length() == 64).findFirst()
                        .orElseThrow().getFileName()));
        assertThatThrownBy(() -> Checkpoint.open(fake)).isInstanceOfSatisfying(SafeTensorsException.class,
                e -> assertThat(e.getMessage()).contains("is a link to").contains("outside " + fake));
    }

    @Test
    void aDanglingLinkSaysSo() throws IOException {
        Files.delete(repo.resolve("blobs").resolve(Files.readSymbolicLink(snapshot.resolve(S1)).getFileName()));
        assertThatThrownBy(() -> Checkpoint.open(snapshot)).isInstanceOfSatisfying(SafeTensorsException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.IoError);
            assertThat(e.getMessage()).contains("shard `" + S1 + "` is a link to a missing file");
        });
    }

    @Test
    void anIndexThatIsALinkOutOfAPlainDirectoryIsRefused() throws IOException {
        Path plain = Files.createDirectories(hub.resolve("plain"));
        Files.createSymbolicLink(plain.resolve("model.safetensors.index.json"), snapshot.resolve("model.safetensors.index.json"));
        assertThatThrownBy(() -> Checkpoint.open(plain)).isInstanceOfSatisfying(SafeTensorsException.class,
                e -> assertThat(e.getMessage()).contains("model.safetensors.index.json` is a link to"));
    }
}
