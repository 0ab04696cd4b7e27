package dev.safetensors;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.RandomAccessFile;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Headers of about {@code n} bytes built to cost the most memory per byte, one per way a header can be
 * large: streamed to disk, so that building one costs the test JVM nothing.
 */
enum HostileHeaders {
    /** Zero-byte tensors with short names: the most table entries per byte. */
    TINY_TENSORS,
    /** One tensor of rank n / 2: {@code 1,1,1,…}. */
    HUGE_RANK,
    /** Metadata entries {@code "k":""}: the most map entries per byte. */
    TINY_METADATA,
    /** Names spelled in {@code \\u4e00} escapes. */
    ESCAPED_NAMES,
    /** One metadata value of {@code \\u4e00} escapes. */
    ESCAPED_VALUE,
    /** One-byte tensors listed in reverse offset order: the sort path. */
    UNSORTED_TENSORS,
    /** Many tensors of rank 64, the most a shape is held plainly. */
    RANK_64;

    /** Writes the file; returns the header length. */
    long write(Path file, long n) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(0);
            raf.write(new byte[8]);
            Counting w = new Counting(new BufferedWriter(new OutputStreamWriter(
                    Channels.newOutputStream(raf.getChannel()), StandardCharsets.UTF_8), 1 << 16));
            long data = body(w, n);
            w.flush();
            long length = raf.length() - 8;
            raf.seek(0);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(length).array());
            raf.setLength(8 + length + data);
            return length;
        }
    }

    /** Writes the header JSON, stopping near {@code n} bytes; returns the number of data bytes it declares. */
    private long body(Counting w, long n) throws IOException {
        long data = 0;
        switch (this) {
            case TINY_TENSORS -> {
                w.write("{");
                for (int i = 0; w.count < n - 100; i++) {
                    w.write((i == 0 ? "\"" : ",\"") + Integer.toString(i, 36) + "\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}");
                }
                w.write("}");
            }
            case HUGE_RANK -> {
                w.write("{\"t\":{\"dtype\":\"U8\",\"data_offsets\":[0,1],\"shape\":[1");
                while (w.count < n - 100) {
                    w.write(",1,1,1,1,1,1,1,1");
                }
                w.write("]}}");
                data = 1;
            }
            case TINY_METADATA -> {
                w.write("{\"__metadata__\":{");
                for (int i = 0; w.count < n - 100; i++) {
                    w.write((i == 0 ? "\"" : ",\"") + Integer.toString(i, 36) + "\":\"\"");
                }
                w.write("}}");
            }
            case ESCAPED_NAMES -> {
                w.write("{");
                String prefix = "\\u4e00".repeat(100);
                for (int i = 0; w.count < n - 1000; i++) {
                    w.write((i == 0 ? "\"" : ",\"") + prefix + Integer.toString(i, 36) + "\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}");
                }
                w.write("}");
            }
            case ESCAPED_VALUE -> {
                w.write("{\"__metadata__\":{\"k\":\"");
                while (w.count < n - 6000) {
                    w.write("\\u4e00".repeat(1000));
                }
                w.write("\"}}");
            }
            case UNSORTED_TENSORS -> {
                long count = n / 62;
                w.write("{");
                for (long i = count - 1; i >= 0; i--) {
                    w.write((i == count - 1 ? "\"" : ",\"") + Long.toString(i, 36) + "\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":["
                            + i + "," + (i + 1) + "]}");
                }
                w.write("}");
                data = count;
            }
            case RANK_64 -> {
                String shape = "1,".repeat(63) + "0";
                w.write("{");
                for (int i = 0; w.count < n - 300; i++) {
                    w.write((i == 0 ? "\"" : ",\"") + Integer.toString(i, 36) + "\":{\"dtype\":\"U8\",\"shape\":[" + shape
                            + "],\"data_offsets\":[0,0]}");
                }
                w.write("}");
            }
        }
        return data;
    }

    /** Counts the characters written: every header here is ASCII, so characters are bytes. */
    private static final class Counting {
        private final Writer out;
        long count;

        Counting(Writer out) {
            this.out = out;
        }

        void write(String s) throws IOException {
            out.write(s);
            count += s.length();
        }

        void flush() throws IOException {
            out.flush();
        }
    }
}
