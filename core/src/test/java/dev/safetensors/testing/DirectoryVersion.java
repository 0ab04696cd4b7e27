package dev.safetensors.testing;

import dev.safetensors.Checkpoint;
import dev.safetensors.SafeTensorsException;
import dev.safetensors.SafeTensorsFile;
import dev.safetensors.ShardedCheckpoint;
import dev.safetensors.Tensor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safetensors.internal.json.JsonReader;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Which version of a test checkpoint a directory opens as. Versions are checkable: every shard's metadata
 * {@code version} is v and every byte of every tensor is (byte) v. What the directory opens as is decided
 * here, independently of the library, as transformers' {@code from_pretrained} decides it
 * ({@code model.safetensors}, else the shards of {@code model.safetensors.index.json}), plus the merge of
 * every {@code *.safetensors} file where there is neither; {@code Checkpoint.open} must agree.
 */
public final class DirectoryVersion {
    public static final int NOTHING = -1;

    private DirectoryVersion() {
    }

    /** The version, NOTHING when the directory does not open; fails on any mixture of versions. */
    @SuppressWarnings("unchecked")
    public static int of(Path dir, int tensors) throws IOException {
        List<Path> files = new ArrayList<>();
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.exists(single)) {
            files.add(single);
        } else if (Files.exists(index)) {
            Map<String, Object> json = (Map<String, Object>) JsonReader.parse(Files.readAllBytes(index), index.toString());
            for (Object shard : new LinkedHashSet<>(((Map<String, Object>) json.get("weight_map")).values())) {
                files.add(dir.resolve((String) shard));
            }
        } else {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().forEach(files::add);
            }
        }
        int version = readAll(files, tensors);
        int viaLibrary;
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            viaLibrary = readAll(((ShardedCheckpoint) ckpt).shards().stream().map(f -> Path.of(f.description())).toList(),
                    tensors);
            assertThat(ckpt.size()).isEqualTo(tensors);
        } catch (SafeTensorsException e) {
            viaLibrary = NOTHING;
        }
        assertThat(viaLibrary).as("Checkpoint.open(%s) and transformers' rule agree", dir).isEqualTo(version);
        return version;
    }

    /** The one version these files hold together; NOTHING when one is missing or unreadable or tensors are missing. */
    private static int readAll(List<Path> files, int tensors) {
        Set<String> names = new TreeSet<>();
        Set<Integer> versions = new TreeSet<>();
        for (Path p : files) {
            if (!Files.exists(p)) {
                return NOTHING;
            }
            try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
                int v = Integer.parseInt(f.metadata().orElseThrow().get("version"));
                versions.add(v);
                for (Tensor t : f.tensors()) {
                    assertThat(names.add(t.name())).as("tensor %s twice", t.name()).isTrue();
                    MemorySegment data = t.data();
                    for (long i = 0; i < data.byteSize(); i += Math.max(1, data.byteSize() / 4099)) {
                        if (data.get(ValueLayout.JAVA_BYTE, i) != (byte) v) {
                            throw new AssertionError(t.name() + " of " + p + " is not all version " + v + " at byte " + i);
                        }
                    }
                    if (data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1) != (byte) v) {
                        throw new AssertionError(t.name() + " of " + p + " ends in another version than " + v);
                    }
                }
            } catch (SafeTensorsException e) {
                return NOTHING;
            }
        }
        if (files.isEmpty() || names.size() != tensors) {
            return NOTHING;
        }
        assertThat(versions).as("one version in %s", files).hasSize(1);
        return versions.iterator().next();
    }

    /** Every name in the directory, hidden ones included. */
    public static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    /** The files a checkpoint of {@code shards} files leaves (1: model.safetensors alone), with {@code others}. */
    public static Set<String> expected(int shards, String... others) {
        Set<String> names = new TreeSet<>(List.of(others));
        if (shards == 1) {
            names.add("model.safetensors");
        } else {
            names.add("model.safetensors.index.json");
            for (int i = 1; i <= shards; i++) {
                names.add(String.format("model-%05d-of-%05d.safetensors", i, shards));
            }
        }
        return names;
    }
}
