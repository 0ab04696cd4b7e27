package dev.safetensors.parallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each launcher's variables, as its documentation names them, give the rank it means. */
class RankTest {

    @Test
    void readsEachLaunchersVariables() {
        assertThat(Rank.fromEnvironment(Map.of("RANK", "3", "WORLD_SIZE", "8", "LOCAL_RANK", "1")))
                .contains(new Rank(3, 8, 1, "torchrun"));
        assertThat(Rank.fromEnvironment(Map.of("OMPI_COMM_WORLD_RANK", "2", "OMPI_COMM_WORLD_SIZE", "4",
                "OMPI_COMM_WORLD_LOCAL_RANK", "0"))).contains(new Rank(2, 4, 0, "openmpi"));
        assertThat(Rank.fromEnvironment(Map.of("PMI_RANK", "5", "PMI_SIZE", "6"))).contains(new Rank(5, 6, 5, "pmi"));
        assertThat(Rank.fromEnvironment(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2", "SLURM_LOCALID", "0")))
                .contains(new Rank(0, 2, 0, "slurm"));
        assertThat(Rank.fromEnvironment(Map.of("HOME", "/root"))).isEmpty();
    }

    @Test
    void torchrunWinsOverTheSchedulerThatStartedIt() {
        // torchrun under Slurm: the job step has one task per node, torchrun's own ranks are the ones meant.
        Optional<Rank> r = Rank.fromEnvironment(Map.of("RANK", "5", "WORLD_SIZE", "8", "SLURM_PROCID", "1",
                "SLURM_NTASKS", "2"));
        assertThat(r).contains(new Rank(5, 8, 5, "torchrun"));
    }

    @Test
    void malformedValuesNameTheVariables() {
        assertThatThrownBy(() -> Rank.fromEnvironment(Map.of("RANK", "4", "WORLD_SIZE", "4")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RANK=4, WORLD_SIZE=4");
        assertThatThrownBy(() -> Rank.fromEnvironment(Map.of("PMI_RANK", "x", "PMI_SIZE", "2")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PMI_RANK=`x`");
    }

    @Test
    void aJobsRankMapsToTensorParallelRankAndStage() throws Exception {
        ParallelPlan plan = ParallelPlan.builder(2).pipelineStages(2).build();
        assertThatThrownBy(() -> plan.pieces(null, new Rank(0, 3, 0, "torchrun")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 2 tensor-parallel ranks x 2 stages");
    }
}
