package io.slipway.boot;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import io.slipway.config.SlipwayConfig.LoggingSettings;
import org.slf4j.LoggerFactory;

/**
 * Slipway's own log as {@code logging.format} says: the lines of {@code logback.xml} (an ISO-8601 UTC time, the level,
 * the logger, the message), or one JSON object per line (logback's {@link JsonEncoder}: {@code timestamp} in epoch
 * ms, {@code level}, {@code threadName}, {@code loggerName}, {@code formattedMessage}, {@code throwable} …) for log
 * shippers. For the server process
 * ({@code ./slipway up}), before anything is logged; tests in one JVM keep the text.
 */
public final class Logging {
    private Logging() {
    }

    public static void apply(LoggingSettings settings) {
        if (settings.format() != LoggingSettings.Format.JSON) return;
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) return;
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (var it = root.iteratorForAppenders(); it.hasNext(); ) {
            Appender<ILoggingEvent> appender = it.next();
            if (appender instanceof OutputStreamAppender<ILoggingEvent> stream) {
                JsonEncoder json = new JsonEncoder();
                json.setContext(context);
                // The message as written ("formattedMessage"), not its pattern and arguments; no logback context.
                json.setWithFormattedMessage(true);
                json.setWithMessage(false);
                json.setWithArguments(false);
                json.setWithContext(false);
                json.setWithSequenceNumber(false);
                json.start();
                stream.stop();
                stream.setEncoder(json);
                stream.start();
            }
        }
    }
}
