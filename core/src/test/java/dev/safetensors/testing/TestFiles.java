package dev.safetensors.testing;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.TensorData;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/** Builds raw safetensors bytes for tests, independently of the writer under test. */
public final class TestFiles {
    private TestFiles() {
    }

    /** {@code u64le(declaredN) ‖ header ‖ dataLen zero bytes}. */
    public static byte[] file(long declaredN, byte[] header, int dataLen) {
        ByteBuffer bb = ByteBuffer.allocate(8 + header.length + dataLen).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(declaredN).put(header);
        return bb.array();
    }

    /** A well-formed file around {@code header}: N is its exact length. */
    public static byte[] file(String header, int dataLen) {
        byte[] h = bytes(header);
        return file(h.length, h, dataLen);
    }

    /**
     * Header text as bytes: UTF-8, except that {@code <HH>} stands for the raw byte 0xHH (for invalid
     * UTF-8, NUL and other bytes a Java string literal cannot show plainly).
     */
    public static byte[] bytes(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < text.length()) {
            if (text.charAt(i) == '<' && i + 3 < text.length() && text.charAt(i + 3) == '>') {
                out.write(HexFormat.fromHexDigits(text, i + 1, i + 3));
                i += 4;
            } else {
                int cp = text.codePointAt(i);
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
        }
        return out.toByteArray();
    }

    /**
     * A file of {@code tensors} F32 tensors {@code t0, t1, ...} of {@code elements} values each, value i of
     * tensor t being {@code t * 1,000,000 + i}: every value read can be checked without the writer.
     */
    public static Path numberedTensors(Path dir, String name, int tensors, int elements) {
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (int t = 0; t < tensors; t++) {
            float[] v = new float[elements];
            for (int i = 0; i < elements; i++) {
                v[i] = t * 1_000_000 + i;
            }
            w.add("t" + t, DType.F32, Shape.of(elements), TensorData.of(v));
        }
        Path file = dir.resolve(name);
        w.write(file);
        return file;
    }

    public static Path write(Path dir, String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The repository's testdata folder, found from the module's working directory. */
    public static Path testdata() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            Path t = p.resolve("testdata");
            if (Files.isDirectory(t.resolve("fixtures"))) {
                return t;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("testdata/fixtures not found above " + Path.of("").toAbsolutePath());
    }

    public static Path fixture(String name) {
        return testdata().resolve("fixtures").resolve(name);
    }
}
