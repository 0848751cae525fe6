package io.slipway.cli;

import io.slipway.Slipway;
import io.slipway.boot.RuntimeFactory;
import io.slipway.auth.SigningSecret;
import io.slipway.cli.client.AppCommands;
import io.slipway.cli.client.DeployCommand;
import io.slipway.cli.client.EnvCommand;
import io.slipway.cli.client.LoginCommand;
import io.slipway.cli.client.LogsCommand;
import io.slipway.cli.client.UsageCommand;
import io.slipway.cli.client.VersionCommands;
import io.slipway.boot.TokenSecret;
import io.slipway.store.Database;
import io.slipway.auth.TokenService;
import io.slipway.config.ConfigLoader;
import io.slipway.config.ConfigValues;
import io.slipway.config.Durations;
import io.slipway.config.SlipwayConfig;
import io.slipway.config.Variables;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

@Command(name = "slipway", mixinStandardHelpOptions = true, version = SlipwayCommand.VERSION,
        description = "Turns one uploaded source file into a sandboxed HTTP service that sleeps when idle.",
        subcommands = {SlipwayCommand.Up.class, SlipwayCommand.Token.class, LoginCommand.class, DeployCommand.class, AppCommands.ListApps.class,
                AppCommands.Status.class, LogsCommand.class, AppCommands.Remove.class, EnvCommand.class, VersionCommands.Versions.class,
                VersionCommands.Rollback.class, UsageCommand.class, SecretsCommand.class})
