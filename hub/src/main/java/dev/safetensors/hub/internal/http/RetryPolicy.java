package dev.safetensors.hub.internal.http;

import java.time.Duration;

/**
 * How often and how long to wait before asking again after a {@code 429}, a {@code 5xx} or a dropped connection:
 * exponential backoff from {@code firstDelay}, capped at {@code maxDelay}. The Python client's defaults are 5
 * retries, 1 s doubling to at most 8 s ({@code utils/_http.py}, {@code _http_backoff_base}); a server's
 * {@code Retry-After} (in seconds) replaces the computed delay, capped at {@code maxRetryAfter}.
 *
 * @param maxRetries    retries after the first try; a failure after that many is reported
 * @param firstDelay    the wait before the first retry
 * @param maxDelay      the longest computed wait
 * @param maxRetryAfter the longest wait a server's {@code Retry-After} may ask for
 */
public record RetryPolicy(int maxRetries, Duration firstDelay, Duration maxDelay, Duration maxRetryAfter) {
    public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(8),
            Duration.ofMinutes(5));

    public RetryPolicy {
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
        }
        if (firstDelay.isNegative() || maxDelay.isNegative() || maxRetryAfter.isNegative()) {
            throw new IllegalArgumentException("retry delays must not be negative");
        }
    }

    /** The wait before retry number {@code retry} (0 for the first), or the server's wish when it gave one. */
    public Duration delay(int retry, Duration retryAfter) {
        if (retryAfter != null) {
            return retryAfter.compareTo(maxRetryAfter) > 0 ? maxRetryAfter : retryAfter;
        }
        long ms = firstDelay.toMillis() << Math.min(retry, 30);
        return Duration.ofMillis(Math.min(ms < 0 ? Long.MAX_VALUE : ms, maxDelay.toMillis()));
    }

    /** Sleeps for {@link #delay}; an interrupt ends the wait with an {@link java.io.InterruptedIOException}. */
    public void pause(int retry, Duration retryAfter) throws java.io.InterruptedIOException {
        try {
            Thread.sleep(delay(retry, retryAfter));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting to retry");
        }
    }
}
