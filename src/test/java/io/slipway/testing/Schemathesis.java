package io.slipway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * schemathesis (PyPI), the property-based API tester, in a virtualenv of its own under {@code target/} (made once per
 * build directory and version): it reads an OpenAPI document from a running server and sends it requests generated
 * from the document, valid and invalid, checking every answer against it (status, media type, headers, schema, 5xx).
 */
public final class Schemathesis {
    /** The version these tests were verified with. */
    public static final String VERSION = "4.32.5";
    private static final String PYTHON = "/usr/bin/python3";
    private static final Path PIP_CACHE = Path.of("target/client-pip-cache").toAbsolutePath();
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);

    private final Path dir;

    private Schemathesis(Path dir) {
        this.dir = dir;
    }

    /** The virtualenv, with schemathesis installed by pip only when it is missing. */
    public static Schemathesis install() {
        Path dir = Path.of("target", "schemathesis-" + VERSION).toAbsolutePath();
        Schemathesis schemathesis = new Schemathesis(dir);
        if (schemathesis.installed()) return schemathesis;
        try {
            Commands.Result venv = Commands.run(List.of(PYTHON, "-m", "venv", "--clear", dir.toString()),
                    Files.createDirectories(dir.getParent()), INSTALL_TIMEOUT);
            assertThat(venv.exitCode()).as("python -m venv: %s", venv.stderr()).isZero();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Commands.Result pip = Commands.run(List.of(dir.resolve("bin/python").toString(), "-m", "pip", "install", "-q",
                "--disable-pip-version-check", "--cache-dir", PIP_CACHE.toString(), "schemathesis==" + VERSION), dir, INSTALL_TIMEOUT);
        assertThat(pip.exitCode()).as("pip install schemathesis: %s", pip.stderr()).isZero();
        return schemathesis;
    }

    /**
     * {@code schemathesis run} of the document at {@code document}, every check on, with the settings of
     * {@code schemathesis.toml} beside this class, at most {@code maxExamples} cases per operation, killed (and the test
     * failed) past {@code deadline}.
     *
     * @param headers {@code Name: value} headers sent with every request (the token)
     * @param env     variables that {@code schemathesis.toml} reads ({@code SLIPWAY_APP_ID})
     */
    public Commands.Result run(URI document, List<String> headers, java.util.Map<String, String> env, int maxExamples, Duration deadline) {
        Path config = dir.resolve("schemathesis.toml");
        try (var in = Schemathesis.class.getResourceAsStream("schemathesis.toml")) {
            Files.write(config, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of(dir.resolve("bin/schemathesis").toString(), "--config-file", config.toString(),
                "run", document.toString(),
                "--checks", "all", "--max-examples", String.valueOf(maxExamples), "--request-timeout", "10",
                // One worker: hypothesis parses its lambdas' source with ast.parse, which on CPython 3.11 is not safe in
                // two threads at once (SystemError: AST constructor recursion depth mismatch), reported as errors.
                "--workers", "1",
                "--no-color", "--report", "junit", "--report-dir", dir.resolve("report").toString()));
        headers.forEach(h -> command.addAll(List.of("--header", h)));
        return Commands.run(command, dir, env, deadline);
    }

    private boolean installed() {
        if (!Files.isExecutable(dir.resolve("bin/schemathesis"))) return false;
        Commands.Result version = Commands.run(List.of(dir.resolve("bin/schemathesis").toString(), "--version"), dir, Duration.ofSeconds(30));
        return version.exitCode() == 0 && version.stdout().strip().endsWith(" " + VERSION);
    }
}
