package dev.safetensors.fuzz;

import dev.safetensors.DType;
import dev.safetensors.Header;
import dev.safetensors.MemorySource;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.ShardIndex;
import dev.safetensors.Tensor;
import dev.safetensors.TensorSlice;
import dev.safetensors.convert.FloatDecoder;
import java.nio.charset.StandardCharsets;

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
            }
        } catch (SafeTensorsException expected) {
            // the one allowed failure
        }
    }

    /**
     * Input: byte 0 picks a dtype, byte 1 the rank (0–4), then one byte per dimension (0–15), then the
     * slice expression as UTF-8. The tensor is written in memory and sliced; the runs must stay inside the
     * tensor and add up to the slice's size.
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
            long[] total = {0};
            s.forEachRun((offset, length) -> {
                if (offset < 0 || length <= 0 || offset + length > tensor.byteSize()) {
                    throw new AssertionError("run [" + offset + ", " + (offset + length) + ") outside " + tensor);
                }
                total[0] += length;
            });
            if (total[0] != s.byteSize() || s.toByteArray().length != s.byteSize()) {
                throw new AssertionError("runs add up to " + total[0] + ", slice says " + s.byteSize());
            }
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
