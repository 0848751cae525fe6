package io.slipway.testing;

import io.slipway.config.SlipwayConfig;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * One {@link TestServer} per test class, in a data dir of its own. An IT gets its server by registering the extension
 * in a static field, with the configuration it needs; the extension then fills the class's static fields:
 * <pre>{@code
 * class LifecycleIT {
 *     @RegisterExtension
 *     static final SlipwayServerExtension slipway = SlipwayServerExtension.withConfig(TestServer::fastLifecycle);
 *     static TestServer server;                // every static TestServer field
 *     @DataDir static Path dataDir;            // the server's data dir
 *     @Token("lifecycle") static String token; // a token minted for that user, on the default plan
 * }
 * }</pre>
 * Test, lifecycle and constructor parameters of those types ({@code TestServer}, {@code @DataDir Path},
 * {@code @Token("alice") String}) are resolved too.
 *
 * <p>The server starts before the class's {@code @BeforeAll} methods (which may deploy apps on it) and stops after its
 * {@code @AfterAll} methods; then its uid claims are released and its data dir is removed. That happens whatever
 * failed: a test, an {@code @AfterAll}, or the start itself half-way (the claims a failed start took are released and
 * its data dir removed, and the start's exception fails the class, naming it). A {@code @Nested} class shares its
 * enclosing class's server (its fields are already in scope); one that registers an extension of its own gets a server
 * of its own, which its fields and parameters then see.
 *
 * <p>The server is per class, and so are the tokens: they are valid for an hour. An IT that restarts Slipway, or needs
 * several servers or one per test, uses {@link TestServer#start} itself, in try-with-resources.
 */
public final class SlipwayServerExtension implements BeforeAllCallback, ParameterResolver {
    /** The server's data dir, on a static {@code Path} field or a parameter. */
    @Target({ElementType.FIELD, ElementType.PARAMETER})
    @Retention(RetentionPolicy.RUNTIME)
    public @interface DataDir {
    }

    /** A token for the user {@link #value()} (no plan claim, so the default plan), on a static {@code String} field or a parameter. */
    @Target({ElementType.FIELD, ElementType.PARAMETER})
    @Retention(RetentionPolicy.RUNTIME)
    public @interface Token {
        String value();
    }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SlipwayServerExtension.class);
    /** The server of the innermost class that started one: the one that parameters get. */
    private static final String NEAREST = "nearest";

    private final Function<Path, SlipwayConfig> config;

    private SlipwayServerExtension(Function<Path, SlipwayConfig> config) {
        this.config = Objects.requireNonNull(config);
    }

    /** {@link TestServer#config(Path)}: the defaults, on port 0, with room for as many apps and requests as a class makes. */
    public static SlipwayServerExtension withDefaults() {
        return new SlipwayServerExtension(TestServer::config);
    }

    /** {@link TestServer#config(Path)} changed by {@code tweak} ({@code TestServer::fastLifecycle}, say). */
    public static SlipwayServerExtension withConfig(UnaryOperator<SlipwayConfig> tweak) {
        return withDefaults().andConfig(tweak);
    }

    /** {@link TestServer#config(Path, Map)}: more configuration keys, as in {@code slipway.yaml}. */
    public static SlipwayServerExtension withKeys(Map<String, String> keys) {
        return new SlipwayServerExtension(dataDir -> TestServer.config(dataDir, keys));
    }

    /** Exactly the configuration {@code config} makes for the data dir, without the test defaults (for tests of the defaults). */
    public static SlipwayServerExtension withExactConfig(Function<Path, SlipwayConfig> config) {
        return new SlipwayServerExtension(config);
    }

    /** This configuration, then changed by {@code tweak}. */
    public SlipwayServerExtension andConfig(UnaryOperator<SlipwayConfig> tweak) {
        return new SlipwayServerExtension(config.andThen(tweak));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        // Registered by an enclosing class, which started the server already: a @Nested class shares it.
        if (store.get(this) != null) return;
        Class<?> testClass = context.getRequiredTestClass();
        RunningServer running = RunningServer.createDataDir(testClass);
        // In the store before it starts: JUnit closes what the store holds when the class is done, whatever failed.
        store.put(this, running);
        running.start(config);
        store.put(NEAREST, running);
        inject(testClass, running);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        Object ours = store.get(this);
        if (ours == null || ours != store.get(NEAREST)) return false;
        Class<?> type = parameter.getParameter().getType();
        return type == TestServer.class || type == Path.class && parameter.isAnnotated(DataDir.class)
                || type == String.class && parameter.isAnnotated(Token.class);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        RunningServer running = context.getStore(NAMESPACE).get(this, RunningServer.class);
        Class<?> type = parameter.getParameter().getType();
        if (type == TestServer.class) return running.server();
        if (type == Path.class) return running.dataDir();
        return running.server().token(parameter.findAnnotation(Token.class).orElseThrow().value());
    }

    private static void inject(Class<?> testClass, RunningServer running) {
        for (Field field : ReflectionSupport.findFields(testClass, f -> f.getType() == TestServer.class && isStatic(f),
                HierarchyTraversalMode.TOP_DOWN)) {
            set(field, running.server());
        }
        for (Field field : AnnotationSupport.findAnnotatedFields(testClass, DataDir.class)) {
            set(checked(field, Path.class, DataDir.class), running.dataDir());
        }
        for (Field field : AnnotationSupport.findAnnotatedFields(testClass, Token.class)) {
            set(checked(field, String.class, Token.class), running.server().token(field.getAnnotation(Token.class).value()));
        }
    }

    /** An annotated field the extension would leave unset fails the class rather than a test, later, with a null. */
    private static Field checked(Field field, Class<?> type, Class<?> annotation) {
        if (!isStatic(field) || field.getType() != type) {
            throw new ExtensionConfigurationException("@" + annotation.getSimpleName() + " " + field + ": must be a static, non-final "
                    + type.getSimpleName() + " (the server is per class)");
        }
        return field;
    }

    private static boolean isStatic(Field field) {
        return Modifier.isStatic(field.getModifiers()) && !Modifier.isFinal(field.getModifiers());
    }

    private static void set(Field field, Object value) {
        try {
            field.setAccessible(true);
            field.set(null, value);
        } catch (IllegalAccessException e) {
            throw new ExtensionConfigurationException("cannot set " + field, e);
        }
    }
}
