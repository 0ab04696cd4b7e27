package dev.safetensors.hub.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Side-by-side transfers: the first failure, whichever task it comes from, stops the others at once. */
class TasksTest {

    @Test
    void aLaterTaskFailingStopsAnEarlierOneThatWouldRunOn() {
        CountDownLatch never = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        AtomicBoolean stopped = new AtomicBoolean();
        Tasks.IoTask endless = () -> {
            try {
                running.countDown();
                never.await();   // only an interrupt ends it: a transfer that would run for hours
            } catch (InterruptedException e) {
                stopped.set(true);
                throw new InterruptedIOException("stopped");
            }
        };
        Tasks.IoTask failing = () -> {
            try {
                running.await();
            } catch (InterruptedException e) {
                throw new InterruptedIOException();
            }
            throw new IOException("boom");
        };
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatThrownBy(
                () -> Tasks.all(List.of(endless, failing))).isInstanceOf(IOException.class).hasMessage("boom"));
        assertThat(stopped).isTrue();
    }

    @Test
    void theFailureThrownIsTheOneThatHappenedNotACancellation() {
        CountDownLatch failed = new CountDownLatch(1);
        Tasks.IoTask waitsThenFails = () -> {
            try {
                failed.await();
            } catch (InterruptedException e) {
                throw new InterruptedIOException("cancelled");
            }
        };
        Tasks.IoTask first = () -> {
            failed.countDown();
            throw new IllegalStateException("first");
        };
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatThrownBy(
                () -> Tasks.all(List.of(waitsThenFails, first))).hasMessage("first"));
    }
}
