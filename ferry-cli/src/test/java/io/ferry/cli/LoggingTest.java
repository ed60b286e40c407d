package io.ferry.cli;

import ch.qos.logback.classic.Level;
import io.ferry.proxy.config.ConfigException;
import io.ferry.proxy.config.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoggingTest {

    private static ServerConfig server(String path, String level) {
        return new ServerConfig("", path, level, Duration.ofSeconds(30), List.of());
    }

    @AfterEach
    void restoreDefault() throws ConfigException {
        Logging.configure(server(null, "INFO"));
    }

    @Test
    void mosnLevelsMapToLogbackWithFatalAsErrorAndAnythingElseAsInfo() {
        assertEquals(Level.TRACE, Logging.level("TRACE"));
        assertEquals(Level.DEBUG, Logging.level("DEBUG"));
        assertEquals(Level.WARN, Logging.level("WARN"));
        assertEquals(Level.ERROR, Logging.level("ERROR"));
        assertEquals(Level.ERROR, Logging.level("FATAL"));
        assertEquals(Level.INFO, Logging.level("debug"), "case-sensitive, as in MOSN");
        assertEquals(Level.INFO, Logging.level(null));
    }

    @Test
    void aFileLogPathReceivesTheLogAtTheConfiguredLevel(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("logs/mosn.log");
        Logging.configure(server(file.toString(), "WARN"));
        Logger log = LoggerFactory.getLogger("io.ferry.test");
        log.info("not shown");
        log.warn("shown {}", 42);

        String text = Files.readString(file);
        assertTrue(text.contains(" WARN  [main] test: shown 42"), text);
        assertFalse(text.contains("not shown"), text);
    }

    @Test
    void anUnknownLevelLogsAtInfoAndWarnsAboutIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ferry.log");
        Logging.configure(server(file.toString(), "verbose"));
        LoggerFactory.getLogger("x").debug("debug hidden");
        LoggerFactory.getLogger("x").info("info shown");
        String text = Files.readString(file);
        assertTrue(text.contains("servers[0].default_log_level: \"verbose\" is not one of TRACE, DEBUG, INFO, WARN,"
                + " ERROR, FATAL; using INFO"), text);
        assertTrue(text.contains("info shown"), text);
        assertFalse(text.contains("debug hidden"), text);
    }

    @Test
    void debugAppliesToFerrysLoggersWhileNettyAndKafkaStayAtWarnUnlessAsked(@TempDir Path dir) throws Exception {
        Path debug = dir.resolve("debug.log");
        Logging.configure(server(debug.toString(), "DEBUG"));
        LoggerFactory.getLogger("io.ferry.proxy.runtime.ProxyServer").debug("ferry debug line");
        LoggerFactory.getLogger("com.acme.AuditFilter").debug("plugin debug line");
        Logger netty = LoggerFactory.getLogger("io.netty.util.internal.PlatformDependent0");
        netty.debug("java.nio.Buffer.address: available");
        netty.warn("netty warning");
        Logger kafka = LoggerFactory.getLogger("org.apache.kafka.clients.producer.ProducerConfig");
        kafka.info("ProducerConfig values: acks = -1");
        String text = Files.readString(debug);
        assertTrue(text.contains("ferry debug line"), text);
        assertTrue(text.contains("plugin debug line"), text);
        assertTrue(text.contains("netty warning"), text);
        assertFalse(text.contains("java.nio.Buffer.address"), text);
        assertFalse(text.contains("ProducerConfig values"), text);

        Path asked = dir.resolve("asked.log");
        System.setProperty(Logging.LIBRARIES_PROPERTY, "DEBUG");
        try {
            Logging.configure(server(asked.toString(), "INFO"));
            netty.debug("java.nio.Buffer.address: available");
            LoggerFactory.getLogger("io.ferry.x").debug("ferry debug hidden at INFO");
        } finally {
            System.clearProperty(Logging.LIBRARIES_PROPERTY);
        }
        String askedText = Files.readString(asked);
        assertTrue(askedText.contains("java.nio.Buffer.address"), askedText);
        assertFalse(askedText.contains("ferry debug hidden"), askedText);

        Path error = dir.resolve("error.log");
        Logging.configure(server(error.toString(), "ERROR"));
        netty.warn("netty warning at ERROR");
        assertFalse(Files.readString(error).contains("netty warning at ERROR"), "a stricter level applies to libraries too");
    }

    @Test
    void anUnwritableLogPathIsAConfigError(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> Logging.configure(server(dir.toString(), "INFO")));
        assertEquals("servers[0].default_log_path: \"" + dir + "\" (expected: stdout, stderr or a writable file path;"
                + " not a writable file)", e.getMessage());
    }
}
