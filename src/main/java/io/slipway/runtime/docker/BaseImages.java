package io.slipway.runtime.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.transport.DockerHttpClient;
import io.slipway.app.Language;
import io.slipway.sandbox.HostTools;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image each language's apps start from. One named in {@code docker.nodeImage} / {@code docker.pythonImage} is used
 * as it is (and must be in the engine already). Without one, Slipway makes its own from the host's interpreter, needing
 * no registry: the host's {@code node} (or {@code python3} with its standard library), the libraries {@code ldd} names
 * for them and the dynamic loader, the CA certificates, and a {@code passwd} naming root and nobody (apps run as host
 * uids of their own, which name no user, as in the process runtime's sandboxes).
 * It is imported once, tagged by a digest of what went into it: a host whose node changed gets a new image at Slipway's
 * next start, and an engine that has the tag already imports nothing. Thread-safe; an import blocks other imports.
 */
final class BaseImages {
    static final String REPOSITORY = "localhost/slipway/";
    private static final Logger LOG = LoggerFactory.getLogger(BaseImages.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What of the standard library apps never use: the static library to build extensions with, tests, Tk, IDLE. */
    private static final List<String> PYTHON_UNUSED = List.of("config-", "test", "idlelib", "tkinter", "turtledemo", "ensurepip");
    /** The manylinux policy's libraries that server apps' wheels link to, beside libc and the loader. */
    private static final List<String> MANYLINUX_SYSTEM_LIBRARIES = List.of("libgcc_s.so.1", "libstdc++.so.6", "libm.so.6", "libdl.so.2",
            "librt.so.1", "libpthread.so.0", "libutil.so.1", "libresolv.so.2", "libnsl.so.1", "libz.so.1");

    /** Where an interpreter is inside an image. */
    record Interpreter(String image, String program) {
    }

    private final DockerClient docker;
    private final DockerHttpClient http;
    private final Map<Language, Optional<String>> configured;
    private final HostTools tools;
    private final Map<Language, Interpreter> known = new EnumMap<>(Language.class);
    private final ReentrantLock lock = new ReentrantLock();

    /** @param tools the host's {@code node} and {@code python3}, for the languages whose image Slipway makes */
    BaseImages(DockerClient docker, DockerHttpClient http, Optional<String> nodeImage, Optional<String> pythonImage, HostTools tools) {
        this.docker = docker;
        this.http = http;
        this.configured = Map.of(Language.NODE, nodeImage, Language.PYTHON, pythonImage);
        this.tools = tools;
    }

    /**
     * The image for {@code language}'s apps and the interpreter's path in it, imported first if the engine lacks it.
     * Blocks for the import (a few seconds, once per host interpreter).
     */
    Interpreter of(Language language) {
        lock.lock();
        try {
            Interpreter interpreter = known.get(language);
            if (interpreter == null) {
                interpreter = configured.get(language).map(image -> new Interpreter(image, defaultProgram(language)))
                        .orElseGet(() -> hostBuilt(language));
                known.put(language, interpreter);
            }
            return interpreter;
        } finally {
            lock.unlock();
        }
    }

    /** Forgets what is known of {@code language}'s image, which the engine no longer has, and makes it again. */
    Interpreter forget(Language language) {
        lock.lock();
        try {
            known.remove(language);
            return of(language);
        } finally {
            lock.unlock();
        }
    }

    /** In an image of someone else's, the interpreter is wherever its {@code PATH} finds it. */
    private static String defaultProgram(Language language) {
        return switch (language) {
            case NODE -> "node";
            case PYTHON -> "python3";
        };
    }

    /** What an operator should know is wrong with the configured images: each that the engine does not have. */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        configured.forEach((language, image) -> image.ifPresent(name -> {
            try {
                docker.inspectImageCmd(name).exec();
            } catch (NotFoundException e) {
                problems.add("the engine has no image " + name + " (docker." + language.id() + "Image): load it into the engine, "
                        + "or leave docker." + language.id() + "Image unset and Slipway makes one from the host's " + language.id());
            }
        }));
        return problems;
    }

    private Interpreter hostBuilt(Language language) {
        Path program = switch (language) {
            case NODE -> tools.node();
            case PYTHON -> tools.python();
        };
        HostFiles files = switch (language) {
            case NODE -> node(program);
            case PYTHON -> python(program);
        };
        common(files);
        String tag = REPOSITORY + language.id() + ":" + files.digest().substring("sha256:".length(), "sha256:".length() + 20);
        Interpreter interpreter = new Interpreter(tag, program.toString());
        try {
            docker.inspectImageCmd(tag).exec();
            return interpreter;
        } catch (NotFoundException absent) {
            long started = System.nanoTime();
            importImage(tag, files);
            LOG.info("made the base image {} from the host's {} ({} entries) in {} ms", tag, program, files.size(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return interpreter;
        }
    }

    private static HostFiles node(Path node) {
        HostFiles files = new HostFiles().add(node);
        libraries(files, real(node), true);
        return files;
    }

    private static HostFiles python(Path python) {
        HostFiles files = new HostFiles().add(python);
        Path real = real(python);
        libraries(files, real, true);
        Path stdlib = Path.of(output(python.toString(), "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])").strip());
        files.add(stdlib, p -> !(p.getParent().equals(stdlib) && PYTHON_UNUSED.stream().anyMatch(p.getFileName().toString()::startsWith)));
        try (var modules = Files.walk(stdlib)) {
            for (Path module : (Iterable<Path>) modules.filter(p -> p.toString().endsWith(".so"))::iterator) libraries(files, module, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + stdlib, e);
        }
        // What compiled packages from PyPI may take from the system (the manylinux policy), beside libc: glibc's own
        // libraries too, which python3 may not load itself (pydantic-core's wheel needs librt.so.1, many need
        // libpthread.so.0, stubs since glibc 2.34). The policy's X11, GL and GLib libraries are for desktop apps.
        Path libc = Path.of(output("/usr/bin/ldd", real.toString()).lines().filter(l -> l.contains("libc.so"))
                .map(l -> l.replaceAll(".*=> *(\\S+).*", "$1")).findFirst().orElse("/lib/libc.so.6")).getParent();
        for (String lib : MANYLINUX_SYSTEM_LIBRARIES) {
            if (Files.exists(libc.resolve(lib))) files.add(libc.resolve(lib));
        }
        return files;
    }

    /**
     * The interpreter's (or a module's) shared libraries and the loader, as {@code ldd} finds them on the host; a module
     * that is not {@code required} and that ldd cannot read brings none.
     */
    private static void libraries(HostFiles files, Path binary, boolean required) {
        String listed;
        try {
            listed = output("/usr/bin/ldd", binary.toString());
        } catch (IllegalStateException e) {
            if (required) throw e;
            return;
        }
        for (String line : listed.lines().toList()) {
            String path = line.contains("=>") ? line.replaceAll(".*=> *", "") : line.strip();
            path = path.replaceAll(" \\(0x[0-9a-f]+\\)$", "").strip();
            if (path.startsWith("/")) files.add(Path.of(path));
        }
    }

    /** What every image holds besides its interpreter: TLS roots, the users, empty mount points for the app. */
    private static void common(HostFiles files) {
        for (String certs : List.of("/etc/ssl/certs", "/usr/lib/ssl/certs", "/usr/lib/ssl/cert.pem", "/etc/ssl/openssl.cnf")) {
            if (Files.exists(Path.of(certs))) files.add(Path.of(certs));
        }
        files.content("/etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n", 0644)
                .content("/etc/group", "root:x:0:\nnogroup:x:65534:\n", 0644)
                .content("/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n", 0644)
                .directory("/tmp", 01777).directory("/app", 0755).directory("/app/code", 0755)
                .directory("/app/node_modules", 0755).directory("/app/venv", 0755);
    }

    /**
     * Imports the files as a one-layer image, streamed as they are read: a raw {@code POST /images/create?fromSrc=-},
     * which dockerd and podman both take (docker-java's own {@code createImageCmd} fails on both). The engine answers
     * 200 and then its progress, where an error shows up as an {@code error} field.
     */
    void importImage(String tag, HostFiles files) {
        try (PipedInputStream body = new PipedInputStream(1 << 20); PipedOutputStream sink = new PipedOutputStream(body)) {
            Thread writer = Thread.ofVirtual().name("image-" + tag).start(() -> {
                try (sink) {
                    files.writeTar(sink);
                } catch (IOException | UncheckedIOException e) {
                    LOG.warn("writing the files of {} stopped: {}", tag, e.getMessage());
                }
            });
            DockerHttpClient.Request request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.POST)
                    .path("/images/create?fromSrc=-&repo=" + URLEncoder.encode(tag, StandardCharsets.UTF_8))
                    .putHeader("Content-Type", "application/x-tar").body(body).build();
            try (DockerHttpClient.Response response = http.execute(request); InputStream answer = response.getBody()) {
                String progress = new String(answer.readAllBytes(), StandardCharsets.UTF_8);
                if (response.getStatusCode() != 200) throw new IllegalStateException("the engine answered " + response.getStatusCode() + ": " + progress.strip());
                for (String line : progress.lines().filter(l -> !l.isBlank()).toList()) {
                    JsonNode error = JSON.readTree(line).path("error");
                    if (!error.isMissingNode() && !error.isNull()) throw new IllegalStateException(error.asText());
                }
            }
            writer.join(TimeUnit.SECONDS.toMillis(10));
            docker.inspectImageCmd(tag).exec();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot import the base image " + tag, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while importing " + tag, e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot import the base image " + tag + ": " + e.getMessage(), e);
        }
    }

    private static Path real(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + path, e);
        }
    }

    /** Runs a host program of Slipway's choosing (never with user input) and returns its output; throws when it fails. */
    private static String output(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("'" + String.join(" ", command) + "' failed: " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command[0], e);
        }
    }
}
