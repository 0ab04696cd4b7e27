package com.example.consumer;

import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.Index;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.Shape;
import dev.safetensors.Tensor;
import dev.safetensors.TensorData;
import dev.safetensors.parallel.ParallelPlan;
import dev.safetensors.parallel.Placement;
import dev.safetensors.parallel.RankPiece;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Uses safetensors-core as an application would: writes a checkpoint, reads it back, slices it, does the same in
 * memory (decoding into memory it owns), opens it as a {@link Checkpoint} and plans a two-way tensor-parallel load. Every expected value is written out here by hand.
 * Prints one line and exits 0 when everything holds; otherwise names the first check that failed and exits 1.
 */
public final class Main {
    // BF16 is the top half of an F32: 1.0f = 0x3F80_0000, 2.0f = 0x4000_0000, ... 8.0f = 0x4100_0000.
    private static final short[] BF16_ONE_TO_EIGHT = {
        0x3F80, 0x4000, 0x4040, 0x4080, 0x40A0, 0x40C0, 0x40E0, 0x4100};

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Main() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("safetensors-consumer");
        try {
            run(dir);
        } catch (AssertionError | SafeTensorsException e) {
            System.err.println("consumer: FAILED on the " + where() + ": " + e.getMessage());
            System.exit(1);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.println("consumer: OK on the " + where());
    }

    private static void run(Path dir) {
        Path path = dir.resolve("model.safetensors");
        SafeTensorsWriter.create()
                .putMetadata("format", "pt")
                .add("embed", DType.F32, Shape.of(2, 3), TensorData.of(new float[] {0, 1, 2, 3, 4, 5}))
                .add("layers.0.q_proj.weight", DType.BF16, Shape.of(4, 2), TensorData.of(BF16_ONE_TO_EIGHT))
                .add("step", DType.I64, Shape.of(), TensorData.of(new long[] {1000}))
                .write(path);

        try (SafeTensorsFile file = SafeTensorsFile.open(path)) {
            check("metadata", file.metadata().orElseThrow(), Map.of("format", "pt"));
            Tensor embed = file.tensor("embed");
            check("embed dtype", embed.dtype(), DType.F32);
            check("embed shape", embed.shape(), Shape.of(2, 3));
            check("embed values", embed.toFloatArray(), new float[] {0, 1, 2, 3, 4, 5});
            check("embed[1]", embed.slice("1").toFloatArray(), new float[] {3, 4, 5});
            check("embed[:, -1]", embed.slice(Index.all(), Index.at(-1)).toFloatArray(), new float[] {2, 5});
            check("q_proj as F32", file.tensor("layers.0.q_proj.weight").toFloatArray(),
                    new float[] {1, 2, 3, 4, 5, 6, 7, 8});
            check("step", file.tensor("step").toLongArray(), new long[] {1000});
            try {
                file.tensor("missing");
                throw new AssertionError("a missing tensor was found");
            } catch (SafeTensorsException e) {
                check("missing tensor's error kind", e.kind(), SafeTensorsException.Kind.TensorNotFound);
            }
        }

        // In memory: toByteArray gives the bytes write(Path) put on disk; open(byte[]) and open(MemorySegment) read
        // them without a file; copyTo(dst, F32) widens BF16 into memory this program owns, whole and sliced.
        byte[] bytes = SafeTensorsWriter.create()
                .putMetadata("format", "pt")
                .add("embed", DType.F32, Shape.of(2, 3), TensorData.of(new float[] {0, 1, 2, 3, 4, 5}))
                .add("layers.0.q_proj.weight", DType.BF16, Shape.of(4, 2), TensorData.of(BF16_ONE_TO_EIGHT))
                .add("step", DType.I64, Shape.of(), TensorData.of(new long[] {1000}))
                .toByteArray();
        try {
            check("toByteArray is the file", Arrays.equals(bytes, Files.readAllBytes(path)), true);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + path + ": " + e);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offHeap = arena.allocate(bytes.length);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, offHeap, 0, bytes.length);
            for (SafeTensorsFile memory : List.of(SafeTensorsFile.open(bytes), SafeTensorsFile.open(offHeap))) {
                try (memory) {
                    check("in-memory description", memory.description(), "<memory>");
                    Tensor q = memory.tensor("layers.0.q_proj.weight");
                    MemorySegment f32 = arena.allocate(q.byteSize(DType.F32));
                    q.copyTo(f32, DType.F32);
                    check("q_proj copied to memory as F32", f32.toArray(F32_LE), new float[] {1, 2, 3, 4, 5, 6, 7, 8});
                    MemorySegment last = arena.allocate(8);
                    q.slice("-1").copyTo(last, DType.F32);
                    check("q_proj[-1] copied as F32", last.toArray(F32_LE), new float[] {7, 8});
                    check("tensors in file order", memory.tensors().stream().map(Tensor::name).toList(),
                            memory.names());
                }
            }
        }

        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            check("checkpoint names", checkpoint.sortedNames(), List.of("embed", "layers.0.q_proj.weight", "step"));
            ParallelPlan plan = ParallelPlan.builder(2)
                    .place(".*_proj\\.weight", Placement.SPLIT_DIM0)
                    .place("step", Placement.SKIP)
                    .build();
            List<RankPiece> pieces = plan.pieces(checkpoint, 1, 0);
            check("rank 1's pieces", pieces.stream().map(RankPiece::name).toList(),
                    List.of("embed", "layers.0.q_proj.weight"));
            RankPiece q = pieces.get(1);
            check("rank 1's rows of q_proj", q.slice().toFloatArray(), new float[] {5, 6, 7, 8});
            check("rank 1's first row", q.start(), 2L);
        }

        Module core = SafeTensorsFile.class.getModule();
        if (Main.class.getModule().isNamed()) {
            // On the module path the library is a named module that keeps its internals to itself.
            check("core module name", core.getName(), "dev.safetensors.core");
            check("dev.safetensors exported", core.isExported("dev.safetensors"), true);
            check("internal header package exported", core.isExported("dev.safetensors.internal.header"), false);
        } else {
            check("core on the class path", core.isNamed(), false);
        }
    }

    private static String where() {
        return Main.class.getModule().isNamed() ? "module path" : "class path";
    }

    private static void check(String what, Object actual, Object expected) {
        boolean same = actual instanceof float[] a && expected instanceof float[] e ? Arrays.equals(a, e)
                : actual instanceof long[] a && expected instanceof long[] e ? Arrays.equals(a, e)
                : Objects.equals(actual, expected);
        if (!same) {
            throw new AssertionError(what + ": expected " + show(expected) + ", got " + show(actual));
        }
    }

    private static String show(Object value) {
        return value instanceof float[] f ? Arrays.toString(f)
                : value instanceof long[] l ? Arrays.toString(l) : String.valueOf(value);
    }
}
