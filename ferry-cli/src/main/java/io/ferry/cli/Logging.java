package io.ferry.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import io.ferry.proxy.config.ConfigException;
import io.ferry.proxy.config.ServerConfig;
import io.ferry.proxy.logging.LogRedaction;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Configures logback from MOSN's {@code servers[0].default_log_path} and {@code default_log_level}, replacing the
 * bundled {@code logback.xml} (INFO to stderr).
 *
 * <ul>
 *   <li>{@code default_log_path}: {@code stdout}, {@code stderr}, or a file, appended to (its parent directories are
 *       created); absent means stderr.</li>
 *   <li>{@code default_log_level}: {@code TRACE}, {@code DEBUG}, {@code INFO}, {@code WARN}, {@code ERROR} or
 *       {@code FATAL} (case-sensitive, as in MOSN). {@code FATAL} maps to logback's {@code ERROR}; anything else is
 *       {@code INFO}, with a warning. It applies to Ferry's loggers and the filters'; the libraries underneath
 *       (Netty, kafka-clients, ...) stay at WARN unless {@code -Dferry.log.libraries=LEVEL} asks otherwise, so
 *       {@code DEBUG} (as MOSN's {@code uds-sample} sets) does not flood the start with Netty internals.</li>
 * </ul>
 *
 * <p>kafka-clients' repeated complaints (a reconnect warning a second while a broker is down) are logged once, then
 * at most once a minute with a count ({@link RepeatedLogFilter}). Every line passes through {@link LogRedaction}: the credential values of the config never reach the log.
 *
 * <p>Call once at startup, before the proxy starts, from the main thread. If SLF4J is bound to something other than
 * logback (an embedding application's choice), nothing is changed.
 */
public final class Logging {

    /** The line format, shared with {@code logback.xml}. */
    public static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{0}: %msg%n";

    private Logging() {
    }

    /**
     * Applies {@code server}'s log path and level.
     *
     * @throws ConfigException if the log file cannot be opened for writing
     */
    public static void configure(ServerConfig server) throws ConfigException {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return;
        }
        String path = server.defaultLogPath();
        String levelName = server.defaultLogLevel();
        Level level = level(levelName);

        OutputStreamAppender<ILoggingEvent> appender;
        if (path == null || path.isEmpty() || path.equals("stderr") || path.equals("stdout")) {
            ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
            console.setTarget("stdout".equals(path) ? "System.out" : "System.err");
            appender = console;
        } else {
            Path file = Path.of(path).toAbsolutePath();
            try {
                if (file.getParent() != null) {
                    Files.createDirectories(file.getParent());
                }
                if (Files.isDirectory(file) || (Files.exists(file) && !Files.isWritable(file))) {
                    throw new IOException("not a writable file");
                }
            } catch (IOException | RuntimeException e) {
                throw ConfigException.at("servers[0].default_log_path", path,
                        "stdout, stderr or a writable file path; " + e.getMessage());
            }
            FileAppender<ILoggingEvent> fileAppender = new FileAppender<>();
            fileAppender.setFile(file.toString());
            fileAppender.setAppend(true);
            appender = fileAppender;
        }

        context.reset();
        ScrubbingLayout layout = new ScrubbingLayout();
        layout.setContext(context);
        layout.setPattern(PATTERN);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        appender.setContext(context);
        appender.setName("ferry");
        appender.setEncoder(encoder);
        appender.start();
        if (!appender.isStarted()) {
            throw ConfigException.at("servers[0].default_log_path", path, "stdout, stderr or a writable file path");
        }
        RepeatedLogFilter repeats = new RepeatedLogFilter();
        repeats.setContext(context);
        repeats.setLoggerPrefix(KAFKA_CLIENTS);
        repeats.start();
        context.addTurboFilter(repeats);
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        root.addAppender(appender);
        Level libraries = librariesLevel(level);
        for (String name : LIBRARIES) {
            context.getLogger(name).setLevel(libraries);
        }

        if (levelName != null && !isMosnLevel(levelName)) {
            LoggerFactory.getLogger(Logging.class).warn("servers[0].default_log_level: \"{}\" is not one of TRACE,"
                    + " DEBUG, INFO, WARN, ERROR, FATAL; using INFO", levelName);
        }
    }

    /**
     * The loggers of the libraries Ferry runs on. MOSN's {@code default_log_level} is for MOSN's own logs: these stay
     * at WARN (or the configured level when it is stricter), so that {@code "DEBUG"} shows Ferry's and the filters'
     * debug lines without Netty's internals or kafka-clients' configuration dumps. The system property
     * {@value #LIBRARIES_PROPERTY} (a level name: TRACE, DEBUG, INFO, WARN, ERROR) asks for another level.
     */
    static final List<String> LIBRARIES = List.of("io.netty", "org.apache.kafka", "oshi", "com.google.gson",
            "com.sun.net.httpserver", "sun.net", "jdk.event");

    /** The system property that sets the level of {@link #LIBRARIES}. */
    public static final String LIBRARIES_PROPERTY = "ferry.log.libraries";

    static Level librariesLevel(Level configured) {
        String asked = System.getProperty(LIBRARIES_PROPERTY);
        if (asked != null && !asked.isBlank()) {
            return Level.toLevel(asked.trim(), Level.WARN);
        }
        return configured.isGreaterOrEqual(Level.WARN) ? configured : Level.WARN;
    }

    /** The filter of repeated kafka-clients messages that {@link #configure} installed, if any (for tests). */
    static RepeatedLogFilter repeatedLogFilter() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            for (ch.qos.logback.classic.turbo.TurboFilter f : context.getTurboFilterList()) {
                if (f instanceof RepeatedLogFilter r) {
                    return r;
                }
            }
        }
        return null;
    }

    /** kafka-clients' loggers, whose repeated messages {@link RepeatedLogFilter} thins out. */
    static final String KAFKA_CLIENTS = "org.apache.kafka";

    /** MOSN's level name → logback's; FATAL is ERROR; anything else (including null) is INFO. */
    public static Level level(String mosnLevel) {
        if (mosnLevel == null || !isMosnLevel(mosnLevel)) {
            return Level.INFO;
        }
        return mosnLevel.equals("FATAL") ? Level.ERROR : Level.toLevel(mosnLevel.toLowerCase(Locale.ROOT), Level.INFO);
    }

    private static boolean isMosnLevel(String s) {
        switch (s) {
            case "TRACE": case "DEBUG": case "INFO": case "WARN": case "ERROR": case "FATAL":
                return true;
            default:
                return false;
        }
    }
}
