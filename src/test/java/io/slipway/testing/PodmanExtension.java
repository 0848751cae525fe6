package io.slipway.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One {@link PodmanEngine} for every test class of the run that asks for it (as a parameter of a {@code @BeforeAll},
 * {@code @BeforeEach} or test method): its service starts once, its base images are imported once, and JUnit closes it
 * when the run ends, removing what it made. Tests keep apart from each other by their data dirs' labels.
 */
public final class PodmanExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PodmanExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PodmanEngine.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return engine(context);
    }

    /** The run's engine, started at the first call: for other extensions that need it. */
    public static PodmanEngine engine(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(PodmanEngine.class, type -> PodmanEngine.start(), PodmanEngine.class);
    }
}
