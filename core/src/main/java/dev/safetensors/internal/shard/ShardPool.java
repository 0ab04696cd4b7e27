package dev.safetensors.internal.shard;

import dev.safetensors.io.ByteSource;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The open file descriptors of one checkpoint's shards, at most {@code limit} of them: a shard's file is
 * opened when a read needs it and the least recently used one is closed when the limit is passed, so a
 * checkpoint of any number of shards opens within {@code ulimit -n}. A file is never closed during a read
 * (it is pinned meanwhile); when more reads run at once than the limit, the pool holds one file per read
 * until they end.
 *
 * <p>Only positional reads need a descriptor: a mapped shard keeps its mapping, which needs none, so views
 * of it stay valid however often the pool closes and reopens its file.
 *
 * <pre>{@code
 * ShardPool pool = new ShardPool(64);
 * PooledSource s = PooledSource.open(pool, realPath, "dir/model-00001-of-00002.safetensors", ReadStrategy.PREAD, null);
 * }</pre>
 */
public final class ShardPool {
    private final int limit;
    private final LinkedHashMap<PooledSource, ByteSource> open = new LinkedHashMap<>(16, 0.75f, true);

    public ShardPool(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the pool needs room for one open file, got " + limit);
        }
        this.limit = limit;
    }

    /** The open file of {@code shard}, opened if the pool had closed it; pinned until {@link #release}. */
    synchronized ByteSource acquire(PooledSource shard) {
        ByteSource file = open.get(shard);      // also marks it most recently used
        if (file == null) {
            file = shard.reopen();
            open.put(shard, file);
        }
        shard.pins++;
        closeBeyondLimit();
        return file;
    }

    /** Adds a file just opened for {@code shard}, unpinned. */
    synchronized void adopt(PooledSource shard, ByteSource file) {
        ByteSource previous = open.put(shard, file);
        if (previous != null) {
            previous.close();
        }
        closeBeyondLimit();
    }

    /** Ends a read of {@code shard}. */
    synchronized void release(PooledSource shard) {
        shard.pins--;
        closeBeyondLimit();
    }

    /** Closes the file of {@code shard} now unless a read holds it (the shard is mapped and needs it no more). */
    synchronized void retire(PooledSource shard) {
        if (shard.pins == 0) {
            remove(shard);
        }
    }

    /** Closes the file of {@code shard} for good (the shard is closing). */
    synchronized void remove(PooledSource shard) {
        ByteSource file = open.remove(shard);
        if (file != null) {
            file.close();
        }
    }

    /** Files open now. */
    public synchronized int openFiles() {
        return open.size();
    }

    private void closeBeyondLimit() {
        Iterator<Map.Entry<PooledSource, ByteSource>> it = open.entrySet().iterator();
        while (open.size() > limit && it.hasNext()) {
            Map.Entry<PooledSource, ByteSource> e = it.next();
            if (e.getKey().pins == 0) {
                it.remove();
                e.getValue().close();
            }
        }
    }
}
