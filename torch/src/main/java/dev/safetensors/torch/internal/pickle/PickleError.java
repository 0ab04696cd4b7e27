package dev.safetensors.torch.internal.pickle;

import dev.safetensors.SafeTensorsException;

/**
 * A rule broken inside the pickle machine or a constructor it calls. The machine turns it into a
 * {@link SafeTensorsException} naming the file, the byte offset and the opcode.
 */
public final class PickleError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final SafeTensorsException.Kind kind;

    public PickleError(SafeTensorsException.Kind kind, String detail) {
        super(detail, null, false, false);
        this.kind = kind;
    }

    /** A malformed stream or a value of the wrong type: {@code InvalidHeaderDeserialization}. */
    public static PickleError malformed(String detail) {
        return new PickleError(SafeTensorsException.Kind.InvalidHeaderDeserialization, detail);
    }

    /** Something that is not plain data: {@code UnsafePickle}. */
    public static PickleError unsafe(String detail) {
        return new PickleError(SafeTensorsException.Kind.UnsafePickle, detail);
    }

    public SafeTensorsException.Kind kind() {
        return kind;
    }
}
