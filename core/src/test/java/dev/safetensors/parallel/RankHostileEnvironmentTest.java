package dev.safetensors.parallel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Launcher variables a hostile or broken environment may hold: refused with the variable named, never misread. */
class RankHostileEnvironmentTest {
    @Test
    void valuesThatAreNotPlainAsciiRankNumbersAreRefused() {
        for (String bad : new String[] {"-1", "+1", "1e3", "0x1", "", " ", "1.0", "99999999999", "2147483648",
                "\u0663", "\uff13", "\u0969", "1 2", "NaN"}) {
            assertThatThrownBy(() -> Rank.fromEnvironment(Map.of("RANK", bad, "WORLD_SIZE", "8")))
                    .as("RANK=`%s`", bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RANK");
            assertThatThrownBy(() -> Rank.fromEnvironment(Map.of("RANK", "0", "WORLD_SIZE", bad)))
                    .as("WORLD_SIZE=`%s`", bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WORLD_SIZE");
            assertThatThrownBy(() -> Rank.fromEnvironment(Map.of("RANK", "0", "WORLD_SIZE", "2", "LOCAL_RANK", bad)))
                    .as("LOCAL_RANK=`%s`", bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LOCAL_RANK");
        }
    }

    @Test
    void ranksOutsideTheWorldAreRefused() {
        for (String[] rs : new String[][] {{"8", "8"}, {"9", "8"}, {"0", "0"}, {"999999999", "2"}}) {
            assertThatThrownBy(() -> Rank.fromEnvironment(Map.of("OMPI_COMM_WORLD_RANK", rs[0], "OMPI_COMM_WORLD_SIZE", rs[1])))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OMPI_COMM_WORLD_RANK=" + rs[0]);
        }
    }

    @Test
    void surroundingWhitespaceAndLeadingZerosAreTheNumber() {
        assertThat(Rank.fromEnvironment(Map.of("SLURM_PROCID", " 007 ", "SLURM_NTASKS", "8\n")))
                .contains(new Rank(7, 8, 7, "slurm"));
        assertThat(Rank.fromEnvironment(Map.of("RANK", "3"))).as("a RANK without WORLD_SIZE is no launcher").isEmpty();
    }
}
