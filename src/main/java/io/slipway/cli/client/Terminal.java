package io.slipway.cli.client;

import java.io.Console;

/** Whether a person is at the keyboard: decides between a progress display and plain lines, a prompt and reading stdin. */
public final class Terminal {
    private Terminal() {
    }

    /**
     * True when stdin and stdout are a terminal. Since JDK 22 {@link System#console()} answers even when they are
     * redirected, and {@code Console.isTerminal()} (JDK 22) tells; it is called reflectively as the code targets Java 21.
     */
    public static boolean interactive() {
        Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // JDK 21: a console exists only for a terminal
        }
    }
}
