package io.slipway.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.config.DataSize;
import io.slipway.runtime.Sandbox;
import io.slipway.runtime.SandboxLimits;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The docker runtime's {@code /data}, on podman: the app's image, mounted on the engine's host and bound into its
 * container, keeps a counter from one container to the next, is full (ENOSPC) at the plan's size while the app keeps
 * answering, is unmounted when the container has gone, and goes with the app.
 */
class DockerPersistentDataIT {
    @RegisterExtension
    final DockerRuntimeFixture fixture = new DockerRuntimeFixture(new SandboxLimits(DataSize.parse("128MiB"), 32, 0.5, DataSize.ofMebibytes(16)));

    @Test
    void aCounterInDataOutlivesItsContainerAndGoesWithTheApp() throws IOException {
        AppsUnderTest apps = fixture.apps();
        DockerSandboxRuntime runtime = fixture.runtime();
        Path image = fixture.dataDir().resolve("storage/keeper.img");

        Sandbox first = apps.start("keeper", "data-counter.js", Map.of());
        apps.awaitAnswer(first, "/");
        assertThat(count(apps, first)).isEqualTo(1);
        assertThat(count(apps, first)).isEqualTo(2);
        first.stop(Duration.ofSeconds(1));
        assertThat(mounted(fixture.dataDir())).as("unmounted once the container has exited").isFalse();
        assertThat(runtime.storageUsed("keeper").getAsLong()).as("bytes used, with no container").isPositive();

        Sandbox second = apps.start("keeper", "data-counter.js", Map.of());
        JsonObject look = new JsonObject(apps.awaitAnswer(second, "/"));
        assertThat(look.getInteger("owner")).as("the container's uid owns /data").isEqualTo(look.getInteger("uid"));
        assertThat(count(apps, second)).as("in a new container").isEqualTo(3);
        JsonObject full = new JsonObject(apps.post(second, "/fill", ""));
        assertThat(full.getString("code")).isEqualTo("ENOSPC");
        assertThat(new JsonObject(apps.post(second, "/", "")).getString("bootId")).as("the same app answers").isEqualTo(full.getString("bootId"));
        second.stop(Duration.ofSeconds(1));

        runtime.forget("keeper");
        assertThat(image).as("deleted with the app").doesNotExist();
        assertThat(mounted(fixture.dataDir())).isFalse();
    }

    private static int count(AppsUnderTest apps, Sandbox sandbox) {
        return new JsonObject(apps.post(sandbox, "/count", "")).getInteger("count");
    }

    private static boolean mounted(Path dataDir) throws IOException {
        return Files.readString(Path.of("/proc/self/mountinfo")).contains(dataDir.resolve("storage/mnt").toString() + "/");
    }
}
