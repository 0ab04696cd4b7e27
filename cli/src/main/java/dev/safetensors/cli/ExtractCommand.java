package dev.safetensors.cli;

import dev.safetensors.ByteSink;
import dev.safetensors.Checkpoint;
import dev.safetensors.DType;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Shape;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.Tensor;
import dev.safetensors.TensorSlice;
import dev.safetensors.convert.Conversion;
import dev.safetensors.convert.FloatEncoder;
import dev.safetensors.convert.Overflow;
import dev.safetensors.internal.io.AtomicFile;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** {@code safetensors extract}: one tensor of a file or a sharded checkpoint, as a NumPy file or raw bytes. */
final class ExtractCommand implements Callable<Integer> {
    final CommandSpec spec;
    private final Main main;
    String input;
    String name;
    Path output;
    boolean raw;
    DType dtype;
    String slice = "";

    ExtractCommand(Main main) {
        this.main = main;
        spec = CommandModel.command("extract", this, new String[] {
                "Write one tensor, or a slice of it, as a NumPy .npy file that numpy.load reads.",
                "",
                "Only the selected bytes are read. Dtypes NumPy lacks (BF16, the F8 types, F6, F4) are decoded into",
                "float32 with --dtype F32, or written as their bytes with --raw. OUT '-' writes to standard output."},
                "  safetensors extract model.safetensors lm_head.weight -o lm_head.npy",
                "  safetensors extract model.safetensors lm_head.weight --slice '0:16, :' -o first16.npy",
                "  safetensors extract model.safetensors embed.weight --dtype F32 -o embed.npy   # BF16 to float32",
                "  safetensors extract model.safetensors w --raw -o - | xxd | head");
        spec.addPositional(CommandModel.positional(0, "PATH", String.class, () -> input, v -> input = v)
                .description("a safetensors file, a *.safetensors.index.json, or a directory of shards; or an hf:// "
                        + "or https:// address of one (only the selected bytes are fetched)").build());
        spec.addPositional(CommandModel.positional(1, "NAME", String.class, () -> name, v -> name = v)
                .description("the tensor's name").build());
        spec.addOption(CommandModel.option("-o --output", "OUT", Path.class,
                () -> output, v -> output = v).required(true)
                .description("the file to write, or '-' for standard output").build());
        spec.addOption(CommandModel.flag("--raw", () -> raw, v -> raw = v)
                .description("Write the tensor's bytes as they are (little-endian, row-major).").build());
        spec.addOption(CommandModel.option("--dtype", "DTYPE", DType.class,
                () -> dtype, v -> dtype = v)
                .converters(new DTypeNames.NumpyFloat()).completionCandidates(new DTypeNames.NumpyFloat())
                .description("Decode a floating tensor into ${COMPLETION-CANDIDATES} (F32 holds every value of BF16, "
                        + "F16 and the F8 and F4 types exactly).").build());
        spec.addOption(CommandModel.option("--slice", "EXPR", String.class, () -> slice, v -> slice = v)
                .description("Only a NumPy-style selection, e.g. \"0:2, ..., -1\" or \":, ::2\".").build());
    }

    @Override
    public Integer call() throws IOException {
        if (raw && dtype != null) {
            throw new ParameterException(spec.commandLine(), "--raw writes the bytes as they are and --dtype decodes "
                    + "them: choose one");
        }
        try (Checkpoint c = Inputs.open(input, OpenOptions.defaults())) {
            Tensor t = c.tensor(name);
            TensorSlice selection = t.slice(slice);
            String source = c instanceof ShardedCheckpoint s ? s.shardOf(name).description() : c.description();
            DType written = dtype != null ? dtype : t.dtype();
            if (dtype != null && dtype != t.dtype()) {
                checkDecodable(t, source);
            }
            byte[] npyHeader = raw ? new byte[0] : npyHeader(t, written, selection.shape(), source);
            long dataBytes = ConvertCommand.byteSize(written, selection.shape());
            boolean toStdout = output.toString().equals("-");
            try (Progress bar = main.progress("extract", npyHeader.length + dataBytes, Progress.Unit.BYTES)) {
                if (toStdout) {
                    OutputStream stdout = main.stdout(spec.commandLine().getOut());
                    write(bar.counting(Channels.newChannel(stdout)), npyHeader, t, selection, written);
                    stdout.flush();
                } else {
                    AtomicFile.write(output, ch -> write(bar.counting(ch), npyHeader, t, selection, written));
                }
            }
            // Written to standard output, the tensor is the output: the report goes to stderr.
            (toStdout ? spec.commandLine().getErr() : spec.commandLine().getOut()).printf(Locale.ROOT,
                    "%s: %s %s%s, %,d bytes%n", output, written, selection.shape(),
                    raw ? " (raw)" : dtype != null && dtype != t.dtype() ? " (decoded from " + t.dtype() + ")" : "",
                    dataBytes + npyHeader.length);
        }
        return ExitCode.OK;
    }

    private static void write(WritableByteChannel ch, byte[] npyHeader, Tensor t, TensorSlice selection, DType written)
            throws IOException {
        ByteBuffer h = ByteBuffer.wrap(npyHeader);
        while (h.hasRemaining()) {
            ch.write(h);
        }
        if (written == t.dtype()) {
            selection.writeTo(ch);
        } else if (selection.shape().equals(t.shape())) {
            // The whole tensor: decoded block by block, never all in memory.
            Conversion.of(t, written).writeTo(new ChannelSink(ch));
        } else {
            float[] values = selection.toFloatArray();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment encoded = arena.allocate(Math.max(1, (long) values.length * written.bits() / 8));
                FloatEncoder.encode(values, 0, values.length, written, Overflow.defaultFor(written), encoded);
                new ChannelSink(ch).write(encoded.asSlice(0, (long) values.length * written.bits() / 8));
            }
        }
    }

    /** Floating tensors decode; F6 only once its bit packing is agreed on (docs/format.md#sub-byte), integers are NumPy's already. */
    private static void checkDecodable(Tensor t, String source) {
        if (!Conversion.isFloating(t.dtype()) || t.dtype() == DType.F6_E2M3 || t.dtype() == DType.F6_E3M2) {
            throw new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView, source, "tensor `" + t.name()
                    + "` is " + t.dtype() + ", which --dtype does not decode"
                    + (NpyHeader.descr(t.dtype()).isPresent() ? "; leave --dtype out to write it as it is"
                    : "; use --raw to write its bytes as they are"));
        }
    }

    private static byte[] npyHeader(Tensor t, DType written, Shape shape, String source) {
        return NpyHeader.descr(written)
                .map(descr -> NpyHeader.encode(descr, shape))
                .orElseThrow(() -> new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView,
                        source, "tensor `" + t.name() + "` is " + t.dtype() + ", which NumPy has no dtype for; use "
                                + "--dtype F32 to decode it into float32, or --raw to write its bytes as they are"));
    }

    /** Bytes into a channel, all of them. */
    private record ChannelSink(WritableByteChannel ch) implements ByteSink {
        @Override
        public void write(MemorySegment bytes) throws IOException {
            for (long off = 0; off < bytes.byteSize(); off += 1L << 30) {   // a buffer holds at most 2 GiB
                ByteBuffer b = bytes.asSlice(off, Math.min(1L << 30, bytes.byteSize() - off)).asByteBuffer();
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        }
    }
}
