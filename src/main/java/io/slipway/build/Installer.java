package io.slipway.build;

import io.slipway.logs.LogSink;
import io.slipway.config.SlipwayConfig;
import io.slipway.logs.LogFiles;
import io.slipway.app.Language;
import io.slipway.runtime.BuildEnvironment;
import io.slipway.runtime.BuildRunner;
import io.slipway.runtime.BuildStep;
import io.slipway.runtime.BuildStepFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs package installs ({@code npm install}, {@code python -m venv}, {@code pip install}) into one target directory,
 * through the {@link BuildRunner}, which confines them: install scripts of packages are uploaded code.
 */
final class Installer {
    private final SlipwayConfig config;
    private final BuildRunner runner;
    private final InstallDiagnosis diagnosis;

    Installer(SlipwayConfig config, BuildRunner runner) {
        this.config = config;
        this.runner = runner;
        this.diagnosis = new InstallDiagnosis(config.build());
    }

    /** Where the runner installs {@code language}'s packages. */
    BuildEnvironment environment(Language language) {
        try {
            return runner.environment(language);
        } catch (BuildStepFailedException e) {
            // Where the steps would run is not there (a configured image the engine lacks): the build fails, saying so.
            throw new BuildFailedException(e.getMessage(), "");
        }
    }

    void npmInstall(Path target, List<String> specs, LogSink log) {
        writePackageJson(target);
        List<String> cmd = new ArrayList<>(List.of(environment(Language.NODE).installer(), "install", "--omit=dev", "--no-audit", "--no-fund",
                "--no-update-notifier", "--loglevel=warn", "--"));
        cmd.addAll(specs);
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", "/tmp");
        if (!config.build().npmRegistry().isBlank()) env.put("npm_config_registry", config.build().npmRegistry());
        run("npm install " + String.join(" ", specs), Language.NODE, cmd, target, env, log, List.of());
    }

    void pipInstall(Path target, List<String> specs, LogSink log) {
        Path venv = target.resolve("venv");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", "/tmp");
        env.put("PIP_DISABLE_PIP_VERSION_CHECK", "1");
        env.put("PIP_NO_INPUT", "1");
        run("python -m venv", Language.PYTHON, List.of(environment(Language.PYTHON).installer(), "-m", "venv", venv.toString()), target, env,
                log, List.of());
        List<String> cmd = new ArrayList<>(List.of(venv.resolve("bin/python").toString(), "-m", "pip", "install", "--no-cache-dir"));
        List<Path> extraReadOnly = new ArrayList<>();
        var build = config.build();
        if (!build.pipIndexUrl().isBlank()) cmd.addAll(List.of("--index-url", build.pipIndexUrl()));
        if (!build.pipFindLinks().isBlank()) {
            cmd.addAll(List.of("--find-links", build.pipFindLinks()));
            Path local = Path.of(build.pipFindLinks().replaceFirst("^file://", ""));
            if (local.isAbsolute() && Files.isDirectory(local)) extraReadOnly.add(local);
        }
        if (build.pipOffline()) cmd.add("--no-index");
        cmd.add("--");
        cmd.addAll(specs);
        run("pip install " + String.join(" ", specs), Language.PYTHON, cmd, target, env, log, extraReadOnly);
    }

    private void run(String step, Language language, List<String> program, Path target, Map<String, String> env, LogSink log,
                     List<Path> readOnly) {
        run(new BuildStep(step, language, program, target, env, readOnly, false, log, config.build().timeout()));
    }

    /**
     * Runs the step; a failure becomes the build's, with the end of its log, and says first why in the user's terms
     * when the log shows it (a package the registry does not have, a host that is not a registry, a registry that
     * could not be reached).
     */
    void run(BuildStep step) {
        try {
            runner.run(step);
        } catch (BuildStepFailedException e) {
            String detail = diagnosis.detail(step.language(), step.description(), step.log().tail(InstallDiagnosis.SCAN_BYTES), e.getMessage());
            throw new BuildFailedException(detail, step.log().tail(LogFiles.DEFAULT_TAIL_BYTES));
        }
    }

    private static void writePackageJson(Path target) {
        try {
            Files.writeString(target.resolve("package.json"), "{\"name\":\"slipway-deps\",\"version\":\"0.0.0\",\"private\":true}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A finished install is shared by apps: readable by every sandbox, writable by none. */
    void sealShared(Path root) {
        runner.sealShared(root);
    }
}
