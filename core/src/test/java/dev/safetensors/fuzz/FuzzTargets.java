package dev.safetensors.fuzz;

import dev.safetensors.testing.MemorySource;

import dev.safetensors.DType;
import dev.safetensors.Header;
import dev.safetensors.testing.MemorySource;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.ShardIndex;
import dev.safetensors.Tensor;
import dev.safetensors.TensorSlice;
import dev.safetensors.convert.FloatDecoder;
import dev.safetensors.convert.SubBytePacking;
import dev.safetensors.parallel.ParallelPlan;
import dev.safetensors.parallel.Placement;
import dev.safetensors.parallel.RankPiece;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The fuzz targets, as plain static methods: the JUnit {@code @FuzzTest}s call them, and so does Jazzer's
 * own driver for long runs ({@code scripts/fuzz}). Each accepts any bytes; the only allowed outcomes are
 * success or a {@link SafeTensorsException}. Anything else escaping is a finding.
 */
public final class FuzzTargets {
    private FuzzTargets() {
    }

    /** Input: 2 bytes little-endian data size, then the header JSON. */
    public static void header(byte[] data) {
        if (data.length < 2) {
            return;
        }
        long dataSize = (data[0] & 0xFF) | (data[1] & 0xFF) << 8;
        byte[] json = java.util.Arrays.copyOfRange(data, 2, data.length);
        try {
            Header h = Header.parse(json, dataSize, "fuzz");
            for (int i = 0; i < h.size(); i++) {
                h.info(i).elementCount();
            }
            h.sortedNames();
        } catch (SafeTensorsException expected) {
            // the one allowed failure
        }
    }

    /** Input: a whole file; opened, every tensor read raw and, where decodable, as floats. */
    public static void openFile(byte[] data) {
        try (SafeTensorsFile f = SafeTensorsFile.open(new MemorySource(data, "fuzz"), Header.DEFAULT_MAX_SIZE)) {
            for (Tensor t : f.tensors()) {
                t.toByteArray();
                if (FloatDecoder.canDecode(t.dtype()) && t.dtype() != DType.F6_E2M3 && t.dtype() != DType.F6_E3M2) {
                    t.toFloatArray();
                }
                t.slice("..., ::-1").toByteArray();
                if (t.dtype() != DType.F6_E2M3 && t.dtype() != DType.F6_E3M2) {
                    t.slice("..., ::-1").toDoubleArray();
                }
            }
        } catch (SafeTensorsException expected) {
            // the one allowed failure
        }
    }

    /**
     * Input: byte 0 picks a dtype, byte 1 the rank (0–4), then one byte per dimension (0–15), then the
     * slice expression as UTF-8. The tensor is written in memory and sliced; the runs must stay inside the
     * tensor and add up to the slice's size, and every copy-out must give the bytes of the runs, in order.
     */
    public static void slice(byte[] data) {
        if (data.length < 2) {
            return;
        }
        DType t = DType.values()[(data[0] & 0xFF) % DType.values().length];
        int rank = (data[1] & 0xFF) % 5;
        if (data.length < 2 + rank) {
            return;
        }
        long[] shape = new long[rank];
        long elements = 1;
        for (int d = 0; d < rank; d++) {
            shape[d] = data[2 + d] & 0x0F;
            elements *= shape[d];
        }
        if (elements * t.bits() % 8 != 0) {
            return;
        }
        String expr = new String(data, 2 + rank, data.length - 2 - rank, StandardCharsets.UTF_8);
        byte[] file = SliceFiles.file(t, shape, elements * t.bits() / 8);
        try (SafeTensorsFile f = SafeTensorsFile.open(new MemorySource(file, "fuzz"), Header.DEFAULT_MAX_SIZE)) {
            Tensor tensor = f.tensor("t");
            TensorSlice s = tensor.slice(expr);
            byte[] all = tensor.toByteArray();
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            s.forEachRun((offset, length) -> {
                if (offset < 0 || length <= 0 || offset + length > tensor.byteSize()) {
                    throw new AssertionError("run [" + offset + ", " + (offset + length) + ") outside " + tensor);
                }
                expected.write(all, (int) offset, (int) length);
            });
            byte[] bytes = expected.toByteArray();
            if (bytes.length != s.byteSize()) {
                throw new AssertionError("runs add up to " + bytes.length + ", slice says " + s.byteSize());
            }
            copyOuts(s, bytes);
        } catch (SafeTensorsException expected) {
            // the one allowed failure
        }
    }

