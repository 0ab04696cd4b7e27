package dev.safetensors.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.ShardedWriter;
import dev.safetensors.Tensor;
import dev.safetensors.TensorInfo;
import dev.safetensors.convert.Overflow;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Conversions to safetensors, checked by opening the output with the core reader. */
class ConverterTest {
    private static final String LORA = "catundchat__stable-diffusion-v1.5-lora__pytorch_lora_weights";
    private static final String MNIST = "tracel-ai__burn__examples__import-model-weights__weights__mnist";

    @TempDir
    Path dir;

    @Test
    void everyRealPickleConvertsToTorchsBytes() throws IOException {
        for (var entry : Expected.byFile("real/expected.tsv").entrySet()) {
            Path out = dir.resolve(entry.getKey() + ".safetensors");
            try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.real(entry.getKey()))) {
                ConversionReport r = TorchConverter.create().convert(ckpt, out);
                assertThat(r.files()).containsExactly(out);
                assertThat(r.tensors()).isEqualTo(entry.getValue().size());
            }
            try (SafeTensorsFile f = SafeTensorsFile.open(out)) {
                assertThat(f.metadata()).contains(Map.of("format", "pt"));
                assertThat(f.size()).isEqualTo(entry.getValue().size());
                for (Expected e : entry.getValue()) {
                    Tensor t = f.tensor(e.tensor());
                    assertThat(t.dtype().name()).isEqualTo(e.dtype());
                    assertThat(t.shape().toString()).isEqualTo(e.shapeText());
                    assertThat(Fixtures.sha256(t.toByteArray())).as(e.tensor()).isEqualTo(e.sha256());
                }
            }
        }
    }

    /**
     * The .bin's safetensors twin in the same repository was written by the reference writer with the same
     * metadata. Its values come from another training run (MANIFEST.tsv), so only the layout is comparable:
     * the whole header (names, dtypes, shapes, offsets, metadata, padding) must be byte-identical.
     */
    @Test
    void theLoraPickleConvertsToItsTwinsExactHeader() throws IOException {
        Path out = dir.resolve("lora.safetensors");
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.real(LORA + ".bin"))) {
            TorchConverter.create().convert(ckpt, out);
        }
        Path twin = Fixtures.repositoryFixture(LORA + ".safetensors");
        assertThat(header(out)).isEqualTo(header(twin));
        assertThat(Files.size(out)).isEqualTo(Files.size(twin));
    }

    /** mnist.safetensors has no metadata (the converter writes format=pt): its tensor table must match exactly. */
    @Test
    void theMnistPickleConvertsToItsTwinsLayout() {
        Path out = dir.resolve("mnist.safetensors");
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.real(MNIST + ".pt"))) {
            TorchConverter.create().convert(ckpt, out);
        }
        try (SafeTensorsFile ours = SafeTensorsFile.open(out);
             SafeTensorsFile twin = SafeTensorsFile.open(Fixtures.repositoryFixture(MNIST + ".safetensors"))) {
            assertThat(infos(ours)).isEqualTo(infos(twin));
            assertThat(twin.metadata()).isEmpty();
        }
    }

    @Test
    void sharedStoragesAreWrittenOnceAndRecorded() {
        Path out = dir.resolve("shared.safetensors");
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.generated("shared.pt"))) {
            ConversionReport r = TorchConverter.create().metadata(Map.of("source", "test")).convert(ckpt, out);
            assertThat(r.duplicates()).containsOnlyKeys("embed.weight", "lm_head.weight");
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(out)) {
            assertThat(f.sortedNames()).containsExactly("embed.alias", "flat", "head", "tail");
            assertThat(f.metadata()).contains(Map.of("format", "pt", "source", "test", "embed.weight", "embed.alias",
                    "lm_head.weight", "embed.alias"));
            assertThat(f.tensor("flat").toByteArray()).isEqualTo(f.tensor("embed.alias").toByteArray());
        }
    }

    @Test
    void dtypeReencodesFloatingTensorsWithRoundToNearestEven() throws IOException {
        Path out = dir.resolve("bf16.safetensors");
        float[] f32;
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.generated("dtypes.pt"))) {
            f32 = Values.float32(ckpt.tensor("f32").toByteArray());
            ConversionReport r = TorchConverter.create().dtype(DType.BF16, Overflow.SATURATE, n -> !n.equals("f64"))
                    .convert(ckpt, out);
            assertThat(r.converted()).isEqualTo(4);   // f32, f16, scalar, empty; f64 excluded, bf16 is already
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(out)) {
            assertThat(f.tensor("f32").dtype()).isEqualTo(DType.BF16);
            assertThat(f.tensor("f64").dtype()).isEqualTo(DType.F64);
            assertThat(f.tensor("i64").dtype()).isEqualTo(DType.I64);
            ByteBuffer got = ByteBuffer.wrap(f.tensor("f32").toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : f32) {
                int bits = Float.floatToRawIntBits(v);
                assertThat(got.getShort()).isEqualTo((short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16));
            }
        }
    }

    @Test
    void maxShardSizeWritesShardsAndAnIndex() {
        Path out = dir.resolve("sharded");
        List<Long> progress = new ArrayList<>();
        long total;
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.real(MNIST + ".pt"))) {
            ConversionReport r = TorchConverter.create().maxShardSize(ShardedWriter.parseSize("100KB"))
                    .progress((done, all) -> progress.add(done)).convert(ckpt, out);
            total = r.bytes();
            assertThat(r.files().getLast()).isEqualTo(out.resolve("model.safetensors.index.json"));
            assertThat(r.files()).hasSizeGreaterThan(2);
        }
        assertThat(progress).isSorted().last().isEqualTo(total);
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.real(MNIST + ".pt"));
             Checkpoint sharded = Checkpoint.open(out)) {
            assertThat(sharded.size()).isEqualTo(ckpt.size());
            for (TorchTensor t : ckpt.tensors()) {
                assertThat(sharded.tensor(t.name()).toByteArray()).isEqualTo(t.toByteArray());
            }
        }
    }

    @Test
    void aShardedCheckpointConvertsShardByShardOrMerged() {
        Path sharded = Fixtures.generated("sharded/pytorch_model.bin.index.json").getParent();
        Path out = dir.resolve("out");
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(sharded)) {
            ConversionReport r = TorchConverter.create().convert(ckpt, out);
            assertThat(r.files()).extracting(p -> p.getFileName().toString()).containsExactly(
                    "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json");
        }
        try (SafeTensorsFile first = SafeTensorsFile.open(out.resolve("model-00001-of-00002.safetensors"));
             Checkpoint all = Checkpoint.open(out)) {
            assertThat(first.sortedNames()).containsExactly("layer.0.bias", "layer.0.weight");
            assertThat(all.size()).isEqualTo(5);
        }
        Path merged = dir.resolve("merged.safetensors");
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(sharded)) {
            TorchConverter.create().convert(ckpt, merged);
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(merged)) {
            assertThat(f.size()).isEqualTo(5);
        }
    }

    @Test
    void aClosedCheckpointFailsClearlyAndLeavesNoFile() {
        Path out = dir.resolve("never.safetensors");
        TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.generated("views.pt"));
        ckpt.close();
        SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class,
                () -> TorchConverter.create().convert(ckpt, out));
        assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.IoError);
        assertThat(e.getMessage()).contains("closed");
        assertThat(out).doesNotExist();
    }

    @Test
    void aSubDictWithoutTensorsIsAnErrorNamingWhatIsThere() {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.generated("lightning.ckpt"),
                TorchOptions.defaults().withSubDict("hyper_parameters"))) {
            SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class,
                    () -> TorchConverter.create().convert(ckpt, dir.resolve("x.safetensors")));
            assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.TensorNotFound);
            assertThat(e.getMessage()).contains("no tensors in sub-dict `hyper_parameters`", "lr (float)");
        }
    }

    @Test
    void onlyPyTorchInputsLookLikeCheckpoints() throws IOException {
        assertThat(TorchCheckpoint.looksLikeCheckpoint(Fixtures.real(MNIST + ".pt"))).isTrue();
        assertThat(TorchCheckpoint.looksLikeCheckpoint(Fixtures.generated("legacy.pt"))).isTrue();
        assertThat(TorchCheckpoint.looksLikeCheckpoint(Fixtures.generated("sharded"))).isTrue();
        assertThat(TorchCheckpoint.looksLikeCheckpoint(Fixtures.generated("sharded/pytorch_model.bin.index.json"))).isTrue();
        assertThat(TorchCheckpoint.looksLikeCheckpoint(Fixtures.repositoryFixture(MNIST + ".safetensors"))).isFalse();
        // A safetensors file named .bin whose 640-byte header length begins with the bytes 0x80 0x02 of a pickle.
        byte[] header = "{\"__metadata__\":{\"a\":\"b\"}}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] file = new byte[8 + 640];
        file[0] = (byte) 0x80;
        file[1] = 2;
        System.arraycopy(header, 0, file, 8, header.length);
        java.util.Arrays.fill(file, 8 + header.length, file.length, (byte) ' ');
        Path disguised = Files.write(dir.resolve("model.bin"), file);
        assertThat(TorchCheckpoint.looksLikeCheckpoint(disguised)).isFalse();
        try (SafeTensorsFile f = SafeTensorsFile.open(disguised)) {
            assertThat(f.metadata()).contains(Map.of("a", "b"));
        }
    }

    private static byte[] header(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return java.util.Arrays.copyOfRange(all, 0, (int) (8 + n));
    }

    private static List<TensorInfo> infos(SafeTensorsFile f) {
        return f.sortedNames().stream().map(n -> f.tensor(n).info()).toList();
    }
}
