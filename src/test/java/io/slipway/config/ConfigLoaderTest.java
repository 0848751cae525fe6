package io.slipway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @Test
    void defaultsMatchTheDesign() {
        SlipwayConfig c = ConfigLoader.load(null, Map.of(), Map.of());
        assertThat(c.port()).isEqualTo(3000);
        assertThat(c.apps().defaultSleepAfter()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.instances().startTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.upload().maxFileSize()).isEqualTo(DataSize.ofMebibytes(1));
        assertThat(c.sandbox().enabled()).isTrue();
    }

    @Test
    void maxRunningIsDerivedFromMemoryUnlessGivenAndTheDatabaseUrlComesFromTheEnvironment() {
        long memory = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
        SlipwayConfig auto = ConfigLoader.load(null, Map.of("SLIPWAY_DATABASE_URL", "postgres://slipway:s3cret@db:5432/slipway"), Map.of());
        assertThat(auto.instances().maxRunning()).isEqualTo((int) Math.clamp((memory - (512L << 20)) / (256L << 20), 4, 1000));
        assertThat(auto.databaseUrl()).isEqualTo("postgres://slipway:s3cret@db:5432/slipway");
        assertThat(ConfigLoader.describe(auto)).anySatisfy(line -> assertThat(line).contains("postgresql postgres://***@db:5432/slipway"))
                .noneSatisfy(line -> assertThat(line).contains("s3cret"));

        assertThat(ConfigLoader.load(null, Map.of(), Map.of("instances.maxRunning", "7")).instances().maxRunning()).isEqualTo(7);
    }

    @Test
    void theRuntimeIsProcessUnlessSLIPWAY_RUNTIMESaysDockerWhoseEngineComesFromSLIPWAY_DOCKER_HOSTThenDOCKER_HOST() {
        SlipwayConfig defaults = ConfigLoader.load(null, Map.of(), Map.of());
        assertThat(defaults.runtime().kind()).isEqualTo(RuntimeSettings.Kind.PROCESS);
        assertThat(defaults.runtime().docker().host(Map.of())).isEqualTo(URI.create("unix:///var/run/docker.sock"));
        assertThat(defaults.runtime().docker().host(Map.of("DOCKER_HOST", "unix:///run/podman/podman.sock")))
                .isEqualTo(URI.create("unix:///run/podman/podman.sock"));

        SlipwayConfig docker = ConfigLoader.load(null, Map.of("SLIPWAY_RUNTIME", "docker", "SLIPWAY_DOCKER_HOST", "unix:///tmp/podman.sock"), Map.of());
        assertThat(docker.runtime().kind()).isEqualTo(RuntimeSettings.Kind.DOCKER);
        assertThat(docker.runtime().docker().host(Map.of("DOCKER_HOST", "tcp://elsewhere:2375"))).isEqualTo(URI.create("unix:///tmp/podman.sock"));

        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLIPWAY_RUNTIME", "lxc"), Map.of()))
                .hasMessageContaining("runtime").hasMessageContaining("process, docker, kubernetes");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLIPWAY_DOCKER_HOST", "ftp://x"), Map.of()))
                .hasMessageContaining("docker.host");
    }

    @Test
    void proxyEventLoopsAreHalfTheCoresUnlessGiven() {
        int cores = Runtime.getRuntime().availableProcessors();
        assertThat(ConfigLoader.load(null, Map.of(), Map.of()).proxy().eventLoops()).isEqualTo(Math.max(1, cores / 2));
        assertThat(ConfigLoader.load(null, Map.of(), Map.of("proxy.eventLoops", "3")).proxy().eventLoops()).isEqualTo(3);
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("proxy.eventLoops", "0")))
                .hasMessageContaining("proxy.eventLoops must be at least 1");
    }

    @Test
    void proxyTransportIsChosenAutomaticallyUnlessNamed() {
        assertThat(ConfigLoader.load(null, Map.of(), Map.of()).proxy().transport()).isEqualTo(SlipwayConfig.ProxySettings.Transport.AUTO);
        assertThat(ConfigLoader.load(null, Map.of("SLIPWAY_PROXY_TRANSPORT", "io_uring"), Map.of()).proxy().transport())
                .isEqualTo(SlipwayConfig.ProxySettings.Transport.IO_URING);
        assertThat(ConfigLoader.load(null, Map.of(), Map.of("proxy.transport", "EPOLL")).proxy().transport())
                .isEqualTo(SlipwayConfig.ProxySettings.Transport.EPOLL);
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("proxy.transport", "kqueue")))
                .hasMessageContaining("proxy.transport").hasMessageContaining("auto, io_uring, epoll, nio");
    }

    @Test
    void logFollowersAreCappedPerAppAndPerUserAndKeptAliveEveryFifteenSecondsUnlessGiven() {
        LogSettings defaults = ConfigLoader.load(null, Map.of(), Map.of()).logs();
        assertThat(defaults).isEqualTo(new LogSettings(10, 20, Duration.ofSeconds(15)));

        LogSettings given = ConfigLoader.load(null, Map.of("SLIPWAY_LOGS_MAX_FOLLOWERS_PER_APP", "3",
                "SLIPWAY_LOGS_KEEP_ALIVE_INTERVAL", "500ms"), Map.of()).logs();
        assertThat(given).isEqualTo(new LogSettings(3, 20, Duration.ofMillis(500)));
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("logs.maxFollowersPerUser", "0")))
                .hasMessageContaining("logs.maxFollowersPerUser must be at least 1");
    }

    @Test
    void fileThenEnvironmentThenFlagsEachOverrideTheOneBefore(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("slipway.yaml");
        Files.writeString(yaml, "port: 4000\ninstances:\n  startTimeout: 5s\n  stopGrace: 2s\nupload:\n  maxFileSize: 2MiB\n");

        SlipwayConfig c = ConfigLoader.load(yaml, Map.of("SLIPWAY_INSTANCES_START_TIMEOUT", "7s", "SLIPWAY_PORT", "4100"),
                Map.of("port", "4200"));

        assertThat(c.port()).isEqualTo(4200);
        assertThat(c.instances().startTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(c.instances().stopGrace()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.upload().maxFileSize().bytes()).isEqualTo(2 * 1024 * 1024);
    }

    @Test
    void unknownKeyInTheFileIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("slipway.yaml");
        Files.writeString(yaml, "instances:\n  startTimout: 5s\n");
        assertThatThrownBy(() -> ConfigLoader.load(yaml, Map.of(), Map.of())).hasMessageContaining("instances.startTimout");
    }

    @Test
    void invalidValueIsAnErrorNamingWhatIsExpected() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLIPWAY_APPS_DEFAULT_SLEEP_AFTER", "forever"), Map.of()))
                .hasMessageContaining("not a duration");
    }

    @Test
    void plansAreConfiguredByNameAndANewPlanTakesTheFreePlansValuesForFieldsItDoesNotSet(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("slipway.yaml");
        Files.writeString(yaml, "plans:\n  team:\n    apps: 200\n    memory: 2GiB\n  pro:\n    cpus: 4\n");

        SlipwayConfig c = ConfigLoader.load(yaml, Map.of("SLIPWAY_PLANS_FREE_APPS", "5"), Map.of());

        assertThat(c.plan("team").apps()).isEqualTo(200);
        assertThat(c.plan("team").memory()).isEqualTo(DataSize.parse("2GiB"));
        assertThat(c.plan("team").maxSleepAfter()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.plan("pro").cpus()).isEqualTo(4);
        assertThat(c.plan("pro").apps()).isEqualTo(50);
        assertThat(c.plan(null).apps()).isEqualTo(5);
        assertThat(c.plan("no-such-plan").name()).isEqualTo("free");
    }

    @Test
    void eachPlanSizesItsAppsDataFreeAt100MiBAndProAt2GiBAndAtLeast8MiB() {
        SlipwayConfig c = ConfigLoader.load(null, Map.of("SLIPWAY_PLANS_TEAM_APPS", "9"), Map.of());

        assertThat(c.plan("free").storage()).isEqualTo(DataSize.ofMebibytes(100));
        assertThat(c.plan("pro").storage()).isEqualTo(DataSize.parse("2GiB"));
        assertThat(c.plan("team").storage()).as("a new plan takes the free plan's").isEqualTo(DataSize.ofMebibytes(100));
        assertThat(ConfigLoader.load(null, Map.of("SLIPWAY_PLANS_PRO_STORAGE", "10GiB"), Map.of()).plan("pro").storage()).isEqualTo(DataSize.parse("10GiB"));
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("SLIPWAY_PLANS_FREE_STORAGE", "1MiB"), Map.of()))
                .hasMessageContaining("plans.free.storage must be at least 8MiB");
    }

    @Test
    void credentialsInUrlsAreRedactedWhenPrinted() {
        SlipwayConfig c = ConfigLoader.load(null, Map.of("SLIPWAY_BUILD_PIP_INDEX_URL", "https://user:s3cret@pypi.internal/simple"), Map.of());
        assertThat(String.join("\n", ConfigLoader.describe(c))).doesNotContain("s3cret").contains("https://***@pypi.internal/simple");
    }

    @Test
    void durationsAndSizesParseTheirShortForms() {
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("90")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.format(Duration.ofMinutes(10))).isEqualTo("10m");
        assertThat(DataSize.parse("512KiB").bytes()).isEqualTo(512 * 1024);
        assertThat(DataSize.parse("256m")).isEqualTo(DataSize.ofMebibytes(256));
    }
}
