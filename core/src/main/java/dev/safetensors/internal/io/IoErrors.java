package dev.safetensors.internal.io;

import dev.safetensors.SafeTensorsException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * Turns I/O failures into {@code IoError} exceptions with messages a user can act on. Shared by the
 * sources here and by writers, so every module reports file problems the same way.
 */
public final class IoErrors {
    private IoErrors() {
    }

    /** The handle or source was closed before or during the operation. */
    public static SafeTensorsException closed(String source) {
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, source, "the file is closed");
    }

    /** {@code action} failed, e.g. "cannot read 4096 bytes at offset 0". */
    public static SafeTensorsException io(String source, String action, IOException e) {
        if (e instanceof ClosedChannelException) {
            return closed(source);
        }
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, source, action + ": " + describe(e), e);
    }

    /**
     * The file is no longer what was opened: {@code how}, e.g. "it has 4096 bytes, it had 65536 when opened".
     * Nothing read from it now would match its header.
     */
    public static SafeTensorsException changed(String source, String how, Throwable cause) {
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, source, "the file changed on disk ("
                + how + "); open it again to read it as it is now", cause);
    }

    /** Refuses a read of {@code length} bytes at {@code position} that is not inside a source of {@code size}. */
    public static void checkRange(String source, long position, long length, long size) {
        if (position < 0 || position > size - length) {
            throw outOfRange(source, position, length, size);
        }
    }

    /** A read past the end of the source. */
    public static SafeTensorsException outOfRange(String source, long position, long length, long size) {
        return new SafeTensorsException(SafeTensorsException.Kind.IoError, source, "cannot read " + length
                + " bytes at offset " + position + ": the file has " + size + " bytes");
    }

    /** A short reason: "no such file", "permission denied", or the exception's own message. */
    public static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
