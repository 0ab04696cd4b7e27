package dev.safetensors.cli;

import dev.safetensors.hub.DownloadListener;
import java.nio.file.Path;

/** The hub's download events as one {@link Progress} bar: bytes of every file, and how many files are done. */
final class DownloadProgress implements DownloadListener {
    private final Progress bar;
    private int files;
    private int done;

    DownloadProgress(Progress bar) {
        this.bar = bar;
    }

    @Override
    public synchronized void started(int count, long bytes) {
        files += count;
        bar.addToTotal(bytes);
        bar.message(done + "/" + files + " files");
    }

    @Override
    public void fileStarted(String file, long size, long resumed) {
        bar.advance(resumed);
    }

    @Override
    public void progress(String file, long bytes) {
        bar.advance(bytes);
    }

    @Override
    public synchronized void fileFinished(String file, Path path) {
        done++;
        bar.message(done + "/" + files + " files");
    }

    @Override
    public void finished() {
        bar.close();
    }
}
