package dev.safetensors.cuda.internal;

import java.util.Optional;

/** cuFile is looked for, and its driver opened, once per process. */
public final class CuFiles {
    private static volatile Optional<CuFile> loaded;

    private CuFiles() {
    }

    /** Looks again, after the library property changed (tests point it at a fake). */
    public static synchronized void reload() {
        loaded = CuFile.load();
    }

    static Optional<CuFile> get() {
        Optional<CuFile> c = loaded;
        if (c == null) {
            synchronized (CuFiles.class) {
                c = loaded;
                if (c == null) {
                    loaded = c = CuFile.load();
                }
            }
        }
        return c;
    }
}
