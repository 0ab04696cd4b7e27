package dev.safetensors.torch.internal.checkpoint;

import dev.safetensors.internal.io.LittleEndian;
import static dev.safetensors.SafeTensorsException.Kind.InvalidHeaderDeserialization;
import static dev.safetensors.SafeTensorsException.Kind.MetadataIncompleteBuffer;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.internal.io.MappedFileSource;
import dev.safetensors.torch.TorchFormat;
import dev.safetensors.torch.TorchOptions;
import dev.safetensors.torch.internal.pickle.Budget;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * One checkpoint file, mapped, read and flattened: its storages stay mapped until {@link #close()}.
 *
 * @param path    the file
 * @param loaded  its pickle's object and storages
 * @param flat    its tensors by name and what was skipped
 */
public record OpenedFile(Path path, MappedFileSource mapping, LoadedFile loaded, Flattener.Flat flat)
        implements AutoCloseable {

    public static OpenedFile open(Path path, TorchOptions options) {
        MappedFileSource source = MappedFileSource.open(path);
        try {
            String name = path.toString();
            if (source.size() == 0) {
                throw new SafeTensorsException(MetadataIncompleteBuffer, name, "the file is empty");
            }
            MemorySegment file = source.mapping().orElseThrow();
            Budget budget = new Budget(options.limits());
            LoadedFile loaded = switch (sniff(file, name)) {
                case ZIP -> ZipFormat.read(file, name, budget);
                case LEGACY -> LegacyFormat.read(file, name, budget);
            };
            Flattener.Flat flat = Flattener.flatten(loaded.root(), options.subDict().orElse(null), name, budget);
            return new OpenedFile(path, source, loaded, flat);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    /** A zip archive starts with a local header (or, empty, an end record); anything else is read as a pickle. */
    private static TorchFormat sniff(MemorySegment file, String name) {
        long size = file.byteSize();
        int b0 = file.get(ValueLayout.JAVA_BYTE, 0) & 0xFF;
        if (size >= 4 && b0 == 'P' && file.get(ValueLayout.JAVA_BYTE, 1) == 'K') {
            return TorchFormat.ZIP;
        }
        if (size >= 9 && file.get(ValueLayout.JAVA_BYTE, 8) == '{'
                && file.get(LittleEndian.LONG, 0) <= size - 8) {
            throw new SafeTensorsException(InvalidHeaderDeserialization, name, "this is a safetensors file, not a "
                    + "PyTorch checkpoint: open it with SafeTensorsFile");
        }
        return TorchFormat.LEGACY;
    }

    @Override
    public void close() {
        mapping.close();
    }
}
