package io.slipway.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.slipway.app.InvalidInputException;
import io.slipway.app.Language;
import io.slipway.testing.RecordingLogSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What Slipway writes for a stdio server, and the requirement it needs. (StdioServersIT runs the bridges.) */
class StdioBridgeTest {
    @TempDir
    Path code;

    @Test
    void theSdkInRequirementsIsEnoughWhateverItsVersion() {
        assertThatCode(() -> StdioBridge.requireSdk(Language.NODE, Requirements.parse(Language.NODE, "@modelcontextprotocol/sdk@^1.32 zod", 50)))
                .doesNotThrowAnyException();
        assertThatCode(() -> StdioBridge.requireSdk(Language.PYTHON, Requirements.parse(Language.PYTHON, "MCP[cli]<2", 50)))
                .doesNotThrowAnyException();
    }

    @Test
    void withoutTheSdkAStdioUploadIsRefusedSayingWhatToAdd() {
        assertThatThrownBy(() -> StdioBridge.requireSdk(Language.NODE, List.of("zod", "@modelcontextprotocol/inspector")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.slug()).isEqualTo("missing-mcp-sdk"))
                .hasMessageContaining("add @modelcontextprotocol/sdk to requirements");
        assertThatThrownBy(() -> StdioBridge.requireSdk(Language.PYTHON, List.of("mcp-server-fetch")))
                .hasMessageContaining("add mcp to requirements");
    }

    @Test
    void theBridgeIsWrittenBesideTheServerItRunsAndIsTheEntry() throws IOException {
        RecordingLogSink log = new RecordingLogSink();

        String node = StdioBridge.write(code, Language.NODE, "index.mjs", log);
        String python = StdioBridge.write(code, Language.PYTHON, "app.py", log);

        assertThat(node).isEqualTo("slipway-stdio-bridge.mjs");
        assertThat(Files.readString(code.resolve(node))).contains("const SERVER = \"index.mjs\";").doesNotContain("__SLIPWAY_SERVER__");
        assertThat(python).isEqualTo("slipway-stdio-bridge.py");
        assertThat(Files.readString(code.resolve(python))).contains("SERVER = \"app.py\"").doesNotContain("__SLIPWAY_SERVER__");
        assertThat(log.tail(10_000)).contains("entry slipway-stdio-bridge.mjs, Slipway's bridge: it serves the stdio MCP server index.mjs");
    }

    @Test
    void onlyAPlainServerFileCanBeBridged() {
        RecordingLogSink log = new RecordingLogSink();

        assertThatThrownBy(() -> StdioBridge.write(code, Language.NODE, "../index.mjs", log)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StdioBridge.write(code, Language.PYTHON, "slipway-stdio-bridge.py", log)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StdioBridge.write(code, Language.NODE, "index\".mjs", log)).isInstanceOf(IllegalArgumentException.class);
    }
}
