package io.slipway.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import io.slipway.testing.PodmanEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Images laid out as a registry's official ones are and unlike this host, which has its interpreters in {@code
 * /usr/bin}: {@code node} and {@code npm} in {@code /usr/local}, and {@code python3} with its standard library in {@code
 * /usr/local}, each with a shell. Made from the host's own files (no registry is reachable here) and imported into the
 * engine. What a build installed on the host instead of in such an image does not run there: a venv made by the host's
 * python links to {@code /usr/bin/python3}, which the image lacks. The node image's {@code npm} marks the directory it
 * installs into ({@value #NPM_MARK}) before it runs the real one, so a test can tell which npm installed a set; it has
 * no {@code npmrc} of its own, as an official image has none (this host's names the host's certificate bundle).
 */
public final class RelocatedImages {
    public static final String NODE = "localhost/slipway-test/node-usrlocal:1";
    public static final String PYTHON = "localhost/slipway-test/python-usrlocal:1";
    /** The file this image's npm leaves in every directory it installs into. */
    public static final String NPM_MARK = ".installed-by-the-image-npm";
    private static final Path HOST_NODE = Path.of("/usr/bin/node");
    private static final Path HOST_NPM = Path.of("/usr/lib/node_modules/npm");
    private static final Path HOST_PYTHON = Path.of("/usr/bin/python3.11");
    private static final Path HOST_STDLIB = Path.of("/usr/lib/python3.11");

    private RelocatedImages() {
    }

    /** Imports both images into the engine, unless it has them already. */
    public static void importInto(PodmanEngine engine, DockerClient docker) {
        var clients = EngineClients.of(engine.host());
        try {
            BaseImages importer = new BaseImages(clients.calls(), clients.raw(), java.util.Optional.empty(), java.util.Optional.empty(), null);
            if (!has(docker, NODE)) importer.importImage(NODE, node());
            if (!has(docker, PYTHON)) importer.importImage(PYTHON, python());
        } finally {
            clients.close();
        }
    }

    private static HostFiles node() {
        HostFiles files = common().addAt("/usr/local/bin/node", HOST_NODE, p -> true)
                .addAt("/usr/local/lib/node_modules/npm", HOST_NPM, p -> !p.equals(HOST_NPM.resolve("npmrc")))
                .content("/usr/local/bin/npm", """
                        #!/bin/sh
                        : > ./%s
                        exec /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/npm-cli.js "$@"
                        """.formatted(NPM_MARK), 0755);
        return libraries(files, HOST_NODE);
    }

    private static HostFiles python() {
        List<String> unused = List.of("test", "config-3.11-x86_64-linux-gnu", "sitecustomize.py", "EXTERNALLY-MANAGED");
        HostFiles files = common().addAt("/usr/local/bin/python3.11", HOST_PYTHON, p -> true)
                .addAt("/usr/local/bin/python3", HOST_PYTHON, p -> true)
                .addAt("/usr/local/lib/python3.11", HOST_STDLIB, p -> !(p.getParent().equals(HOST_STDLIB) && unused.contains(p.getFileName().toString())))
                // Debian's ensurepip installs pip from these wheels.
                .add(Path.of("/usr/share/python-wheels"));
        libraries(files, HOST_PYTHON);
        try (var modules = Files.list(HOST_STDLIB.resolve("lib-dynload"))) {
            for (Path module : modules.filter(p -> p.toString().endsWith(".so")).toList()) libraries(files, module);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** A shell and {@code env} (npm's scripts need them), users, a {@code /tmp} for all. */
    private static HostFiles common() {
        HostFiles files = new HostFiles().addAt("/bin/sh", Path.of("/usr/bin/dash"), p -> true).add(Path.of("/usr/bin/env"))
                .content("/etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\n", 0644)
                .directory("/tmp", 01777);
        libraries(files, Path.of("/usr/bin/dash"));
        return libraries(files, Path.of("/usr/bin/env"));
    }

    /** What {@code ldd} says the binary loads, at the host's paths (which the images keep). */
    private static HostFiles libraries(HostFiles files, Path binary) {
        for (String line : run("/usr/bin/ldd", binary.toString()).lines().toList()) {
            String path = (line.contains("=>") ? line.replaceAll(".*=> *", "") : line.strip()).replaceAll(" \\(0x[0-9a-f]+\\)$", "").strip();
            if (path.startsWith("/")) files.add(Path.of(path));
        }
        return files;
    }

    private static boolean has(DockerClient docker, String image) {
        try {
            docker.inspectImageCmd(image).exec();
            return true;
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            return false;
        }
    }

    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException(String.join(" ", command) + ": " + out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
