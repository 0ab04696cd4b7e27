package dev.safetensors.cli;

import dev.safetensors.SafeTensorsException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The exit statuses every command documents. */
final class ExitCode {
    /** Done, and the answer is yes: valid, equal. */
    static final int OK = 0;
    /** The answer is no: invalid, different, or an input that is not a valid checkpoint. */
    static final int NO = 1;
    /** The command line is wrong. */
    static final int USAGE = 2;
    /** A file could not be read or written. */
    static final int IO = 3;

    private ExitCode() {
    }

    /** {@link #IO} for a failure of the file system, {@link #NO} for any other. */
    static int of(Throwable e) {
        boolean io = e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof SafeTensorsException s && s.kind() == SafeTensorsException.Kind.IoError;
        return io ? IO : NO;
    }
}
