package dev.safetensors.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safetensors.SafeTensorsException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints written opcode by opcode ({@link Crafted}) that no writer produces: small files whose
 * values would multiply when built or flattened, and layouts whose values must come out right.
 */
class CraftedCheckpointTest {
    private static final long[] ONE = {1};

    @TempDir
    Path dir;

    private static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private SafeTensorsException refused(Path file, PickleLimits limits) {
        return catchThrowableOfType(SafeTensorsException.class,
                () -> TorchCheckpoint.open(file, TorchOptions.defaults().withLimits(limits)).close());
    }

    /** A list of K references to a list of K references to one tensor: a 40 KB file, K² names. */
    @Test
    void sharedListsCannotMultiplyTheTensorsFlattened() {
        int k = 4000;
        Crafted p = Crafted.protocol2().raw(']', '(', ']', '(');
        p.tensor("FloatStorage", "0", 1, 0, ONE, ONE).put(1);
        for (int i = 1; i < k; i++) {
            p.get(1);
        }
        p.raw('e').put(2);
        for (int i = 1; i < k; i++) {
            p.get(2);
        }
        p.raw('e', '.');
        Path file = Crafted.archive(dir.resolve("square.pt"), p.bytes(), Map.of("0", floats(1)));
        SafeTensorsException e = refused(file, PickleLimits.defaults().withMaxContainerSize(100_000));
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidHeaderDeserialization);
        assertThat(e.getMessage()).contains("square.pt", "100000", "maxContainerSize");
    }

    /** One long key, memoized, as the key of 100 nested dicts: each name would repeat it 100 times. */
    @Test
    void aRepeatedLongKeyCannotMakeHugeNames() {
        Crafted p = Crafted.protocol2().raw('}').str("k".repeat(4 << 20)).put(0).raw('}');
        for (int i = 1; i < 100; i++) {
            p.get(0).raw('}');
        }
        // the innermost dict holds 64 non-tensor entries and a tensor
        for (int i = 0; i < 64; i++) {
            p.str("e" + i).raw('N', 's');
        }
        p.str("w").tensor("FloatStorage", "0", 1, 0, ONE, ONE).raw('s');
        for (int i = 0; i < 100; i++) {
            p.raw('s');
        }
        p.raw('.');
        Path file = Crafted.archive(dir.resolve("long_names.pt"), p.bytes(), Map.of("0", floats(1)));
        SafeTensorsException e = refused(file, PickleLimits.defaults());
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidHeaderDeserialization);
        assertThat(e.getMessage()).contains("long_names.pt", "maxAllocatedBytes");
    }

    /** OrderedDict(pairs) called many times on one memoized list of pairs: each call builds a new dict. */
    @Test
    void constructorResultsAreChargedToTheAllocationBudget() {
        int pairs = 100_000;
        Crafted p = Crafted.protocol2().raw(']', '(');
        p.raw(']', '(');
        for (int i = 0; i < pairs; i++) {
            p.integer(i).raw('N', 0x86);
        }
        p.raw('e').put(1).raw('0');   // the list of pairs, memoized and popped
        p.raw("ccollections\nOrderedDict\n").put(2).raw('0');
        for (int i = 0; i < 20_000; i++) {
            p.get(2).get(1).raw(0x85, 'R');
        }
        p.raw('e', '.');
        Path file = Crafted.archive(dir.resolve("dicts.pt"), p.bytes(), Map.of());
        SafeTensorsException e = refused(file, PickleLimits.defaults());
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidHeaderDeserialization);
        assertThat(e.getMessage()).contains("dicts.pt", "maxAllocatedBytes");
    }

    /** _codecs.encode on one memoized 4 MiB string, 10,000 times: 40 GB of bytes from a 100 KB pickle. */
    @Test
    void encodedBytesAreChargedToTheAllocationBudget() {
        Crafted p = Crafted.protocol2().raw(']', '(');
        p.str("x".repeat(4 << 20)).put(1).raw('0');
        p.raw("c_codecs\nencode\n").put(2).raw('0');
        for (int i = 0; i < 10_000; i++) {
            p.get(2).get(1).str("latin1").raw(0x86, 'R');
        }
        p.raw('e', '.');
        Path file = Crafted.archive(dir.resolve("bytes.pt"), p.bytes(), Map.of());
        SafeTensorsException e = refused(file, PickleLimits.defaults());
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidHeaderDeserialization);
        assertThat(e.getMessage()).contains("bytes.pt", "maxAllocatedBytes");
    }

    /**
     * The legacy format (before PyTorch 1.6) could save a view of a storage: its persistent id's sixth element
     * {@code (view_key, offset, size)}, which torch.load reads as {@code storage[offset:offset + size]}; a tensor
     * on the view indexes from the view's start.
     */
    @Test
    void aLegacyStorageViewStartsAtItsOffset() throws Exception {
        byte[] magic = {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
                (byte) 0xa8, 0x50, 0x19, '.'};
        byte[] version = Crafted.protocol2().raw('M', 0xe9, 0x03, '.').bytes();
        byte[] sysInfo = Crafted.protocol2().raw('}', '.').bytes();
        Crafted object = Crafted.protocol2().raw('}');
        Runnable storage = () -> object.raw('(').str("storage").raw("ctorch\nFloatStorage\n").str("root").str("cpu")
                .integer(8).raw('(').str("view").integer(2).integer(4).raw('t').raw('t', 'Q');
        object.str("whole").tensor(storage, 0, new long[] {4}, ONE).raw('s');
        object.str("part").tensor(storage, 1, new long[] {2}, ONE).raw('s', '.');
        byte[] keys = Crafted.protocol2().raw(']').str("root").raw('a', '.').bytes();
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        for (byte[] b : new byte[][] {magic, version, sysInfo, object.bytes(), keys}) {
            file.writeBytes(b);
        }
        file.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(8).array());
        file.writeBytes(floats(0, 1, 2, 3, 4, 5, 6, 7));
        Path path = java.nio.file.Files.write(dir.resolve("legacy_view.pt"), file.toByteArray());
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(path)) {
            assertThat(ckpt.format()).isEqualTo(TorchFormat.LEGACY);
            // storage[2:6] = [2, 3, 4, 5]; the view from its element 1, two long: [3, 4]
            assertThat(Values.float32(ckpt.tensor("whole").toByteArray())).containsExactly(2, 3, 4, 5);
            assertThat(Values.float32(ckpt.tensor("part").toByteArray())).containsExactly(3, 4);
        }
    }

    /** A view that reads past its storage view (but not past the root storage) is refused as torch refuses it. */
    @Test
    void aTensorCannotReadPastItsLegacyStorageView() throws Exception {
        byte[] magic = {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
                (byte) 0xa8, 0x50, 0x19, '.'};
        Crafted object = Crafted.protocol2().raw('}');
        Runnable storage = () -> object.raw('(').str("storage").raw("ctorch\nFloatStorage\n").str("root").str("cpu")
                .integer(8).raw('(').str("view").integer(2).integer(4).raw('t').raw('t', 'Q');
        object.str("w").tensor(storage, 0, new long[] {5}, ONE).raw('s', '.');
        java.io.ByteArrayOutputStream file = new java.io.ByteArrayOutputStream();
        for (byte[] b : new byte[][] {magic, Crafted.protocol2().raw('M', 0xe9, 0x03, '.').bytes(),
                Crafted.protocol2().raw('}', '.').bytes(), object.bytes(),
                Crafted.protocol2().raw(']').str("root").raw('a', '.').bytes()}) {
            file.writeBytes(b);
        }
        file.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(8).array());
        file.writeBytes(floats(0, 1, 2, 3, 4, 5, 6, 7));
        Path path = java.nio.file.Files.write(dir.resolve("legacy_view_past.pt"), file.toByteArray());
        SafeTensorsException e = refused(path, PickleLimits.defaults());
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidOffset);
    }

    /** {"1": a, 1: b}: two keys, one name; neither tensor may silently replace the other. */
    @Test
    void aStringKeyAndAnIntegerKeyOfTheSameNameCollide() {
        Crafted p = Crafted.protocol2().raw('}', '(').str("1").tensor("FloatStorage", "0", 1, 0, ONE, ONE)
                .raw('J', 1, 0, 0, 0).tensor("FloatStorage", "1", 1, 0, ONE, ONE).raw('u', '.');
        Path file = Crafted.archive(dir.resolve("keys.pt"), p.bytes(), Map.of("0", floats(1), "1", floats(2)));
        SafeTensorsException e = refused(file, PickleLimits.defaults());
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidHeaderDeserialization);
        assertThat(e.getMessage()).contains("keys.pt", "flatten to the name `1`");
    }

    /**
     * A dict key that is an integer of 8 MiB (LONG4): its name would be its 20 million decimal digits, which
     * take minutes to compute (CPython refuses str() past 4,300 digits).
     */
    @Test
    void aHugeIntegerKeyIsRefusedNotPrinted() {
        int length = 8 << 20;
        Crafted p = Crafted.protocol2().raw('}', 0x8b, 0, 0, 0x80, 0);   // LONG4 of 8 MiB
        byte[] digits = new byte[length];
        java.util.Arrays.fill(digits, (byte) 0x5a);
        p.raw(new String(digits, java.nio.charset.StandardCharsets.ISO_8859_1));
        p.tensor("FloatStorage", "0", 1, 0, ONE, ONE).raw('s', '.');
        Path file = Crafted.archive(dir.resolve("long_key.pt"), p.bytes(), Map.of("0", floats(1)));
        SafeTensorsException e = refused(file, PickleLimits.defaults());
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.InvalidHeaderDeserialization);
        assertThat(e.getMessage()).contains("long_key.pt", "4300");
    }
}