public final class SlipwayCommand implements Runnable {
    public static final String VERSION = "slipway 0.1.0";

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SlipwayCommand()).execute(args));
    }

    /** The file {@code --config} names, else {@code ./slipway.yaml} when there is one, else none. */
    static Path configFile(Path given) {
        if (given != null) return given;
        return Files.isRegularFile(Path.of("slipway.yaml")) ? Path.of("slipway.yaml") : null;
    }

    @Command(name = "up", mixinStandardHelpOptions = true, version = VERSION, description = {"Run the server.",
            "Settings come from the defaults, then the file, then SLIPWAY_* variables, then these flags (README: Configuration)."})
    static final class Up implements Callable<Integer> {
        @Option(names = "--port", description = "HTTP port (default 3000; 0 picks a free one)")
        Integer port;
        @Option(names = "--data", description = "data directory (default ./data)")
        Path data;
        @Option(names = "--config", description = "YAML configuration file (default ./slipway.yaml when present)")
        Path config;
        @Option(names = "--unsafe-no-sandbox", description = "run apps without bubblewrap: uploaded code gets this user's full access")
        boolean unsafeNoSandbox;

        @Override
        public Integer call() {
            Map<String, String> flags = new LinkedHashMap<>();
            if (port != null) flags.put("port", port.toString());
            if (data != null) flags.put("data", data.toString());
            if (unsafeNoSandbox) flags.put("sandbox.enabled", "false");
            Path file = configFile(config);
            // Before the configuration is checked: a misspelt variable may be why it fails.
            // Looked up here, not in a static field: logging's start-up would otherwise slow every client command too.
            Logger log = LoggerFactory.getLogger(SlipwayCommand.class);
            Variables.unknown(System.getenv()).forEach(warning -> log.warn("config: {}", warning));
            SlipwayConfig cfg;
            try {
                cfg = ConfigLoader.load(file, System.getenv(), flags);
            } catch (IllegalArgumentException e) {
                System.err.println("slipway: " + e.getMessage());
                return 2;
            }
            io.slipway.boot.Logging.apply(cfg.logging());
            if (cfg.runtime().kind() == io.slipway.config.RuntimeSettings.Kind.PROCESS && cfg.sandbox().enabled()) {
                String problem = RuntimeFactory.hostCheck(cfg);
                if (problem != null) {
                    System.err.println("slipway: " + problem);
                    return 3;
                }
            }
            Slipway slipway = Slipway.start(cfg, Clock.systemUTC());
            // SIGTERM (a service manager, Kubernetes) and SIGINT (Ctrl-C) are the normal way to stop: drain, stop every
            // app, exit 0. Taking these signals replaces the JVM's own handling, which would exit with 143 or 130.
            CountDownLatch stop = new CountDownLatch(1);
            for (String signal : new String[] {"TERM", "INT"}) sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stop.countDown());
            // Any other way the JVM ends (SIGHUP, an exit elsewhere) still stops the apps.
            Runtime.getRuntime().addShutdownHook(new Thread(slipway::close, "slipway-shutdown"));
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            slipway.close();
            return 0;
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true, version = VERSION, description = {
            "Print a signed JWT for a user (on the last line of output).",
            "It signs with the secret of the data dir that ./slipway up would use with the same flags, variables and file: "
                    + "--data, else SLIPWAY_DATA, else data: in the file, else ./data; stderr says which."})
    static final class Token implements Callable<Integer> {
        @Option(names = "--user", required = true, description = "the token's subject")
        String user;
        @Option(names = "--plan", description = "the plan claim")
        String plan;
        @Option(names = "--admin", description = "mark the user as an admin (\"admin\": true)")
        boolean admin;
        @Option(names = "--ttl", defaultValue = "24h", description = "lifetime, e.g. 1h, 30d (default 24h)")
        String ttl;
        @Option(names = "--data", description = "data directory whose secret signs the token (default: the one up would use)")
        Path data;
        @Option(names = "--config", description = "YAML configuration file (default ./slipway.yaml when present)")
        Path config;

        @Override
        public Integer call() {
            if (user.isBlank() || user.length() > 255) {
                System.err.println("slipway: --user must be 1-255 characters");
                return 2;
            }
            Variables.unknown(System.getenv()).forEach(warning -> System.err.println("slipway: warning: " + warning));
            try {
                Duration lifetime = lifetime();
                Map<String, String> flags = data == null ? Map.of() : Map.of("data", data.toString());
                ConfigValues values = ConfigLoader.read(configFile(config), System.getenv(), flags);
                SlipwayConfig cfg = ConfigLoader.build(values);
                Path secret = SigningSecret.file(cfg.dataDir());
                boolean created = !Files.exists(secret);
                byte[] key;
                if (TokenSecret.isShared(cfg.databaseUrl())) {
                    try (Database database = Database.open(cfg.databaseUrl(), null)) {
                        key = TokenSecret.of(database, cfg.dataDir());
                    }
                } else {
                    key = SigningSecret.loadOrCreate(cfg.dataDir());
                }
                String token = new TokenService(key, Clock.systemUTC()).mint(user, plan, admin, lifetime);
                // A token signed with another data dir's secret is refused with no hint of why: say which one this is.
                if (TokenSecret.isShared(cfg.databaseUrl())) {
                    System.err.println("slipway: signed with the secret the replicas share through the database "
                            + io.slipway.config.ConfigLoader.redact(cfg.databaseUrl()) + " (" + values.source("database.url") + ")");
                } else {
                    System.err.println("slipway: signed with " + secret + (created ? ", a new secret: no Slipway has used this data dir yet" : "")
                            + " (data dir " + values.source("data") + ")");
                }
                if (!cfg.auth().localTokens()) {
                    System.err.println("slipway: warning: auth.localTokens is false (" + values.source("auth.localTokens")
                            + "): a Slipway with this configuration refuses this token");
                }
                System.out.println(token);
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("slipway: " + e.getMessage());
                return 2;
            } catch (UncheckedIOException e) {
                System.err.println("slipway: " + e.getMessage() + ": " + e.getCause().getMessage());
                return 1;
            }
        }

        private Duration lifetime() {
            try {
                return Durations.parse(ttl);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--ttl: " + e.getMessage(), e);
            }
        }
    }
}
