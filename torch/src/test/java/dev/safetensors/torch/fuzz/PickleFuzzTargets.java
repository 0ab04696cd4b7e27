package dev.safetensors.torch.fuzz;

import dev.safetensors.SafeTensorsException;
import dev.safetensors.torch.PickleLimits;
import dev.safetensors.torch.internal.checkpoint.Flattener;
import dev.safetensors.torch.internal.checkpoint.LegacyFormat;
import dev.safetensors.torch.internal.checkpoint.LoadedFile;
import dev.safetensors.torch.internal.checkpoint.SharedStorages;
import dev.safetensors.torch.internal.checkpoint.Views;
import dev.safetensors.torch.internal.checkpoint.ZipFormat;
import dev.safetensors.torch.internal.pickle.Budget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;

/**
 * The fuzz target of the torch module, as a plain static method (the {@code @FuzzTest} calls it, and so
 * does Jazzer's own driver for long runs, {@code scripts/fuzz Pickle}). The input is a whole checkpoint
 * file, zip or legacy: it goes through the pickle machine, the flattening, the view checks and the
 * sharing rule, and every tensor of at most 1 MiB is copied out. The only allowed outcomes are success or
 * a {@link SafeTensorsException}; anything else escaping, a wrong byte count, a hang, is a finding.
 */
public final class PickleFuzzTargets {
    /** Small limits, so that each input runs in milliseconds. */
    static final PickleLimits LIMITS = new PickleLimits(1 << 20, 100_000, 100_000, 100_000, 1 << 20, 64L << 20);

    private PickleFuzzTargets() {
    }

    public static void checkpoint(byte[] data) {
        MemorySegment file = MemorySegment.ofArray(data);
        try {
            Budget budget = new Budget(LIMITS);
            LoadedFile loaded = data.length >= 2 && data[0] == 'P' && data[1] == 'K'
                    ? ZipFormat.read(file, "fuzz", budget)
                    : LegacyFormat.read(file, "fuzz", budget);
            Flattener.Flat flat = Flattener.flatten(loaded.root(), null, "fuzz", budget);
            SharedStorages.duplicates(flat.tensors());
            for (Flattener.Named n : flat.tensors()) {
                Views.Checked v = Views.check(n.name(), n.tensor(), loaded.storages().get(n.tensor().storage().key()), "fuzz");
                long size = v.view().byteSize();
                if (size <= 1 << 20) {
                    long[] count = {0};
                    v.view().data().writeTo(bytes -> count[0] += bytes.byteSize());
                    if (count[0] != size) {
                        throw new AssertionError("tensor `" + n.name() + "` yielded " + count[0] + " bytes, not " + size);
                    }
                }
            }
        } catch (SafeTensorsException expected) {
            // the one allowed failure
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
