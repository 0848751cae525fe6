package io.slipway.cli;

import io.slipway.Slipway;
import io.slipway.auth.SigningSecret;
import io.slipway.auth.TokenService;
import io.slipway.config.ConfigLoader;
import io.slipway.config.Durations;
import io.slipway.config.SlipwayConfig;
import io.slipway.config.Variables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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
        subcommands = {SlipwayCommand.Up.class, SlipwayCommand.Token.class})
public final class SlipwayCommand implements Runnable {
    static final String VERSION = "slipway 0.1.0";
    private static final Logger LOG = LoggerFactory.getLogger(SlipwayCommand.class);

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SlipwayCommand()).execute(args));
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
            Path file = config != null ? config : Files.isRegularFile(Path.of("slipway.yaml")) ? Path.of("slipway.yaml") : null;
            // Before the configuration is checked: a misspelt variable may be why it fails.
            Variables.unknown(System.getenv()).forEach(warning -> LOG.warn("config: {}", warning));
            SlipwayConfig cfg;
            try {
                cfg = ConfigLoader.load(file, System.getenv(), flags);
            } catch (IllegalArgumentException e) {
                System.err.println("slipway: " + e.getMessage());
                return 2;
            }
            if (cfg.sandbox().enabled()) {
                String problem = SandboxCheck.run(cfg.sandbox().uidBase());
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

    @Command(name = "token", mixinStandardHelpOptions = true, version = VERSION,
            description = "Print a signed JWT for a user (on the last line of output).")
    static final class Token implements Callable<Integer> {
        @Option(names = "--user", required = true, description = "the token's subject")
        String user;
        @Option(names = "--plan", description = "the plan claim")
        String plan;
        @Option(names = "--admin", description = "mark the user as an admin (\"admin\": true)")
        boolean admin;
        @Option(names = "--ttl", defaultValue = "24h", description = "lifetime, e.g. 1h, 30d (default 24h)")
        String ttl;
        @Option(names = "--data", defaultValue = "./data", description = "data directory whose secret signs the token")
        Path data;

        @Override
        public Integer call() {
            if (user.isBlank() || user.length() > 255) {
                System.err.println("slipway: --user must be 1-255 characters");
                return 2;
            }
            try {
                TokenService tokens = new TokenService(SigningSecret.loadOrCreate(data.toAbsolutePath()), Clock.systemUTC());
                System.out.println(tokens.mint(user, plan, admin, Durations.parse(ttl)));
                return 0;
            } catch (IllegalArgumentException e) {
                System.err.println("slipway: " + e.getMessage());
                return 2;
            }
        }
    }
}
