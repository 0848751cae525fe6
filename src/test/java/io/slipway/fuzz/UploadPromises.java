package io.slipway.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.slipway.app.InvalidInputException;
import io.slipway.app.Language;
import io.slipway.config.ConfigLoader;
import io.slipway.config.SlipwayConfig;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the upload parsers promise, checked against every input the fuzz tests try. A refusal is an
 * {@link InvalidInputException} whose slug and message can go into a response as they are (the slug also goes into the
 * {@code X-Slipway-Error} header). Whatever is accepted is safe to hand on: the file name to the file system, the
 * requirements to npm and pip as arguments, the env to the sandbox.
 */
final class UploadPromises {
    /** The configuration every fuzz test validates against: the built-in defaults. */
    static final SlipwayConfig CONFIG = ConfigLoader.load(null, Map.of(), Map.of());

    private static final Pattern SLUG = Pattern.compile("[a-z]+(-[a-z]+)*");
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern APP_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> RESERVED_ENV = Set.of("PORT", "HOST", "NODE_ENV", "PATH", "HOME", "SLIPWAY_SANDBOX", "PUBLIC_URL");
    // Requirements.java's grammars, restated: a name, then (npm) one @version or (Python) extras and specifiers.
    private static final Pattern NPM_SPEC = Pattern.compile("(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*(@[A-Za-z0-9.^~<>=*|+_-]+)?");
    private static final Pattern PY_SPEC = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\[[A-Za-z0-9._,-]+])?([=!~<>][A-Za-z0-9.*+!_,=~<>-]*)?");
    // Shell syntax that no spec may carry. '<', '>', '|', '*', '~', '^' and '!' remain: they are version-range syntax
    // (express@^5, fastapi>=0.1,<1), safe because the installers get the specs as arguments after "--", never a shell.
    private static final Pattern SHELL = Pattern.compile("[\\s'\"`$;&(){}\\\\#]");

    private UploadPromises() {
    }

    /** A refusal the API can answer with 4xx as it is: a slug that is a plain token, a printable message. */
    static void assertWellFormed(InvalidInputException refusal) {
        assertThat(refusal.slug()).matches(SLUG);
        assertThat(refusal.getMessage()).isNotBlank().doesNotContainPattern(CONTROL);
    }

    static void assertSafeFileName(String fileName) {
        assertThat(fileName).matches(FILE_NAME).doesNotContain("/").doesNotContain("\\").doesNotContain("..");
        String lower = fileName.toLowerCase(Locale.ROOT);
        assertThat(List.of(".js", ".mjs", ".ts", ".py")).anyMatch(lower::endsWith);
    }

    static void assertSafeContent(byte[] content) {
        assertThat(content).isNotEmpty().hasSizeLessThanOrEqualTo((int) CONFIG.upload().maxFileSize().bytes()).doesNotContain((byte) 0);
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content));
        } catch (CharacterCodingException e) {
            throw new AssertionError("accepted content that is not UTF-8", e);
        }
    }

    static void assertSafeAppName(String name) {
        assertThat(name).matches(APP_NAME);
    }

    /** Specs npm or pip read as a package name and version: never a flag, URL, path or shell syntax. */
    static void assertSafeRequirements(Language language, List<String> specs) {
        assertThat(specs).hasSizeLessThanOrEqualTo(CONFIG.upload().maxRequirements()).doesNotHaveDuplicates().isSorted();
        for (String spec : specs) {
            assertThat(spec).isNotEmpty().hasSizeLessThanOrEqualTo(214).doesNotStartWith("-").doesNotStartWith(".")
                    .doesNotContain(":").doesNotContainPattern(SHELL).doesNotContainPattern(CONTROL)
                    .doesNotContainPattern("(?i)\\.(tgz|tar|tar\\.gz|zip|whl)$");
            switch (language) {
                case NODE -> {
                    assertThat(spec).matches(NPM_SPEC);
                    // The only '/' is the one after an @scope: never a path.
                    assertThat(spec.indexOf('/')).isEqualTo(spec.startsWith("@") ? spec.lastIndexOf('/') : -1);
                }
                case PYTHON -> assertThat(spec).matches(PY_SPEC).doesNotContain("/").doesNotContain("@");
            }
        }
    }

    /** A path the readiness probe can put on its request line as it is, which leaves the app's own origin for nothing. */
    static void assertSafeHealthPath(String path) {
        assertThat(path).startsWith("/").doesNotStartWith("//").hasSizeLessThanOrEqualTo(256).doesNotContain("/../");
        assertThat(path.chars()).as("visible ASCII only").allMatch(c -> c > ' ' && c < 0x7f);
    }

    static void assertSafeEnv(Map<String, String> env) {
        assertThat(env).hasSizeLessThanOrEqualTo(CONFIG.upload().maxEnvEntries());
        env.forEach((name, value) -> {
            assertThat(name).matches(ENV_NAME).hasSizeLessThanOrEqualTo(128);
            assertThat(RESERVED_ENV).doesNotContain(name);
            assertThat(value).isNotNull().doesNotContain("\0");
        });
    }
}
