package dev.safetensors.internal.read;

/**
 * Byte runs of a tensor, in the order their bytes appear in the result: a slice's runs, or one range of a
 * whole tensor. Offsets are relative to the tensor's first byte.
 */
public interface Runs {
    /** Receives one run: {@code [offset, offset + length)} of the tensor's bytes. */
    @FunctionalInterface
    interface RunConsumer {
        void accept(long offset, long length);
    }

    /** Bytes of the result: the sum of the runs' lengths. */
    long byteSize();

    /** Every run, in result order. */
    void forEachRun(RunConsumer consumer);

    /** The single run {@code [offset, offset + length)}. */
    static Runs range(long offset, long length) {
        return new Runs() {
            @Override
            public long byteSize() {
                return length;
            }

            @Override
            public void forEachRun(RunConsumer consumer) {
                if (length > 0) {
                    consumer.accept(offset, length);
                }
            }
        };
    }
}
