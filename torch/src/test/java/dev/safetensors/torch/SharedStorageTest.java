package dev.safetensors.torch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tensors sharing a storage (shared.pt, made with torch): the reference's rule (safetensors'
 * torch.py {@code _remove_duplicate_names}) worked out by hand for this file. {@code lm_head.weight},
 * {@code embed.weight} and {@code embed.alias} are the same view of one storage and cover it whole, as does
 * {@code flat} with another shape; the name kept is the first in code-point order among the covering ones,
 * {@code embed.alias}; only the identical views are dropped, so {@code flat} is kept, and {@code head} and
 * {@code tail}, overlapping partial views of another storage that nothing covers, are both kept.
 */
class SharedStorageTest {
    @Test
    void identicalViewsAreDroppedAndRecordedOthersKept() {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.generated("shared.pt"))) {
            assertThat(ckpt.duplicates()).isEqualTo(Map.of("embed.weight", "embed.alias", "lm_head.weight", "embed.alias"));
            assertThat(ckpt.names()).containsExactly("lm_head.weight", "embed.weight", "embed.alias", "flat", "head", "tail");
            assertThat(ckpt.tensor("head").storageKey()).isEqualTo(ckpt.tensor("tail").storageKey());
            assertThat(Values.int32(ckpt.tensor("tail").toByteArray())).containsExactly(4, 5, 6, 7, 8, 9);
        }
    }

    @Test
    void viewsOfOneStorageAreNotDuplicatesWhenTheyDiffer() {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(Fixtures.generated("views.pt"))) {
            assertThat(ckpt.duplicates()).isEmpty();   // every view of `base` is a different view
        }
    }
}
