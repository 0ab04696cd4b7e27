package dev.safetensors.device;

/**
 * A copy a device has started. Its source (or destination) memory must not be touched until it is done.
 */
public interface PendingCopy {

    /** {@return whether the copy has finished (successfully or not), without waiting} */
    boolean isDone();

    /**
     * Waits until the copy has finished.
     *
     * @throws dev.safetensors.SafeTensorsException of kind {@code IoError} when the copy failed, with the
     *         device's own error text
     */
    void await();

    /** {@return a copy that is already done: for devices whose copies are synchronous} */
    static PendingCopy done() {
        return Done.INSTANCE;
    }

    /** The finished copy. */
    enum Done implements PendingCopy {
        /** The one finished copy. */
        INSTANCE;

        @Override
        public boolean isDone() {
            return true;
        }

        @Override
        public void await() {
        }
    }
}
