package io.slipway.cli;

import io.slipway.app.DataDir;
import io.slipway.boot.EnvKeys;
import io.slipway.config.ConfigLoader;
import io.slipway.config.SlipwayConfig;
import io.slipway.config.Variables;
import io.slipway.store.Database;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./slipway secrets …}: the keys apps' env values are encrypted with (README, "Secrets at rest"). */
@Command(name = "secrets", mixinStandardHelpOptions = true, version = SlipwayCommand.VERSION,
        description = "Manage the keys that encrypt apps' env values.", subcommands = SecretsCommand.Rotate.class)
final class SecretsCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true, version = SlipwayCommand.VERSION, description = {
            "Re-encrypt every app's env with a new key; stop every Slipway on the database first.",
            "Without secrets.envKey, a new key is generated and replaces the current one. With secrets.envKey, that key is "
                    + "the new one: every env is re-encrypted with it (the old key given in secrets.previousEnvKeys), and the "
                    + "generated keys are deleted. Either way, no previous key is needed afterwards."})
    static final class Rotate implements Callable<Integer> {
        @Option(names = "--data", description = "data directory (default: the one up would use)")
        Path data;
        @Option(names = "--config", description = "YAML configuration file (default ./slipway.yaml when present)")
        Path config;

        @Override
        public Integer call() {
            Variables.unknown(System.getenv()).forEach(warning -> System.err.println("slipway: warning: " + warning));
            SlipwayConfig cfg;
            try {
                cfg = ConfigLoader.load(SlipwayCommand.configFile(config), System.getenv(),
                        data == null ? Map.of() : Map.of("data", data.toString()));
            } catch (IllegalArgumentException e) {
                System.err.println("slipway: " + e.getMessage());
                return 2;
            }
            DataDir dataDir = new DataDir(cfg.dataDir());
            if (cfg.databaseUrl().isEmpty() && !java.nio.file.Files.exists(dataDir.database())) {
                System.err.println("slipway: no Slipway database in " + dataDir.root() + " (" + dataDir.database() + "): is --data right?");
                return 1;
            }
            try (Database database = Database.open(cfg.databaseUrl(), dataDir.database())) {
                EnvKeys.Rotation done = EnvKeys.of(cfg.secrets(), database, dataDir.root()).rotate();
                System.out.println("re-encrypted the env of " + done.rows() + " apps with env key " + done.to()
                        + (done.retired().isEmpty() ? "" : "; no env needs key " + String.join(", ", done.retired()) + " any more"));
                if (!cfg.secrets().previousEnvKeys().isEmpty()) {
                    System.out.println("secrets.previousEnvKeys may now be removed from the configuration");
                }
                return 0;
            } catch (UncheckedIOException e) {
                System.err.println("slipway: " + e.getMessage() + ": " + e.getCause().getMessage());
                return 1;
            } catch (IllegalStateException e) {
                System.err.println("slipway: " + e.getMessage());
                return 1;
            }
        }
    }
}
