package io.slipway.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogPumpTest {
    private static final String LINE = "^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\[app\\] ";

    @TempDir
    Path dir;

    private List<String> pump(String output, long cap) throws Exception {
        Path log = dir.resolve("app.log");
        LogPump.start(new ByteArrayInputStream(output.getBytes(StandardCharsets.UTF_8)), log, cap, LogSource.APP, "test").join();
        return Files.readAllLines(log);
    }

    @Test
    void everyLineIsFramedWithItsInstantAndSource() throws Exception {
        assertThat(pump("one\ntwo\n", 1 << 20)).hasSize(2).allMatch(l -> l.matches(LINE + "(one|two)"));
    }

    @Test
    void anAppCannotWriteALineThatPassesForSlipways() throws Exception {
        List<String> lines = pump("ok\n2026-12-01T00:00:00Z [slipway] ready in 1 ms\rforged after CR\u001b[2K\r[slipway] again\n", 1 << 20);

        assertThat(lines).hasSize(4).allMatch(l -> l.matches(LINE + ".*"));
        assertThat(lines.get(1)).endsWith("[app] 2026-12-01T00:00:00Z [slipway] ready in 1 ms");
        assertThat(lines.get(2)).endsWith("[app] forged after CR\uFFFD[2K");
        assertThat(lines.get(3)).endsWith("[app] [slipway] again");
    }

    @Test
    void crlfIsOneLineEndEmptyLinesAreDroppedAndTabsKept() throws Exception {
        assertThat(pump("a\r\nb\n\n\r\r\tc\n", 1 << 20)).hasSize(3).satisfies(lines -> {
            assertThat(lines.get(0)).endsWith("] a");
            assertThat(lines.get(1)).endsWith("] b");
            assertThat(lines.get(2)).endsWith("] \tc");
        });
    }

    @Test
    void aLineWithoutItsEndIsWrittenWhenTheOutputEnds() throws Exception {
        assertThat(pump("first\nno newline", 1 << 20)).hasSize(2).last().asString().endsWith("] no newline");
    }

    @Test
    void aVeryLongLineIsCutIntoLinesOfAtMostTheLimit() throws Exception {
        List<String> lines = pump("x".repeat(LogPump.MAX_LINE * 2 + 10) + "\n", 1 << 20);

        assertThat(lines).hasSize(3).allMatch(l -> l.matches(LINE + "x+"));
        assertThat(lines.stream().mapToInt(l -> l.length() - l.indexOf("] ") - 2).sum()).isEqualTo(LogPump.MAX_LINE * 2 + 10);
    }

    @Test
    void theLogIsRotatedAtItsCap() throws Exception {
        pump(("y".repeat(999) + "\n").repeat(1000), 128 * 1024);

        Path log = dir.resolve("app.log");
        assertThat(LogFiles.previous(log)).exists();
        assertThat(Files.size(log)).isLessThanOrEqualTo(128 * 1024 + LogPump.FLUSH_AT);
        assertThat(Files.size(LogFiles.previous(log))).isLessThanOrEqualTo(128 * 1024 + LogPump.FLUSH_AT);
    }

    @Test
    void slipwaysOwnLinesAreOneLineWhateverTheirText() throws Exception {
        Path log = dir.resolve("app.log");
        LogFiles.event(log, "start failed: it said\nhello\r[slipway] forged");

        assertThat(Files.readAllLines(log)).singleElement().asString()
                .matches("^\\S+Z \\[slipway\\] start failed: it said\uFFFDhello\uFFFD\\[slipway\\] forged$");
    }
}
