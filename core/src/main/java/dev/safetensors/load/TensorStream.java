package dev.safetensors.load;

import java.util.Iterator;

/**
 * The tensors of a streaming load, in the order they finish (roughly file order), while later ones are
 * still being read. {@link #next()} waits for the next one; a failure of the load surfaces there as a
 * {@link dev.safetensors.SafeTensorsException}, after every staging buffer was released and every tensor
 * not yet handed out was closed.
 *
 * <p>Closing the stream stops the load: reads in progress finish, copies are waited for, buffers are
 * released and tensors not yet handed out are closed; tensors already returned stay the caller's.
 *
 * <pre>{@code
 * try (TensorStream s = checkpoint.stream(Device.cpu(arena), LoadPlan.all(), LoadBudget.defaults())) {
 *     for (LoadedTensor t : s) { ... }
 * }
 * }</pre>
 */
public interface TensorStream extends Iterator<LoadedTensor>, Iterable<LoadedTensor>, AutoCloseable {

    /** {@return the number of tensors (pieces) the load will yield in all} */
    int size();

    /** {@return what the load did so far} */
    LoadStats stats();

    /** This stream, for for-each loops (it can be iterated once). */
    @Override
    default Iterator<LoadedTensor> iterator() {
        return this;
    }

    @Override
    void close();
}
