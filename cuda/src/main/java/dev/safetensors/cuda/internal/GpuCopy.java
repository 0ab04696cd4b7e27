package dev.safetensors.cuda.internal;

import dev.safetensors.device.PendingCopy;

/** A copy on a stream, done when its event is; the event is destroyed once the copy is known done. */
final class GpuCopy implements PendingCopy {
    private final GpuDevice device;
    private final long event;
    private boolean done;

    GpuCopy(GpuDevice device, long event) {
        this.device = device;
        this.event = event;
    }

    @Override
    public synchronized boolean isDone() {
        if (!done) {
            device.current();
            if (device.runtime().eventQuery(event)) {
                finish();
            }
        }
        return done;
    }

    @Override
    public synchronized void await() {
        if (!done) {
            device.current();
            try {
                device.runtime().eventSynchronize(event);
            } finally {
                finish();
            }
        }
    }

    private void finish() {
        done = true;
        device.runtime().eventDestroy(event);
    }
}
