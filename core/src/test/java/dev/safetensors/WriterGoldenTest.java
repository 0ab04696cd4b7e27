package dev.safetensors;

import dev.safetensors.testing.TestFiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.safetensors.SafeTensorsException.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reference writer's golden outputs W01–W09 (docs/format.md#writer), byte for byte. */
class WriterGoldenTest {
    @TempDir
    Path dir;

    private byte[] write(SafeTensorsWriter w) throws IOException {
        Path p = dir.resolve("out.safetensors");
        w.write(p);
        return Files.readAllBytes(p);
    }

    private static byte[] concat(long n, String json, int spaces, byte[] data) {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bb = ByteBuffer.allocate(8 + j.length + spaces + data.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(n).put(j);
        for (int i = 0; i < spaces; i++) {
            bb.put((byte) ' ');
        }
        return bb.put(data).array();
    }

    @Test
    void w01NoTensorsNoMetadata() throws IOException {
        assertThat(write(SafeTensorsWriter.create()))
                .isEqualTo(HexFormat.of().parseHex("0800000000000000" + "7b7d" + "202020202020"));
    }

    @Test
    void w02MetadataOnly() throws IOException {
        byte[] out = write(SafeTensorsWriter.create().putMetadata("framework", "pt"));
        assertThat(out).hasSize(48).isEqualTo(concat(40, "{\"__metadata__\":{\"framework\":\"pt\"}}", 5, new byte[0]));
    }

    @Test
    void w03NoPaddingWhenAligned() throws IOException {
        byte[] out = write(SafeTensorsWriter.create()
                .add("attn.0", DType.F32, Shape.of(1, 2, 3), TensorData.of(new float[] {0, 1, 2, 3, 4, 5})));
        assertThat(out).hasSize(96).isEqualTo(concat(64,
                "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}", 0,
                HexFormat.of().parseHex("000000000000803f000000400000404000008040" + "0000a040")));
    }

    @Test
    void w04SevenSpacesOfPadding() throws IOException {
        byte[] out = write(SafeTensorsWriter.create()
                .add("attn0", DType.F32, Shape.of(1, 1, 2, 3), TensorData.of(new byte[24])));
        assertThat(out).hasSize(104).isEqualTo(concat(72,
                "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}", 7, new byte[24]));
    }

    @Test
    void w05SubByteTensor() throws IOException {
        byte[] out = write(SafeTensorsWriter.create().add("attn.0", DType.F4, Shape.of(1, 2), TensorData.of(new byte[1])));
        assertThat(out).hasSize(73).isEqualTo(concat(64,
                "{\"attn.0\":{\"dtype\":\"F4\",\"shape\":[1,2],\"data_offsets\":[0,1]}}", 4, new byte[1]));
    }

    @Test
    void w06OneTensorPerDtypeInRankOrder() throws IOException {
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (DType t : DType.values()) {
            w.add("t_" + t.name(), t, Shape.of(8), TensorData.of(new byte[8 * t.bits() / 8]));
        }
        byte[] out = write(w);
        assertThat(out).hasSize(1920);
        assertThat(ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(1416);
        String json = new String(out, 8, 1416, StandardCharsets.UTF_8);
        assertThat(json).endsWith("}       ");
        String expectedOrder = "t_U64 [0,64] t_I64 [64,128] t_F64 [128,192] t_C64 [192,256] t_F32 [256,288] "
                + "t_U32 [288,320] t_I32 [320,352] t_BF16 [352,368] t_F16 [368,384] t_U16 [384,400] t_I16 [400,416] "
                + "t_F8_E5M2FNUZ [416,424] t_F8_E4M3FNUZ [424,432] t_F8_E8M0 [432,440] t_F8_E4M3 [440,448] "
                + "t_F8_E5M2 [448,456] t_I8 [456,464] t_U8 [464,472] t_F6_E3M2 [472,478] t_F6_E2M3 [478,484] "
                + "t_F4 [484,488] t_BOOL [488,496]";
        StringBuilder expectedJson = new StringBuilder("{");
        for (String entry : expectedOrder.split(" (?=t_)")) {
            String name = entry.substring(0, entry.indexOf(' '));
            String offsets = entry.substring(entry.indexOf(' ') + 1);
            if (expectedJson.length() > 1) {
                expectedJson.append(',');
            }
            expectedJson.append('"').append(name).append("\":{\"dtype\":\"").append(name.substring(2))
                    .append("\",\"shape\":[8],\"data_offsets\":").append(offsets).append('}');
        }
        expectedJson.append('}');
        assertThat(json.strip()).isEqualTo(expectedJson.toString());
    }

    @Test
    void w07NamesOrderedByUtf8BytesAndEscapedLikeSerde() throws IOException {
        String control = "\u0001\b\t\n\f\r\u001f\u007f/\"\\\u2028";
        SafeTensorsWriter w = SafeTensorsWriter.create();
        for (String name : List.of("\uE000", "\uD83D\uDE00", "a", "B", "é", control)) {
            w.add(name, DType.U8, Shape.of(1), TensorData.of(new byte[1]));
        }
        byte[] out = write(w);
        assertThat(out).hasSize(366);
        assertThat(ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(352);
        try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve("out.safetensors"))) {
            assertThat(f.names()).containsExactly(control, "B", "a", "é", "\uE000", "\uD83D\uDE00");
        }
        byte[] firstKey = new byte[8 + 1 + 31];
        System.arraycopy(out, 8, firstKey, 0, 1 + 31);
        byte[] expectedKey = TestFiles.bytes("{\"\\u0001\\b\\t\\n\\f\\r\\u001f<7F>/\\\"\\\\<E2><80><A8>\"");
        assertThat(java.util.Arrays.copyOfRange(out, 8, 8 + expectedKey.length)).isEqualTo(expectedKey);
    }

    @Test
    void w08EmptyMetadataWithATensor() throws IOException {
        byte[] out = write(SafeTensorsWriter.create().metadata(Map.of())
                .add("x", DType.U8, Shape.of(1), TensorData.of(new byte[1])));
        assertThat(out).hasSize(81).isEqualTo(concat(72,
                "{\"__metadata__\":{},\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, new byte[1]));
    }

    @Test
    void w09EmptyMetadataAloneIsWrittenCorrectly() throws IOException {
        byte[] out = write(SafeTensorsWriter.create().metadata(Map.of()));
        assertThat(out).hasSize(32).isEqualTo(concat(24, "{\"__metadata__\":{}}", 5, new byte[0]));
        try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve("out.safetensors"))) {
            assertThat(f.metadata()).hasValue(Map.of());
        }
    }

    @Test
    void metadataKeysAreSortedSoOutputIsReproducible() throws IOException {
        byte[] out = write(SafeTensorsWriter.create().putMetadata("b", "2").putMetadata("a", "1").putMetadata("é", "3"));
        assertThat(new String(out, 8, out.length - 8, StandardCharsets.UTF_8))
                .startsWith("{\"__metadata__\":{\"a\":\"1\",\"b\":\"2\",\"é\":\"3\"}}");
    }

    @Test
    void declarationErrorsAreTypedAndWriteNothing() {
        Path target = dir.resolve("never.safetensors");
        assertKind(() -> SafeTensorsWriter.create().add("a", DType.U8, Shape.of(1), TensorData.of(new byte[1]))
                .add("a", DType.U8, Shape.of(1), TensorData.of(new byte[1])), Kind.JsonError);
        assertKind(() -> SafeTensorsWriter.create().add("__metadata__", DType.U8, Shape.of(1), TensorData.of(new byte[1])),
                Kind.JsonError);
        assertKind(() -> SafeTensorsWriter.create().add("t", DType.F4, Shape.of(3), TensorData.of(new byte[2])).write(target),
                Kind.MisalignedSlice);
        assertKind(() -> SafeTensorsWriter.create().add("t", DType.I32, Shape.of(2, Long.MAX_VALUE), TensorData.of(new byte[0]))
                .write(target), Kind.ValidationOverflow);
        assertKind(() -> SafeTensorsWriter.create().add("\uD800", DType.U8, Shape.of(1), TensorData.of(new byte[1]))
                .write(target), Kind.JsonError);
        assertKind(() -> SafeTensorsWriter.create().maxHeaderSize(16).putMetadata("k", "a long enough value").write(target),
                Kind.HeaderTooLarge);
        assertKind(() -> SafeTensorsWriter.create().add("t", DType.U8, Shape.of(4), TensorData.of(new byte[3])).write(target),
                Kind.InvalidTensorView);
        assertKind(() -> SafeTensorsWriter.create().add("t", DType.U8, Shape.of(4), TensorData.of(new byte[5])).write(target),
                Kind.InvalidTensorView);
        assertThat(target).doesNotExist();
        assertThat(dir.toFile().list()).isEmpty();
    }

    private static void assertKind(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Kind kind) {
        assertThatThrownBy(call).isInstanceOfSatisfying(SafeTensorsException.class, e -> assertThat(e.kind()).isEqualTo(kind));
    }

    @Test
    void callbackDataIsStreamedInPieces() throws IOException {
        List<Integer> order = new ArrayList<>();
        SafeTensorsWriter w = SafeTensorsWriter.create()
                .add("small", DType.U8, Shape.of(3), sink -> {
                    order.add(2);
                    sink.write(new byte[] {1});
                    sink.write(new byte[] {2, 3});
                })
                .add("big", DType.F64, Shape.of(1), sink -> {
                    order.add(1);
                    sink.write(new byte[8]);
                });
        write(w);
        assertThat(order).containsExactly(1, 2);
        try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve("out.safetensors"))) {
            assertThat(f.tensor("small").toByteArray()).containsExactly(1, 2, 3);
        }
    }
}
