package dev.safetensors.internal.text;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.Shape;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ElideTest {
    @Test
    void shortTextIsUnchanged() {
        assertThat(Elide.text("model.layers.0.self_attn.q_proj.weight")).isEqualTo("model.layers.0.self_attn.q_proj.weight");
        assertThat(Elide.text("x".repeat(Elide.MAX_TEXT))).hasSize(Elide.MAX_TEXT);
    }

    @Test
    void longTextKeepsItsEndsAndSaysHowMuchIsLeftOut() {
        String s = "a".repeat(5000) + "b".repeat(5000);
        String e = Elide.text(s);
        assertThat(e).startsWith("aaaa").endsWith("bbbb").contains("more characters)").hasSizeLessThan(Elide.MAX_TEXT + 40);
        int head = e.indexOf("...(");
        int tail = e.length() - e.indexOf(")...") - 4;
        long leftOut = Long.parseLong(e.substring(head + 4, e.indexOf(" more")).replace(",", ""));
        assertThat(head + leftOut + tail).isEqualTo(s.length());
    }

    @Test
    void surrogatePairsAreNeverSplit() {
        String s = "\uD83D\uDE00".repeat(1000);
        String e = Elide.text(s);
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertThat(Character.isLowSurrogate(e.charAt(i + 1))).isTrue();
                i++;
            } else {
                assertThat(Character.isLowSurrogate(c)).as("lone low surrogate at %d", i).isFalse();
            }
        }
    }

    @Test
    void utf8IsCutOnCharacterBoundaries() {
        byte[] b = "中".repeat(1000).getBytes(StandardCharsets.UTF_8);
        String e = Elide.utf8(b, 0, b.length);
        assertThat(e).doesNotContain("\uFFFD").startsWith("中中").endsWith("中中").contains("more bytes)");
        assertThat(Elide.utf8(b, 3, 9)).isEqualTo("中中");
    }

    @Test
    void shortShapesPrintAsShapeDoes() {
        for (Shape s : new Shape[] {Shape.of(), Shape.of(2, 3), Shape.of(1, 1, 1, 1), Shape.of(-1L, 0), Shape.of(new long[30])}) {
            assertThat(Elide.shape(s)).isEqualTo(s.toString());
        }
    }

    @Test
    void longShapesPrintInRunsAndByTheirEnds() {
        long[] dims = new long[100_002];
        Arrays.fill(dims, 1);
        dims[0] = 10000;
        dims[dims.length - 1] = 2;
        assertThat(Elide.shape(Shape.of(dims))).isEqualTo("[10000, 1 x 100000, 2]");

        long[] mixed = new long[1000];
        for (int i = 0; i < mixed.length; i++) {
            mixed[i] = i % 2 + 1;
        }
        assertThat(Elide.shape(Shape.of(mixed)))
                .isEqualTo("[1, 2, 1, 2, 1, 2, 1, 2, ...(989 more dimensions)..., 2, 1, 2]");
    }

    @Test
    void messagesShortenTheirLongQuotedPartsFirst() {
        String m = "invalid offset for tensor `" + "n".repeat(1_000_000) + "`: data_offsets [8, 12] begin at 8";
        String e = Elide.message(m);
        assertThat(e).startsWith("invalid offset for tensor `nnn").endsWith("nnn`: data_offsets [8, 12] begin at 8")
                .hasSizeLessThan(400);
        String unquoted = "[" + "1, ".repeat(1_000_000) + "1]";
        assertThat(Elide.message(unquoted)).hasSizeLessThanOrEqualTo(Elide.MAX_MESSAGE);
        assertThat(Elide.message("short `x`")).isEqualTo("short `x`");
    }
}
