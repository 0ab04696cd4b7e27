package dev.safetensors.torch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** The test resources: real pickles, generated fixtures, hostile files, and what real PyTorch says of them. */
final class Fixtures {
    private Fixtures() {
    }

    /** A file under src/test/resources/dev/safetensors/torch/. */
    static Path resource(String relative) {
        URL url = Fixtures.class.getResource(relative);
        if (url == null) {
            throw new IllegalStateException("missing test resource " + relative);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path real(String name) {
        return resource("real/" + name);
    }

    static Path generated(String name) {
        return resource("generated/" + name);
    }

    static Path hostile(String name) {
        return resource("hostile/" + name);
    }

    /** The repository's shared fixtures (the safetensors twins of the real pickles live there once). */
    static Path repositoryFixture(String name) {
        Path p = Path.of("..", "testdata", "fixtures", name);
        if (!Files.exists(p)) {
            throw new IllegalStateException("missing repository fixture " + p.toAbsolutePath());
        }
        return p;
    }

    /** Tab-separated rows of a resource, header skipped. */
    static List<String[]> rows(String relative) {
        try {
            return Files.readAllLines(resource(relative)).stream().skip(1).filter(l -> !l.isBlank())
                    .map(l -> l.split("\t", -1)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) {
        try {
            return sha256(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
