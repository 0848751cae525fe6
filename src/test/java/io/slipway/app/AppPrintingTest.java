package io.slipway.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.runtime.Artifact;
import io.slipway.runtime.Layer;
import io.slipway.runtime.NetworkPolicy;
import io.slipway.runtime.SandboxLimits;
import io.slipway.runtime.SandboxSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Apps and sandbox specs are logged as they are: their env by name, never by value. */
class AppPrintingTest {
    private static final Map<String, String> ENV = Map.of("API_TOKEN", "s3cr3t-value");

    @Test
    void anAppPrintsItsEnvNamesOnly() {
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        App app = new App("a1", "alice", "n", Language.NODE, "index.js", List.of(), Duration.ofMinutes(10), ENV, AppStatus.READY, null,
                "c0de", null, false, false, "free", at, at, null, "/", Transport.HTTP, "auto");

        assertThat(app.toString()).contains("id=a1", "env=[API_TOKEN]", "codeHash=c0de").doesNotContain("s3cr3t");
    }

    @Test
    void aSandboxSpecPrintsItsEnvNamesOnly() {
        io.slipway.logs.LogSink log = new io.slipway.logs.LogSink() {
            @Override
            public Thread pump(java.io.InputStream output, io.slipway.logs.LogSource source) {
                throw new UnsupportedOperationException();
            }

            @Override
            public String tail(int maxBytes) {
                return "";
            }

            @Override
            public void event(String text) {
            }
        };
        SandboxSpec spec = new SandboxSpec("a1", new Artifact(Language.NODE, "index.js", Layer.of(Layer.Kind.CODE, "c0de".repeat(16)),
                java.util.Optional.empty()), ENV, new SandboxLimits(io.slipway.config.DataSize.ofMebibytes(64), 64, 0.5),
                NetworkPolicy.of(false), Map.of(), log);

        assertThat(spec.toString()).contains("appId=a1", "env=[API_TOKEN]").doesNotContain("s3cr3t");
    }
}
