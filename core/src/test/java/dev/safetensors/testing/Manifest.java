package dev.safetensors.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The rows of testdata/fixtures/MANIFEST.tsv: what each real-world file is known to hold. */
public record Manifest(String localName, String sourceRepo, long bytes, String sha256, String whatItIs) {

    public static List<Manifest> rows() {
        try {
            return Files.readAllLines(TestFiles.fixture("MANIFEST.tsv")).stream()
                    .skip(1)
                    .filter(l -> !l.isBlank())
                    .map(l -> l.split("\t"))
                    .map(c -> new Manifest(c[0], c[1], Long.parseLong(c[4]), c[5], c[6]))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path path() {
        return TestFiles.fixture(localName);
    }

    public boolean isSafetensors() {
        return localName.endsWith(".safetensors");
    }

    public boolean isValid() {
        return whatItIs.startsWith("safetensors OK");
    }

    public int tensorCount() {
        return Integer.parseInt(find("; (\\d+) tensors;").orElseThrow());
    }

    /** dtype name → tensor count, from "dtypes I64x1,F32x18". */
    public Map<String, Integer> dtypeCounts() {
        Map<String, Integer> m = new LinkedHashMap<>();
        String list = find("dtypes ([A-Z0-9_x,]*);").orElse("");
        for (String part : list.split(",")) {
            if (!part.isEmpty()) {
                int x = part.lastIndexOf('x');
                m.merge(part.substring(0, x), Integer.parseInt(part.substring(x + 1)), Integer::sum);
            }
        }
        return m;
    }

    public long headerLength() {
        return Long.parseLong(find("header_len (\\d+)").orElseThrow());
    }

    /** True when the row says the file has a non-null metadata map. */
    public boolean hasMetadata() {
        return whatItIs.contains("metadata keys [");
    }

    /** The metadata map when the row spells it out as {"k": "v", ...}. */
    public Optional<Map<String, String>> metadata() {
        Matcher m = Pattern.compile("metadata keys \\[[^\\]]*\\] (\\{[^}]*\\})").matcher(whatItIs);
        if (!m.find()) {
            return Optional.empty();
        }
        Map<String, String> map = new LinkedHashMap<>();
        Matcher kv = Pattern.compile("\"([^\"]*)\": \"([^\"]*)\"").matcher(m.group(1));
        while (kv.find()) {
            map.put(kv.group(1), kv.group(2));
        }
        return Optional.of(map);
    }

    public String actualSha256() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(path())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private Optional<String> find(String regex) {
        Matcher m = Pattern.compile(regex).matcher(whatItIs);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    @Override
    public String toString() {
        return localName;
    }
}
