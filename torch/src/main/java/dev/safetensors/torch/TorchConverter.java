package dev.safetensors.torch;

import dev.safetensors.DType;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsWriter;
import dev.safetensors.ShardIndex;
import dev.safetensors.ShardedWriter;
import dev.safetensors.TensorData;
import dev.safetensors.convert.Conversion;
import dev.safetensors.convert.ConversionCounts;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import dev.safetensors.convert.SubBytePacking;
import dev.safetensors.internal.io.IoErrors;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Writes a {@link TorchCheckpoint} as safetensors through the core writer: tensor bytes go straight from
 * the mapped checkpoint to the output (non-contiguous and big-endian tensors through one small buffer),
 * each tensor of a shared storage that is the very same view as another is written once, and
 * {@code __metadata__} is what the reference converter writes: {@code {"format": "pt"}} and, for each
 * dropped duplicate, {@code dropped → kept}.
 *
 * <pre>{@code
 * try (TorchCheckpoint ckpt = TorchCheckpoint.open(Path.of("pytorch_model.bin"))) {
 *     ConversionReport r = TorchConverter.create().convert(ckpt, Path.of("model.safetensors"));
 * }
 * // BF16 shards of at most 5 GB, with a progress callback:
 * TorchConverter.create()
 *         .dtype(DType.BF16, Overflow.SATURATE, name -> true)
 *         .maxShardSize(ShardedWriter.parseSize("5GB"))
 *         .progress((done, total) -> System.err.printf("%d%%%n", 100 * done / total))
 *         .convert(ckpt, Path.of("out"));
 * }</pre>
 *
 * <p>Where it writes: with {@link #maxShardSize}, shards and {@code model.safetensors.index.json} into the
 * directory {@code out} ({@code model.safetensors} alone if everything fits); a sharded checkpoint
 * converts shard by shard into {@code out} as a directory, keeping its boundaries, unless {@code out}
 * ends in {@code .safetensors} (then merged into that file); otherwise one file {@code out} (or
 * {@code out/model.safetensors} when {@code out} is a directory). Every file is written atomically.
 */
public final class TorchConverter {
    private static final long PIECE = 64L << 20;

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private DType target;
    private Overflow overflow = Overflow.SATURATE;
    private Predicate<String> which = name -> true;
    private long maxShardSize;
    private ProgressListener progress;

    private TorchConverter() {
    }

    /** {@return a converter with no extra metadata, no dtype change, one output file} */
    public static TorchConverter create() {
        return new TorchConverter();
    }

    /**
     * Adds {@code __metadata__} entries; they win over {@code format} and the duplicates' entries.
     *
     * @param entries key → value
     * @return this converter
     */
    public TorchConverter metadata(Map<String, String> entries) {
        metadata.putAll(entries);
        return this;
    }

    /**
     * Re-encodes floating tensors whose name {@code which} accepts as {@code target} (BF16, F16, F32, F8_*),
     * rounding to nearest even (once, as the core's {@code Conversion}); other tensors are written as they are;
     * {@link ConversionReport#counts()} says what left the target's range.
     *
     * @param target   the dtype to write
     * @param overflow what values beyond its range become
     * @param which    which tensors, by name
     * @return this converter
     */
    public TorchConverter dtype(DType target, Overflow overflow, Predicate<String> which) {
        if (!FloatEncoder.canEncode(target)) {
            throw new IllegalArgumentException(target + " is not a target: use BF16, F16, F32, F8_E4M3, F8_E5M2, "
                    + "F8_E4M3FNUZ or F8_E5M2FNUZ");
        }
        this.target = target;
        this.overflow = Objects.requireNonNull(overflow);
        this.which = Objects.requireNonNull(which);
        return this;
    }

    /**
     * Writes shards of at most {@code bytes} tensor bytes (a larger tensor gets a shard of its own).
     *
     * @param bytes the limit, as {@code ShardedWriter.parseSize} reads {@code 5GB}
     * @return this converter
     */
    public TorchConverter maxShardSize(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("the shard size limit must be positive, got " + bytes);
        }
        this.maxShardSize = bytes;
        return this;
    }

    /**
     * Reports progress while converting.
     *
     * @param listener told the bytes written so far, after each piece of at most 64 MiB
     * @return this converter
     */
    public TorchConverter progress(ProgressListener listener) {
        this.progress = listener;
        return this;
    }

    /**
     * Writes {@code in} to {@code out}; see the class comment for the layout.
     *
     * @param in  an open checkpoint
     * @param out the file, or the directory for shards
     * @return what was written
     */
    public ConversionReport convert(TorchCheckpoint in, Path out) {
        List<TorchTensor> written = in.tensors().stream().filter(t -> !in.duplicates().containsKey(t.name())).toList();
        if (written.isEmpty() && !in.skipped().isEmpty()) {
            throw new SafeTensorsException(SafeTensorsException.Kind.TensorNotFound, in.description(), "no tensors "
                    + "in " + (in.subDict().isEmpty() ? "the checkpoint" : "sub-dict `" + in.subDict() + "`")
                    + "; it holds " + in.skipped() + " (choose another sub-dict)");
        }
        Map<String, String> md = new LinkedHashMap<>();
        md.put("format", "pt");
        in.duplicates().forEach(md::putIfAbsent);
        md.putAll(metadata);
        long total = written.stream().mapToLong(this::outputBytes).sum();
        long[] done = {0};
        int converted = 0;
        Map<String, ConversionCounts> counts = new LinkedHashMap<>();
        boolean shardByFile = maxShardSize == 0 && in.files().size() > 1 && !out.toString().endsWith(".safetensors");
        boolean sharded = maxShardSize > 0 || shardByFile;
        ShardedWriter shards = sharded ? ShardedWriter.create(shardByFile ? Long.MAX_VALUE : maxShardSize)
                .shardMetadata(md) : null;
        SafeTensorsWriter single = sharded ? null : SafeTensorsWriter.create().metadata(md);
        Path previousFile = null;
        for (TorchTensor t : written) {
            boolean convert = converts(t);
            DType dtype = convert ? target : t.dtype();
            TensorData data = counted(convert ? Conversion.of(t.dtype(), t.data(), target, overflow,
                    SubBytePacking.DEFAULT, counts.computeIfAbsent(t.name(), n -> new ConversionCounts()))
                    : t.data(), done, total);
            if (shards != null) {
                if (shardByFile && previousFile != null && !previousFile.equals(t.file())) {
                    shards.newShard();
                }
                shards.add(t.name(), dtype, t.shape(), data);
            } else {
                single.add(t.name(), dtype, t.shape(), data);
            }
            previousFile = t.file();
            converted += convert ? 1 : 0;
        }
        List<Path> files = new ArrayList<>();
        if (shards != null) {
            createDirectories(out);
            Optional<ShardIndex> index = shards.write(out, "model");
            if (index.isPresent()) {
                index.get().shards().forEach(s -> files.add(out.resolve(s)));
                files.add(out.resolve("model.safetensors.index.json"));
            } else {
                files.add(out.resolve("model.safetensors"));
            }
        } else {
            Path file = Files.isDirectory(out) ? out.resolve("model.safetensors") : out;
            single.write(file);
            files.add(file);
        }
        return new ConversionReport(files, written.size(), converted, total, in.duplicates(), in.skipped(), counts);
    }

    private boolean converts(TorchTensor t) {
        return target != null && Conversion.isFloating(t.dtype()) && t.dtype() != target && which.test(t.name());
    }

    private long outputBytes(TorchTensor t) {
        return converts(t) ? t.shape().elementCount() * target.bits() / 8 : t.byteSize();
    }

    /** Reports progress after each piece, cutting large segments into pieces of at most 64 MiB. */
    private TensorData counted(TensorData data, long[] done, long total) {
        if (progress == null) {
            return data;
        }
        return sink -> data.writeTo(bytes -> {
            for (long off = 0; off < bytes.byteSize(); off += PIECE) {
                MemorySegment piece = bytes.asSlice(off, Math.min(PIECE, bytes.byteSize() - off));
                sink.write(piece);
                done[0] += piece.byteSize();
                progress.progress(done[0], total);
            }
        });
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw IoErrors.io(dir.toString(), "cannot create the output directory", e);
        }
    }
}
