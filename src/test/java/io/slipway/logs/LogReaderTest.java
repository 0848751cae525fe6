package io.slipway.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogReaderTest {
    @TempDir
    Path dir;

    private Path log() {
        return dir.resolve("app.log");
    }

    private void write(int from, int to) {
        for (int n = from; n <= to; n++) LogFiles.event(log(), "line " + n);
    }

    /** The numbers of the lines in {@code chunk}. */
    private static List<Integer> numbers(LogReader.Chunk chunk) {
        List<Integer> numbers = new ArrayList<>();
        for (String line : new String(chunk.lines(), StandardCharsets.UTF_8).split("\n")) {
            if (line.matches(".* line \\d+")) numbers.add(Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1)));
        }
        return numbers;
    }

    /** Reads from {@code from} until nothing more comes; fails on a skip unless {@code skips} says how many to expect. */
    private List<Integer> readAll(LogPosition from, int chunkBytes, int skips) {
        List<Integer> numbers = new ArrayList<>();
        int skipped = 0;
        LogPosition at = from;
        for (LogReader.Chunk chunk = LogReader.read(log(), at, chunkBytes); chunk.lines().length > 0 || chunk.skipped();
             chunk = LogReader.read(log(), at, chunkBytes)) {
            if (chunk.skipped()) skipped++;
            numbers.addAll(numbers(chunk));
            at = chunk.next();
        }
        assertThat(skipped).as("skips").isEqualTo(skips);
        return numbers;
    }

    @Test
    void readsWholeLinesAndTheNextReadGoesOnWhereItStopped() {
        write(1, 3);
        LogReader.Chunk first = LogReader.read(log(), LogReader.tailStart(log(), 1 << 20), 1 << 16);
        assertThat(numbers(first)).containsExactly(1, 2, 3);
        assertThat(first.skipped()).isFalse();
        assertThat(LogReader.read(log(), first.next(), 1 << 16).lines()).isEmpty();

        write(4, 4);

        assertThat(numbers(LogReader.read(log(), first.next(), 1 << 16))).containsExactly(4);
    }

    @Test
    void aLineWithoutItsEndWaitsForIt() throws Exception {
        write(1, 1);
        LogPosition end = LogReader.read(log(), LogPosition.OLDEST, 1 << 16).next();
        Files.writeString(log(), "2026-12-01T00:00:00Z [app] line 2", StandardOpenOption.APPEND);
        assertThat(LogReader.read(log(), end, 1 << 16).lines()).isEmpty();

        Files.writeString(log(), "\n", StandardOpenOption.APPEND);

        assertThat(numbers(LogReader.read(log(), end, 1 << 16))).containsExactly(2);
    }

    @Test
    void aPositionInTheLogThatWasRotatedReadsTheRestOfItThenTheNewLog() throws Exception {
        write(1, 5);
        LogPosition afterTwo = LogReader.read(log(), LogPosition.OLDEST, (int) lengthOfLines(2)).next();

        LogFiles.rotate(log());
        write(6, 7);

        assertThat(readAll(afterTwo, 100, 0)).containsExactly(3, 4, 5, 6, 7);
    }

    @Test
    void aPositionRotatedAwayTwiceIsSaidToBeSkippedAndTheOldestKeptLineFollowsThoughExt4ReusedItsInode() throws Exception {
        write(1, 5);
        LogPosition afterTwo = LogReader.read(log(), LogPosition.OLDEST, (int) lengthOfLines(2)).next();
        LogFiles.rotate(log());
        write(6, 7);
        LogFiles.rotate(log());
        write(8, 9);

        // On ext4 the log now has the inode the position names (the one deleted by the second rotation): the
        // head of the file's first line is what tells them apart, whatever the file system does.
        assertThat(readAll(afterTwo, 100, 1)).containsExactly(6, 7, 8, 9);
    }

    @Test
    void aPositionRotatedAwayTwiceBeforeItsEndLostTheRestOfItsFileAndSaysHowManyBytes() throws Exception {
        write(1, 5);
        LogPosition afterTwo = LogReader.read(log(), LogPosition.OLDEST, (int) lengthOfLines(2)).next();
        long size = Files.size(log());
        LogFiles.rotate(log());
        LogFiles.rotate(log());

        LogReader.Chunk chunk = LogReader.read(log(), afterTwo, 1 << 16);

        assertThat(chunk.skipped()).isTrue();
        assertThat(chunk.lost()).isEqualTo(size - afterTwo.offset());
    }

    @Test
    void aReaderAtTheEndOfAFileRotatedAwayTwiceLostNothingWhenTheFileKeptNamesIt() throws Exception {
        write(1, 2);
        LogPosition end = LogReader.read(log(), LogPosition.OLDEST, 1 << 16).next();
        LogFiles.rotate(log());
        write(3, 3);
        LogFiles.rotate(log());
        write(4, 4);
        assertThat(readAll(end, 1 << 16, 0)).containsExactly(3, 4);

        LogFiles.rotate(log());
        LogReader.Chunk threeLater = LogReader.read(log(), end, 1 << 16);
        assertThat(threeLater.skipped()).isTrue();
        assertThat(threeLater.lost()).isEqualTo(-1);
    }

    @Test
    void everyRotationStartsTheNewLogWithALineNamingTheOneBefore() throws Exception {
        write(1, 1);
        LogPosition first = LogReader.read(log(), LogPosition.OLDEST, 0).next();
        long size = Files.size(log());

        LogFiles.rotate(log());

        assertThat(Files.readString(log())).matches("\\S+Z \\[slipway] log rotated: earlier lines are in app.log.1 \\("
                + first.inode() + "-" + Long.toHexString(first.head()) + ", " + size + " bytes\\)\n");
    }

    @Test
    void aPositionInTheMiddleOfALineIsNoPositionOfTheLog() {
        write(1, 3);
        LogPosition start = LogReader.read(log(), LogPosition.OLDEST, 0).next();
        LogPosition inside = new LogPosition(start.inode(), start.head(), 5);

        assertThat(readAll(inside, 1 << 16, 1)).containsExactly(1, 2, 3);
    }

    @Test
    void aReaderAtTheEndOfTheRotatedLogGoesOnWithTheNewLogsFirstLine() throws Exception {
        write(1, 2);
        LogPosition end = LogReader.read(log(), LogPosition.OLDEST, 1 << 16).next();
        LogFiles.rotate(log());

        LogReader.Chunk next = LogReader.read(log(), end, 1 << 16);

        assertThat(next.skipped()).isFalse();
        assertThat(new String(next.lines(), StandardCharsets.UTF_8)).contains("[slipway] log rotated: earlier lines are in app.log.1");
        write(3, 3);
        assertThat(readAll(next.next(), 1 << 16, 0)).containsExactly(3);
    }

    @Test
    void theTailStartsAtALineBoundaryAndReachesIntoThePreviousLog() throws Exception {
        write(1, 4);
        LogFiles.rotate(log());
        write(5, 6);
        long lastFour = lengthOfLines(LogFiles.previous(log()), 2) + Files.size(log()) + 3;

        assertThat(readAll(LogReader.tailStart(log(), lastFour), 1 << 16, 0)).containsExactly(3, 4, 5, 6);
        assertThat(readAll(LogReader.tailStart(log(), 1 << 20), 1 << 16, 0)).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(readAll(LogPosition.OLDEST, 1 << 16, 0)).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void aMissingLogIsGone() {
        LogReader.Chunk chunk = LogReader.read(log(), LogPosition.OLDEST, 1 << 16);

        assertThat(chunk.gone()).isTrue();
        assertThat(LogReader.tailStart(log(), 1024)).isEqualTo(LogPosition.OLDEST);
    }

    @Test
    void positionsAreWrittenAndReadAsEventIds() {
        LogPosition position = new LogPosition(10092611, 0x5f1c0a2eL, 40960);

        assertThat(position.toString()).isEqualTo("10092611-5f1c0a2e-40960");
        assertThat(LogPosition.parse("10092611-5f1c0a2e-40960")).contains(position);
        assertThat(LogPosition.parse("0-0-0")).contains(LogPosition.OLDEST);
        for (String bad : new String[] {"", "1-2", "1-2-3-4", "x-1-2", "1-g-2", "1-123456789-2", "-1-2-3", "1-2-9999999999999999999"}) {
            assertThat(LogPosition.parse(bad)).as(bad).isEmpty();
        }
    }

    /** The bytes of the log's first {@code lines} lines (each line of the same length, as {@link #write} makes them). */
    private long lengthOfLines(int lines) throws Exception {
        return lengthOfLines(log(), lines);
    }

    private static long lengthOfLines(Path file, int lines) throws Exception {
        String text = Files.readString(file);
        int end = 0;
        for (int i = 0; i < lines; i++) end = text.indexOf('\n', end) + 1;
        return text.substring(0, end).getBytes(StandardCharsets.UTF_8).length;
    }
}
