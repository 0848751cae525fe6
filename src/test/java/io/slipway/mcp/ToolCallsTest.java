package io.slipway.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ToolCallsTest {
    private static final Map<String, String> NO_HEADERS = Map.of();

    private static Optional<ToolCalls.Call> recognise(Map<String, String> headers, String body) {
        return ToolCalls.recognise(headers::get, body == null ? Optional.empty() : JsonRpc.parse(body));
    }

    @Test
    void aToolsCallBodyNamesItsToolAndId() {
        assertThat(recognise(NO_HEADERS, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"arguments\":{\"name\":\"x\"},\"name\":\"add\"}}"))
                .contains(new ToolCalls.Call("add", "7", "n:7"));
        assertThat(recognise(NO_HEADERS, "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tools/call\",\"params\":{\"name\":\"add\"}}"))
                .contains(new ToolCalls.Call("add", "\"a\"", "s:a"));
    }

    @Test
    void otherMethodsAndNotificationsAreNoCalls() {
        assertThat(recognise(NO_HEADERS, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}")).isEmpty();
        assertThat(recognise(NO_HEADERS, "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"name\":\"add\"}}")).isEmpty();
        assertThat(recognise(NO_HEADERS, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\"}]")).isEmpty();
        assertThat(recognise(NO_HEADERS, null)).isEmpty();
    }

    @Test
    void theHeadersOfTheStatelessRevisionWinOverTheBodyAndServeWhenTheBodyWasNotRead() {
        Map<String, String> headers = Map.of("Mcp-Method", "tools/call", "Mcp-Name", "search");
        assertThat(recognise(headers, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"add\"}}"))
                .contains(new ToolCalls.Call("search", "3", "n:3"));
        assertThat(recognise(headers, null)).contains(new ToolCalls.Call("search", null, null));
        assertThat(recognise(Map.of("Mcp-Method", "tools/list"), "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"add\"}}"))
                .isEmpty();
    }

    @Test
    void aBase64WrappedNameIsDecoded() {
        String encoded = "=?base64?" + Base64.getEncoder().encodeToString("tööl_unicode".getBytes(StandardCharsets.UTF_8)) + "?=";
        assertThat(recognise(Map.of("Mcp-Method", "tools/call", "Mcp-Name", encoded), null)).map(ToolCalls.Call::tool).contains("tööl_unicode");
        assertThat(recognise(Map.of("Mcp-Method", "tools/call", "Mcp-Name", "=?base64?%%%?="), null)).map(ToolCalls.Call::tool)
                .contains(ToolCalls.OTHER);
    }

    @Test
    void namesSlipwayDoesNotKeepAreCountedAsOther() {
        assertThat(ToolCalls.counted("a".repeat(ToolCalls.MAX_NAME))).hasSize(ToolCalls.MAX_NAME);
        assertThat(ToolCalls.counted("a".repeat(ToolCalls.MAX_NAME + 1))).isEqualTo(ToolCalls.OTHER);
        assertThat(ToolCalls.counted("bad\nname")).isEqualTo(ToolCalls.OTHER);
        assertThat(ToolCalls.counted("")).isEqualTo(ToolCalls.OTHER);
        assertThat(recognise(NO_HEADERS, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":42}}"))
                .map(ToolCalls.Call::tool).contains(ToolCalls.OTHER);
    }

    @Test
    void idKeysAgreeHoweverTheIdIsWritten() {
        assertThat(ToolCalls.idKey("\"\\u0061\"")).isEqualTo(ToolCalls.idKey("\"a\""));
        assertThat(ToolCalls.idKey("7")).isNotEqualTo(ToolCalls.idKey("\"7\""));
        assertThat(ToolCalls.idKey("null")).isNull();
    }
}