    /** Every copy-out of {@code s} gives {@code bytes}, or its values; arrays have one value per element. */
    private static void copyOuts(TensorSlice s, byte[] bytes) {
        if (!Arrays.equals(s.toByteArray(), bytes)) {
            throw new AssertionError("toByteArray differs from the runs");
        }
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        try {
            s.writeTo(Channels.newChannel(written));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        if (!Arrays.equals(written.toByteArray(), bytes)) {
            throw new AssertionError("writeTo differs from the runs");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = arena.allocate(Math.max(1, bytes.length));
            s.copyTo(dst);
            if (!Arrays.equals(dst.asSlice(0, bytes.length).toArray(ValueLayout.JAVA_BYTE), bytes)) {
                throw new AssertionError("copyTo differs from the runs");
            }
        }
        long n = s.shape().elementCount() * (s.dtype() == DType.C64 ? 2 : 1);
        SubBytePacking packing = SubBytePacking.DEFAULT.withF6(SubBytePacking.F6Order.MSB_FIRST);
        int[] lengths = {s.toFloatArray(packing).length, lengths(s::toShortArray), lengths(s::toIntArray),
                lengths(s::toLongArray), lengths(s::toDoubleArray), lengths(s::toFloatArray)};
        for (int i = 0; i < lengths.length; i++) {
            long want = i == 1 || i == 2 || i == 3 ? s.shape().elementCount() : n;
            if (lengths[i] >= 0 && lengths[i] != want) {
                throw new AssertionError("array #" + i + " has " + lengths[i] + " values for " + want);
            }
        }
    }

    /** The array's length, or -1 when the dtype cannot go into it (a SafeTensorsException). */
    private static int lengths(java.util.function.Supplier<Object> array) {
        try {
            return java.lang.reflect.Array.getLength(array.get());
        } catch (SafeTensorsException refused) {
            return -1;
        }
    }

    /**
     * Input: byte 0 the tensor-parallel size (1–8), byte 1 the pipeline stages (1–4), byte 2 which rules the
     * plan has, then a whole file. Every rank of every stage gets its pieces and reads them; split pieces of
     * all ranks must add up to the tensor, and a tensor goes to exactly one stage.
     */
    public static void parallelPlan(byte[] data) {
        if (data.length < 3) {
            return;
        }
        int tp = 1 + (data[0] & 0xFF) % 8;
        int stages = 1 + (data[1] & 0xFF) % 4;
        int rules = data[2] & 0xFF;
        ParallelPlan.Builder b = ParallelPlan.builder(tp).pipelineStages(stages);
        String[] patterns = {".*q_proj.*", ".*o_proj.*", ".*skip.*", ".*embed.*", ".*", ".*\\.weight"};
        Placement[] placements = Placement.values();
        for (int i = 0; i < patterns.length; i++) {
            if ((rules >> i & 1) != 0) {
                b.place(patterns[i], placements[(i + (rules >> 6)) % placements.length]);
            }
        }
        ParallelPlan plan = b.build();
        byte[] file = Arrays.copyOfRange(data, 3, data.length);
        try (SafeTensorsFile f = SafeTensorsFile.open(new MemorySource(file, "fuzz"), Header.DEFAULT_MAX_SIZE)) {
            java.util.Map<String, Long> splitBytes = new java.util.HashMap<>();
            java.util.Map<String, Integer> stageOf = new java.util.HashMap<>();
            for (int stage = 0; stage < stages; stage++) {
                for (int rank = 0; rank < tp; rank++) {
                    List<RankPiece> pieces = plan.pieces(f, rank, stage);
                    for (RankPiece p : pieces) {
                        Integer before = stageOf.putIfAbsent(p.name(), stage);
                        if (before != null && before != stage) {
                            throw new AssertionError(p.name() + " goes to stages " + before + " and " + stage);
                        }
                        byte[] bytes = p.slice().toByteArray();
                        if (bytes.length != p.slice().byteSize()) {
                            throw new AssertionError("piece of " + p.name() + " read " + bytes.length + " bytes");
                        }
                        if (p.placement() == Placement.SPLIT_DIM0 || p.placement() == Placement.SPLIT_DIM1) {
                            splitBytes.merge(p.name(), (long) bytes.length, Long::sum);
                        } else if (bytes.length != f.tensor(p.name()).byteSize()) {
                            throw new AssertionError("replicated " + p.name() + " is not whole");
                        }
                    }
                }
            }
            splitBytes.forEach((name, total) -> {
                if (total != f.tensor(name).byteSize()) {
                    throw new AssertionError("the ranks' pieces of " + name + " hold " + total + " of "
                            + f.tensor(name).byteSize() + " bytes");
                }
            });
        } catch (SafeTensorsException expected) {
            // the one allowed failure
        }
    }

    /** Input: an index file. */
    public static void shardIndex(byte[] data) {
        try {
            ShardIndex index = ShardIndex.parse(data, "fuzz");
            String json = index.toJson();
            index.totalSize();
            // Written back, the index reads as itself: every value kept exactly.
            String again = ShardIndex.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), "fuzz-rewritten").toJson();
            if (!again.equals(json)) {
                throw new AssertionError("the index changed when written back:\n" + json + "\n" + again);
            }
        } catch (SafeTensorsException expected) {
            // the one allowed failure
        }
    }
}
