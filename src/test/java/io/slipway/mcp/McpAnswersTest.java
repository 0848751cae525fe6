package io.slipway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link JsonRpc}'s exact-text reading and {@link McpAnswers}' choice of what a record may answer. */
class McpAnswersTest {
    private static final String INIT = "{ \"protocolVersion\" : \"2025-11-25\", \"capabilities\":{\"tools\":{\"listChanged\":true}},"
            + "\"serverInfo\":{\"name\":\"s\",\"version\":\"1\"},\"instructions\":\"use   me\" }";
    private static final McpRecord STATELESS = new McpRecord("/mcp", Instant.EPOCH, false,
            Map.of("2025-11-25", INIT, "2025-06-18", INIT.replace("2025-11-25", "2025-06-18")),
            Map.of("tools/list", Map.of("", "{\"tools\":[],\"nextCursor\":\"2\"}", "2", "{\"tools\":[ ]}")));

    @Test
    void aMessagesPartsAreReadAsWrittenSpacingAndAll() {
        JsonRpc message = JsonRpc.parse("{\"jsonrpc\":\"2.0\",\"id\": \"a b\" ,\"result\": " + INIT + "}").orElseThrow();

        assertThat(message.id()).isEqualTo("\"a b\"");
        assertThat(message.result()).isEqualTo(INIT);
        assertThat(message.method()).isNull();
        assertThat(JsonRpc.parse("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]")).as("a batch").isEmpty();
        assertThat(JsonRpc.parse("{\"id\":1} trailing")).isEmpty();
        assertThat(JsonRpc.parse("not json")).isEmpty();
    }

    @Test
    void sseDataIsSplitByEventAndJoinedByLine() {
        assertThat(JsonRpc.eventData("event: message\ndata: {\"a\":\ndata: 1}\n\n: comment\ndata:x\r\n\r\n")).containsExactly("{\"a\":\n1}", "x");
    }

    @Test
    void initializeIsAnsweredForARevisionTheRecordHoldsWithTheClientsId() {
        Optional<McpAnswers.Reply> reply = McpAnswers.whileAsleep(STATELESS, request("\"x\"", "initialize", "{\"protocolVersion\":\"2025-06-18\"}"), null, false);

        assertThat(reply).containsInstanceOf(McpAnswers.Reply.Response.class);
        assertThat(((McpAnswers.Reply.Response) reply.get()).body())
                .isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":" + INIT.replace("2025-11-25", "2025-06-18") + "}");
        assertThat(McpAnswers.whileAsleep(STATELESS, request("1", "initialize", "{\"protocolVersion\":\"2099-01-01\"}"), null, false))
                .as("a revision the record lacks wakes the app").isEmpty();
    }

    @Test
    void listsAreAnsweredByCursorUnderTheRevisionTheyWereMadeUnder() {
        assertThat(body(McpAnswers.whileAsleep(STATELESS, request("3", "tools/list", null), "2025-11-25", false))).contains("\"nextCursor\":\"2\"");
        assertThat(body(McpAnswers.whileAsleep(STATELESS, request("4", "tools/list", "{\"cursor\":\"2\"}"), "2025-11-25", false))).endsWith("{\"tools\":[ ]}}");
        assertThat(McpAnswers.whileAsleep(STATELESS, request("5", "tools/list", "{\"cursor\":\"9\"}"), "2025-11-25", false)).isEmpty();
        assertThat(McpAnswers.whileAsleep(STATELESS, request("6", "tools/list", null), null, false)).as("no header: 2025-03-26").isEmpty();
        assertThat(McpAnswers.whileAsleep(STATELESS, request("7", "prompts/list", null), "2025-11-25", false)).as("not offered").isEmpty();
    }

    @Test
    void callsNotificationsOfOtherKindsAndServersWithSessionsGoToTheApp() {
        assertThat(McpAnswers.whileAsleep(STATELESS, request("1", "tools/call", "{\"name\":\"x\"}"), "2025-11-25", false)).isEmpty();
        assertThat(McpAnswers.whileAsleep(STATELESS, request(null, "notifications/initialized", null), null, false))
                .containsInstanceOf(McpAnswers.Reply.Accepted.class);
        assertThat(McpAnswers.whileAsleep(STATELESS, request(null, "notifications/cancelled", null), null, false)).isEmpty();
        McpRecord stateful = new McpRecord("/mcp", Instant.EPOCH, true, STATELESS.initialize(), STATELESS.lists());
        assertThat(McpAnswers.whileAsleep(stateful, request("1", "ping", null), null, false)).as("outside a session Slipway holds").isEmpty();
        assertThat(McpAnswers.whileAsleep(stateful, request("1", "ping", null), null, true)).isPresent();
        assertThat(McpAnswers.whileAsleep(stateful, request("1", "initialize", "{\"protocolVersion\":\"2025-06-18\"}"), null, false))
                .as("opens a session").isPresent();
        assertThat(McpAnswers.whileAsleep(stateful, request("1", "initialize", "{\"protocolVersion\":\"2025-06-18\"}"), null, true)).isEmpty();
    }

    private static JsonRpc request(String id, String method, String params) {
        return new JsonRpc(method, id, null, null, params);
    }

    private static String body(Optional<McpAnswers.Reply> reply) {
        return ((McpAnswers.Reply.Response) reply.orElseThrow()).body();
    }
}
