package dev.safetensors.cli;

import dev.safetensors.Checkpoint;
import dev.safetensors.OpenOptions;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.Shape;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.Tensor;
import dev.safetensors.TensorSlice;
import dev.safetensors.internal.io.AtomicFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code safetensors extract}: one tensor of a file or a sharded checkpoint, as a NumPy file or raw bytes. */
@Command(name = "extract", mixinStandardHelpOptions = true,
        description = {"Write one tensor as a NumPy .npy file (numpy.load reads it), or with --raw as its bytes.",
                "Dtypes NumPy lacks (BF16, F8_*, F6_*, F4) need --raw."})
final class ExtractCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH",
            description = "a safetensors file, a *.safetensors.index.json, or a directory of shards; or an hf:// or"
                    + " https:// address of one (only the selected bytes are fetched)")
    String input;

    @Parameters(index = "1", paramLabel = "NAME", description = "tensor name")
    String name;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", required = true, description = "output file")
    Path output;

    @Option(names = "--raw", description = "Write the tensor's bytes as they are (little-endian, row-major).")
    boolean raw;

    @Option(names = "--slice", paramLabel = "EXPR",
            description = "Only a NumPy-style selection, e.g. \"0:2, ..., -1\" or \":, ::2\"; only its bytes are read.")
    String slice = "";

    @Override
    public Integer call() {
        try (Checkpoint c = Inputs.open(input, OpenOptions.defaults())) {
            Tensor t = c.tensor(name);
            TensorSlice selection = t.slice(slice);
            String source = c instanceof ShardedCheckpoint s ? s.shardOf(name).description() : c.description();
            byte[] npyHeader = raw ? new byte[0] : npyHeader(t, selection.shape(), source);
            AtomicFile.write(output, ch -> {
                ByteBuffer h = ByteBuffer.wrap(npyHeader);
                while (h.hasRemaining()) {
                    ch.write(h);
                }
                selection.writeTo(ch);
            });
            spec.commandLine().getOut().printf("%s: %s %s%s, %,d bytes%n", output, t.dtype(), selection.shape(),
                    raw ? " (raw)" : "", selection.byteSize() + npyHeader.length);
        }
        return 0;
    }

    private static byte[] npyHeader(Tensor t, Shape shape, String source) {
        return NpyHeader.descr(t.dtype())
                .map(descr -> NpyHeader.encode(descr, shape))
                .orElseThrow(() -> new SafeTensorsException(SafeTensorsException.Kind.InvalidTensorView,
                        source, "tensor `" + t.name() + "` is " + t.dtype()
                                + ", which NumPy has no dtype for; use --raw to write its bytes as they are"));
    }
}
