package dev.safetensors.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.safetensors.SafeTensorsException;
import org.junit.jupiter.api.Test;

/**
 * The one rule for nested checkpoints and non-tensor values (TorchOptions, Flattener): the sub-dict by
 * flag or by rule, dotted names inside it, everything else listed as skipped.
 */
class NestedStateDictTest {
    private static TorchCheckpoint open(String file, TorchOptions options) {
        return TorchCheckpoint.open(Fixtures.generated(file), options);
    }

    @Test
    void aLightningStyleCheckpointGivesItsStateDictByRule() {
        try (TorchCheckpoint ckpt = open("lightning.ckpt", TorchOptions.defaults())) {
            assertThat(ckpt.subDict()).isEqualTo("state_dict");
            assertThat(ckpt.names()).containsExactly("weight", "bias");
            assertThat(ckpt.skipped()).extracting(SkippedEntry::toString).containsExactly("epoch (int)",
                    "optimizer (dict of 2, with tensors)", "hyper_parameters (dict of 2)");
        }
    }

    @Test
    void theFlagChoosesAnotherSubDictOrTheWholeObject() {
        try (TorchCheckpoint ckpt = open("lightning.ckpt", TorchOptions.defaults().withSubDict("optimizer"))) {
            assertThat(ckpt.names()).containsExactly("state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq",
                    "state.1.step", "state.1.exp_avg", "state.1.exp_avg_sq");
            assertThat(ckpt.skipped()).extracting(SkippedEntry::name).contains("param_groups", "epoch", "state_dict");
        }
        try (TorchCheckpoint ckpt = open("lightning.ckpt", TorchOptions.defaults().withSubDict("optimizer.state.1"))) {
            assertThat(ckpt.names()).containsExactly("step", "exp_avg", "exp_avg_sq");
        }
        try (TorchCheckpoint ckpt = open("lightning.ckpt", TorchOptions.defaults().withSubDict(""))) {
            assertThat(ckpt.subDict()).isEmpty();
            assertThat(ckpt.names()).startsWith("state_dict.weight", "state_dict.bias", "optimizer.state.0.step");
            assertThat(ckpt.skipped()).extracting(SkippedEntry::toString).containsExactly("epoch (int)",
                    "optimizer.param_groups (list of 1)", "hyper_parameters (dict of 2)");
        }
    }

    @Test
    void anOptimizerStateFlattensWithIntegerKeysAndListsItsSettings() {
        try (TorchCheckpoint ckpt = open("optimizer.pt", TorchOptions.defaults())) {
            assertThat(ckpt.subDict()).isEmpty();
            assertThat(ckpt.names()).containsExactly("state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq",
                    "state.1.step", "state.1.exp_avg", "state.1.exp_avg_sq");
            assertThat(ckpt.skipped()).extracting(SkippedEntry::toString).containsExactly("param_groups (list of 1)");
        }
    }

    @Test
    void aModelEntryBesideAListOfTensors() {
        try (TorchCheckpoint ckpt = open("model_and_list.pt", TorchOptions.defaults())) {
            assertThat(ckpt.subDict()).isEqualTo("model");
            assertThat(ckpt.names()).containsExactly("weight", "bias");
            assertThat(ckpt.skipped()).extracting(SkippedEntry::toString)
                    .containsExactly("anchors (list of 2, with tensors)", "step (int)");
        }
        try (TorchCheckpoint ckpt = open("model_and_list.pt", TorchOptions.defaults().withSubDict("anchors"))) {
            assertThat(ckpt.names()).containsExactly("0", "1");
            assertThat(Values.float32(ckpt.tensor("0").toByteArray())).containsExactly(1, 1);
        }
    }

    @Test
    void aMissingSubDictNamesTheKeysThere() {
        SafeTensorsException e = catchThrowableOfType(SafeTensorsException.class,
                () -> open("lightning.ckpt", TorchOptions.defaults().withSubDict("ema")));
        assertThat(e.kind()).isEqualTo(SafeTensorsException.Kind.TensorNotFound);
        assertThat(e.getMessage()).contains("no sub-dict `ema`", "`epoch`", "`state_dict`", "`optimizer`");
    }

    @Test
    void aPlainStateDictIsTakenAsItIs() {
        try (TorchCheckpoint ckpt = open("module_state.pt", TorchOptions.defaults())) {
            assertThat(ckpt.subDict()).isEmpty();
            assertThat(ckpt.skipped()).isEmpty();
        }
    }
}
