package dev.safetensors;

import dev.safetensors.internal.text.Elide;
import java.util.Objects;

/**
 * The one exception this library throws for malformed files, impossible requests and I/O failures.
 *
 * <p>{@link #kind()} carries the name of the matching error variant of the reference implementation
 * ({@code huggingface/safetensors}), so that code can react to the kind and people can search for it.
 * The message says which file, which tensor, and which rule was broken, with the numbers involved:
 *
 * <pre>{@code
 * try (var file = SafeTensorsFile.open(path)) {
 *     ...
 * } catch (SafeTensorsException e) {
 *     if (e.kind() == SafeTensorsException.Kind.HeaderTooLarge) { ... }
 *     System.err.println(e.getMessage());
 *     // model.safetensors: invalid offset for tensor `b`: data_offsets [8, 12] begin at 8, but the previous tensor ends at 4
 * }
 * }</pre>
 */
public final class SafeTensorsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Error kinds, named exactly after the reference's variants (docs/format.md#error-kinds), plus {@link #UnsafePickle},
     * which the reference (having no pickle reader) lacks.
     */
    public enum Kind {
        /** The file is shorter than the 8-byte header length. */
        HeaderTooSmall,
        /** The declared header length exceeds the limit (100,000,000 bytes unless configured). */
        HeaderTooLarge,
        /** The declared header length runs past the end of the file. */
        InvalidHeaderLength,
        /** The header bytes are not valid UTF-8. */
        InvalidHeader,
        /** The header is not the expected JSON (syntax, types, fields, dtypes, duplicates, depth). */
        InvalidHeaderDeserialization,
        /** A tensor's data_offsets are inverted, leave a hole, overlap or run past the data. */
        InvalidOffset,
        /** Shape × dtype overflows 64 bits. */
        ValidationOverflow,
        /** A sub-byte dtype or a slice does not end on a byte boundary. */
        MisalignedSlice,
        /** A tensor's byte range does not equal shape × dtype. */
        TensorInvalidInfo,
        /** The tensors do not cover the data buffer exactly (trailing or missing bytes). */
        MetadataIncompleteBuffer,
        /** No tensor of that name. */
        TensorNotFound,
        /** A view's byte count does not match shape × dtype, or the view asked for does not fit. */
        InvalidTensorView,
        /** Reading or writing failed at the operating-system level, or the handle is closed. */
        IoError,
        /** A header could not be written as JSON (e.g. duplicate or unencodable names). */
        JsonError,
        /** More slice indexes than dimensions. */
        TooManySlices,
        /** A slice index is outside its dimension. */
        SliceOutOfRange,
        /**
         * Not a reference error (quantization is a convention above the format): a quantized checkpoint
         * contradicts itself or its config, e.g. scales whose shape does not match the declared bits and
         * group size, a group index out of range, an impossible group size.
         */
        InvalidQuantization,
        /**
         * Not a reference error: a quantization method, format or option this library does not read, named
         * with what was found, so a caller can fall back to reading the tensors as they are.
         */
        UnsupportedQuantization,
        /**
         * A pickle (a PyTorch checkpoint) names a Python global that is not on the importer's allowlist of data
         * constructors, or asks to call or build something that is not plain data. Nothing was executed: the
         * whole stream is checked before anything is built. Not a reference variant: the reference reads no
         * pickles.
         */
        UnsafePickle
    }

    /** What went wrong. */
    private final Kind kind;
    /** The file or stream concerned, or null. */
    private final String source;
    /** The message without the source prefix. */
    private final String detail;

    /**
     * A failure of {@code kind} in {@code source}; the message is {@code "source: detail"}.
     *
     * @param kind   what went wrong
     * @param source the file or stream concerned, or null when there is none
     * @param detail the rule broken, naming the tensor and numbers involved; shortened in the middle of
     *               any quoted part when longer than a couple of thousand characters
     */
    public SafeTensorsException(Kind kind, String source, String detail) {
        this(kind, source, detail, null);
    }

    /**
     * A failure of {@code kind} in {@code source} caused by {@code cause}; the message is {@code "source: detail"}.
     *
     * @param kind   what went wrong
     * @param source the file or stream concerned, or null when there is none
     * @param detail the rule broken, naming the tensor and numbers involved
     * @param cause  the underlying failure (an {@link java.io.IOException}, an earlier error), or null
     */
    public SafeTensorsException(Kind kind, String source, String detail, Throwable cause) {
        // A file decides the names a message quotes: absurdly long ones are shortened (Elide.message).
        super(source == null ? Elide.message(detail) : source + ": " + Elide.message(detail), cause);
        this.kind = Objects.requireNonNull(kind, "kind must be non-null");
        this.source = source;
        this.detail = Elide.message(detail);
    }

    /** {@return the reference error variant this failure corresponds to} */
    public Kind kind() {
        return kind;
    }

    /** {@return the file or stream the error concerns, or null} */
    public String source() {
        return source;
    }

    /** {@return the message without the source prefix} */
    public String detail() {
        return detail;
    }
}
