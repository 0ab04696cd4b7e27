package dev.safetensors.hub.testing;

import dev.safetensors.hub.internal.cache.CacheLock;
import java.nio.file.Path;

/** A child process that says when it tries the cache lock on {@code args[0]}, and when it holds it. */
public final class LockMain {
    private LockMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("trying interoperable=" + CacheLock.interoperable());
        System.out.flush();
        try (CacheLock lock = CacheLock.acquire(Path.of(args[0]))) {
            System.out.println("locked");
            System.out.flush();
        }
    }
}
