package io.slipway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./slipway secrets rotate} where there is nothing to rotate (the rotation itself: SecretsAtRestIT). */
class SecretsCommandTest {
    @Test
    void rotatingADataDirWithoutADatabaseFailsAndCreatesNothing(@TempDir Path dir) {
        Path data = dir.resolve("not-a-data-dir");

        int exit = new CommandLine(new SlipwayCommand()).execute("secrets", "rotate", "--data", data.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(data).doesNotExist();
    }

    @Test
    void helpOfRotateExitsZero() {
        assertThat(new CommandLine(new SlipwayCommand()).execute("secrets", "rotate", "--help")).isZero();
    }
}
