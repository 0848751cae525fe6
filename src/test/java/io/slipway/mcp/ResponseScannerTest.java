package io.slipway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.mcp.ResponseScanner.State;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseScannerTest {
    private static final String OK = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"5\"}]}}";
    private static final String IS_ERROR = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"no\","
            + "\"isError\":false}],\"isError\":true}}";
    private static final String ERROR = "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32602,\"message\":\"Tool nope not found\"}}";

    /** Feeds {@code text} in pieces of {@code size} bytes: the scan must not depend on where chunks split. */
    private static State scan(ResponseScanner scanner, String text, int size) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += size) {
            byte[] piece = java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + size));
            if (scanner.feed(piece) != State.LOOKING) break;
        }
        return scanner.state();
    }

    @Test
    void aJsonAnswerIsARespondedCallWhateverTheChunks() {
        for (int size : new int[] {1, 3, 1000}) {
            assertThat(scan(new ResponseScanner("n:7", false, 1 << 20), OK, size)).as("chunks of %d", size).isEqualTo(State.ANSWERED);
            assertThat(scan(new ResponseScanner("n:7", false, 1 << 20), IS_ERROR, size)).isEqualTo(State.FAILED);
            assertThat(scan(new ResponseScanner("n:7", false, 1 << 20), ERROR, size)).isEqualTo(State.FAILED);
        }
    }

    @Test
    void anUnfinishedOrUnreadableJsonAnswerIsNoResponse() {
        assertThat(scan(new ResponseScanner("n:7", false, 1 << 20), OK.substring(0, 30), 5)).isEqualTo(State.LOOKING);
        assertThat(scan(new ResponseScanner("n:7", false, 1 << 20), "<html>", 5)).isEqualTo(State.FAILED);
    }

    @Test
    void inAStreamTheResponseToTheCallsIdIsFoundAfterRequestsAndNotifications() {
        String stream = ": comment\r\n"
                + "event: message\r\nid: 1\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\r\n\r\n"
                + "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"sampling/createMessage\",\"params\":{}}\n\n"
                + "data: {\"jsonrpc\":\"2.0\",\"id\":6,\"error\":{\"code\":1,\"message\":\"not ours\"}}\n\n"
                + "data: {\"jsonrpc\":\"2.0\",\n"
                + "data:  \"id\":7,\"result\":{\"isError\":true}}\n\n";
        for (int size : new int[] {1, 2, 7, 4096}) {
            assertThat(scan(new ResponseScanner("n:7", true, 1 << 20), stream, size)).as("chunks of %d", size).isEqualTo(State.FAILED);
        }
        assertThat(scan(new ResponseScanner("n:7", true, 1 << 20), "event: message\ndata: " + OK + "\n\n", 3)).isEqualTo(State.ANSWERED);
    }

    @Test
    void aBrokenEventIsSkippedAndTheStreamReadOn() {
        String stream = "data: {\"jsonrpc\": oops\n\ndata: " + OK + "\n\n";
        assertThat(scan(new ResponseScanner("n:7", true, 1 << 20), stream, 4)).isEqualTo(State.ANSWERED);
    }

    @Test
    void withNoIdKnownTheFirstResponseCounts() {
        assertThat(scan(new ResponseScanner(null, true, 1 << 20), "data: " + ERROR + "\n\n", 10)).isEqualTo(State.FAILED);
    }

    @Test
    void theScannerGivesUpPastItsBoundAndKeepsNothing() {
        String big = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"" + "x".repeat(100_000) + "\"}]}}";
        assertThat(scan(new ResponseScanner("n:7", false, 50_000), big, 8192)).isEqualTo(State.GAVE_UP);
        assertThat(scan(new ResponseScanner("n:7", false, 1 << 20), big, 8192)).isEqualTo(State.ANSWERED);
    }
}
