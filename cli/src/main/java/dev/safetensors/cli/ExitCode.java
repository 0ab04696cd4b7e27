package dev.safetensors.cli;

import dev.safetensors.SafeTensorsException;

/**
 * The exit statuses every command documents (cli/README.md), the same for all: scripts tell "no" from "could
 * not tell" without parsing messages.
 */
final class ExitCode {
    /** Done, and the answer is yes: valid, equal. */
    static final int OK = 0;
    /** The answer is no: invalid, different, or an input that is not a valid checkpoint. */
    static final int NO = 1;
    /** The command line is wrong: an unknown option, a missing argument, a value out of range. */
    static final int USAGE = 2;
    /**
     * The command could not do its work: a file could not be read or written (missing, no permission, disk
     * full, network), or something else stopped it before it had an answer (out of memory, an internal error).
     */
    static final int IO = 3;

    private ExitCode() {
    }

    /** {@link #NO} for a file that breaks the format, {@link #IO} for anything else that stopped the command. */
    static int of(Throwable e) {
        return e instanceof SafeTensorsException s && s.kind() != SafeTensorsException.Kind.IoError ? NO : IO;
    }

    /** The status of a run over many inputs: {@link #IO} if any failed so, else {@link #NO} if any, else OK. */
    static int worst(int a, int b) {
        return a == IO || b == IO ? IO : Math.max(a, b);
    }
}
