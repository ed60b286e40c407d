package io.ferry.filter.api.spi;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecretsTest {

    @Test
    void theNameRuleCoversTheUsualSpellingsOfACredential() {
        for (String k : List.of("secret", "ClientSecret", "access_token", "Password", "private_key", "KEY",
                "db_passwd", "pwd", "PWD", "credentials", "aws_credential", "authorization", "Auth", "oauth_client",
                "dsn", "DATABASE_DSN", "apiKey")) {
            assertTrue(Secrets.isSecretName(k), k);
        }
        for (String k : List.of("cluster", "keepalive", "address", "port_value", "strategy", "interval", "topic",
                "bootstrap_servers", "upstream_url", "dir")) {
            assertFalse(Secrets.isSecretName(k), k);
        }
    }

    @Test
    void aUrlKeepsItsHostButLosesItsUserInformation() {
        assertEquals("postgres://***REDACTED***@db.internal:5432/app?sslmode=require",
                Secrets.redactString("postgres://app:s3cr3t@db.internal:5432/app?sslmode=require"));
        assertEquals("see https://***REDACTED***@example.com/x and ftp://***REDACTED***@h/",
                Secrets.redactString("see https://tok3n@example.com/x and ftp://u:p@h/"));
        assertEquals("http://example.com/a@b", Secrets.redactString("http://example.com/a@b"), "an @ in the path");
        assertEquals("user@example.com", Secrets.redactString("user@example.com"), "not a URL");
        assertEquals("kafka://k1:9092/topic", Secrets.redactString("kafka://k1:9092/topic"));
        assertEquals(Secrets.REDACTED, Secrets.redactString("-----BEGIN RSA PRIVATE KEY-----\nAA\n-----END RSA PRIVATE KEY-----"));
    }

    @Test
    void redactHidesNamedDeclaredAndUrlValuesAtAnyDepthAndKeepsNullAndEmpty() {
        Map<String, Object> producer = new LinkedHashMap<>();
        producer.put("sasl.jaas.config", "PlainLoginModule required username=\"u\" password=\"hunter22\";");
        producer.put("security.protocol", "SASL_SSL");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("producer", producer);
        config.put("db_passwd", "pw-1234");
        config.put("upstream_url", "https://admin:pw-5678@up:8443/");
        config.put("credentials", List.of("a", "b"));
        config.put("empty_token", "");
        config.put("null_secret", null);
        config.put("cluster", "backend");

        Object out = Secrets.redact(config, Set.of("sasl.jaas.config"));

        assertEquals("{producer={sasl.jaas.config=***REDACTED***, security.protocol=SASL_SSL}, "
                + "db_passwd=***REDACTED***, upstream_url=https://***REDACTED***@up:8443/, "
                + "credentials=***REDACTED***, empty_token=, null_secret=null, cluster=backend}", out.toString());
        assertEquals("hunter22", ((Map<?, ?>) config.get("producer")).get("sasl.jaas.config").toString()
                .replaceAll(".*password=\"([^\"]+)\".*", "$1"), "the input is not modified");
    }

    @Test
    void secretValuesFindsWhatTheRuleHidesAndThePasswordInsideAJaasConfig() {
        Map<String, Object> config = Map.of(
                "producer", Map.of("sasl.jaas.config", "ScramLoginModule required username=\"svc\" password=\"hunter22\";"),
                "db_passwd", "pw-1234",
                "pin_code_key", 12345678.0,
                "url", "mysql://root:rootpw99@db/x",
                "short_token", "abc");

        Set<String> values = Secrets.secretValues(config, Set.of("sasl.jaas.config"));

        assertTrue(values.contains("ScramLoginModule required username=\"svc\" password=\"hunter22\";"), values.toString());
        assertTrue(values.contains("hunter22"), values.toString());
        assertTrue(values.contains("pw-1234"), values.toString());
        assertFalse(values.contains("12345678"), "numbers are hidden by key only, never scrubbed from free text");
        assertTrue(values.contains("rootpw99"), values.toString());
        assertFalse(values.contains("abc"), "shorter than " + Secrets.MIN_SCRUBBED_LENGTH + " is hidden by key only");
        assertFalse(values.contains("svc"));
    }

    @Test
    void scrubReplacesEveryKnownValueLongestFirst() {
        String text = "login failed for password=\"hunter22\" (config ScramLoginModule password=\"hunter22\";)";
        assertEquals("login failed for password=\"***REDACTED***\" (config ***REDACTED***)",
                Secrets.scrub(text, List.of("hunter22", "ScramLoginModule password=\"hunter22\";")));
    }

    @Test
    void configErrorsNeverShowACredential() {
        assertEquals("a.b.db_password: \"***REDACTED***\" (expected: a string)",
                FilterConfigException.format("a.b.db_password", 42, "a string"));
        assertEquals("a.tokens[1]: \"***REDACTED***\" (expected: x)", FilterConfigException.format("a.tokens[1]", "t", "x"));
        assertEquals("a.upstream: \"http://***REDACTED***@h/\" (expected: x)",
                FilterConfigException.format("a.upstream", "http://u:p@h/", "x"));
        assertEquals("a.password: missing (expected: x)", FilterConfigException.format("a.password", null, "x"));
        assertEquals("a.interval: 10 (expected: x)", FilterConfigException.format("a.interval", 10.0, "x"));
    }
}
